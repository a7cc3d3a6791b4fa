"""The losses of aino.nn.loss: value and input gradient against PyTorch (float64) and against central
differences, the reference documents' losses against their formulas, dtypes, and clear errors."""

import numpy as np
import pytest

from aino import backend
from aino.gradcheck import numerical_gradient
from aino.nn import BinaryCrossEntropy, CrossEntropy, SoftmaxCrossEntropyLoss
from aino.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from aino.tensor import Tensor

REDUCTIONS = ["mean", "sum", "none"]
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])  # for 4 classes
LOSSES = {cls.__name__: cls for cls in (MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss)}


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    yield torch
    torch.set_num_threads(threads)


# --- the cases: (loss class name, options, input shape, what the input and target are) ---------


def _case(name, options, shape, kind):
    label = ",".join(f"{k}={'w' if isinstance(v, np.ndarray) else v}" for k, v in options.items())
    return pytest.param(name, options, shape, kind, id=f"{name}-{kind}-{shape}-{label or 'plain'}")


def _cases():
    cases = []
    for name in ("MSELoss", "L1Loss"):
        cases += [_case(name, {}, shape, "regression") for shape in [(5, 3), (2, 3, 4)]]
    ce_options = [
        {},
        {"weight": CLASS_WEIGHT},
        {"ignore_index": 1},
        {"ignore_index": -100},
        {"label_smoothing": 0.2},
        {"label_smoothing": 0.2, "weight": CLASS_WEIGHT},
        {"label_smoothing": 0.2, "weight": CLASS_WEIGHT, "ignore_index": -100},
    ]
    for options in ce_options:
        cases += [_case("CrossEntropyLoss", options, shape, "indices") for shape in [(6, 4), (3, 4, 5), (2, 4, 3, 2), (4,)]]
    prob_options = [{}, {"weight": CLASS_WEIGHT}, {"label_smoothing": 0.3}, {"label_smoothing": 0.3, "weight": CLASS_WEIGHT}]
    for options in prob_options:
        cases += [_case("CrossEntropyLoss", options, shape, "probabilities") for shape in [(6, 4), (3, 4, 5)]]
    for options in [{}, {"weight": CLASS_WEIGHT}, {"ignore_index": 2}, {"weight": CLASS_WEIGHT, "ignore_index": -100}]:
        cases += [_case("NLLLoss", options, shape, "log_probabilities") for shape in [(6, 4), (3, 4, 5)]]
    for options in [{}, {"weight": np.linspace(0.5, 2.0, 4)}, {"weight": np.linspace(0.5, 2.0, 24).reshape(6, 4)}]:
        cases += [_case("BCELoss", options, (6, 4), kind) for kind in ("binary_probabilities", "soft_probabilities")]
    for options in [{}, {"weight": np.linspace(0.5, 2.0, 4)}, {"pos_weight": np.array([0.5, 1.0, 2.0, 4.0])},
                    {"weight": np.linspace(0.5, 2.0, 4), "pos_weight": np.array([3.0, 1.0, 0.2, 2.0])}]:
        cases += [_case("BCEWithLogitsLoss", options, (6, 4), kind) for kind in ("binary_logits", "soft_logits")]
    return cases


CASES = _cases()


def _data(shape, kind, options, seed=0):
    """(input, target) as float64 NumPy arrays (integer indices for class targets)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 1.5
    class_axis = 1 if len(shape) > 1 else 0
    classes = shape[class_axis]
    if kind == "regression":
        return x, rng.standard_normal(shape)
    if kind in ("indices", "log_probabilities"):
        target = rng.integers(0, classes, size=shape[:class_axis] + shape[class_axis + 1:])
        if "ignore_index" in options and target.size > 3:
            target.flat[[0, 3]] = options["ignore_index"]
        elif target.ndim == 0 and target == options.get("ignore_index"):
            target = (target + 1) % classes  # one ignored sample would leave nothing to average
        if kind == "log_probabilities":
            x = _log_softmax(x, class_axis)
        return x, target
    if kind == "probabilities":
        return x, np.exp(_log_softmax(rng.standard_normal(shape), class_axis))
    if kind.endswith("probabilities"):  # BCELoss: p in (0, 1)
        x = rng.uniform(0.05, 0.95, shape)
    target = rng.integers(0, 2, shape).astype(float) if kind.startswith("binary") else rng.uniform(0, 1, shape)
    return x, target


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _host(array):
    return backend.move_array(array, "cpu")


def _aino_value_and_grad(loss_fn, x, target, upstream, device="cpu"):
    """The loss of x and d(upstream . loss)/dx, both as NumPy arrays."""
    t = Tensor(x, requires_grad=True, device=device)
    out = loss_fn(t, target)
    out.backward(backend.move_array(upstream, device))
    return _host(out.data), _host(t.grad.data)


# --- parity with PyTorch -------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, options, shape, kind", CASES)
def test_value_and_gradient_equal_pytorch(torch, device, name, options, shape, kind, reduction):
    x, target = _data(shape, kind, options)
    aino_loss = LOSSES[name](reduction=reduction, **options)
    torch_options = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    torch_loss = getattr(torch.nn, name)(reduction=reduction, **torch_options)

    xt = torch.tensor(x, requires_grad=True)
    expected = torch_loss(xt, torch.tensor(target))
    upstream = np.random.default_rng(1).uniform(0.5, 1.5, tuple(expected.shape))
    expected.backward(torch.tensor(upstream))

    value, grad = _aino_value_and_grad(aino_loss, x, target, upstream, device)
    assert value.shape == tuple(expected.shape)
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-9, atol=1e-12)


# --- central differences, no PyTorch -------------------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "none"])  # "sum" is "mean" times a constant
@pytest.mark.parametrize("name, options, shape, kind", CASES)
def test_gradient_equals_central_differences(name, options, shape, kind, reduction):
    x, target = _data(shape, kind, options, seed=2)
    loss_fn = LOSSES[name](reduction=reduction, **options)
    upstream = np.random.default_rng(3).uniform(0.5, 1.5, loss_fn(x, target).shape)

    def f(point):
        return float((loss_fn(point, target).data * upstream).sum())

    _, grad = _aino_value_and_grad(loss_fn, x, target, upstream)
    np.testing.assert_allclose(grad, numerical_gradient(f, x), rtol=1e-6, atol=1e-8)


# --- the losses of reference document 004 --------------------------------------------------------


def _one_hot(indices, classes):
    return np.eye(classes)[indices]


@pytest.mark.parametrize("loss_class", [CrossEntropy, SoftmaxCrossEntropyLoss])
def test_document_004_one_hot_losses_equal_pytorch_on_the_recovered_indices(torch, loss_class):
    rng = np.random.default_rng(4)
    logits, labels = rng.standard_normal((8, 5)), rng.integers(0, 5, 8)
    one_hot = _one_hot(labels, 5)

    xt = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(xt, torch.tensor(one_hot.argmax(axis=1)))
    expected.backward()
    value, grad = _aino_value_and_grad(loss_class(), logits, one_hot, np.ones(()))

    np.testing.assert_allclose(value, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(grad, xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    rng = np.random.default_rng(5)
    logits, labels = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    y = _one_hot(labels, 3)
    p = np.exp(_log_softmax(logits, 1))

    value, grad = _aino_value_and_grad(CrossEntropy(), logits, y, np.ones(()))

    np.testing.assert_allclose(value, -(y * np.log(p)).sum(axis=1).mean(), rtol=1e-12)
    np.testing.assert_allclose(grad, (p - y) / 6, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("shape", [(7, 4), (3, 5, 4), (2, 2, 3, 4)])
def test_softmax_cross_entropy_loss_indices_and_one_hot_agree_for_any_leading_shape(torch, shape):
    rng = np.random.default_rng(6)
    logits, labels = rng.standard_normal(shape), rng.integers(0, shape[-1], shape[:-1])

    xt = torch.tensor(logits.reshape(-1, shape[-1]), requires_grad=True)
    expected = torch.nn.functional.cross_entropy(xt, torch.tensor(labels.reshape(-1)))  # mean over all positions
    expected.backward()
    for target in (labels, _one_hot(labels, shape[-1])):
        value, grad = _aino_value_and_grad(SoftmaxCrossEntropyLoss(), logits, target, np.ones(()))
        np.testing.assert_allclose(value, expected.item(), rtol=1e-12)
        np.testing.assert_allclose(grad.reshape(-1, shape[-1]), xt.grad.numpy(), rtol=1e-10, atol=1e-15)


def test_softmax_cross_entropy_loss_on_the_transformer_example_shapes():
    rng = np.random.default_rng(7)
    logits = Tensor(rng.standard_normal((32, 22, 1000)).astype(np.float32), requires_grad=True)
    labels = Tensor(rng.integers(0, 1000, size=(32, 22)))

    loss = SoftmaxCrossEntropyLoss()(logits, labels)
    loss.backward()

    assert loss.shape == () and loss.dtype == np.float32
    assert logits.grad.shape == (32, 22, 1000) and logits.grad.dtype == np.float32
    np.testing.assert_allclose(logits.grad.data.sum(axis=-1), 0, atol=1e-6)  # softmax - one_hot sums to 0 per row
    assert 6.5 < loss.item() < 8.0  # about log(1000) = 6.9 for random logits


# --- document 003's BinaryCrossEntropy ----------------------------------------------------------


def test_document_003_binary_cross_entropy_backward_equals_pytorch_gradient(torch):
    rng = np.random.default_rng(8)
    predictions, y = rng.uniform(0.05, 0.95, (4, 1)), np.array([[0.0], [1.0], [1.0], [0.0]])
    criterion = BinaryCrossEntropy()

    loss = criterion(Tensor(predictions), y)
    gradient = criterion.backward()

    pt = torch.tensor(predictions, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(pt, torch.tensor(y))
    expected.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(gradient, pt.grad.numpy(), rtol=1e-10)
    assert f"{loss:.4f}" == f"{expected.item():.4f}"


def test_document_003_binary_cross_entropy_keeps_shape_and_dtype_and_clamps_saturated_outputs():
    predictions = np.array([[0.0], [1.0], [0.3], [1.0]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    criterion = BinaryCrossEntropy()

    loss = criterion(predictions, y)
    gradient = criterion.backward()

    assert loss.dtype == np.float32 and np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), (-np.log(0.3) + 100) / 4, rtol=1e-6)  # log(0) counts as -100
    assert gradient.shape == (4, 1) and gradient.dtype == np.float32
    assert np.all(np.isfinite(gradient))


def test_document_003_binary_cross_entropy_backward_before_a_call_is_an_error():
    with pytest.raises(RuntimeError, match="BinaryCrossEntropy"):
        BinaryCrossEntropy().backward()


# --- dtypes, arrays, devices --------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, options, shape, kind", CASES[::5])
def test_float32_inputs_give_float32_losses_and_gradients(device, name, options, shape, kind, reduction):
    x, target = _data(shape, kind, options)
    t = Tensor(x.astype(np.float32), requires_grad=True, device=device)

    loss = LOSSES[name](reduction=reduction, **options)(t, target)
    loss.sum().backward()

    assert loss.dtype == np.float32 and t.grad.dtype == np.float32


@pytest.mark.parametrize("loss_fn, x, target", [
    (MSELoss(), np.ones((2, 3)), np.zeros((2, 3))),
    (CrossEntropyLoss(), np.zeros((2, 3)), np.array([0, 2])),
    (SoftmaxCrossEntropyLoss(), np.zeros((2, 3)), np.array([0.0, 2.0])),  # document 004: whole-number floats are indices
    (SoftmaxCrossEntropyLoss(), [[0.0, 0.0], [0.0, 0.0]], [[1, 0], [0, 1]]),
])
def test_arrays_and_lists_are_accepted_and_give_a_one_element_tensor(loss_fn, x, target):
    loss = loss_fn(x, target)

    assert isinstance(loss, Tensor) and loss.shape == () and not loss.requires_grad
    assert loss.item() == pytest.approx(1.0 if isinstance(loss_fn, MSELoss) else np.log(len(x[0])))


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss"])
def test_a_target_that_requires_a_gradient_gets_pytorchs(torch, name):
    x, y = np.array([0.0, 2.0, -1.0]), np.array([0.5, 1.0, 3.0])
    ours_x, ours_y = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    theirs_x, theirs_y = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)

    LOSSES[name]()(ours_x, ours_y).backward()
    getattr(torch.nn, name)()(theirs_x, theirs_y).backward()

    np.testing.assert_allclose(ours_y.grad.numpy(), theirs_y.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


def test_gradient_descent_on_cross_entropy_learns_the_labels():
    rng = np.random.default_rng(9)
    logits = Tensor(rng.standard_normal((10, 3)), requires_grad=True)
    labels = rng.integers(0, 3, 10)
    loss_fn, losses = CrossEntropyLoss(), []
    for _ in range(30):
        loss = loss_fn(logits, labels)
        loss.backward()
        logits.data -= 10.0 * logits.grad.data
        logits.grad = None
        losses.append(loss.item())

    assert losses[-1] < 0.2 * losses[0]
    assert np.all(logits.data.argmax(axis=1) == labels)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss_fn, x, target, words", [
    (CrossEntropyLoss(), np.zeros((4, 3)), np.zeros(5, dtype=int), ["CrossEntropyLoss", "(4,)", "(5,)", "(4, 3)"]),
    (CrossEntropyLoss(), np.zeros((4, 3)), np.array([0, 1, 3, 2]), ["CrossEntropyLoss", "[0, 3)", "got 3"]),
    (SoftmaxCrossEntropyLoss(), np.zeros((4, 3)), np.array([0.0, 1.5, 2.0, 1.0]), ["SoftmaxCrossEntropyLoss", "whole-number"]),
    (CrossEntropyLoss(weight=[1.0, 2.0]), np.zeros((4, 3)), np.array([0, 1, 2, 1]), ["CrossEntropyLoss", "(3,)", "(2,)"]),
    (NLLLoss(), np.zeros((4, 3)), np.zeros((4, 3)), ["NLLLoss", "(4,)", "(4, 3)"]),
    (NLLLoss(), np.zeros((2, 3)), np.array([-1, 0]), ["NLLLoss", "[0, 3)", "got -1"]),
    (SoftmaxCrossEntropyLoss(), np.zeros((4, 3)), np.eye(4), ["SoftmaxCrossEntropyLoss", "(4, 3)", "(4, 4)"]),
    (SoftmaxCrossEntropyLoss(), np.zeros((4, 3)), np.array([0, 1, 2, -100]), ["SoftmaxCrossEntropyLoss", "[0, 3)", "-100"]),
    (CrossEntropy(), np.zeros((4, 3)), np.eye(2), ["CrossEntropy", "(4, 3)", "(2, 2)"]),
    (MSELoss(), np.zeros((4, 1)), np.zeros(4), ["MSELoss", "(4, 1)", "(4,)"]),
    (L1Loss(), np.zeros((4, 2)), np.zeros((3, 2)), ["L1Loss", "(4, 2)", "(3, 2)"]),
    (BCELoss(), np.array([0.5, 1.5]), np.array([0.0, 1.0]), ["BCELoss", "[0, 1]", "1.5", "(2,)"]),
    (BCELoss(weight=np.ones(3)), np.full((2, 2), 0.5), np.ones((2, 2)), ["BCELoss", "weight", "(2, 2)", "(3,)"]),
    (BCEWithLogitsLoss(pos_weight=np.ones(3)), np.zeros((2, 2)), np.ones((2, 2)), ["BCEWithLogitsLoss", "pos_weight", "(3,)"]),
    (BinaryCrossEntropy(), np.full((4, 1), 0.5), np.ones((1, 4)), ["BinaryCrossEntropy", "(4, 1)", "(1, 4)"]),
])
def test_bad_input_raises_a_value_error_naming_the_loss_and_the_shapes(loss_fn, x, target, words):
    with pytest.raises(ValueError) as error:
        loss_fn(x, target)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize("make", [
    lambda: MSELoss(reduction="average"),
    lambda: CrossEntropyLoss(label_smoothing=1.5),
    lambda: BCEWithLogitsLoss(reduction="max"),
])
def test_bad_options_raise_a_value_error(make):
    with pytest.raises(ValueError, match="Loss"):
        make()

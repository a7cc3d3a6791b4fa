"""Cross-entropy, log-softmax, softmax, NLL and BCE-with-logits at the edges of the float range, against
PyTorch in float32 and float64: logits of +-numpy.finfo(dtype).max and -inf, forward values and input
gradients. Wherever PyTorch is finite aino must be finite and equal; where PyTorch gives inf or NaN (a -inf
logit on the target class, every logit -inf) aino gives the same."""

import numpy as np
import pytest

from aino import backend
from aino.nn.loss import BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss
from aino.tensor import Tensor

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's notes on -max - max = -inf: the very cases

DTYPES = ["float32", "float64"]
INF = float("inf")


def rows(dtype):
    """Rows of 3 logits each: the largest float both ways, -inf, and mixtures (row 0 is ordinary)."""
    big = float(np.finfo(dtype).max)
    return np.array([
        [0.5, -1.0, 2.0],
        [big, -big, 0.0],
        [-big, big, -big],
        [big, big, big],
        [-big, -big, -big],
        [-INF, 0.0, 1.0],
        [0.0, -INF, -INF],
        [big, 0.0, -INF],
    ], dtype=dtype)


def run_aino(function, z, device):
    x = Tensor(z, requires_grad=True, device=device)
    y = function(x)
    y.sum().backward()
    return backend.move_array(y.data, "cpu"), backend.move_array(x.grad.data, "cpu")


def run_torch(function, z):
    x = torch.tensor(z, requires_grad=True)
    y = function(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def assert_like_torch(ours, theirs, dtype, only_where_torch_is_finite=False):
    """Equal values (inf and NaN in the same places) and, wherever PyTorch is finite, finite here too.

    only_where_torch_is_finite: compare only there (where PyTorch's own 0 * -inf makes a NaN, aino may be right)."""
    tolerance = {"float32": 1e-5, "float64": 1e-12}[dtype]
    for mine, expected in zip(ours, theirs):
        assert mine.dtype == expected.dtype
        finite = np.isfinite(expected)
        if only_where_torch_is_finite:
            mine, expected = mine[finite], expected[finite]
        assert np.array_equal(np.isfinite(mine), np.isfinite(expected))
        np.testing.assert_allclose(mine, expected, rtol=tolerance, atol=tolerance, equal_nan=True)


# --- cross-entropy: every row, every target class, with and without label smoothing, all three reductions ---


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "sum"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("target", [0, 1, 2])
def test_cross_entropy_of_extreme_logits_is_pytorchs(device, dtype, reduction, label_smoothing, target):
    z = rows(dtype)
    labels = np.full(len(z), target)
    ours = run_aino(lambda x: CrossEntropyLoss(reduction=reduction, label_smoothing=label_smoothing)(x, labels), z, device)
    theirs = run_torch(lambda x: torch.nn.functional.cross_entropy(
        x, torch.tensor(labels), reduction=reduction, label_smoothing=label_smoothing), z)

    assert_like_torch(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_finite_where_it_used_to_give_nan(dtype, device):
    """The issue's cases: a class the target does not hold sits at -inf (or at -max against +max)."""
    big = float(np.finfo(dtype).max)
    z = np.array([[big, -big], [-INF, 0.0], [0.0, -INF], [big, -INF]], dtype=dtype)
    labels = np.array([0, 1, 0, 0])

    loss, grad = run_aino(lambda x: CrossEntropyLoss(reduction="none")(x, labels), z, device)

    assert loss.tolist() == [0.0, 0.0, 0.0, 0.0]  # each target class has probability 1
    assert np.all(grad == 0)  # softmax(z) - one_hot(y) = 0
    assert_like_torch((loss, grad), run_torch(
        lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(labels), reduction="none"), z), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_class_probabilities_and_weights_of_extreme_logits_is_pytorchs(dtype, device):
    """Where PyTorch is finite, equal; where a class of probability 0 has a -inf logit, PyTorch's 0 * -inf gives
    NaN and aino the limit (0 log 0 = 0)."""
    z = rows(dtype)
    q = np.tile(np.array([0.0, 0.3, 0.7], dtype=dtype), (len(z), 1))
    weight = np.array([1.0, 2.0, 0.5], dtype=dtype)
    ours = run_aino(lambda x: CrossEntropyLoss(weight=weight, reduction="none")(x, q), z, device)
    theirs = run_torch(lambda x: torch.nn.functional.cross_entropy(
        x, torch.tensor(q), weight=torch.tensor(weight), reduction="none"), z)

    assert_like_torch(ours, theirs, dtype, only_where_torch_is_finite=True)
    log_p1, log_p2 = -np.log1p(np.e), 1 - np.log1p(np.e)  # row [-inf, 0, 1], by hand: log softmax of [0, 1]
    assert np.isnan(theirs[0][5]) and ours[0][5] == pytest.approx(-(0.3 * 2.0 * log_p1 + 0.7 * 0.5 * log_p2), rel=1e-6)


# --- log-softmax, softmax and NLL on log-probabilities -------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["log_softmax", "softmax"])
def test_log_softmax_and_softmax_of_extreme_logits_are_pytorchs(device, dtype, name):
    z = rows(dtype)
    weights = np.array([1.0, -2.0, 3.0], dtype=dtype)  # a loss that is not the plain sum: the backward is exercised
    ours = run_aino(lambda x: getattr(x, name)(1) * Tensor(weights, device=device), z, device)
    theirs = run_torch(lambda x: getattr(x, name)(1) * torch.tensor(weights), z)

    assert_like_torch(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", [0, 1, 2])
def test_nll_of_log_softmax_of_extreme_logits_is_pytorchs(dtype, target, device):
    z = rows(dtype)
    labels = np.full(len(z), target)
    ours = run_aino(lambda x: NLLLoss(reduction="none")(x.log_softmax(1), labels), z, device)
    theirs = run_torch(lambda x: torch.nn.functional.nll_loss(x.log_softmax(1), torch.tensor(labels), reduction="none"), z)

    assert_like_torch(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_over_an_empty_axis_is_empty_as_pytorch(dtype, device):
    z = np.zeros((3, 0), dtype=dtype)
    for name in ("softmax", "log_softmax"):
        ours = run_aino(lambda x: getattr(x, name)(1), z, device)
        theirs = run_torch(lambda x: getattr(x, name)(1), z)
        assert ours[0].shape == theirs[0].shape == (3, 0) and ours[1].shape == theirs[1].shape == (3, 0)


# --- binary cross-entropy on logits --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pos_weight", [None, 3.0])
@pytest.mark.parametrize("target", [0.0, 0.5, 1.0])
def test_bce_with_logits_of_extreme_logits_is_pytorchs(device, dtype, pos_weight, target):
    big = float(np.finfo(dtype).max)
    x = np.array([big, -big, INF, -INF, 0.0, 30.0, -30.0], dtype=dtype)
    y = np.full(x.shape, target, dtype=dtype)
    weight = None if pos_weight is None else np.array([pos_weight], dtype=dtype)
    ours = run_aino(lambda t: BCEWithLogitsLoss(reduction="none", pos_weight=weight)(t, y), x, device)
    theirs = run_torch(lambda t: torch.nn.functional.binary_cross_entropy_with_logits(
        t, torch.tensor(y), reduction="none", pos_weight=None if weight is None else torch.tensor(weight)), x)

    assert_like_torch(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_gradient_at_minus_infinity_is_finite(dtype, device):
    """d/dx of BCE-with-logits is (1 - y) - (1 + (pw - 1) y) sigmoid(-x); at x = -inf sigmoid(-x) = 1. It used to be NaN."""
    x = np.full(3, -INF, dtype=dtype)
    y = np.array([0.0, 0.5, 1.0], dtype=dtype)

    loss_fn = BCEWithLogitsLoss(reduction="none", pos_weight=np.array([3.0], dtype))
    _, grad = run_aino(lambda t: loss_fn(t, y), x, device)

    np.testing.assert_array_equal(grad, np.array([0.0, -1.5, -3.0], dtype=dtype))  # by hand: (1 - y) - (1 + 2 y)

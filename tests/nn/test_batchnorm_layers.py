"""BatchNorm1d and BatchNorm2d against PyTorch (float64, same weights and buffers) and central differences."""

import inspect

import numpy as np
import pytest

import aino
from aino.gradcheck import numerical_gradient
from aino.nn import Linear, Sequential
from aino.nn.normalization import BatchNorm1d, BatchNorm2d
from aino.tensor import Tensor

from nn_helpers import assert_close, forward_backward

torch = pytest.importorskip("torch")

LAYERS = [  # (ours, theirs, input shape)
    (BatchNorm1d, torch.nn.BatchNorm1d, (6, 4)),
    (BatchNorm1d, torch.nn.BatchNorm1d, (5, 4, 3)),
    (BatchNorm2d, torch.nn.BatchNorm2d, (3, 4, 5, 2)),
]
OPTIONS = [
    {},
    {"momentum": 0.3},
    {"momentum": None},
    {"eps": 1e-2},
    {"affine": False},
    {"track_running_stats": False},
    {"affine": False, "track_running_stats": False},
]
if "bias" in inspect.signature(torch.nn.BatchNorm1d).parameters:  # PyTorch's keyword-only bias=, new in 2.x
    OPTIONS.append({"bias": False})


def layer_ids(case):
    return f"{case[0].__name__}{case[2]}"


def make_pair(ours_class, theirs_class, device, **options):
    """Our layer and PyTorch's in float64, with random weights and running statistics copied from PyTorch's."""
    theirs = theirs_class(4, **options).double()
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, tensor in theirs.state_dict().items():
            if name in ("weight", "bias", "running_mean"):
                tensor.copy_(torch.randn(4, generator=generator, dtype=torch.float64))
            elif name == "running_var":
                tensor.copy_(torch.rand(4, generator=generator, dtype=torch.float64) + 0.5)
    ours = ours_class(4, **options, dtype="float64", device=device)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def assert_same_state(ours, theirs):
    theirs_state = theirs.state_dict()
    ours_state = ours.state_dict()
    assert list(ours_state) == list(theirs_state)
    for name, value in ours_state.items():
        assert value.dtype == theirs_state[name].numpy().dtype, name
        np.testing.assert_allclose(value, theirs_state[name].numpy(), rtol=1e-12, atol=1e-15, err_msg=name)


def assert_same_parameter_grads(ours, theirs):
    for name, param in theirs.named_parameters():
        ours_param = getattr(ours, name)
        np.testing.assert_allclose(ours_param.grad.numpy(), param.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("options", OPTIONS, ids=repr)
@pytest.mark.parametrize("case", LAYERS, ids=layer_ids)
def test_training_steps_then_eval_match_pytorch(case, options, device):
    ours_class, theirs_class, shape = case
    ours, theirs = make_pair(ours_class, theirs_class, device, **options)
    rng = np.random.default_rng(1)
    for _ in range(3):  # training steps: batch statistics, running statistics updated
        assert_same_step(ours, theirs, rng.normal(loc=1.5, scale=3.0, size=shape), rng.normal(size=shape), device)
    ours.eval()
    theirs.eval()
    assert_same_step(ours, theirs, rng.normal(size=shape), rng.normal(size=shape), device)  # running stats untouched


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("case", LAYERS[1:], ids=layer_ids)
def test_gradients_match_central_differences(case, training, device):
    ours_class, _, shape = case
    shape = (2,) + shape[1:]
    rng = np.random.default_rng(2)
    layer = ours_class(4, dtype="float64", device=device)
    layer.weight.data[...] = rng.normal(size=4)
    layer.bias.data[...] = rng.normal(size=4)
    layer.running_mean.data[...] = rng.normal(size=4)
    layer.running_var.data[...] = rng.uniform(0.5, 1.5, size=4)
    layer.train(training)
    x, weights = rng.normal(size=shape), rng.normal(size=shape)

    def loss(x_value, weight_value):
        with aino.no_grad():
            layer.weight.data[...] = weight_value
            return float((layer(Tensor(x_value, device=device)).numpy() * weights).sum())

    weight = layer.weight.numpy().copy()
    xa = Tensor(x, requires_grad=True, device=device)
    (layer(xa) * Tensor(weights, device=device)).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), numerical_gradient(lambda v: loss(v, weight), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        layer.weight.grad.numpy(), numerical_gradient(lambda w: loss(x, w), weight), rtol=1e-6, atol=1e-8
    )


def test_momentum_none_keeps_the_plain_average_of_batch_statistics(device):
    layer = BatchNorm1d(3, momentum=None, dtype="float64", device=device)
    batches = [np.random.default_rng(seed).normal(loc=seed, size=(8, 3)) for seed in range(4)]
    for batch in batches:
        layer(Tensor(batch, device=device))
    np.testing.assert_allclose(layer.running_mean.numpy(), np.mean([b.mean(axis=0) for b in batches], axis=0))
    np.testing.assert_allclose(layer.running_var.numpy(), np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0))
    assert layer.num_batches_tracked.item() == 4


def test_fresh_layers_start_as_pytorchs_with_its_state_dict_keys():
    for ours, theirs in ((BatchNorm1d(5), torch.nn.BatchNorm1d(5)), (BatchNorm2d(5), torch.nn.BatchNorm2d(5))):
        assert_same_state(ours, theirs)
        assert ours.weight.dtype == np.float32 and ours.num_batches_tracked.dtype == np.int64
        assert [name for name, _ in ours.named_parameters()] == ["weight", "bias"]
        assert repr(ours) == f"{type(ours).__name__}(5, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
        theirs.load_state_dict({name: torch.from_numpy(value) for name, value in ours.state_dict().items()})
    assert BatchNorm2d(5, affine=False, track_running_stats=False).state_dict() == {}
    assert list(BatchNorm1d(5, affine=False).state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]


def test_eval_mode_treats_one_sample_as_inside_a_batch(device):
    model = Sequential(Linear(3, 4, dtype="float64", device=device), BatchNorm1d(4, dtype="float64", device=device))
    x = Tensor(np.random.default_rng(3).normal(size=(10, 3)), device=device)
    for _ in range(5):
        model(x)
    model.eval()
    alone = model(x[2:3]).numpy()
    np.testing.assert_allclose(alone, model(x).numpy()[2:3], rtol=1e-12, atol=1e-15)  # 1-row products round apart
    model.train()
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\) needs more than 1 value per channel"):
        model(x[2:3])


def test_training_normalises_each_channel_to_mean_0_and_variance_1(device):
    x = Tensor(np.random.default_rng(4).normal(loc=5.0, scale=3.0, size=(16, 3, 4, 4)), device=device)
    y = BatchNorm2d(3, dtype="float64", device=device)(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)


def test_reset_running_stats(device):
    layer = BatchNorm1d(2, device=device)
    layer(Tensor(np.random.default_rng(5).normal(loc=3.0, size=(4, 2)), dtype="float32", device=device))
    layer.reset_running_stats()
    assert_same_state(layer, torch.nn.BatchNorm1d(2))


@pytest.mark.parametrize(
    "layer, shape, message",
    [
        (BatchNorm1d(4), (8, 3), r"BatchNorm1d\(4\) expected input of shape \(N, 4\) or \(N, 4, L\), got \(8, 3\)"),
        (BatchNorm1d(4), (2, 4, 3, 3), r"BatchNorm1d\(4\) expected input .* got \(2, 4, 3, 3\)"),
        (BatchNorm2d(3), (8, 1, 28, 28), r"BatchNorm2d\(3\) expected input of shape \(N, 3, H, W\), got \(8, 1, 28, 28\)"),
        (BatchNorm2d(3), (3,), r"BatchNorm2d\(3\) expected input .* got \(3,\)"),
    ],
)
def test_bad_input_shapes_are_named(layer, shape, message):
    with pytest.raises(ValueError, match=message):
        layer(Tensor(np.zeros(shape, dtype=np.float32)))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="BatchNorm2d: num_features must be an integer >= 1, got 0"):
        BatchNorm2d(0)
    with pytest.raises(ValueError, match=r"BatchNorm1d: momentum must be a finite number in \[0.0, 1.0\], got 2"):
        BatchNorm1d(3, momentum=2)
    with pytest.raises(ValueError, match="BatchNorm1d: eps must be a finite number > 0, got 0"):
        BatchNorm1d(3, eps=0)


def assert_same_step(ours, theirs, x, grad_out, device):
    """One forward and backward of both layers: same outputs, input and parameter gradients, and state."""
    ours.zero_grad()
    theirs.zero_grad()
    y, gx, yt, gxt = forward_backward(ours, theirs, x, grad_out, device)
    assert_close(y, yt)
    assert_close(gx, gxt)
    assert_same_parameter_grads(ours, theirs)
    assert_same_state(ours, theirs)

"""The activation layers of issue 15 against PyTorch's (float64): SiLU, Mish, Hardtanh, ReLU6, Hardsigmoid,
Hardswish, LogSigmoid and Softmin, built with PyTorch's arguments; and silu, hardtanh, relu6 and mish on the
classic path (aino.activations), whose formulas the fast-path ops share."""

import numpy as np
import pytest

from aino import NeuralNetwork
from aino.activations import get_activation
from aino.nn import activation as layers
from aino.tensor import Tensor

from nn_helpers import forward_backward, rand

torch = pytest.importorskip("torch")

LAYERS = {
    # name: (ours, theirs)
    "silu": (lambda: layers.SiLU(), lambda: torch.nn.SiLU()),
    "mish": (lambda: layers.Mish(), lambda: torch.nn.Mish()),
    "hardtanh": (lambda: layers.Hardtanh(), lambda: torch.nn.Hardtanh()),
    "hardtanh_bounds": (lambda: layers.Hardtanh(-2.0, 0.5), lambda: torch.nn.Hardtanh(-2.0, 0.5)),
    "hardtanh_keywords": (lambda: layers.Hardtanh(min_val=0.0, max_val=3.0, inplace=True),
                          lambda: torch.nn.Hardtanh(min_val=0.0, max_val=3.0)),  # torch's in place refuses a leaf
    "silu_inplace": (lambda: layers.SiLU(inplace=True), lambda: torch.nn.SiLU()),
    "relu6": (lambda: layers.ReLU6(), lambda: torch.nn.ReLU6()),
    "hardsigmoid": (lambda: layers.Hardsigmoid(), lambda: torch.nn.Hardsigmoid()),
    "hardswish": (lambda: layers.Hardswish(), lambda: torch.nn.Hardswish()),
    "logsigmoid": (lambda: layers.LogSigmoid(), lambda: torch.nn.LogSigmoid()),
    "softmin": (lambda: layers.Softmin(dim=1), lambda: torch.nn.Softmin(dim=1)),
    "softmin_last": (lambda: layers.Softmin(-1), lambda: torch.nn.Softmin(-1)),
}


def away_from_kinks(shape, seed=0):
    """Values spread over [-8, 8] (past the kinks at +-3 and 6), kept 1e-3 from the kinks themselves."""
    x = rand(shape, seed) * 4
    kinks = np.array([-3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0])
    near = np.min(np.abs(x[..., None] - kinks), axis=-1) < 1e-3
    return np.where(near, x + 0.01, x)


@pytest.mark.parametrize("shape", [(3, 4, 2), (1, 5), (2, 0)], ids=str)
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_pytorch(name, shape, device):
    ours, theirs = LAYERS[name][0](), LAYERS[name][1]().double()
    x = away_from_kinks(shape)
    grad_out = rand(shape, seed=1)
    y, gx, yt, gxt = forward_backward(ours, theirs, x, grad_out, device=device)
    rtol = 1e-7 if name == "hardsigmoid" else 1e-10  # torch's float64 hardsigmoid' has 1/6 in float32
    np.testing.assert_allclose(y, yt, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gx, gxt, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_repr_is_pytorchs(name):  # inplace is taken and changes nothing, so it is not shown
    assert repr(LAYERS[name][0]()) == repr(LAYERS[name][1]())


def test_relu6_is_a_hardtanh_as_in_pytorch():
    assert isinstance(layers.ReLU6(), layers.Hardtanh)
    assert (layers.ReLU6().min_val, layers.ReLU6().max_val) == (0.0, 6.0)


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match=r"Hardtanh: min_val must not exceed max_val, got min_val=2.0, max_val=1.0"):
        layers.Hardtanh(2.0, 1.0)
    with pytest.raises(TypeError, match=r"Hardtanh"):
        layers.Hardtanh("a")
    with pytest.raises(TypeError, match=r"Softmin"):
        layers.Softmin(dim="1")
    with pytest.raises((ValueError, IndexError), match=r"Softmin\(dim=2\)"):
        layers.Softmin(dim=2)(np.zeros((2, 3)))


@pytest.mark.parametrize("name, options, theirs", [
    ("silu", {}, torch.nn.functional.silu),
    ("swish", {}, torch.nn.functional.silu),
    ("mish", {}, torch.nn.functional.mish),
    ("hardtanh", {}, torch.nn.functional.hardtanh),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, lambda z: torch.nn.functional.hardtanh(z, -0.5, 2.0)),
    ("relu6", {}, torch.nn.functional.relu6),
])
def test_classic_activation_matches_pytorch(name, options, theirs, device):
    activation = get_activation(name, **options)
    z = away_from_kinks((50,), seed=3)
    zt = torch.tensor(z, requires_grad=True)
    theirs(zt).sum().backward()
    on_device = Tensor(z, device=device).data  # the classic functions take any device's arrays
    np.testing.assert_allclose(Tensor(activation.f(on_device)).numpy(), theirs(torch.tensor(z)).numpy(),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Tensor(activation.df(on_device)).numpy(), zt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_classic_network_with_silu_and_hardtanh_matches_the_fast_path_ops(device):
    """The classic path's forward and the fast path's ops compute one formula (aino/activations.py)."""
    z = away_from_kinks((4, 3), seed=4)
    for name, method in [("silu", "silu"), ("hardtanh", "hardtanh"), ("relu6", "relu6"), ("mish", "mish")]:
        fast = getattr(Tensor(z, device=device), method)().numpy()
        np.testing.assert_allclose(get_activation(name).f(z), fast, rtol=1e-15)
    network = NeuralNetwork([3, 5, 2], activation_type="silu", output_activation="hardtanh")
    assert network.predict(z).shape == (4, 2)

"""Every layer of this issue against PyTorch (float64, same weights) and against central differences."""

import numpy as np
import pytest

from aino import nn
from aino.gradcheck import numerical_gradient
from aino.tensor import Tensor

from nn_helpers import forward_backward, torch_pair

torch = pytest.importorskip("torch")

ACTIVATIONS = [
    (nn.ReLU(), torch.nn.ReLU()),
    (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()),
    (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(negative_slope=0.2), torch.nn.LeakyReLU(0.2)),
    (nn.LeakyReLU(alpha=0.3, device="cpu"), torch.nn.LeakyReLU(0.3)),
    (nn.ELU(), torch.nn.ELU()),
    (nn.ELU(alpha=0.5), torch.nn.ELU(alpha=0.5)),
    (nn.SELU(), torch.nn.SELU()),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")),
    (nn.GELU(approximate=False), torch.nn.GELU()),
    (nn.Softplus(), torch.nn.Softplus()),
    (nn.Softplus(beta=2.0, threshold=3.0), torch.nn.Softplus(beta=2.0, threshold=3.0)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.Softmax(axis=-1), torch.nn.Softmax(dim=-1)),
    (nn.Softmax(dim=0), torch.nn.Softmax(dim=0)),
    (nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1)),
    (nn.Activation("relu"), torch.nn.ReLU()),
    (nn.Activation("tanh"), torch.nn.Tanh()),
    (nn.Identity(), torch.nn.Identity()),
    (nn.Flatten(), torch.nn.Flatten()),
    (nn.Flatten(0), torch.nn.Flatten(0)),
]


def inputs(shape, seed=0):
    """Random values kept away from 0, where ReLU-like layers have a kink."""
    x = np.random.default_rng(seed).normal(scale=2.0, size=shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS, ids=lambda m: repr(m))
def test_activation_layers_match_pytorch(ours, theirs, device):
    x = inputs((3, 4, 2))
    expected_shape = tuple(theirs(torch.from_numpy(x)).shape)
    grad_out = np.random.default_rng(1).normal(size=expected_shape)
    y, gx, yt, gxt = forward_backward(ours, theirs, x, grad_out, device=device)
    np.testing.assert_allclose(y, yt, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gx, gxt, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS[:18], ids=lambda m: repr(m))
def test_activation_layers_match_central_differences(ours, theirs, device):
    x = inputs((3, 4))
    weights = np.random.default_rng(2).normal(size=x.shape)
    xa = Tensor(x, requires_grad=True, device=device)
    (ours(xa) * Tensor(weights, device=device)).sum().backward()
    numeric = numerical_gradient(lambda v: float((ours(Tensor(v, device=device)).numpy() * weights).sum()), x)
    np.testing.assert_allclose(xa.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (2, 5, 3), (3,)])
def test_linear_matches_pytorch(bias, shape, device):
    ours, theirs = torch_pair(nn.Linear, torch.nn.Linear, 3, 4, bias=bias, device=device)
    x = np.random.default_rng(3).normal(size=shape)
    grad_out = np.random.default_rng(4).normal(size=shape[:-1] + (4,))
    y, gx, yt, gxt = forward_backward(ours, theirs, x, grad_out, device=device)
    np.testing.assert_allclose(y, yt, rtol=1e-12)
    np.testing.assert_allclose(gx, gxt, rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-12)


def test_linear_with_fused_activation_matches_pytorch(device):
    ours = nn.Linear(3, 4, activation=nn.Tanh(), dtype="float64", device=device)
    theirs = torch.nn.Linear(3, 4).double()
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(5).normal(size=(5, 3))
    grad_out = np.ones((5, 4))
    y, gx, yt, gxt = forward_backward(ours, lambda t: torch.tanh(theirs(t)), x, grad_out, device=device)
    np.testing.assert_allclose(y, yt, rtol=1e-12)
    np.testing.assert_allclose(gx, gxt, rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)


def test_default_initialisation_has_pytorchs_distribution(device):
    layer = nn.Linear(400, 300, device=device)
    bound = 1 / np.sqrt(400)
    weights = layer.weight.numpy()
    assert layer.weight.dtype == np.float32
    assert np.abs(weights).max() <= bound
    np.testing.assert_allclose(weights.std(), bound / np.sqrt(3), rtol=0.02)  # std of U(-b, b)
    assert np.abs(layer.bias.numpy()).max() <= bound


@pytest.mark.parametrize("method, limit", [("xavier", np.sqrt(6 / 700)), ("he", np.sqrt(6 / 400))])
def test_dense_initialisations(method, limit, device):
    layer = nn.Dense(400, 300, initialization=method, device=device)
    np.testing.assert_allclose(layer.weights.numpy().std(), limit / np.sqrt(3), rtol=0.02)
    with pytest.raises(ValueError, match="unknown initialization 'magic'"):
        nn.Dense(3, 2, initialization="magic")


def test_dropout_scales_kept_units_and_masks_the_gradient(device):
    drop = nn.Dropout(0.25)
    x = Tensor(np.ones((200, 50)), requires_grad=True, device=device)
    y = drop(x)
    kept = y.numpy() != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.75)
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match=r"Dropout: p .* in \[0.0, 1.0\], got 1.5"):
        nn.Dropout(1.5)

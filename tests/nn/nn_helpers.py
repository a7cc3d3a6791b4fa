"""Helpers for the tests in tests/nn that check an aino layer against PyTorch's.

Import them by name, as `from nn_helpers import assert_close, rand, torch_pair`: tests/nn has no __init__.py,
so pytest puts this folder on sys.path before it imports a test file from it. (The `device` fixture, which
runs a test on every available device, comes from tests/conftest.py and needs no import.)
"""

import numpy as np
import pytest

from aino.gradcheck import numerical_gradient
from aino.tensor import Tensor
from aino.testing.transfers import counting_transfers

torch = pytest.importorskip("torch")


def rand(shape, seed):
    """A float64 array of the given shape drawn from the standard normal distribution, the same every run
    for the same seed: rand((2, 3), seed=1)."""
    return np.random.default_rng(seed).normal(size=shape)


def assert_close(ours, theirs, rtol=1e-10, atol=1e-12):
    """Assert that our result (an aino Tensor or an array) equals PyTorch's (a torch tensor or an array)
    to within rtol and atol, as numpy.testing.assert_allclose does."""
    if hasattr(ours, "numpy"):
        ours = ours.numpy()
    if hasattr(theirs, "detach"):
        theirs = theirs.detach().numpy()
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol, atol=atol)


def torch_pair(ours_class, theirs_class, *args, device=None, **options):
    """(ours, theirs): PyTorch's layer theirs_class(*args, **options) in float64, and ours built with the
    same arguments in float64 on `device`, loaded with PyTorch's weights."""
    theirs = theirs_class(*args, **options).double()
    ours = ours_class(*args, **options, dtype="float64", device=device)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def assert_no_host_reads(moved, device, allowed=0):
    """On a GPU device, what `moved` (counting_transfers) saw copied at most `allowed` arrays to the host: a layer's
    forward and backward read nothing back (a float(x), .item() or `if array.any():` inside one fails here)."""
    if device not in (None, "cpu"):
        assert moved.to_host <= allowed, f"{moved.to_host} copies to the host on {device}:\n{moved.report()}"


def forward_backward(ours, theirs, x, grad_out, device=None, host_reads=0):
    """Run input `x` through both layers and send `grad_out` back through each; on a GPU device ours copies at
    most `host_reads` arrays to the host doing so.

    Returns NumPy arrays: (our output, our input gradient, PyTorch's output, PyTorch's input gradient)."""
    xa = Tensor(x, requires_grad=True, device=device)
    with counting_transfers() as moved:
        ya = ours(xa)
        ya.backward(Tensor(grad_out, device=device))
    assert_no_host_reads(moved, device, host_reads)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(grad_out))
    return ya.numpy(), xa.grad.numpy(), yt.detach().numpy(), xt.grad.numpy()


def assert_forward_backward_match(ours, theirs, x, device=None, grad_seed=2):
    """Run input `x` through ours (an aino layer or function) and theirs (PyTorch's), assert that the outputs
    have the same shape and values, send the same random gradient rand(output shape, grad_seed) back through
    both, and assert that the input gradients match (and, on a GPU device, that ours read nothing back)."""
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    with counting_transfers() as moved:
        ya = ours(xa)
    yt = theirs(xt)
    assert ya.shape == tuple(yt.shape)
    assert_close(ya, yt)
    grad = rand(ya.shape, grad_seed)
    with counting_transfers() as moved_back:
        ya.backward(Tensor(grad, device=device))
    assert_no_host_reads(moved, device)
    assert_no_host_reads(moved_back, device)
    yt.backward(torch.from_numpy(grad))
    assert_close(xa.grad, xt.grad)


def assert_weight_and_bias_grads_match(ours, theirs, bias=True):
    """After a backward pass through both layers, assert that the weight gradients match, and the bias
    gradients too where the layers have a bias; without one, that ours has no bias parameter at all."""
    assert_close(ours.weight.grad, theirs.weight.grad)
    if bias:
        assert_close(ours.bias.grad, theirs.bias.grad)
    else:
        assert ours.bias is None and list(ours.state_dict()) == ["weight"]


def assert_grads_match_central_differences(layer, x, weights_seed, device=None):
    """Check the input and weight gradients of `layer` at input `x` against central differences, for the loss
    sum(layer(x) * weights) with weights = rand(output shape, weights_seed): a different gradient to each output.
    The layer and every input are on `device` (the layer is moved there); the differences are taken on the host."""
    layer.to(device or "cpu")
    weights = rand(layer(Tensor(x, device=device)).shape, weights_seed)
    xa = Tensor(x, requires_grad=True, device=device)
    (layer(xa) * Tensor(weights, device=device)).sum().backward()

    def loss_of_input(value):
        return float((layer(Tensor(value, device=device)).numpy() * weights).sum())

    def loss_of_weight(value):
        saved = layer.weight.data
        layer.weight.data = Tensor(value, device=device).data
        try:
            return float((layer(Tensor(x, device=device)).numpy() * weights).sum())
        finally:
            layer.weight.data = saved

    np.testing.assert_allclose(xa.grad.numpy(), numerical_gradient(loss_of_input, x), rtol=1e-6, atol=1e-8)
    numeric_w = numerical_gradient(loss_of_weight, layer.weight.numpy().copy())
    np.testing.assert_allclose(layer.weight.grad.numpy(), numeric_w, rtol=1e-6, atol=1e-8)

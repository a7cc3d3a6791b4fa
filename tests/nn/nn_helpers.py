"""Helpers for the tests in tests/nn that check an aino layer against PyTorch's.

Import them by name, as `from nn_helpers import assert_close, rand, torch_pair`: tests/nn has no __init__.py,
so pytest puts this folder on sys.path before it imports a test file from it. (The `device` fixture, which
runs a test on every available device, comes from tests/conftest.py and needs no import.)
"""

import numpy as np
import pytest

from aino.tensor import Tensor

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


def forward_backward(ours, theirs, x, grad_out, device=None):
    """Run input `x` through both layers and send `grad_out` back through each.

    Returns NumPy arrays: (our output, our input gradient, PyTorch's output, PyTorch's input gradient)."""
    xa = Tensor(x, requires_grad=True, device=device)
    ya = ours(xa)
    ya.backward(Tensor(grad_out, device=device))
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.from_numpy(grad_out))
    return ya.numpy(), xa.grad.numpy(), yt.detach().numpy(), xt.grad.numpy()

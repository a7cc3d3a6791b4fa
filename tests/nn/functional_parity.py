"""The harness of the tests/nn/test_functional_*.py files: one aino.nn.functional call against the same
torch.nn.functional call, in float64, forward and input gradients.

Import it by name (`from functional_parity import F, TF, compare`): tests/nn has no __init__.py, so pytest
puts this folder on sys.path. `compare` builds aino Tensors (on `device`) and torch tensors from the same
NumPy arrays; the float arrays it is told to differentiate require gradients in both; the same random
upstream gradient goes back through both results, and every gradient is compared.
"""

import numpy as np
import pytest

import aino.nn.functional as F  # noqa: F401  (the test files import F from here)
from aino.tensor import Tensor
from aino.testing.transfers import counting_transfers

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def rand(*shape, seed=0, low=None, high=None):
    """A float64 array of standard normal values (or uniform in [low, high)), the same every run for `seed`."""
    rng = np.random.default_rng(seed)
    return np.asarray(rng.normal(size=shape) if low is None else rng.uniform(low, high, size=shape))


def to_numpy(value):
    """An aino or torch tensor (or an array) as a NumPy array."""
    if isinstance(value, Tensor):
        return value.numpy()
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    return np.asarray(value)


def compare(ours_fn, theirs_fn, *arrays, device="cpu", grad=None, rtol=1e-10, atol=1e-12, seed=1, host_reads=0):
    """Assert ours_fn(*tensors) == theirs_fn(*torch tensors) and their input gradients; on a GPU device ours,
    forward and backward, copies at most `host_reads` arrays to the host.

    `arrays` are NumPy arrays (or None, or other values passed through unchanged); `grad` is a tuple of the
    positions to differentiate (by default every float array). A tuple result (values, indices) is compared
    whole; the gradient flows back from its first element. Returns our result."""
    arrays = [np.asarray(a) if isinstance(a, (np.ndarray, np.generic)) else a for a in arrays]  # 3 * 0-d array
    grad = tuple(i for i, a in enumerate(arrays) if isinstance(a, np.ndarray) and a.dtype.kind == "f") \
        if grad is None else grad
    ours_in = [Tensor(a, requires_grad=i in grad, device=device) if isinstance(a, np.ndarray) else a
               for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(a, requires_grad=i in grad) if isinstance(a, np.ndarray) else a
                 for i, a in enumerate(arrays)]
    with counting_transfers() as moved:
        ours = ours_fn(*ours_in)
    theirs = theirs_fn(*theirs_in)
    ours_all = ours if isinstance(ours, tuple) else (ours,)
    theirs_all = tuple(theirs) if isinstance(theirs, (tuple, list)) else (theirs,)
    assert len(ours_all) == len(theirs_all)
    for a, b in zip(ours_all, theirs_all):
        assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=rtol, atol=atol)
        assert to_numpy(a).dtype == to_numpy(b).dtype, (to_numpy(a).dtype, to_numpy(b).dtype)
    if grad:
        upstream = rand(*theirs_all[0].shape, seed=seed)
        with counting_transfers() as moved_back:
            ours_all[0].backward(Tensor(upstream, device=device))
        moved.to_host += moved_back.to_host
        moved.seen += moved_back.seen
        theirs_all[0].backward(torch.from_numpy(upstream))
        for i in grad:
            np.testing.assert_allclose(to_numpy(ours_in[i].grad), to_numpy(theirs_in[i].grad), rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {i}")
    if device != "cpu":
        assert moved.to_host <= host_reads, f"{moved.to_host} copies to the host on {device}:\n{moved.report()}"
    return ours


def central_differences(fn, *arrays, wrt=0, step=1e-6, seed=1, device="cpu"):
    """(numerical, ours): the gradient of sum(upstream * fn(*arrays)) with respect to arrays[wrt] by central
    differences on float64 NumPy arrays, and aino's backward of the same on `device`, for functions composed
    here. Every evaluation runs on `device`; the differences are taken on the host."""
    upstream = rand(*to_numpy(fn(*(Tensor(a, device=device) for a in arrays))).shape, seed=seed)
    x = arrays[wrt].copy()
    numerical = np.zeros_like(x)

    def value(point):
        inputs = [Tensor(point if i == wrt else a, device=device) for i, a in enumerate(arrays)]
        return float((to_numpy(fn(*inputs)) * upstream).sum())

    for index in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[index] += step
        minus[index] -= step
        numerical[index] = (value(plus) - value(minus)) / (2 * step)
    inputs = [Tensor(a, requires_grad=i == wrt, device=device) for i, a in enumerate(arrays)]
    fn(*inputs).backward(Tensor(upstream, device=device))
    return numerical, inputs[wrt].grad.numpy()

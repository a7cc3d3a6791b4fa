"""One harness for the op parity tests: an aino function and a torch function of the same float64 inputs
must give the same forward values and the same gradients, and aino's gradients must match float64
central differences. A test file states its cases one line each and calls `check_op`, or `check_case` for a
row of its CASES table and `check_refused` for a row of its REFUSED table.

Import it by name, as `from op_parity import check_op, POSITIVE`: tests/tensor has no __init__.py, so pytest
puts this folder on sys.path before it imports a test file from it.

    check_op([(3, 4), (4,)], lambda a, b: a.maximum(b), torch.maximum)

Shapes may hold 0 and 1 (size-0 and size-1 dims); an output with no gradient path (an integer or bool
result) is compared forward only.

On a GPU device (`device="fake-gpu"`, the stand-in whose arrays count every copy) the op's forward and backward
may copy nothing to the host: a `float(x)`, `.item()`, `if array.any():` or `numpy.asarray` inside an op fails
the case. An op that must read values back (an index checked against its bounds, an output whose length is a
count) says how many times with `host_reads=`.
"""

import numpy as np
import pytest

from aino.gradcheck import numerical_gradient
from aino.tensor import Tensor
from aino.testing.transfers import counting_transfers

torch = pytest.importorskip("torch")

POSITIVE = "positive"  # inputs drawn from [0.5, 2): for log, sqrt, pow bases
UNIT = "unit"  # inputs drawn from (-0.9, 0.9): for asin, acos, atanh
TIES = "ties"  # inputs from {-1, 0, 1}: maxima and sorts with ties
DISTINCT = "distinct"  # a permutation of evenly spaced values: no ties, gaps of 0.1


def inputs(shapes, kind=None, seed=0):
    """float64 arrays of `shapes` drawn as `kind` says (standard normal by default)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in shapes:
        if kind == POSITIVE:
            arrays.append(rng.uniform(0.5, 2.0, shape))
        elif kind == UNIT:
            arrays.append(rng.uniform(-0.9, 0.9, shape))
        elif kind == TIES:
            arrays.append(np.round(rng.uniform(-1, 1, shape)))
        elif kind == DISTINCT:
            count = int(np.prod(shape))
            arrays.append(rng.permutation(np.arange(count) * 0.1 - count * 0.05).reshape(shape))
        else:
            arrays.append(rng.standard_normal(shape))
    return arrays


def _outputs(value):
    """A result as a list of tensors: a tensor alone, or each tensor of a tuple (sort's values, indices)."""
    return list(value) if isinstance(value, (tuple, list)) else [value]


def check_op(shapes, aino_fn, torch_fn, kind=None, device="cpu", numerical=True, rtol=1e-10, atol=1e-12,
             arrays=None, seed=0, host_reads=0):
    """Assert aino_fn and torch_fn agree on random float64 inputs of `shapes` (or on `arrays`): values, dtypes
    of float results, and the gradient of every input for a random upstream gradient; with `numerical`, the
    gradients also match central differences. On a GPU device, forward and backward together copy at most
    `host_reads` arrays to the host. Returns (aino outputs, torch outputs) for further checks."""
    arrays = inputs(shapes, kind, seed) if arrays is None else [np.asarray(a, dtype=np.float64) for a in arrays]
    ours = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    with counting_transfers() as moved:
        out = _outputs(aino_fn(*ours))
    expected = _outputs(torch_fn(*theirs))
    assert len(out) == len(expected), f"aino gave {len(out)} outputs, torch {len(expected)}"
    for mine, reference in zip(out, expected):
        assert tuple(mine.shape) == tuple(reference.shape), f"shape {tuple(mine.shape)} != {tuple(reference.shape)}"
        np.testing.assert_allclose(mine.numpy(), reference.detach().numpy(), rtol=rtol, atol=atol)
        if reference.dtype.is_floating_point:
            assert mine.dtype == np.float64, f"dtype {mine.dtype}, torch float64"
        else:
            assert mine.dtype.kind in "iub" and not mine.requires_grad
    rng = np.random.default_rng(seed + 1)
    differentiable = [(m, r) for m, r in zip(out, expected) if r.requires_grad]
    if not differentiable:
        _check_host_reads(device, host_reads, moved)
        return out, expected
    upstreams = [rng.standard_normal(tuple(r.shape)) for _, r in differentiable]
    with counting_transfers() as moved_back:
        for mine, upstream in zip((m for m, _ in differentiable), upstreams):
            mine.backward(upstream, retain_graph=True)
    for (_, reference), upstream in zip(differentiable, upstreams):
        reference.backward(torch.tensor(upstream), retain_graph=True)
    _check_host_reads(device, host_reads, moved, moved_back)
    for i, (mine, reference) in enumerate(zip(ours, theirs)):
        want = np.zeros(arrays[i].shape) if reference.grad is None else reference.grad.numpy()
        got = np.zeros(arrays[i].shape) if mine.grad is None else mine.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")
        if numerical and arrays[i].size:
            np.testing.assert_allclose(got, _central(aino_fn, arrays, i, upstreams, device, len(out)),
                                       rtol=1e-6, atol=1e-7, err_msg=f"central differences, input {i}")
    return out, expected


def _check_host_reads(device, allowed, *counts):
    """On a GPU device: the op's forward and backward (`counts`) copied at most `allowed` arrays to the host."""
    reads = sum(moved.to_host for moved in counts)
    if device != "cpu":
        assert reads <= allowed, (f"the op copied {reads} array(s) to the host on {device} (at most {allowed} "
                                  "expected):\n" + "\n".join(moved.report() for moved in counts))


def check_case(case, device="cpu"):
    """check_op for one row of a test file's CASES table: (shapes, or one input array as nested lists, aino
    function, torch function[, input kind[, central differences?]]), with no kind and central differences by
    default. Returns (aino outputs, torch outputs), as check_op does."""
    given, aino_fn, torch_fn, *rest = case
    kind, numerical = rest[0] if rest else None, rest[1] if len(rest) > 1 else True
    arrays = None if isinstance(given[0], tuple) else [np.array(given)]
    return check_op([] if arrays else given, aino_fn, torch_fn, kind=kind, device=device, numerical=numerical,
                    arrays=arrays)


def check_refused(call, owner, device="cpu"):
    """For one row of a test file's REFUSED table: `call` (taking a tensor constructor) raises with torch's
    tensors, and aino raises the same error type with a message naming `owner` ("Tensor.sort")."""
    with pytest.raises(Exception) as theirs:
        call(torch.tensor)
    with pytest.raises(theirs.type) as ours:
        call(lambda a: Tensor(a, device=device))
    assert owner in str(ours.value)


def _central(aino_fn, arrays, i, upstreams, device, count):
    """d(sum of upstream . output)/d(input i) by central differences over the differentiable outputs."""

    def weighted(x):
        tensors = [Tensor(x if j == i else a, device=device) for j, a in enumerate(arrays)]
        results = _outputs(aino_fn(*tensors))[:count]
        floats = [r for r in results if r.dtype.kind == "f"]
        return float(sum(np.sum(u * r.numpy()) for u, r in zip(upstreams, floats)))

    return numerical_gradient(weighted, arrays[i], eps=1e-6)

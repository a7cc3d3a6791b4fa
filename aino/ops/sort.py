"""Ordering: sort, argsort, topk, kthvalue, median along a dim, and the max or min along one dim with its index.

Each is two steps. First the indices are found (an argsort or an argmax: integers, with no gradient).
Then `TakeAlong` takes the values at those indices, and its backward puts each value's gradient back at
the place it was taken from (every place at most once, so nothing adds up):

    y[..., k, ...] = x[..., i_k, ...]          dL/dx[..., i_k, ...] = dL/dy[..., k, ...], 0 elsewhere.

The result of a pick with indices is a `ValuesIndices` named tuple, as PyTorch's torch.return_types:
`values, indices = x.sort()`, or `x.sort().values`.
"""

from collections import namedtuple

from aino.backend import INT64, array_module
from aino.ops.function import Function, constant
from aino.validation import InvalidOperationError, OutOfRangeError, check_bool, check_dim, check_int

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
ValuesIndices.__doc__ = """(values, indices): what max(dim), min(dim), median(dim), sort, topk and kthvalue return, as
PyTorch's torch.return_types; unpack it, or read .values and .indices (int64, no gradient)."""


class TakeAlong(Function):
    """y = x taken at `indices` along `dim` (each index at most once per slice), reshaped to `shape`;
    dL/dx = dL/dy put back at the taken places, 0 at the others."""

    name = "take_along"

    def __init__(self, dim, indices, shape):
        self.dim, self.indices, self.out_shape = dim, indices, shape

    def forward(self, x):
        self.shape = x.shape
        return self.xp.take_along_axis(x.reshape(x.shape or (1,)), self.indices, axis=self.dim).reshape(self.out_shape)

    def backward(self, grad):
        full = self.xp.zeros(self.shape or (1,), dtype=grad.dtype)
        self.xp.put_along_axis(full, self.indices, grad.reshape(self.indices.shape), axis=self.dim)
        return full.reshape(self.shape)


def take_along(x, dim, indices, keepdim=True):
    """ValuesIndices: the values of tensor `x` at the int64 array `indices` along `dim` (indices shaped as x,
    or with size 1 along dim when picking one value per slice, then that dim is dropped unless keepdim)."""
    shape = tuple(n for d, n in enumerate(indices.shape) if keepdim or d != dim) if x.ndim else ()
    values = TakeAlong.apply(x, dim=dim, indices=indices, shape=shape)
    return ValuesIndices(values, constant(indices.reshape(shape), x))


def order(x, dim, descending=False):
    """The int64 indices that sort array `x` along `dim` (a 0-d x taken as one value), stably: ties keep
    their order, NaN counts as the largest value (last ascending, first descending), as PyTorch."""
    xp, x = array_module(x), x.reshape(x.shape or (1,))
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable").astype(INT64, copy=False)
    # a stable ascending sort of the reversed slice, read backwards, is a stable descending sort
    backwards = xp.flip(xp.argsort(xp.flip(x, axis=dim), axis=dim, kind="stable"), axis=dim)
    return (x.shape[dim] - 1 - backwards).astype(INT64, copy=False)


def sort(x, dim=-1, descending=False, *, stable=False):
    """ValuesIndices: tensor `x` sorted along `dim` and where each value came from (always stable here,
    which PyTorch's stable=False allows)."""
    owner = "Tensor.sort"
    dim = check_dim(dim, x.ndim, owner)
    descending = check_bool(descending, "descending", owner)
    check_bool(stable, "stable", owner)
    return take_along(x, dim, order(x.data, dim, descending))


def argsort(x, dim=-1, descending=False, *, stable=False):
    """The int64 indices that sort tensor `x` along `dim` (no gradient)."""
    owner = "Tensor.argsort"
    dim = check_dim(dim, x.ndim, owner)
    descending = check_bool(descending, "descending", owner)
    check_bool(stable, "stable", owner)
    return constant(order(x.data, dim, descending).reshape(x.shape), x)


def topk(x, k, dim=-1, largest=True, sorted=True):
    """ValuesIndices: the k largest (or, largest=False, smallest) values of tensor `x` along `dim`, in
    order, and their indices. Of tied values, the first ones are taken."""
    owner = "Tensor.topk"
    dim = check_dim(dim, x.ndim, owner)
    largest = check_bool(largest, "largest", owner)
    check_bool(sorted, "sorted", owner)
    k = _check_k(k, _length(x, dim), owner, lowest=0)
    count = k if x.ndim else 1  # a 0-d tensor gives its one value for k = 0 too, as PyTorch does
    picked = _along(order(x.data, dim, descending=largest), dim, slice(0, count))
    return take_along(x, dim, picked)


def kthvalue(x, k, dim=-1, keepdim=False):
    """ValuesIndices: the k-th smallest value of tensor `x` along `dim` (k counts from 1) and its index (of tied
    values the first; PyTorch's choice among ties is its own)."""
    owner = "Tensor.kthvalue"
    dim = check_dim(dim, x.ndim, owner)
    keepdim = check_bool(keepdim, "keepdim", owner)
    if not _length(x, dim):
        refuse_empty(owner, x.shape, dim)
    k = _check_k(k, _length(x, dim), owner, lowest=1)
    picked = _along(order(x.data, dim), dim, slice(k - 1, k))
    return take_along(x, dim, picked, keepdim)


def median(x, dim, keepdim=False):
    """ValuesIndices: the lower median of tensor `x` along `dim` (the smaller of two middles) and its index;
    where a slice holds a nan, that nan and the index of its first, as PyTorch (among tied values, the first)."""
    owner = "Tensor.median"
    dim = check_dim(dim, x.ndim, owner)
    keepdim = check_bool(keepdim, "keepdim", owner)
    if not _length(x, dim):
        refuse_empty(owner, x.shape, dim)
    xp, data = array_module(x.data), x.data.reshape(x.shape or (1,))
    n, nans = data.shape[dim], xp.isnan(data).sum(axis=dim, keepdims=True)
    place = xp.where(nans > 0, n - nans, (n - 1) // 2)  # the nans sort last, in their order
    return take_along(x, dim, xp.take_along_axis(order(data, dim), place, axis=dim), keepdim)


def _length(x, dim):
    """The size of tensor `x` along `dim` (1 for a 0-d tensor, which holds one value)."""
    return x.shape[dim] if x.ndim else 1


def _along(indices, dim, part):
    """The slice `part` of array `indices` along `dim`."""
    return indices[(slice(None),) * dim + (part,)]


def _check_k(k, size, owner, lowest):
    """k as an int in [lowest, size]: a TypeError for a non-integer, an InvalidOperationError (a RuntimeError,
    as PyTorch raises) out of range."""
    k = check_int(k, "k", owner)
    if not lowest <= k <= size:
        raise InvalidOperationError(f"{owner}: selected index k out of range: expected k in [{lowest}, {size}] "
                                    f"(the size of the dim), got {k}")
    return k


def refuse_empty(owner, shape, axis):
    """The error for a max, min, kthvalue, median, argmax or argmin over no values (none of them exists): an
    InvalidOperationError (a RuntimeError, as PyTorch raises) with no dim, an OutOfRangeError (an IndexError)
    along a dim."""
    error = InvalidOperationError if axis is None else OutOfRangeError
    where = "a non-empty tensor" if axis is None else f"dim={axis!r} to be non-empty"
    raise error(f"{owner}: expected {where} (a maximum, minimum or k-th value of no values does not exist), "
                f"got shape {tuple(shape)}")

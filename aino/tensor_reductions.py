"""The Tensor's reductions: sum, mean, max, min, var, std, argmax, argmin over all or some axes, each a
call of its op in aino/ops/reduce.py (where its formula stands).

Each takes NumPy's spelling (axis, keepdims) and PyTorch's (dim, keepdim).
"""

from aino.ops import reduce
from aino.ops.function import constant


class ReductionMethods:
    """Mixed into Tensor: reductions."""

    __slots__ = ()

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return reduce.Sum.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return reduce.Mean.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return reduce.Max.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return reduce.Min.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def var(self, axis=None, keepdims=False, *, dim=None, keepdim=None, unbiased=None, correction=None):
        """Variance; like torch, unbiased (correction=1) unless unbiased=False or correction=0."""
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        return reduce.Var.apply(self, correction=correction, **_reduce_options(axis, keepdims, dim, keepdim))

    def std(self, axis=None, keepdims=False, *, dim=None, keepdim=None, unbiased=None, correction=None):
        """sqrt(var): the standard deviation, with var's options."""
        return self.var(axis, keepdims, dim=dim, keepdim=keepdim, unbiased=unbiased, correction=correction).sqrt()

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Indices of the maxima (an int64 tensor, not differentiable)."""
        return constant(reduce.arg_pick(self.data, "argmax", **_reduce_options(axis, keepdims, dim, keepdim)), self)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Indices of the minima (an int64 tensor, not differentiable)."""
        return constant(reduce.arg_pick(self.data, "argmin", **_reduce_options(axis, keepdims, dim, keepdim)), self)


def _reduce_options(axis, keepdims, dim, keepdim):
    """Merge the NumPy spellings (axis, keepdims) with the PyTorch ones (dim, keepdim)."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return {"axis": axis, "keepdims": bool(keepdims)}

"""The Tensor's reductions: sum, mean, prod, max, min, amax, amin, median, var, std, logsumexp, norm, argmax,
argmin, all, any, count_nonzero, each a call of its op in aino/ops/reduce.py (median along a dim in
aino/ops/sort.py), where its formula stands.

Each takes NumPy's spelling (axis, keepdims) and PyTorch's (dim, keepdim). As PyTorch, x.max() is one
tensor, x.max(dim) the named tuple (values, indices), and x.max(other) the elementwise maximum.
"""

from aino.backend import FLOAT32, parse_dtype
from aino.ops import cast, reduce, sort
from aino.ops.function import Node, constant
from aino.validation import InvalidOperationError


class ReductionMethods:
    """Mixed into Tensor: reductions."""

    __slots__ = ()

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        """The sum over `dim` (all by default); integers and bools sum to int64, as PyTorch."""
        return reduce.Sum.apply(_as_dtype(self, dtype, "Tensor.sum"), **_reduce_options(axis, keepdims, dim, keepdim))

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        """The mean over `dim` (all by default) of a float tensor; an integer or bool tensor needs dtype= (or
        .float() first), as PyTorch, which cannot tell which float the mean should be."""
        x = _as_dtype(self, dtype, "Tensor.mean")
        if x.dtype.kind not in "fc":
            raise InvalidOperationError(f"Tensor.mean: expected a float tensor, got {x.dtype}; call .float() first "
                                        f"or pass dtype=aino.float32")
        return reduce.Mean.apply(x, **_reduce_options(axis, keepdims, dim, keepdim))

    def prod(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        """The product over `dim` (all by default); integers and bools multiply in int64, as PyTorch."""
        return reduce.Prod.apply(_as_dtype(self, dtype, "Tensor.prod"), **_reduce_options(axis, keepdims, dim, keepdim))

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """x.max(): the largest value; x.max(dim): (values, indices) along dim; x.max(other): the maximum."""
        if isinstance(axis, Node):
            return self.maximum(axis)
        return _pick(self, "argmax", reduce.Max, _reduce_options(axis, keepdims, dim, keepdim))

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """x.min(): the smallest value; x.min(dim): (values, indices) along dim; x.min(other): the minimum."""
        if isinstance(axis, Node):
            return self.minimum(axis)
        return _pick(self, "argmin", reduce.Min, _reduce_options(axis, keepdims, dim, keepdim))

    def amax(self, axis=(), keepdims=False, *, dim=None, keepdim=None):
        """The largest values over `dim` (one or several dims, all by default), values only."""
        return reduce.Amax.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def amin(self, axis=(), keepdims=False, *, dim=None, keepdim=None):
        """The smallest values over `dim` (one or several dims, all by default), values only."""
        return reduce.Amin.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def median(self, dim=None, keepdim=False):
        """median(): the lower median of all values; median(dim): (values, indices) along dim."""
        return reduce.Median.apply(self) if dim is None else sort.median(self, dim, keepdim)

    def var(self, axis=None, keepdims=False, *, dim=None, keepdim=None, unbiased=None, correction=None):
        """Variance; like torch, unbiased (correction=1) unless unbiased=False or correction=0."""
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        return reduce.Var.apply(self, correction=correction, **_reduce_options(axis, keepdims, dim, keepdim))

    def std(self, axis=None, keepdims=False, *, dim=None, keepdim=None, unbiased=None, correction=None):
        """sqrt(var): the standard deviation, with var's options."""
        return self.var(axis, keepdims, dim=dim, keepdim=keepdim, unbiased=unbiased, correction=correction).sqrt()

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over `dim` (one or several), computed without overflow; integers give float32."""
        floats = self if self.dtype.kind in "fc" else cast(self, FLOAT32)
        return reduce.LogSumExp.apply(floats, **_reduce_options(dim, keepdim, None, None))

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The p-norm (sum |x|^p)^(1/p) over `dim` (all by default): p a number, inf, or "fro" (2), as
        torch.norm; integers are refused, as PyTorch refuses them."""
        if p == "fro":
            p = 2.0
        if isinstance(p, bool) or not isinstance(p, (int, float)) or p != p or p < 0:
            raise ValueError(f"Tensor.norm: p must be a number >= 0, inf or 'fro', got {p!r}")
        x = _as_dtype(self, dtype, "Tensor.norm")
        if x.dtype.kind not in "fc":
            raise TypeError(f"Tensor.norm: expected a float tensor, got {x.dtype} (use .float() first)")
        return reduce.Norm.apply(x, p=float(p), **_reduce_options(dim, keepdim, None, None))

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Indices of the maxima (an int64 tensor, not differentiable)."""
        return constant(reduce.arg_pick(self.data, "argmax", **_reduce_options(axis, keepdims, dim, keepdim)), self)

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Indices of the minima (an int64 tensor, not differentiable)."""
        return constant(reduce.arg_pick(self.data, "argmin", **_reduce_options(axis, keepdims, dim, keepdim)), self)

    def all(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Whether every value over `dim` (all by default) is non-zero: a bool tensor."""
        return constant(reduce.truth(self.data, "all", **_reduce_options(axis, keepdims, dim, keepdim)), self)

    def any(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Whether some value over `dim` (all by default) is non-zero: a bool tensor."""
        return constant(reduce.truth(self.data, "any", **_reduce_options(axis, keepdims, dim, keepdim)), self)

    def count_nonzero(self, dim=None):
        """How many values over `dim` (all by default) are not 0: an int64 tensor."""
        return constant(reduce.count_nonzero(self.data, _reduce_options(dim, False, None, None)["axis"]), self)


def _pick(x, pick, whole, options):
    """max or min: over everything (op `whole`) without a dim, else (values, indices) along one dim."""
    if options["axis"] is None:
        return whole.apply(x, **options)
    if not isinstance(options["axis"], int) or isinstance(options["axis"], bool):
        raise TypeError(f"Tensor.{pick[3:]}: dim must be one integer, got {options['axis']!r} (for the "
                        f"{pick[3:]}imum over several dims, use Tensor.a{pick[3:]})")
    return reduce.max_along(x, options["axis"], options["keepdims"], pick)


def _as_dtype(x, dtype, owner):
    """x cast to `dtype` first, when one is given (as PyTorch's dtype= option of sum, prod, cumsum)."""
    return x if dtype is None else cast(x, parse_dtype(dtype, owner))


def _reduce_options(axis, keepdims, dim, keepdim):
    """Merge the NumPy spellings (axis, keepdims) with the PyTorch ones (dim, keepdim)."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return {"axis": axis, "keepdims": bool(keepdims)}

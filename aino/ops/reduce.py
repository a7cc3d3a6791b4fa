"""Reductions over dims: sum, mean, prod, amax, amin, median, var, logsumexp, the p-norm; max and min along one dim with
their indices; and the results with no gradient: argmax, argmin, all, any, count_nonzero.

Each backward first puts the reduced dims back as size-1 dims (`_expand`), then broadcasts the
gradient over the input's shape. Integer and bool inputs are summed and multiplied in int64, as PyTorch.
"""

import math
import warnings

from aino.backend import INT64
from aino.ops.function import Function
from aino.ops.sort import refuse_empty, take_along
from aino.validation import check_dim, check_dims, check_real


class Reduction(Function):
    """Shared set-up: the axes reduced and whether they are kept."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def _setup(self, x):
        self.shape = x.shape
        self.axes = check_dims(self.axis, x.ndim, self.owner)
        self.count = 1
        for a in self.axes:
            self.count *= x.shape[a]

    def _expand(self, grad):
        """`grad` with the reduced axes back as size 1, so it broadcasts against the input."""
        return grad if self.keepdims else grad.reshape(self._kept_shape())

    def _kept_shape(self):
        return [1 if i in self.axes else n for i, n in enumerate(self.shape)]


def accumulator(x):
    """The dtype to add or multiply array `x` in: int64 for integers and bools (as PyTorch), else its own."""
    return INT64 if x.dtype.kind in "biu" else None


class Sum(Reduction):
    """sum_i x_i; derivative 1 for every x_i."""

    def forward(self, x):
        self._setup(x)
        return x.sum(axis=self.axes, keepdims=self.keepdims, dtype=accumulator(x))

    def backward(self, grad):
        return self.xp.broadcast_to(self._expand(grad), self.shape)


class Mean(Reduction):
    """sum_i x_i / n; derivative 1 / n for every x_i."""

    def forward(self, x):
        self._setup(x)
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        return self.xp.broadcast_to(self._expand(grad) / self.count, self.shape)


class Prod(Reduction):
    """y = prod_i x_i; dy/dx_j = prod_{i != j} x_i, the product of the others.

    Without zeros that is y / x_j. With one zero, at x_z: only dy/dx_z = the product of the non-zero
    values is not 0. With two or more zeros every derivative is 0.
    """

    def forward(self, x):
        self._setup(x)
        self.x = x
        return x.prod(axis=self.axes, keepdims=self.keepdims, dtype=accumulator(x))

    def backward(self, grad):
        xp, x = self.xp, self.x
        zero = x == 0
        zeros = zero.sum(axis=self.axes, keepdims=True)
        nonzero_product = xp.where(zero, 1, x).prod(axis=self.axes, keepdims=True)
        at_zero = nonzero_product * (zeros == 1)  # the one zero's derivative: the product of the others
        elsewhere = nonzero_product * (zeros == 0) / xp.where(zero, 1, x)  # y / x_j, when no x is 0
        return self._expand(grad) * xp.where(zero, at_zero, elsewhere)


class Amax(Reduction):
    """max_i x_i; derivative 1 / (number of ties) at the maxima, 0 elsewhere (as torch.amax)."""

    pick = "max"
    nan_ties = False  # whether a nan result sends its gradient to the nans (torch.max() does, torch.amax not)

    def forward(self, x):
        self._setup(x)
        kept = self._select(x)
        self.mask = x == kept
        if self.nan_ties and x.dtype.kind == "f":
            self.mask |= self.xp.isnan(x) & self.xp.isnan(kept)
        return kept if self.keepdims else kept.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def _select(self, x):
        """The picked value of each reduced slice, with the reduced dims kept as size 1."""
        if not self.count:
            refuse_empty(self.owner, x.shape, None if self.axis in (None, (), []) else self.axis)
        return getattr(x, self.pick)(axis=self.axes, keepdims=True)

    def backward(self, grad):
        mask = self.mask
        ties = mask.sum(axis=self.axes, keepdims=True)
        return mask * (self._expand(grad) / ties).astype(grad.dtype, copy=False)


class Amin(Amax):
    """min_i x_i; derivative 1 / (number of ties) at the minima, 0 elsewhere (as torch.amin)."""

    pick = "min"


class Max(Amax):
    """max of all values, x.max(): amax's derivative, where a nan result ties with each nan (as torch.max())."""

    nan_ties = True


class Min(Amin):
    """min of all values, x.min(): amin's derivative, where a nan result ties with each nan (as torch.min())."""

    nan_ties = True


class Median(Max):
    """The lower median of all values (the middle of the sorted values, the smaller of two middles; nan
    where a value is nan or there is none), as torch.median(); derivative split among ties, as max's."""

    def _select(self, x):
        xp, shape = self.xp, self._kept_shape()
        ordered = xp.sort(x.reshape(-1))
        if not ordered.size:
            return xp.full(shape, float("nan"), dtype=x.dtype)
        # a nan sorts last, so the last value is nan exactly when one is: chosen on the device, never asked for
        last, middle = ordered[-1], ordered[(ordered.size - 1) // 2]
        return xp.where(xp.isnan(last), last, middle).reshape(shape)


class Var(Reduction):
    """sum_i (x_i - mean)**2 / (n - correction); derivative 2 (x_i - mean) / (n - correction).

    As PyTorch, the divisor is max(n - correction, 0); dividing by 0 gives inf (nan where all x_i are equal).
    """

    def __init__(self, axis=None, keepdims=False, correction=1):
        super().__init__(axis, keepdims)
        self.correction = check_real(correction, "correction", "Tensor.var")

    def forward(self, x):
        self._setup(x)
        self.centred = x - x.mean(axis=self.axes, keepdims=True)
        divisor = max(self.count - self.correction, 0)
        if not divisor:
            warnings.warn(f"{self.owner}: degrees of freedom n - correction = {self.count} - {self.correction:g} "
                          f"is <= 0: the variance is inf (nan for equal values)", stacklevel=3)
        self.scale = 1 / divisor if divisor else float("inf")
        squares = (self.centred * self.centred).sum(axis=self.axes, keepdims=self.keepdims)
        if divisor:
            return squares * self.scale
        return self.xp.where(squares > 0, self.scale, float("nan")).astype(squares.dtype)  # s / 0 = inf, 0 / 0 = nan

    def backward(self, grad):
        return self._expand(grad) * (2 * self.scale) * self.centred


class Norm(Reduction):
    """The p-norm ||x||_p = (sum_i |x_i|^p)^(1/p) over the dims (p = inf: max_i |x_i|; p = 0: the count of
    nonzero x_i). Derivative: d||x||_p/dx_i = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1) (for p = 2, x_i / ||x||);
    for p = inf, sign(x_i) / (number of ties) at the largest |x_i|; 0 for p = 0. A zero norm sends gradient 0
    (as PyTorch's subgradient)."""

    def __init__(self, p=2.0, axis=None, keepdims=False):
        super().__init__(axis, keepdims)
        self.p = p

    def forward(self, x):
        self._setup(x)
        self.x, xp, p = x, self.xp, self.p
        size = xp.abs(x)
        if p == math.inf:
            self.y = size.max(axis=self.axes, keepdims=True) if self.count else xp.zeros(self._kept_shape(), x.dtype)
        elif p == 0:
            self.y = (size != 0).sum(axis=self.axes, keepdims=True).astype(x.dtype)
        else:
            self.y = (size**p).sum(axis=self.axes, keepdims=True) ** (1 / p)
        return self.y if self.keepdims else self.y.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        xp, x, y, p = self.xp, self.x, self.y, self.p
        grad = self._expand(grad)
        if p == 0:
            return xp.zeros_like(x)
        if p == math.inf:
            ties = xp.abs(x) == y
            local = xp.sign(x) * ties / xp.maximum(ties.sum(axis=self.axes, keepdims=True), 1)
        else:
            safe = xp.where(y == 0, 1, y)  # a zero norm: every x_i is 0, so the numerator is 0 too
            local = xp.sign(x) * xp.abs(x) ** (p - 1) / safe ** (p - 1)
        return (grad * local).astype(x.dtype, copy=False)


class LogSumExp(Reduction):
    """y = log sum_i exp(x_i), computed as m + log sum_i exp(x_i - m) with m = max_i x_i so that exp
    cannot overflow; dy/dx_i = exp(x_i - y), the softmax of x."""

    def forward(self, x):
        self._setup(x)
        xp, self.x = self.xp, x
        if self.count:
            top = x.max(axis=self.axes, keepdims=True)
            top = xp.where(xp.isfinite(top), top, 0)  # all -inf (or an inf): shift by nothing
            self.y = xp.log(xp.exp(x - top).sum(axis=self.axes, keepdims=True)) + top
        else:
            self.y = xp.full(self._kept_shape(), -float("inf"), dtype=x.dtype)  # log of an empty sum, log 0
        return self.y if self.keepdims else self.y.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        return self._expand(grad) * self.xp.exp(self.x - self.y)


def max_along(x, dim, keepdim=False, pick="argmax"):
    """ValuesIndices: the maxima (pick="argmax") or minima ("argmin") of tensor `x` along one `dim` and the
    first index of each (as PyTorch on the CPU, where a NaN counts as the largest and the smallest); the
    gradient goes to that index alone."""
    owner = "Tensor." + pick[3:]
    dim = check_dim(dim, x.ndim, owner)
    data = x.data.reshape(x.shape or (1,))
    if not data.shape[dim]:
        refuse_empty(owner, x.shape, dim)
    return take_along(x, dim, getattr(data, pick)(axis=dim, keepdims=True).astype(INT64, copy=False), keepdim)


def arg_pick(x, pick, axis=None, keepdims=False):
    """The indices of the maxima (pick="argmax") or minima ("argmin") of array `x`: over the flattened
    array for axis=None, as PyTorch; int64."""
    owner = f"Tensor.{pick}"
    if axis is not None:
        axis = check_dim(axis, x.ndim, owner)
        if not x.ndim:
            axis = None  # a 0-d tensor has its one value at index 0, as in PyTorch
    if (axis is None and not x.size) or (axis is not None and not x.shape[axis]):
        refuse_empty(owner, x.shape, axis)
    return getattr(x, pick)(axis=axis, keepdims=keepdims).astype(INT64)


def truth(x, pick, axis=None, keepdims=False):
    """Whether all (pick="all") or any ("any") values of array `x` are non-zero, over `axis`: bool."""
    return getattr(x, pick)(axis=check_dims(axis, x.ndim, f"Tensor.{pick}"), keepdims=keepdims)


def count_nonzero(x, axis=None):
    """How many values of array `x` are not 0, over `axis` (all by default): int64."""
    return (x != 0).sum(axis=check_dims(axis, x.ndim, "Tensor.count_nonzero"), dtype=INT64)

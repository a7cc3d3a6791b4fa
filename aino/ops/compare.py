"""Comparisons and choices between values: the comparison operators, isclose and the isnan family (bool
tensors outside the graph), and the ops that pass one of their inputs on: maximum, minimum, clamp between
tensors, nan_to_num. A choice's derivative is 1 for the input it chose and 0 for the others.
"""

from aino.backend import array_module
from aino.ops.elementwise import Broadcasting
from aino.ops.function import Function, constant, unbroadcast
from aino.validation import InvalidOperationError, check_broadcast, check_real


def compare(op, a, b):
    """`op(a, b)` for a comparison such as operator.lt, of tensor `a` with `b` (a tensor's array, an array or
    a number), as a bool tensor outside the graph.
    A value that is not numbers (x < "a") or shapes that do not broadcast are refused by name."""
    try:
        return constant(op(a.data, b), a)
    except TypeError:
        raise TypeError(f"Tensor.{op.__name__}: cannot compare a tensor with {type(b).__name__} {b!r:.60} "
                        f"(expected a tensor, an array or a number)") from None
    except ValueError:
        check_broadcast(f"Tensor.{op.__name__}", a.shape, getattr(b, "shape", ()))
        raise


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol * |b| elementwise (equal infinities count as close; NaNs only with equal_nan),
    as a bool tensor outside the graph; `a` and `b` Nodes of one dtype, as PyTorch wants."""
    if a.data.dtype != b.data.dtype:
        raise InvalidOperationError(f"Tensor.isclose: expected two tensors of one dtype, got {a.data.dtype} "
                                    f"and {b.data.dtype} (convert one with .to(dtype))")
    for name, tolerance in (("rtol", rtol), ("atol", atol)):
        check_real(tolerance, name, "Tensor.isclose", minimum=0)
    try:
        close = array_module(a.data).isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))
    except ValueError:
        check_broadcast("Tensor.isclose", a.data.shape, b.data.shape)
        raise
    return constant(close, a)


def classify(name, x):
    """isnan, isinf or isfinite (the array module's function `name`) of tensor `x`, as a bool tensor
    outside the graph; an integer or bool tensor is finite everywhere."""
    return constant(getattr(array_module(x.data), name)(x.data), x)


class Maximum(Broadcasting):
    """max(a, b) elementwise (NaN if either is); d/da = 1 where a > b, 1/2 where a == b (ties split, as
    PyTorch), else 0; d/db likewise."""

    choose, a_wins = "maximum", "greater"  # the array module's functions: the choice, and where a wins it

    def forward(self, a, b):
        self.a, self.b = a, b
        return getattr(self.xp, self.choose)(a, b)

    def backward(self, grad):
        xp, a, b = self.xp, self.a, self.b
        a_wins = getattr(xp, self.a_wins)(a, b)
        share = xp.where(a == b, 0.5, a_wins)  # the part of the gradient that goes to a
        ga = unbroadcast(grad * share, a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(grad * (1 - share), b.shape) if self.needs_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    """min(a, b) elementwise (NaN if either is); d/da = 1 where a < b, 1/2 where a == b, else 0; d/db likewise."""

    choose, a_wins = "minimum", "less"


class Clamp(Broadcasting):
    """min(max(x, low), high) with tensor bounds; the derivative is 1 for the one that is passed on: high
    where max(x, low) > high, else low where x < low, else x (so low > high gives high, as PyTorch)."""

    name = "clamp"

    def forward(self, x, low, high):
        xp = self.xp
        self.shapes = x.shape, low.shape, high.shape
        raised = xp.maximum(x, low)
        self.to_high = raised > high
        self.to_low = ~self.to_high & (x < low)
        return xp.minimum(raised, high)

    def backward(self, grad):
        to_high, to_low, shapes = self.to_high, self.to_low, self.shapes
        return (unbroadcast(grad * ~(to_high | to_low), shapes[0]) if self.needs_grad[0] else None,
                unbroadcast(grad * to_low, shapes[1]) if self.needs_grad[1] else None,
                unbroadcast(grad * to_high, shapes[2]) if self.needs_grad[2] else None)


class NanToNum(Function):
    """x with NaN, +inf and -inf replaced by `nan`, `posinf`, `neginf` (by default 0 and the largest and
    smallest finite values of the dtype); derivative 1 where x is finite, else 0."""

    name = "nan_to_num"

    def __init__(self, nan=0.0, posinf=None, neginf=None):
        self.nan, self.posinf, self.neginf = nan, posinf, neginf

    def forward(self, x):
        self.x = x
        return self.xp.nan_to_num(x, nan=self.nan, posinf=self.posinf, neginf=self.neginf)

    def backward(self, grad):
        return grad * self.xp.isfinite(self.x)

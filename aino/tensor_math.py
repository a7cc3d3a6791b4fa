"""The Tensor's other elementwise maths: trigonometric and hyperbolic functions, the other logarithms and
exponentials, rsqrt, erf, rounding and sign (aino/ops/elementwise_math.py, aino/ops/rounding.py), and
maximum, minimum, isclose and the isnan family (aino/ops/compare.py): each a call of its op, where its
formula stands. An integer tensor's sin, log2, erf, ... is float32, as PyTorch's.
"""

from aino.ops import compare, rounding
from aino.ops import elementwise_math as maths
from aino.ops.function import Node, pair
from aino.tensor_arithmetic import unary_method


class MathMethods:
    """Mixed into Tensor."""

    __slots__ = ()

    # trigonometric and hyperbolic (PyTorch's arc- spellings too)
    sin, cos, tan = unary_method(maths.Sin), unary_method(maths.Cos), unary_method(maths.Tan)
    asin = arcsin = unary_method(maths.Asin)
    acos = arccos = unary_method(maths.Acos)
    atan = arctan = unary_method(maths.Atan)
    sinh, cosh = unary_method(maths.Sinh), unary_method(maths.Cosh)
    asinh = arcsinh = unary_method(maths.Asinh)
    acosh = arccosh = unary_method(maths.Acosh)
    atanh = arctanh = unary_method(maths.Atanh)

    def atan2(self, other):
        """The angle of the point (other, self), in (-pi, pi]."""
        return maths.Atan2.apply(*pair(self, other))

    arctan2 = atan2

    # logarithms, exponentials, powers, the error function
    log2, log10, log1p = unary_method(maths.Log2), unary_method(maths.Log10), unary_method(maths.Log1p)
    expm1, exp2 = unary_method(maths.Expm1), unary_method(maths.Exp2)
    rsqrt, reciprocal = unary_method(maths.Rsqrt), unary_method(maths.Reciprocal)
    square = unary_method(maths.Square)
    erf, erfc, erfinv = unary_method(maths.Erf), unary_method(maths.Erfc), unary_method(maths.Erfinv)

    def lerp(self, end, weight):
        """self + weight * (end - self); `weight` a number or a tensor."""
        start, end = pair(self, end)
        start, weight = pair(start, weight)
        return maths.Lerp.apply(start, end, weight)

    # rounding and sign (derivative 0), frac (derivative 1)
    floor, ceil, trunc = unary_method(rounding.Floor), unary_method(rounding.Ceil), unary_method(rounding.Trunc)
    fix = trunc
    sign, frac = unary_method(rounding.Sign), unary_method(rounding.Frac)

    def round(self, decimals=0):
        """Rounded to `decimals` places, halves to the even neighbour (as PyTorch: 2.5 -> 2, 3.5 -> 4)."""
        return rounding.Round.apply(self, decimals=decimals)

    # choices and tests
    def maximum(self, other):
        """The larger of self and other elementwise; a tie sends half the gradient to each."""
        return compare.Maximum.apply(*pair(self, other))

    def minimum(self, other):
        """The smaller of self and other elementwise; a tie sends half the gradient to each."""
        return compare.Minimum.apply(*pair(self, other))

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        """NaN, +inf and -inf replaced by nan, posinf, neginf (by default 0 and the dtype's extremes)."""
        return compare.NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|self - other| <= atol + rtol * |other| elementwise, as a bool tensor (other of self's dtype)."""
        a, b = (self, other) if isinstance(other, Node) else pair(self, other)
        return compare.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when isclose holds everywhere (a Python bool)."""
        return bool(self.isclose(other, rtol, atol, equal_nan).data.all())

    def isnan(self):
        """Where self is NaN, as a bool tensor."""
        return compare.classify("isnan", self)

    def isinf(self):
        """Where self is +inf or -inf, as a bool tensor."""
        return compare.classify("isinf", self)

    def isfinite(self):
        """Where self is neither NaN nor infinite, as a bool tensor."""
        return compare.classify("isfinite", self)

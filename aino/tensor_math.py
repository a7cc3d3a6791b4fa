"""The Tensor's trigonometric and hyperbolic functions, rounding, sign, maximum, minimum, log2, log10, exp2, rsqrt, erf, isclose, allclose (aino/ops/elementwise_math.py): each a call of its op, where its formula stands."""


class MathMethods:
    """Mixed into Tensor."""

    __slots__ = ()

"""Elementwise maths beyond arithmetic: trigonometric and hyperbolic functions and their inverses, the
other logarithms and exponentials, powers such as rsqrt, the error function, and the three-input lerp.

Each class is one function with its derivative. An integer or bool input is taken as float32, as PyTorch
takes it (torch.tensor(1).sin() is float32); float inputs keep their dtype.

erf is aino.special's (a series below |x| = 3 and a continued fraction above, to about 1e-15 in float64,
written with the array module so it runs on CuPy too); erfinv refines a closed-form first guess
(Winitzki's, to about 2e-3) with three steps of Halley's method, each cubing the relative error: within
1e-12 of PyTorch's over (-0.999999, 0.999999).
"""

import math

from aino.ops.elementwise import Broadcasting, floating
from aino.ops.function import Function, unbroadcast
from aino.special import erf

TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
LN2, LN10 = math.log(2), math.log(10)
WINITZKI_A = 0.147  # the constant of Winitzki's approximation of erfinv
HALLEY_STEPS = 3


class Unary(Function):
    """Base of the ops here with one input: forward keeps the input, as a float, for backward."""

    def forward(self, x):
        self.x = floating(x)
        self.y = self.f(self.x)
        return self.y

    def f(self, x):
        raise NotImplementedError


# --- trigonometric ------------------------------------------------------------------------------


class Sin(Unary):
    """sin(x); derivative cos(x)."""

    def f(self, x):
        return self.xp.sin(x)

    def backward(self, grad):
        return grad * self.xp.cos(self.x)


class Cos(Unary):
    """cos(x); derivative -sin(x)."""

    def f(self, x):
        return self.xp.cos(x)

    def backward(self, grad):
        return -grad * self.xp.sin(self.x)


class Tan(Unary):
    """y = tan(x); derivative 1 + y**2."""

    def f(self, x):
        return self.xp.tan(x)

    def backward(self, grad):
        return grad * (1 + self.y * self.y)


class Asin(Unary):
    """asin(x); derivative 1 / sqrt(1 - x**2)."""

    def f(self, x):
        return self.xp.arcsin(x)

    def backward(self, grad):
        return grad / self.xp.sqrt(1 - self.x * self.x)


class Acos(Unary):
    """acos(x); derivative -1 / sqrt(1 - x**2)."""

    def f(self, x):
        return self.xp.arccos(x)

    def backward(self, grad):
        return -grad / self.xp.sqrt(1 - self.x * self.x)


class Atan(Unary):
    """atan(x); derivative 1 / (1 + x**2)."""

    def f(self, x):
        return self.xp.arctan(x)

    def backward(self, grad):
        return grad / (1 + self.x * self.x)


class Atan2(Broadcasting):
    """atan2(a, b), the angle of the point (b, a); d/da = b / (a**2 + b**2), d/db = -a / (a**2 + b**2)."""

    def forward(self, a, b):
        self.a, self.b = floating(a), floating(b)
        return self.xp.arctan2(self.a, self.b)

    def backward(self, grad):
        a, b = self.a, self.b
        scaled = grad / (a * a + b * b)
        ga = unbroadcast(scaled * b, a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(-scaled * a, b.shape) if self.needs_grad[1] else None
        return ga, gb


# --- hyperbolic ---------------------------------------------------------------------------------


class Sinh(Unary):
    """sinh(x); derivative cosh(x)."""

    def f(self, x):
        return self.xp.sinh(x)

    def backward(self, grad):
        return grad * self.xp.cosh(self.x)


class Cosh(Unary):
    """cosh(x); derivative sinh(x)."""

    def f(self, x):
        return self.xp.cosh(x)

    def backward(self, grad):
        return grad * self.xp.sinh(self.x)


class Asinh(Unary):
    """asinh(x); derivative 1 / sqrt(x**2 + 1)."""

    def f(self, x):
        return self.xp.arcsinh(x)

    def backward(self, grad):
        return grad / self.xp.sqrt(self.x * self.x + 1)


class Acosh(Unary):
    """acosh(x) for x >= 1; derivative 1 / sqrt(x**2 - 1)."""

    def f(self, x):
        return self.xp.arccosh(x)

    def backward(self, grad):
        return grad / self.xp.sqrt(self.x * self.x - 1)


class Atanh(Unary):
    """atanh(x) for |x| < 1; derivative 1 / (1 - x**2)."""

    def f(self, x):
        return self.xp.arctanh(x)

    def backward(self, grad):
        return grad / (1 - self.x * self.x)


# --- logarithms, exponentials and powers ---------------------------------------------------------


class Log2(Unary):
    """log2(x); derivative 1 / (x ln 2)."""

    def f(self, x):
        return self.xp.log2(x)

    def backward(self, grad):
        return grad / (self.x * LN2)


class Log10(Unary):
    """log10(x); derivative 1 / (x ln 10)."""

    def f(self, x):
        return self.xp.log10(x)

    def backward(self, grad):
        return grad / (self.x * LN10)


class Log1p(Unary):
    """log(1 + x), exact for small x; derivative 1 / (1 + x)."""

    def f(self, x):
        return self.xp.log1p(x)

    def backward(self, grad):
        return grad / (1 + self.x)


class Expm1(Unary):
    """y = exp(x) - 1, exact for small x; derivative exp(x) = y + 1."""

    def f(self, x):
        return self.xp.expm1(x)

    def backward(self, grad):
        return grad * (self.y + 1)


class Exp2(Unary):
    """y = 2**x; derivative y ln 2."""

    def f(self, x):
        return self.xp.exp2(x)

    def backward(self, grad):
        return grad * self.y * LN2


class Rsqrt(Unary):
    """y = 1 / sqrt(x); derivative -y**3 / 2."""

    def f(self, x):
        return 1 / self.xp.sqrt(x)

    def backward(self, grad):
        return -0.5 * grad * self.y**3


class Reciprocal(Unary):
    """y = 1 / x; derivative -y**2."""

    def f(self, x):
        return 1 / x

    def backward(self, grad):
        return -grad * self.y * self.y


class Square(Function):
    """x**2 (an integer stays an integer, as PyTorch); derivative 2x."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, grad):
        return 2 * grad * self.x


# --- the error function ----------------------------------------------------------------------------


class Erf(Unary):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt; derivative 2/sqrt(pi) * exp(-x**2)."""

    def f(self, x):
        return erf(x).astype(x.dtype, copy=False)

    def backward(self, grad):
        return grad * TWO_OVER_SQRT_PI * self.xp.exp(-self.x * self.x)


class Erfc(Erf):
    """erfc(x) = 1 - erf(x), in float64 (so to about 1e-15 absolute: to 1e-11 relative for x < 3, while past
    x = 6 it is 0 where the true value is below 1e-16); derivative -2/sqrt(pi) * exp(-x**2)."""

    def f(self, x):
        return (1 - erf(x)).astype(x.dtype, copy=False)

    def backward(self, grad):
        return -super().backward(grad)


class Erfinv(Unary):
    """y = erfinv(x), the y with erf(y) = x, for -1 <= x <= 1; derivative sqrt(pi)/2 * exp(y**2).

    First guess (Winitzki): y0 = sign(x) sqrt(sqrt(c**2 - l / a) - c), l = log(1 - x**2), c = 2/(pi a) + l/2.
    Halley's step for erf(y) - x = 0, where erf'' = -2 y erf': y <- y - r / (erf'(y) + y r), r = erf(y) - x.
    """

    def f(self, x):
        xp = self.xp
        x64 = x.astype(float)
        inside = xp.abs(x64) < 1
        safe = xp.where(inside, x64, 0)  # the guess below is finite only inside (-1, 1)
        log_term = xp.log1p(-safe * safe)
        c = 2 / (math.pi * WINITZKI_A) + log_term / 2
        y = xp.sign(safe) * xp.sqrt(xp.sqrt(c * c - log_term / WINITZKI_A) - c)
        for _ in range(HALLEY_STEPS):
            residual = erf(y) - safe
            y = y - residual / (TWO_OVER_SQRT_PI * xp.exp(-y * y) + y * residual)
        edge = xp.where(xp.abs(x64) == 1, xp.copysign(math.inf, x64), math.nan)  # erfinv(+-1) = +-inf; NaN beyond
        return xp.where(inside, y, edge).astype(x.dtype, copy=False)

    def backward(self, grad):
        return grad / TWO_OVER_SQRT_PI * self.xp.exp(self.y * self.y)


# --- interpolation --------------------------------------------------------------------------------


class Lerp(Broadcasting):
    """start + weight * (end - start); d/dstart = 1 - weight, d/dend = weight, d/dweight = end - start."""

    def forward(self, start, end, weight):
        self.shapes = start.shape, end.shape, weight.shape
        self.weight, self.gap = weight, end - start
        return start + weight * self.gap

    def backward(self, grad):
        needs, shapes = self.needs_grad, self.shapes
        return (unbroadcast(grad * (1 - self.weight), shapes[0]) if needs[0] else None,
                unbroadcast(grad * self.weight, shapes[1]) if needs[1] else None,
                unbroadcast(grad * self.gap, shapes[2]) if needs[2] else None)

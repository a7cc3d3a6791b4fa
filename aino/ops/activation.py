"""Activation ops: elementwise non-linearities, each with its derivative.

The maths of most lives in aino/activations.py, shared with the classic path: an op's docstring states
its formula, and the op calls that one implementation. The few the classic path does not offer
(hardsigmoid, hardswish, logsigmoid) are written out here. An integer or bool input is taken as float32,
as PyTorch's sigmoid and tanh take it; relu, hardtanh and relu6 keep integers, as PyTorch's do.
"""

import math

from aino import activations
from aino.ops.elementwise import floating
from aino.ops.function import Function
from aino.validation import check_real


class FromOutput(Function):
    """Base of the activations whose derivative is written in their output y = f(x), which forward
    keeps: backward multiplies by f'(x) without computing f again."""

    activation = None  # the aino.activations object: f and df_from_output
    keeps_integers = False  # True where f of an integer is an integer (relu): then no float32 cast

    def forward(self, x):
        self.y = self.activation.f(x if self.keeps_integers else floating(x))
        return self.y

    def backward(self, grad):
        return grad * self.activation.df_from_output(self.y)


class FromInput(Function):
    """Base of the activations whose derivative is written in their input x: dL/dx = grad * f'(x)."""

    activation = None  # the aino.activations object: f and backprop
    keeps_integers = False

    def forward(self, x):
        self.x = x if self.keeps_integers else floating(x)
        return self.activation.f(self.x)

    def backward(self, grad):
        return self.activation.backprop(self.x, grad)


class Tanh(FromOutput):
    """y = tanh(x); derivative 1 - y**2."""

    activation = activations.Tanh()


class Sigmoid(FromOutput):
    """y = 1 / (1 + exp(-x)); derivative y * (1 - y)."""

    activation = activations.Sigmoid()


class ReLU(FromOutput):
    """y = max(x, 0); derivative 1 where y > 0, else 0."""

    activation = activations.ReLU()
    keeps_integers = True


class LeakyReLU(FromInput):
    """x if x > 0 else negative_slope * x; derivative 1 if x > 0 else negative_slope."""

    def __init__(self, negative_slope=0.01):
        self.activation = activations.LeakyReLU(check_real(negative_slope, "negative_slope", "Tensor.leaky_relu"))


class ELU(FromInput):
    """x if x > 0 else alpha * (exp(x) - 1); derivative 1 if x > 0 else alpha * exp(x)."""

    def __init__(self, alpha=1.0):
        self.activation = activations.ELU(check_real(alpha, "alpha", "Tensor.elu"))


class SELU(FromInput):
    """scale * elu(x, alpha) with the self-normalising constants; derivative scale * elu'(x)."""

    activation = activations.SELU()


class Softplus(FromInput):
    """log(1 + exp(x)); derivative sigmoid(x)."""

    activation = activations.Softplus()


class SiLU(FromInput):
    """x * sigmoid(x); derivative s * (1 + x * (1 - s)), s = sigmoid(x)."""

    activation = activations.SiLU()


class Mish(FromInput):
    """x * tanh(softplus(x)); derivative t + x * sigmoid(x) * (1 - t**2), t = tanh(softplus(x))."""

    activation = activations.Mish()


class Hardtanh(FromInput):
    """min(max(x, min_val), max_val); derivative 1 where min_val < x < max_val, else 0."""

    keeps_integers = True

    def __init__(self, min_val=-1.0, max_val=1.0):
        self.activation = activations.Hardtanh(min_val, max_val)


class ReLU6(FromInput):
    """min(max(x, 0), 6); derivative 1 where 0 < x < 6, else 0."""

    activation = activations.ReLU6()
    keeps_integers = True


class Hardsigmoid(Function):
    """relu6(x + 3) / 6; derivative 1/6 where -3 < x < 3, else 0."""

    def forward(self, x):
        self.x = floating(x)
        return self.xp.clip(self.x / 6 + 0.5, 0, 1)

    def backward(self, grad):
        x = self.x
        return grad * ((x > -3) & (x < 3)) / 6


class Hardswish(Function):
    """x * relu6(x + 3) / 6; derivative 0 where x <= -3, x / 3 + 1/2 where -3 < x < 3, 1 where x >= 3."""

    def forward(self, x):
        self.x = floating(x)
        return self.x * self.xp.clip(self.x / 6 + 0.5, 0, 1)

    def backward(self, grad):
        xp, x = self.xp, self.x
        return grad * xp.where(x <= -3, 0, xp.where(x >= 3, 1, x / 3 + 0.5))


class LogSigmoid(Function):
    """log(sigmoid(x)) = -softplus(-x); derivative sigmoid(-x) = 1 - sigmoid(x)."""

    def forward(self, x):
        self.x = floating(x)
        return -activations.Softplus().f(-self.x)

    def backward(self, grad):
        return grad * activations.Sigmoid().f(-self.x)


class GELU(FromInput):
    """x * Phi(x) (Phi: the normal distribution function); derivative Phi(x) + x * phi(x).

    approximate="tanh": 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x**3);
    derivative 0.5 (1 + t) + 0.5 x (1 - t**2) sqrt(2/pi) (1 + 3 * 0.044715 x**2), t = tanh(u).
    """

    C = math.sqrt(2 / math.pi)
    activation = activations.GELU()

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        if self.approximate == "none":
            return super().forward(x)
        self.x = x = floating(x)
        self.t = self.xp.tanh(self.C * (x + 0.044715 * x**3))
        return 0.5 * x * (1 + self.t)

    def backward(self, grad):
        if self.approximate == "none":
            return super().backward(grad)
        x, t = self.x, self.t
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * self.C * (1 + 3 * 0.044715 * x * x))

"""Elementwise ops: arithmetic with broadcasting, and the unary functions and activations.

Each class is one function f with its derivative. A binary op's inputs may have different shapes
(NumPy broadcasting); its backward sums the gradient back to each input's shape with `unbroadcast`.
"""

import math
import numbers

from aino import activations
from aino.backend import device_of, move_array
from aino.ops.function import Function, constant, unbroadcast
from aino.validation import check_broadcast, check_real

# --- arithmetic --------------------------------------------------------------------------------


class Broadcasting(Function):
    """Base of the binary ops: inputs whose shapes do not broadcast are refused naming the op and the
    dimension where they clash (checked only after NumPy refuses them, so a good call pays nothing)."""

    def explain(self, arrays, error):
        check_broadcast(self.owner, *(a.shape for a in arrays))


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


class Add(Broadcasting):
    """a + b; d/da = 1, d/db = 1."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, grad):
        sa, sb = self.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Sub(Broadcasting):
    """a - b; d/da = 1, d/db = -1."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, grad):
        sa, sb = self.shapes
        return unbroadcast(grad, sa), (unbroadcast(-grad, sb) if self.needs_grad[1] else None)


class Mul(Broadcasting):
    """a * b; d/da = b, d/db = a."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        a, b = self.a, self.b
        ga = unbroadcast(grad * b, a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(grad * a, b.shape) if self.needs_grad[1] else None
        return ga, gb


class Div(Broadcasting):
    """a / b; d/da = 1 / b, d/db = -a / b**2."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        a, b = self.a, self.b
        ga = unbroadcast(grad / b, a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(-grad * a / (b * b), b.shape) if self.needs_grad[1] else None
        return ga, gb


class Pow(Broadcasting):
    """a ** b; d/da = b * a**(b - 1), d/db = a**b * log(a)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a**b
        return self.y

    def backward(self, grad):
        a, b = self.a, self.b
        ga = unbroadcast(grad * b * a ** (b - 1), a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(grad * self.y * self.xp.log(a), b.shape) if self.needs_grad[1] else None
        return ga, gb


class Neg(Function):
    """-x; derivative -1."""

    def forward(self, x):
        return -x

    def backward(self, grad):
        return -grad


# --- unary functions ---------------------------------------------------------------------------


class Exp(Function):
    """exp(x); derivative exp(x)."""

    def forward(self, x):
        self.y = self.xp.exp(x)
        return self.y

    def backward(self, grad):
        return grad * self.y


class Log(Function):
    """log(x); derivative 1 / x."""

    def forward(self, x):
        self.x = x
        return self.xp.log(x)

    def backward(self, grad):
        return grad / self.x


class Sqrt(Function):
    """sqrt(x); derivative 1 / (2 sqrt(x))."""

    def forward(self, x):
        self.y = self.xp.sqrt(x)
        return self.y

    def backward(self, grad):
        return grad / (2 * self.y)


class Abs(Function):
    """|x|; derivative sign(x) (0 at 0, as PyTorch)."""

    def forward(self, x):
        self.x = x
        return self.xp.abs(x)

    def backward(self, grad):
        return grad * self.xp.sign(self.x)


class Clip(Function):
    """min(max(x, low), high); derivative 1 where low <= x <= high, else 0 (as PyTorch's clamp)."""

    def __init__(self, low=None, high=None):
        for name, bound in (("min", low), ("max", high)):
            if not (bound is None or isinstance(bound, numbers.Real)):
                raise TypeError(f"Tensor.clip: {name} must be a number or None, "
                                f"got {type(bound).__name__} {bound!r:.60}")
        self.low, self.high = low, high

    def forward(self, x):
        self.x = x
        return self.xp.clip(x, self.low, self.high)

    def backward(self, grad):
        x, inside = self.x, True
        if self.low is not None:
            inside = x >= self.low
        if self.high is not None:
            inside = inside & (x <= self.high)
        return grad * inside


# --- activations --------------------------------------------------------------------------------
# The maths of each lives in aino/activations.py, shared with the classic path: an op's docstring
# states its formula, and the op calls that one implementation.


class FromOutput(Function):
    """Base of the activations whose derivative is written in their output y = f(x), which forward
    keeps: backward multiplies by f'(x) without computing f again."""

    activation = None  # the aino.activations object: f and df_from_output

    def forward(self, x):
        self.y = self.activation.f(x)
        return self.y

    def backward(self, grad):
        return grad * self.activation.df_from_output(self.y)


class FromInput(Function):
    """Base of the activations whose derivative is written in their input x: dL/dx = grad * f'(x)."""

    activation = None  # the aino.activations object: f and backprop

    def forward(self, x):
        self.x = x
        return self.activation.f(x)

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
        self.x = x
        self.t = self.xp.tanh(self.C * (x + 0.044715 * x**3))
        return 0.5 * x * (1 + self.t)

    def backward(self, grad):
        if self.approximate == "none":
            return super().backward(grad)
        x, t = self.x, self.t
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * self.C * (1 + 3 * 0.044715 * x * x))


# --- moving and casting ------------------------------------------------------------------------


class Cast(Function):
    """x as another dtype; derivative 1 (the gradient is cast back by the graph walk)."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, grad):
        return grad


class ToDevice(Function):
    """x copied to another device; derivative 1, with the gradient copied back."""

    name = "to"

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.source = device_of(x)
        return move_array(x, self.device)

    def backward(self, grad):
        return move_array(grad, self.source)

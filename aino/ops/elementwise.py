"""Elementwise ops: arithmetic with broadcasting, exp, log, sqrt, abs, clip, and casting and moving.

Each class is one function f with its derivative. A binary op's inputs may have different shapes
(NumPy broadcasting); its backward sums the gradient back to each input's shape with `unbroadcast`.
The functions whose value is a real number however whole the input (exp, log, sqrt, and the maths of
elementwise_math.py) take an integer or bool tensor as PyTorch does: as float32, the default float dtype.
The activations are in activation.py, rounding in rounding.py, comparisons and choices in compare.py.
"""

import numbers

from aino.backend import FLOAT32, device_of, move_array
from aino.ops.function import Function, unbroadcast
from aino.validation import check_broadcast


def floating(x):
    """x itself when it is a float array, else x as float32 (PyTorch: torch.tensor(2).exp() is float32)."""
    return x if x.dtype.kind in "fc" else x.astype(FLOAT32)


# --- arithmetic --------------------------------------------------------------------------------


class Broadcasting(Function):
    """Base of the binary ops: inputs whose shapes do not broadcast are refused naming the op and the
    dimension where they clash (checked only after NumPy refuses them, so a good call pays nothing)."""

    def explain(self, arrays, error):
        check_broadcast(self.owner, *(a.shape for a in arrays))


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
    """a ** b; d/da = b * a**(b - 1), d/db = a**b * log(a).

    As PyTorch, d/da is 0 where b == 0 (a**0 is 1 for every a, even 0), and d/db is 0 where a == 0 and
    b >= 0 (0**b is 0 or 1 there), where the formulas would give 0 * inf = NaN: there backward puts an
    exponent of 1 and a log of 1 in their place, so the product is 0."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a**b
        return self.y

    def backward(self, grad):
        xp, a, b = self.xp, self.a, self.b
        ga = gb = None
        if self.needs_grad[0]:
            ga = unbroadcast(grad * b * a ** xp.where(b == 0, 1, b - 1), a.shape)
        if self.needs_grad[1]:
            gb = unbroadcast(grad * self.y * xp.log(xp.where((a == 0) & (b >= 0), 1, a)), b.shape)
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
        self.y = self.xp.exp(floating(x))
        return self.y

    def backward(self, grad):
        return grad * self.y


class Log(Function):
    """log(x); derivative 1 / x."""

    def forward(self, x):
        self.x = floating(x)
        return self.xp.log(self.x)

    def backward(self, grad):
        return grad / self.x


class Sqrt(Function):
    """sqrt(x); derivative 1 / (2 sqrt(x))."""

    def forward(self, x):
        self.y = self.xp.sqrt(floating(x))
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

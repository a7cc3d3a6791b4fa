"""Softmax, softmin and log-softmax along one axis, computed stably and differentiated whole (fused backward).

Both shift by the largest value first, so exp never overflows: softmax(x) = softmax(x - max x). An empty
input (a size-0 axis) gives an empty result, as PyTorch. Integer and boolean tensors are refused, as
PyTorch refuses them: the result is a probability, never an integer.
"""

from aino.ops.function import Function
from aino.validation import check_dim


def checked_axis(x, axis, owner):
    """The axis to normalise over, refused in PyTorch's words when x has no such axis (None for a 0-d x)."""
    if x.dtype.kind != "f":
        raise TypeError(f"{owner}: expected a floating-point tensor, got dtype {x.dtype} (convert it with .float())")
    axis = check_dim(axis, x.ndim, owner)
    return axis if x.ndim else None


class Softmax(Function):
    """y_i = exp(x_i - max x) / sum_j exp(x_j - max x); dL/dx = y * (g - sum_j g_j y_j)."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        self.axis = checked_axis(x, self.axis, self.name or "softmax")
        if x.size == 0:  # nothing to normalise
            self.y = self.xp.empty_like(x)
            return self.y
        e = self.xp.exp(x - x.max(axis=self.axis, keepdims=True))  # shifting by the max avoids overflow
        e /= e.sum(axis=self.axis, keepdims=True)
        self.y = e
        return e

    def backward(self, grad):
        y = self.y
        gx = grad - (grad * y).sum(axis=self.axis, keepdims=True)
        gx *= y  # y * (g - sum_j g_j y_j), one temporary fewer
        return gx


class LogSoftmax(Function):
    """y_i = x_i - max x - log sum_j exp(x_j - max x); dL/dx = g - exp(y) * sum_j g_j."""

    name = "log_softmax"

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        xp = self.xp
        self.axis = checked_axis(x, self.axis, "log_softmax")
        if x.size == 0:  # nothing to normalise
            self.y = xp.empty_like(x)
            return self.y
        shifted = x - x.max(axis=self.axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.y

    def backward(self, grad):
        return grad - self.xp.exp(self.y) * grad.sum(axis=self.axis, keepdims=True)


class Softmin(Softmax):
    """y = softmax(-x): y_i = exp(-x_i) / sum_j exp(-x_j); dL/dx = -y * (g - sum_j g_j y_j)."""

    name = "softmin"

    def forward(self, x):
        return super().forward(-x)

    def backward(self, grad):
        return -super().backward(grad)

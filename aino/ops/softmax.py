"""Softmax and log-softmax along one axis, computed stably and differentiated whole (fused backward)."""

from aino.ops.function import Function


class Softmax(Function):
    """y_i = exp(x_i - max x) / sum_j exp(x_j - max x); dL/dx = y * (g - sum_j g_j y_j)."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        e = self.xp.exp(x - x.max(axis=self.axis, keepdims=True))  # shifting by the max avoids overflow
        e /= e.sum(axis=self.axis, keepdims=True)
        self.y = e
        return e

    def backward(self, grad):
        y = self.y
        return y * (grad - (grad * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y_i = x_i - max x - log sum_j exp(x_j - max x); dL/dx = g - exp(y) * sum_j g_j."""

    name = "log_softmax"

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        xp = self.xp
        shifted = x - x.max(axis=self.axis, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.y

    def backward(self, grad):
        return grad - self.xp.exp(self.y) * grad.sum(axis=self.axis, keepdims=True)

"""The spike of a spiking neuron: a step function, trained through a smooth stand-in for its derivative."""

from aino.ops.function import Function


class Spike(Function):
    """s = 1 if v >= threshold else 0; surrogate derivative k * sigmoid(k (v - threshold)) * (1 - sigmoid(...)).

    The true derivative of a step is 0 almost everywhere, which would stop all learning; backprop uses the
    slope of a steep sigmoid instead (the "surrogate gradient" of spiking networks).
    """

    def __init__(self, threshold=1.0, sharpness=5.0):
        self.threshold, self.sharpness = threshold, sharpness

    def forward(self, v):
        self.v = v
        return (v >= self.threshold).astype(v.dtype)

    def backward(self, grad):
        k = self.sharpness
        s = 1 / (1 + self.xp.exp(-k * (self.v - self.threshold)))
        return grad * k * s * (1 - s)

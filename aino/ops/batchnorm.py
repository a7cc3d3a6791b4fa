"""Batch normalisation as one fused op: each channel (axis 1) is normalised over every other axis.

For one channel, with the m = N * (spatial size) values x_i of a batch:

    mean = (1/m) sum_i x_i        var = (1/m) sum_i (x_i - mean)**2        sigma = sqrt(var + eps)
    x_hat_i = (x_i - mean) / sigma                                          y_i = gamma * x_hat_i + beta

In training, mean and sigma depend on every x_i of the channel, so the derivative couples them all.
Writing g_i = dL/dy_i and differentiating through mean and var (d mean/d x_j = 1/m,
d var/d x_j = 2 (x_j - mean)/m) gives, after collecting terms,

    dL/dx_i = (1/m) * gamma / sigma * (m * g_i - sum_j g_j - x_hat_i * sum_j g_j x_hat_j)

where the two sums are exactly the parameter gradients: dL/dbeta = sum_j g_j and
dL/dgamma = sum_j g_j x_hat_j. In evaluation the statistics are fixed numbers (the running
estimates), the layer is a per-channel affine map, and dL/dx_i = gamma / sigma * g_i.
"""

from aino.ops.function import Function


class BatchNorm(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta per channel (axis 1); see the module docstring for the backward.

    Called as BatchNorm.apply(x), BatchNorm.apply(x, weight) or BatchNorm.apply(x, weight, bias)
    (weight = gamma, bias = beta, shaped (C,); gamma = 1 and beta = 0 where they are left out).
    training=True normalises with the batch statistics and, when `running_mean` and `running_var`
    (arrays shaped (C,)) are given, moves them towards the batch's, in place, as PyTorch's batch_norm does:
    running = (1 - momentum) * running + momentum * batch, with the unbiased variance var * m / (m - 1).
    training=False normalises with `running_mean` and `running_var`.
    """

    name = "batch_norm"

    def __init__(self, training=True, running_mean=None, running_var=None, momentum=0.1, eps=1e-5):
        self.training, self.momentum, self.eps = training, momentum, eps
        self.running_mean, self.running_var = running_mean, running_var

    def forward(self, x, weight=None, bias=None):
        xp = self.xp
        channels = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # broadcasts a (C,) array along axis 1
        self.axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel axis
        self.count = x.size // x.shape[1]  # m: the values per channel
        if self.training:
            mean = x.mean(axis=self.axes, keepdims=True)
            centred = x - mean
            var = (centred * centred).mean(axis=self.axes, keepdims=True)  # biased: divides by m
            if self.running_mean is not None:
                self._update_running_stats(mean.reshape(-1), var.reshape(-1))
        else:
            mean = self.running_mean.reshape(channels)
            centred = x - mean
            var = self.running_var.reshape(channels)
        self.inv_sigma = 1 / xp.sqrt(var + self.eps)
        self.x_hat = centred * self.inv_sigma
        self.gamma = None if weight is None else weight.reshape(channels)
        y = self.x_hat if weight is None else self.x_hat * self.gamma
        return y if bias is None else y + bias.reshape(channels)

    def _update_running_stats(self, mean, var):
        """running <- (1 - momentum) * running + momentum * batch, in place; the variance unbiased (m - 1)."""
        momentum = self.momentum
        unbiased = var * (self.count / (self.count - 1))
        self.running_mean *= 1 - momentum
        self.running_mean += momentum * mean
        self.running_var *= 1 - momentum
        self.running_var += momentum * unbiased

    def backward(self, grad):
        x_hat, axes = self.x_hat, self.axes
        sum_grad = grad.sum(axis=axes, keepdims=True)  # = dL/dbeta
        sum_grad_x_hat = (grad * x_hat).sum(axis=axes, keepdims=True)  # = dL/dgamma
        scale = self.inv_sigma if self.gamma is None else self.gamma * self.inv_sigma  # gamma / sigma
        gx = None
        if self.needs_grad[0]:
            if self.training:  # mean and sigma move with x: the whole formula
                m = self.count
                gx = (scale / m) * (m * grad - sum_grad - x_hat * sum_grad_x_hat)
            else:  # fixed statistics: a per-channel scale
                gx = scale * grad
        if len(self.needs_grad) == 1:
            return gx
        grads = (gx, sum_grad_x_hat.reshape(-1), sum_grad.reshape(-1))  # for x, weight, bias
        return tuple(g if needed else None for g, needed in zip(grads, self.needs_grad))

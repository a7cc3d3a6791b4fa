"""Layer normalisation as one fused op: forward and its whole derivative side by side.

Each sample is normalised over its last `ndim` axes (the "normalized shape"), then scaled and shifted:

    mu = mean(x)    var = mean((x - mu)**2)    xhat = (x - mu) / sqrt(var + eps)    y = w * xhat + b

Backward, with g = dL/dy, over the n normalised values of one sample and rstd = 1 / sqrt(var + eps):

    dL/db    = sum of g over the leading (batch) axes
    dL/dw    = sum of g * xhat over the leading axes
    dL/dxhat = g * w
    dL/dx    = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))

The last line is the chain rule through xhat, mu and var together: mean(dxhat) is what flows back through
mu, and xhat * mean(dxhat * xhat) what flows back through var.
"""

from aino.ops.function import Function


class LayerNorm(Function):
    """y = w * (x - mean) / sqrt(var + eps) + b over the last `ndim` axes; dL/dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))."""

    name = "layer_norm"

    def __init__(self, ndim, eps=1e-5):
        self.ndim, self.eps = ndim, eps

    def forward(self, x, weight=None, bias=None):
        self.axes = tuple(range(x.ndim - self.ndim, x.ndim))
        mu = x.mean(axis=self.axes, keepdims=True)
        centred = x - mu
        var = (centred * centred).mean(axis=self.axes, keepdims=True)  # biased variance, as PyTorch
        self.rstd = 1 / self.xp.sqrt(var + self.eps)
        self.xhat = centred * self.rstd
        self.weight = weight
        y = self.xhat if weight is None else self.xhat * weight
        if bias is not None:
            y = y + bias
        return y

    def backward(self, grad):
        xhat, axes, weight = self.xhat, self.axes, self.weight
        batch_axes = tuple(range(grad.ndim - self.ndim))
        needs = self.needs_grad
        gx = None
        if needs[0]:
            dxhat = grad if weight is None else grad * weight
            through_mean = dxhat.mean(axis=axes, keepdims=True)
            through_var = (dxhat * xhat).mean(axis=axes, keepdims=True)
            gx = self.rstd * (dxhat - through_mean - xhat * through_var)
        if len(needs) == 1:
            return gx
        gw = (grad * xhat).sum(axis=batch_axes) if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        gb = grad.sum(axis=batch_axes) if needs[2] else None
        return gx, gw, gb


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation of Tensor x over its trailing `normalized_shape` axes (as torch.nn.functional.layer_norm)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm expected input whose last axes are {shape}, got shape {tuple(x.shape)}")
    if weight is None and bias is not None:
        raise ValueError("layer_norm: a bias needs a weight (pass weight=ones to shift only)")
    params = [p for p in (weight, bias) if p is not None]
    return LayerNorm.apply(x, *params, ndim=len(shape), eps=eps)

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

The op works on the (samples, n) view of x, one sample per row, so that every sum over a sample is one
matrix-vector product (rows @ ones; einsum for the sum of squares), about 3x faster than NumPy's sum over
a short last axis (measured at 1024 x 128: 11 us against 41). With dxhat = g * w, both sums of the last
line are products with w: sum(dxhat) = g @ w and sum(dxhat * xhat) = (g * xhat) @ w, and g * xhat is
dL/dw's too (forward and backward at 16 x 64 x 128: 0.41 -> 0.24 ms and 0.60 -> 0.37 ms).
"""

import math

from aino.ops.function import Function
from aino.ops.matmul import column_sums


class LayerNorm(Function):
    """y = w * (x - mean) / sqrt(var + eps) + b over the last `ndim` axes; dL/dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))."""

    name = "layer_norm"

    def __init__(self, ndim, eps=1e-5):
        self.ndim, self.eps = ndim, eps

    def forward(self, x, weight=None, bias=None):
        xp = self.xp
        rows = x.reshape(-1, math.prod(x.shape[x.ndim - self.ndim:]))  # (samples, n): one sample's values per row
        ones = xp.ones(rows.shape[1], dtype=rows.dtype)
        mu = (rows @ ones) / rows.shape[1]
        centred = rows - mu[:, None]
        var = xp.einsum("ij,ij->i", centred, centred) / rows.shape[1]  # biased variance, as PyTorch
        self.rstd = 1 / xp.sqrt(var + self.eps)  # (samples,)
        centred *= self.rstd[:, None]
        self.xhat = centred  # (samples, n)
        self.weight = None if weight is None else weight.reshape(-1)
        y = self.xhat if weight is None else self.xhat * self.weight
        if bias is not None:  # a bias comes only after a weight, so y is a new array
            y += bias.reshape(-1)
        return y.reshape(x.shape)

    def backward(self, grad):
        xp, xhat, rstd = self.xp, self.xhat, self.rstd
        g = grad.reshape(xhat.shape)  # (samples, n)
        n = xhat.shape[1]
        weight = xp.ones(n, dtype=g.dtype) if self.weight is None else self.weight
        g_xhat = g * xhat
        needs = self.needs_grad
        gx = None
        if needs[0]:
            through_mean = (g @ weight) / n  # mean(dxhat), as dxhat = g * w
            through_var = (g_xhat @ weight) / n  # mean(dxhat * xhat)
            dxhat = g * weight
            dxhat -= through_mean[:, None]
            dxhat -= xhat * through_var[:, None]
            dxhat *= rstd[:, None]
            gx = dxhat.reshape(grad.shape)
        if len(needs) == 1:
            return gx
        shape = grad.shape[grad.ndim - self.ndim:]  # the normalized shape, that of w and b
        gw = column_sums(xp, g_xhat).reshape(shape) if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        gb = column_sums(xp, g).reshape(shape) if needs[2] else None
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

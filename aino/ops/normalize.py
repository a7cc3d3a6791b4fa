"""Lp normalisation along one dim (F.normalize) as one op: forward and its derivative side by side.

    n = ||x||_p = (sum_j |x_j|^p)^(1/p)     m = max(n, eps)     y = x / m

Backward, with g = dL/dy and s = sum_j g_j x_j along the dim:

    dL/dx_i = g_i / m - s / m**2 * dm/dx_i,    dm/dx_i = dn/dx_i = sign(x_i) |x_i|^(p-1) / n^(p-1)  where n > eps,
                                               dm/dx_i = 0                                         where n <= eps

so for p = 2, dL/dx = (g - y * sum(g * y)) / m: the part of g along y is taken out, because moving x along
itself does not move the unit vector. Below eps the denominator is the constant eps.
"""

from aino.ops.function import Function


class Normalize(Function):
    """y = x / max(||x||_p, eps) along `axis`; dL/dx = g / m - sum(g x) / m**2 * dn/dx (dn/dx = 0 below eps)."""

    name = "normalize"

    def __init__(self, p=2.0, axis=1, eps=1e-12):
        self.p, self.axis, self.eps = p, axis, eps

    def forward(self, x):
        xp, p = self.xp, self.p
        size = xp.abs(x)
        self.n = (x * x if p == 2 else size**p).sum(axis=self.axis, keepdims=True) ** (1 / p)
        self.m = xp.maximum(self.n, self.eps)
        self.x = x
        return x / self.m

    def backward(self, grad):
        xp, x, n, m, p = self.xp, self.x, self.n, self.m, self.p
        s = (grad * x).sum(axis=self.axis, keepdims=True)
        above = n > self.eps
        safe = xp.where(above, n, 1)
        dn_dx = x / safe if p == 2 else xp.sign(x) * xp.abs(x) ** (p - 1) / safe ** (p - 1)
        return (grad / m - (s / (m * m)) * above * dn_dx).astype(x.dtype, copy=False)

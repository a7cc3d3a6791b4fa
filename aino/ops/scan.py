"""Running totals along one dim: cumsum and cumprod (integers and bools accumulate in int64, as PyTorch).

Output i depends on inputs 0..i, so the gradient of input j gathers the output gradients from j onwards:
a sum from the end, `_from_the_end`.
"""

from aino.ops.function import Function
from aino.ops.reduce import accumulator
from aino.validation import check_dim


class Scan(Function):
    """Shared set-up: the dim scanned along (a 0-d input is scanned as one value)."""

    def __init__(self, dim):
        self.dim = dim

    def _setup(self, x):
        self.shape = x.shape
        self.axis = check_dim(self.dim, x.ndim, self.owner)
        return x.reshape(x.shape or (1,))

    def _from_the_end(self, values):
        """z_j = sum_{i >= j} values_i along the scanned dim."""
        xp, axis = self.xp, self.axis
        return xp.flip(xp.cumsum(xp.flip(values, axis=axis), axis=axis), axis=axis)


class Cumsum(Scan):
    """y_i = sum_{j<=i} x_j; dL/dx_j = sum_{i>=j} dL/dy_i."""

    def forward(self, x):
        return self._setup(x).cumsum(axis=self.axis, dtype=accumulator(x)).reshape(self.shape)

    def backward(self, grad):
        return self._from_the_end(grad.reshape(grad.shape or (1,))).reshape(self.shape)


class Cumprod(Scan):
    """y_i = prod_{k<=i} x_k; dL/dx_j = sum_{i>=j} dL/dy_i prod_{k<=i, k!=j} x_k.

    Where no x_k before j is 0, that is (sum_{i>=j} dL/dy_i y_i) / x_j. At the first zero x_z it is
    prod_{k<z} x_k * sum_{i>=z} dL/dy_i prod_{z<k<=i} x_k; after it, every product holds x_z, so 0.
    """

    def forward(self, x):
        self.x = self._setup(x)
        self.y = self.x.cumprod(axis=self.axis, dtype=accumulator(x))
        return self.y.reshape(self.shape)

    def backward(self, grad):
        xp, x, y = self.xp, self.x, self.y
        grad = grad.reshape(y.shape)
        if not x.size:
            return grad.reshape(self.shape)
        n = x.shape[self.axis]
        place = xp.arange(n).reshape([n if d == self.axis else 1 for d in range(x.ndim)])
        zero = x == 0
        first_zero = xp.where(zero.any(axis=self.axis, keepdims=True),
                              zero.argmax(axis=self.axis, keepdims=True), n)
        before = self._from_the_end(grad * y) / xp.where(zero, 1, x)
        product_before = xp.where(place < first_zero, x, 1).prod(axis=self.axis, keepdims=True)
        product_after = xp.where(place <= first_zero, 1, x).cumprod(axis=self.axis)  # prod_{z<k<=i} x_k
        at_zero = product_before * xp.where(place >= first_zero, grad * product_after, 0).sum(
            axis=self.axis, keepdims=True)
        result = xp.where(place < first_zero, before, xp.where(place == first_zero, at_zero, 0))
        return result.reshape(self.shape)

"""Reductions over axes: sum, mean, max, min, var; and argmax, argmin (not differentiable).

Each backward first puts the reduced axes back as size-1 axes (`_expand`), then broadcasts the
gradient over the input's shape.
"""

from aino.ops.function import Function
from aino.validation import check_dim, check_dims, check_real


class Reduction(Function):
    """Shared set-up: the axes reduced and whether they are kept."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def _setup(self, x):
        self.shape = x.shape
        self.axes = check_dims(self.axis, x.ndim, self.owner)
        self.count = 1
        for a in self.axes:
            self.count *= x.shape[a]

    def _expand(self, grad):
        """`grad` with the reduced axes back as size 1, so it broadcasts against the input."""
        return grad if self.keepdims else grad.reshape(
            [1 if i in self.axes else n for i, n in enumerate(self.shape)]
        )


class Sum(Reduction):
    """sum_i x_i; derivative 1 for every x_i."""

    def forward(self, x):
        self._setup(x)
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        return self.xp.broadcast_to(self._expand(grad), self.shape)


class Mean(Reduction):
    """sum_i x_i / n; derivative 1 / n for every x_i."""

    def forward(self, x):
        self._setup(x)
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, grad):
        return self.xp.broadcast_to(self._expand(grad) / self.count, self.shape)


class Max(Reduction):
    """max_i x_i; derivative 1 / (number of ties) at the maxima, 0 elsewhere (as torch.amax)."""

    pick = "max"

    def forward(self, x):
        self._setup(x)
        if not self.count:
            _refuse_empty(self.owner, x.shape, self.axis)
        kept = getattr(x, self.pick)(axis=self.axes, keepdims=True)
        self.mask = x == kept
        return kept if self.keepdims else kept.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        mask = self.mask
        ties = mask.sum(axis=self.axes, keepdims=True)
        return mask * (self._expand(grad) / ties).astype(grad.dtype, copy=False)


class Min(Max):
    """min_i x_i; derivative 1 / (number of ties) at the minima, 0 elsewhere (as torch.amin)."""

    pick = "min"


class Var(Reduction):
    """sum_i (x_i - mean)**2 / (n - correction); derivative 2 (x_i - mean) / (n - correction)."""

    def __init__(self, axis=None, keepdims=False, correction=1):
        super().__init__(axis, keepdims)
        self.correction = check_real(correction, "correction", "Tensor.var")

    def forward(self, x):
        self._setup(x)
        self.centred = x - x.mean(axis=self.axes, keepdims=True)
        self.divisor = max(self.count - self.correction, 0)
        squares = (self.centred * self.centred).sum(axis=self.axes, keepdims=self.keepdims)
        return squares / self.divisor if self.divisor else squares * float("nan")

    def backward(self, grad):
        return self._expand(grad) * (2 / self.divisor if self.divisor else float("nan")) * self.centred


def arg_pick(x, pick, axis=None, keepdims=False):
    """The indices of the maxima (pick="argmax") or minima ("argmin") of array `x`: over the flattened
    array for axis=None, as PyTorch; int64."""
    owner = f"Tensor.{pick}"
    if axis is not None:
        axis = check_dim(axis, x.ndim, owner)
        if not x.ndim:
            axis = None  # a 0-d tensor has its one value at index 0, as in PyTorch
    if (axis is None and not x.size) or (axis is not None and not x.shape[axis]):
        _refuse_empty(owner, x.shape, axis)
    return getattr(x, pick)(axis=axis, keepdims=keepdims).astype("int64")


def _refuse_empty(owner, shape, axis):
    """The ValueError for a max, min, argmax or argmin over no values (as PyTorch, which has no identity for them)."""
    where = "a non-empty tensor" if axis is None else f"dim={axis!r} to be non-empty"
    raise ValueError(f"{owner}: expected {where} (a maximum or minimum of no values does not exist), "
                     f"got shape {tuple(shape)}")

"""Ops that move values around without changing them: reshape, transpose, expand, cat, stack, pad.

Their derivatives move the gradient back the same way: a reshape's backward reshapes to the input
shape, a transpose's transposes back, a concatenation's splits.
"""

from aino.ops.function import Function, normalize_axes, unbroadcast


class Reshape(Function):
    """x with a new shape (same values in the same order); the gradient is reshaped back."""

    def __init__(self, shape=None):
        self.shape = shape

    def target(self, shape):
        """The output shape for an input of `shape`."""
        return self.shape

    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.target(x.shape))

    def backward(self, grad):
        return grad.reshape(self.in_shape)


class Flatten(Reshape):
    """Axes start_dim..end_dim merged into one (a reshape)."""

    def __init__(self, start_dim=0, end_dim=-1):
        self.start_dim, self.end_dim = start_dim, end_dim

    def target(self, shape):
        if not shape:
            return (1,)
        start, end = normalize_axes((self.start_dim, self.end_dim), len(shape))
        merged = 1
        for n in shape[start : end + 1]:
            merged *= n
        return shape[:start] + (merged,) + shape[end + 1 :]


class Squeeze(Reshape):
    """x without its size-1 axes (all, or the ones named); a reshape."""

    def __init__(self, axis=None):
        self.axis = axis

    def target(self, shape):
        if self.axis is None:
            return tuple(n for n in shape if n != 1)
        axes = normalize_axes(self.axis, len(shape))
        return tuple(n for i, n in enumerate(shape) if not (i in axes and n == 1))


class Unsqueeze(Reshape):
    """x with a new size-1 axis at position `axis`; a reshape."""

    def __init__(self, axis):
        self.axis = axis

    def target(self, shape):
        axis = normalize_axes(self.axis, len(shape) + 1)[0]
        return shape[:axis] + (1,) + shape[axis:]


class Transpose(Function):
    """x with its axes permuted; the gradient is permuted back by the inverse permutation."""

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        self.axes = tuple(range(x.ndim - 1, -1, -1)) if self.axes is None else normalize_axes_order(self.axes, x.ndim)
        return x.transpose(self.axes)

    def backward(self, grad):
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis] = position
        return grad.transpose(inverse)


def normalize_axes_order(axes, ndim):
    """A permutation of the axes, negatives allowed, checked."""
    order = tuple(int(a) % ndim if ndim else 0 for a in axes)
    if sorted(order) != list(range(ndim)):
        raise ValueError(f"permute: {tuple(axes)} is not a permutation of the {ndim} axes")
    return order


class Expand(Function):
    """x broadcast to a larger shape (-1 keeps a size); the gradient is summed back (unbroadcast)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        lead = len(self.shape) - x.ndim
        shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(self.shape))
        return self.xp.broadcast_to(x, shape)

    def backward(self, grad):
        return unbroadcast(grad, self.in_shape)


class Concatenate(Function):
    """Inputs joined along `axis`; the gradient is split back into their sizes."""

    name = "cat"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        self.bounds = []
        end = 0
        for a in arrays[:-1]:
            end += a.shape[self.axis]
            self.bounds.append(end)
        return self.xp.concatenate(arrays, axis=self.axis)

    def backward(self, grad):
        return _one_or_many(self.xp.split(grad, self.bounds, axis=self.axis))


class Stack(Function):
    """Inputs (of one shape) stacked along a new axis; the gradient is unstacked."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        return self.xp.stack(arrays, axis=self.axis)

    def backward(self, grad):
        return _one_or_many(self.xp.moveaxis(grad, self.axis, 0))


class Pad2d(Function):
    """The last two axes padded with a constant; the gradient is the un-padded middle.

    padding: p (all four sides), (ph, pw) (top and bottom, left and right), or
    (left, right, top, bottom) as torch.nn.functional.pad.
    """

    def __init__(self, padding, value=0.0):
        if isinstance(padding, int):
            padding = (padding,) * 4
        elif len(padding) == 2:
            padding = (padding[1], padding[1], padding[0], padding[0])
        elif len(padding) != 4:
            raise ValueError(f"pad2d: padding must be an int, (ph, pw) or (left, right, top, bottom), got {padding!r}")
        self.left, self.right, self.top, self.bottom = (int(p) for p in padding)
        self.value = value

    def forward(self, x):
        if x.ndim < 2:
            raise ValueError(f"pad2d needs at least 2 dimensions, got shape {x.shape}")
        widths = [(0, 0)] * (x.ndim - 2) + [(self.top, self.bottom), (self.left, self.right)]
        return self.xp.pad(x, widths, mode="constant", constant_values=self.value)

    def backward(self, grad):
        h, w = grad.shape[-2], grad.shape[-1]
        return grad[..., self.top : h - self.bottom, self.left : w - self.right]


def _one_or_many(pieces):
    """The protocol of backward: one array for a one-input op, else a tuple (cat or stack of a single tensor)."""
    pieces = tuple(pieces)
    return pieces[0] if len(pieces) == 1 else pieces

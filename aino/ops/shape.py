"""Ops that move values around without changing them: reshape, transpose, expand, cat, stack, pad.

Their derivatives move the gradient back the same way: a reshape's backward reshapes to the input
shape, a transpose's transposes back, a concatenation's splits.
"""

import numbers

from aino.ops.function import Function, unbroadcast
from aino.validation import as_shape, check_dim, check_dims


class Reshape(Function):
    """x with a new shape (same values in the same order); the gradient is reshaped back."""

    def __init__(self, shape=None):
        if shape and min(shape) < -1:
            raise ValueError(f"Tensor.reshape: invalid size {min(shape)} in shape {shape} (expected sizes >= 0, "
                             f"or one -1 for the size that fits)")
        self.shape = shape

    def target(self, shape):
        """The output shape for an input of `shape`."""
        return self.shape

    def forward(self, x):
        self.in_shape = x.shape
        shape = self.target(x.shape)
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(f"{self.owner}: cannot reshape a tensor of shape {tuple(x.shape)} ({x.size} elements) "
                             f"into shape {shape} (expected as many elements, and at most one -1, which must "
                             f"stand for a unique size)") from None

    def backward(self, grad):
        return grad.reshape(self.in_shape)


class Flatten(Reshape):
    """Axes start_dim..end_dim merged into one (a reshape)."""

    def __init__(self, start_dim=0, end_dim=-1):
        self.start_dim, self.end_dim = start_dim, end_dim

    def target(self, shape):
        start = check_dim(self.start_dim, len(shape), self.owner, "start_dim")
        end = check_dim(self.end_dim, len(shape), self.owner, "end_dim")
        if start > end:
            raise ValueError(f"{self.owner}: start_dim cannot come after end_dim, got start_dim={self.start_dim}, "
                             f"end_dim={self.end_dim} for a tensor with {len(shape)} dimensions")
        if not shape:
            return (1,)
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
        axes = check_dims(self.axis, len(shape), self.owner)
        return tuple(n for i, n in enumerate(shape) if not (i in axes and n == 1))


class Unsqueeze(Reshape):
    """x with a new size-1 axis at position `axis`; a reshape."""

    def __init__(self, axis):
        self.axis = axis

    def target(self, shape):
        axis = check_dim(self.axis, len(shape) + 1, self.owner)
        return shape[:axis] + (1,) + shape[axis:]


class Transpose(Function):
    """x with its axes permuted; the gradient is permuted back by the inverse permutation."""

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        self.axes = tuple(range(x.ndim - 1, -1, -1)) if self.axes is None else permutation(self.axes, x.ndim)
        return x.transpose(self.axes)

    def backward(self, grad):
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis] = position
        return grad.transpose(inverse)


def permutation(axes, ndim, owner="Tensor.permute"):
    """`axes` (negatives allowed) as a permutation of the `ndim` axes, each checked: every axis once."""
    order = tuple(check_dim(a, ndim, owner) for a in axes) if ndim else tuple(axes)
    if sorted(order) != list(range(ndim)):
        raise ValueError(f"{owner}: dims {tuple(axes)} are not a permutation of the {ndim} dims "
                         f"(expected each of 0..{ndim - 1} once)")
    return order


class Expand(Function):
    """x broadcast to a larger shape (-1 keeps a size); the gradient is summed back (unbroadcast)."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.in_shape = x.shape
        lead = len(self.shape) - x.ndim
        if lead < 0 or -1 in self.shape[:lead]:
            raise ValueError(f"{self.owner}: cannot expand shape {tuple(x.shape)} to {self.shape}: expected at "
                             f"least {x.ndim} sizes, and -1 (keep the size) only where the tensor has a dimension")
        shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(self.shape))
        try:
            return self.xp.broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"{self.owner}: cannot expand shape {tuple(x.shape)} to {self.shape}: each size must "
                             f"equal the tensor's, or the tensor's must be 1 (sizes >= 0; -1 keeps one)") from None

    def backward(self, grad):
        return unbroadcast(grad, self.in_shape)


class Concatenate(Function):
    """Inputs joined along `axis`; the gradient is split back into their sizes."""

    name = "cat"
    owner = "aino.cat"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        self.axis = check_dim(self.axis, arrays[0].ndim, self.owner)
        self.bounds = []
        end = 0
        for a in arrays[:-1]:
            end += a.shape[self.axis]
            self.bounds.append(end)
        return self.xp.concatenate(arrays, axis=self.axis)

    def explain(self, arrays, error):
        first = arrays[0]
        if not first.ndim:
            raise ValueError(f"{self.owner}: zero-dimensional tensors cannot be concatenated (expected tensors "
                             f"with at least 1 dimension; use aino.stack)")
        axis = check_dim(self.axis, first.ndim, self.owner)
        rest = first.shape[:axis] + first.shape[axis + 1:]  # the sizes that must match
        for number, a in enumerate(arrays):
            if a.ndim != first.ndim or a.shape[:axis] + a.shape[axis + 1:] != rest:
                raise ValueError(f"{self.owner}: sizes of tensors must match except in dim {axis}: tensor 0 has "
                                 f"shape {tuple(first.shape)}, tensor {number} has {tuple(a.shape)}")

    def backward(self, grad):
        return _one_or_many(self.xp.split(grad, self.bounds, axis=self.axis))


class Stack(Function):
    """Inputs (of one shape) stacked along a new axis; the gradient is unstacked."""

    owner = "aino.stack"

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *arrays):
        self.axis = check_dim(self.axis, arrays[0].ndim + 1, self.owner)
        return self.xp.stack(arrays, axis=self.axis)

    def explain(self, arrays, error):
        first = arrays[0]
        for number, a in enumerate(arrays):
            if a.shape != first.shape:
                raise ValueError(f"{self.owner}: expected tensors of one shape, got {tuple(first.shape)} "
                                 f"(tensor 0) and {tuple(a.shape)} (tensor {number})")

    def backward(self, grad):
        return _one_or_many(self.xp.moveaxis(grad, self.axis, 0))


class Pad2d(Function):
    """The last two axes padded with a constant; the gradient is the un-padded middle.

    padding: p (all four sides), (ph, pw) (top and bottom, left and right), or
    (left, right, top, bottom) as torch.nn.functional.pad.
    """

    def __init__(self, padding, value=0.0):
        sizes = as_shape((padding,) if isinstance(padding, (tuple, list)) else (padding,) * 4, "Tensor.pad2d",
                         "padding", minimum=0)
        if len(sizes) == 2:
            sizes = (sizes[1], sizes[1], sizes[0], sizes[0])
        elif len(sizes) != 4:
            raise ValueError(f"Tensor.pad2d: padding must be an int, (ph, pw) or (left, right, top, bottom), "
                             f"got {padding!r}")
        if not isinstance(value, numbers.Real):
            raise TypeError(f"Tensor.pad2d: value must be a number, got {type(value).__name__} {value!r:.60}")
        self.left, self.right, self.top, self.bottom = sizes
        self.value = value

    def forward(self, x):
        if x.ndim < 2:
            raise ValueError(f"Tensor.pad2d: expected at least 2 dimensions, got shape {tuple(x.shape)}")
        widths = [(0, 0)] * (x.ndim - 2) + [(self.top, self.bottom), (self.left, self.right)]
        return self.xp.pad(x, widths, mode="constant", constant_values=self.value)

    def backward(self, grad):
        h, w = grad.shape[-2], grad.shape[-1]
        return grad[..., self.top : h - self.bottom, self.left : w - self.right]


def _one_or_many(pieces):
    """The protocol of backward: one array for a one-input op, else a tuple (cat or stack of a single tensor)."""
    pieces = tuple(pieces)
    return pieces[0] if len(pieces) == 1 else pieces

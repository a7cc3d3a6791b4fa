"""Ops that move values around without changing them: reshape, transpose, expand, cat, stack, pad.

Their derivatives move the gradient back the same way: a reshape's backward reshapes to the input
shape, a transpose's transposes back, a concatenation's splits.
"""

import numbers

from aino.ops.function import Function, unbroadcast
from aino.validation import InvalidOperationError, as_shape, check_dim, check_dims


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


class Unflatten(Reshape):
    """Dim `dim` split into `sizes` (one may be -1, inferred), as torch.unflatten; a reshape."""

    def __init__(self, dim, sizes):
        self.dim, self.sizes = dim, sizes

    def target(self, shape):
        dim = check_dim(self.dim, len(shape), self.owner)
        if not self.sizes:
            raise ValueError(f"{self.owner}: sizes must be non-empty, got {self.sizes}")
        known = 1
        for n in self.sizes:
            known *= n if n != -1 else 1
        if self.sizes.count(-1) > 1 or (-1 not in self.sizes and known != shape[dim]) or (
                -1 in self.sizes and (known == 0 or shape[dim] % known)):
            raise ValueError(f"{self.owner}: sizes {self.sizes} do not multiply up to the size of dim {dim} "
                             f"({shape[dim]}) (at most one -1, standing for the size that fits)")
        sizes = tuple(shape[dim] // known if n == -1 else n for n in self.sizes)
        return shape[:dim] + sizes + shape[dim + 1:]


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


def moved_dims(source, destination, ndim, owner="Tensor.movedim"):
    """The permutation that moves dims `source` to the places `destination` (ints or sequences of one
    length), the other dims keeping their order, as torch.movedim."""
    source = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    destination = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(source) != len(destination):
        raise ValueError(f"{owner}: source {source} and destination {destination} must hold as many dims")
    moved = [check_dim(d, ndim, owner, "source") for d in source]
    places = [check_dim(d, ndim, owner, "destination") for d in destination]
    for name, dims in (("source", moved), ("destination", places)):
        if len(set(dims)) != len(dims):
            raise ValueError(f"{owner}: repeated dim in {name} {tuple(dims)}")
    rest = iter(d for d in range(ndim) if d not in moved)
    order = dict(zip(places, moved))
    return tuple(order[p] if p in order else next(rest) for p in range(ndim))


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


PAD_MODES = ("constant", "reflect", "replicate", "circular")


class Pad(Function):
    """torch.nn.functional.pad: `pad` = (left, right) for the last dim, then (left, right) for the one
    before, and so on (any number of dims); a negative amount crops that side.

    Along a padded dim of size n, out has n + left + right entries, and entry i comes from p = i - left:
      constant:  x[p] where 0 <= p < n, else `value`
      reflect:   p mirrored at the ends, the end itself not repeated: -p below 0, 2(n-1) - p above n-1
      replicate: x[p] with p clipped into [0, n-1]
      circular:  p wrapped round the part kept after cropping, [lo, hi): lo + (p - lo) mod (hi - lo)
    So out[i] = x[source(i)], and the derivative sends each dL/dout[i] back to its source:
    dL/dx[j] = the sum of dL/dout[i] over the i with source(i) = j (constant: over the i inside x).
    """

    def __init__(self, pad, mode="constant", value=None):
        owner = self.owner
        if not isinstance(pad, (tuple, list)):
            raise TypeError(f"{owner}: pad must be a tuple of ints, got {type(pad).__name__} {pad!r:.60}")
        self.pad = as_shape((pad,), owner, "pad")
        if len(self.pad) % 2:
            raise ValueError(f"{owner}: pad must hold pairs (left, right) per dim, got {len(self.pad)} numbers")
        if mode not in PAD_MODES:
            raise ValueError(f"{owner}: mode must be one of {', '.join(PAD_MODES)}, got {mode!r}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise TypeError(f"{owner}: value must be a number, got {type(value).__name__} {value!r:.60}")
        if mode != "constant" and value not in (None, 0):
            raise ValueError(f"{owner}: padding mode {mode!r} takes no value (it copies the tensor's own), "
                             f"got value={value!r}")
        self.mode, self.value = mode, 0 if value is None else value

    def sides(self, x):
        """(axis, left, right) for each padded dim of x, last dim first."""
        pairs = len(self.pad) // 2
        if pairs > x.ndim:
            raise InvalidOperationError(f"{self.owner}: pad {self.pad} pads {pairs} dims, the tensor of shape "
                                        f"{tuple(x.shape)} has {x.ndim} (expected at most 2 numbers per dim)")
        sides = [(x.ndim - 1 - k, self.pad[2 * k], self.pad[2 * k + 1]) for k in range(pairs)]
        for axis, left, right in sides:
            if x.shape[axis] + left + right < 0:
                raise InvalidOperationError(f"{self.owner}: dim {axis} of size {x.shape[axis]} with padding "
                                            f"({left}, {right}) would have a negative size")
        return sides

    def forward(self, x):
        self.shape, sides = x.shape, self.sides(x)
        if self.mode == "constant":
            return self.constant(x, sides)
        self.sources = [(axis, self.source(x.shape[axis], left, right, axis)) for axis, left, right in sides
                        if left or right]
        for axis, source in self.sources:
            x = self.xp.take(x, source, axis=axis)
        return x

    def constant(self, x, sides):
        """Constant mode by slices: out filled with value, x's kept part (inner) written in its place (outer)."""
        shape, inner, outer = list(x.shape), [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for axis, left, right in sides:
            n, lo, hi = x.shape[axis], max(-left, 0), x.shape[axis] - max(-right, 0)
            kept = max(hi - lo, 0)
            shape[axis] = n + left + right
            inner[axis] = slice(lo, lo + kept)
            outer[axis] = slice(max(left, 0), max(left, 0) + kept)
        self.inner, self.outer = tuple(inner), tuple(outer)
        out = self.xp.full(tuple(shape), self.value, dtype=x.dtype)
        out[self.outer] = x[self.inner]
        return out

    def source(self, n, left, right, axis):
        """source(i) for each entry of a padded dim of size n (the class docstring)."""
        xp, owner, mode = self.xp, self.owner, self.mode
        lo, hi = max(-left, 0), n - max(-right, 0)
        where = f"{mode} padding ({left}, {right}) of dim {axis} (size {n})"
        if hi <= lo:
            raise InvalidOperationError(f"{owner}: {where} leaves nothing to copy (expected a non-empty dim)")
        if mode == "reflect" and max(left, right) >= n:
            raise InvalidOperationError(f"{owner}: {where}: expected padding less than the dim's size")
        if mode == "circular" and max(left, right) > hi - lo:
            raise InvalidOperationError(f"{owner}: {where} wraps round more than once (expected padding at "
                                        f"most the size kept, {hi - lo})")
        p = xp.arange(n + left + right) - left
        if mode == "reflect":
            return xp.where(p < 0, -p, xp.where(p > n - 1, 2 * (n - 1) - p, p))
        if mode == "replicate":
            return xp.clip(p, 0, n - 1)
        return lo + (p - lo) % (hi - lo)

    def backward(self, grad):
        xp = self.xp
        if self.mode == "constant":
            full = xp.zeros(self.shape, dtype=grad.dtype)
            full[self.inner] = grad[self.outer]
            return full
        for axis, source in reversed(self.sources):
            shape = list(grad.shape)
            shape[axis] = self.shape[axis]
            summed = xp.zeros(tuple(shape), dtype=grad.dtype)
            xp.add.at(summed, (slice(None),) * axis + (source,), grad)  # repeated sources add up
            grad = summed
        return grad


class Pad2d(Pad):
    """The last two axes padded with a constant (a Pad); negative amounts crop.

    padding: p (all four sides), (ph, pw) (top and bottom, left and right), or
    (left, right, top, bottom) as torch.nn.functional.pad.
    """

    def __init__(self, padding, value=0.0):
        sizes = as_shape((padding,) if isinstance(padding, (tuple, list)) else (padding,) * 4, "Tensor.pad2d",
                         "padding")
        if len(sizes) == 2:
            sizes = (sizes[1], sizes[1], sizes[0], sizes[0])
        elif len(sizes) != 4:
            raise ValueError(f"Tensor.pad2d: padding must be an int, (ph, pw) or (left, right, top, bottom), "
                             f"got {padding!r}")
        super().__init__(sizes, "constant", value)

    def forward(self, x):
        if x.ndim < 2:
            raise ValueError(f"Tensor.pad2d: expected at least 2 dimensions, got shape {tuple(x.shape)}")
        return super().forward(x)


def pad(x, pad, mode="constant", value=None):
    """torch.nn.functional.pad(x, pad, mode, value) on a Tensor: see Pad (modes constant, reflect,
    replicate, circular; pad's pairs last dim first; negative amounts crop)."""
    return Pad.apply(x, pad=pad, mode=mode, value=value)


def _one_or_many(pieces):
    """The protocol of backward: one array for a one-input op, else a tuple (cat or stack of a single tensor)."""
    pieces = tuple(pieces)
    return pieces[0] if len(pieces) == 1 else pieces

"""Ops that rearrange a tensor's values: flip, roll, tril/triu, repeat, repeat_interleave, narrow (the
one piece of split, chunk and unbind's cousin). Each output value is one input value, moved (or zeroed,
in tril/triu), so each backward sends dL/dout back along the same move: a flip flips it back, a roll
rolls it back, a repeat sums the copies.
"""

import math

from aino.backend import INT64, array_module
from aino.ops.function import Function
from aino.validation import InvalidOperationError, OutOfRangeError, check_dim


def distinct_dims(dims, ndim, owner):
    """`dims` (one int or a sequence, negatives allowed) as a tuple of axes, none twice (as torch.flip)."""
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    axes = tuple(check_dim(d, ndim, owner) for d in dims)
    for axis in axes:
        if axes.count(axis) > 1:
            raise InvalidOperationError(f"{owner}: dim {axis} appears multiple times in the list of dims {dims}")
    return axes


class Flip(Function):
    """out[..., i, ...] = x[..., n-1-i, ...] along each dim of `dims`; dL/dx is dL/dout flipped the same way."""

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        self.axes = distinct_dims(self.dims, x.ndim, self.owner) if x.ndim else ()
        return self.xp.flip(x, axis=self.axes) if self.axes else x.copy()

    def backward(self, grad):
        return self.xp.flip(grad, axis=self.axes) if self.axes else grad


class Roll(Function):
    """out[..., (i + s) mod n, ...] = x[..., i, ...] for each shift s along its dim (dims None: over the
    flattened tensor, shape kept); dL/dx is dL/dout rolled by -s."""

    def __init__(self, shifts, dims=None):
        self.shifts, self.dims = shifts, dims

    def forward(self, x):
        owner, shifts, dims = self.owner, self.shifts, self.dims
        shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
        if dims is None:
            if len(shifts) != 1:
                raise InvalidOperationError(f"{owner}: with dims=None, shifts must be one number, got {shifts}")
            self.shifts, self.axes = shifts[0], None
        else:
            dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
            if not x.ndim:
                raise OutOfRangeError(f"{owner}: dims {dims} were given but the tensor has no dimensions")
            if len(shifts) != len(dims) or not shifts:
                raise InvalidOperationError(f"{owner}: shifts and dims must align, got {len(shifts)} shifts "
                                            f"and {len(dims)} dims")
            self.shifts, self.axes = shifts, tuple(check_dim(d, x.ndim, owner) for d in dims)
        return self.xp.roll(x, self.shifts, axis=self.axes)

    def backward(self, grad):
        back = -self.shifts if self.axes is None else tuple(-s for s in self.shifts)
        return self.xp.roll(grad, back, axis=self.axes)


class Triangle(Function):
    """tril: out[..., i, j] = x[..., i, j] where j - i <= diagonal, else 0; triu: where j - i >= diagonal.
    dL/dx = dL/dout on the kept triangle, 0 off it (over the last two dims; the leading dims are a batch)."""

    def __init__(self, diagonal=0, upper=False):
        self.diagonal, self.upper = diagonal, upper
        self.name = "triu" if upper else "tril"

    def forward(self, x):
        if x.ndim < 2:
            raise InvalidOperationError(f"{self.owner}: expected at least 2 dimensions, got shape {tuple(x.shape)}")
        rows, cols = x.shape[-2:]
        below = self.xp.tri(rows, cols, self.diagonal - 1 if self.upper else self.diagonal, dtype=bool)
        self.keep = ~below if self.upper else below
        return self.xp.where(self.keep, x, self.xp.zeros((), dtype=x.dtype))

    def backward(self, grad):
        return self.xp.where(self.keep, grad, 0)


class Repeat(Function):
    """torch's repeat: x tiled sizes[d] times along each dim (new leading dims where len(sizes) > x.ndim):
    out[k*n + i] = x[i]; dL/dx[i] = sum over the copies k of dL/dout[k*n + i]."""

    def __init__(self, sizes):
        self.sizes = sizes

    def forward(self, x):
        sizes = self.sizes
        if len(sizes) < x.ndim:
            raise InvalidOperationError(f"{self.owner}: expected at least {x.ndim} sizes (one per dim of the "
                                        f"tensor of shape {tuple(x.shape)}), got {sizes}")
        if min(sizes, default=0) < 0:
            raise ValueError(f"{self.owner}: sizes must be >= 0, got {sizes}")
        self.shape = (1,) * (len(sizes) - x.ndim) + x.shape  # the dims tiled, with x's in the last places
        return self.xp.tile(x.reshape(self.shape), sizes)

    def backward(self, grad):
        # (s0*n0, s1*n1, ...) -> (s0, n0, s1, n1, ...): the copies on the even axes, summed away
        split = tuple(m for s, n in zip(self.sizes, self.shape) for m in (s, n))
        summed = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed.reshape(self.parents[0].data.shape)


class RepeatInterleave(Function):
    """out = each entry of x along `dim` repeated repeats[i] times in place (dim None: of the flattened x):
    out[r] = x[source(r)]; dL/dx[i] = the sum of dL/dout[r] over the r with source(r) = i."""

    name = "repeat_interleave"

    def __init__(self, repeats, dim=None):
        self.repeats, self.dim = repeats, dim

    def forward(self, x):
        xp, owner, repeats = self.xp, self.owner, self.repeats
        self.shape = x.shape
        if self.dim is None:
            x, axis = x.reshape(-1), 0
        else:
            axis = check_dim(self.dim, x.ndim, owner)
            x = x.reshape(x.shape or (1,))
        held = array_module(repeats)  # numbers or a host array stay on the host: their counts need no copy back
        repeats = held.asarray(repeats).reshape(-1)
        if repeats.dtype.kind not in "iu":
            raise TypeError(f"{owner}: repeats must be an integer or an integer tensor, got dtype {repeats.dtype}")
        if repeats.size not in (1, x.shape[axis]):
            raise InvalidOperationError(f"{owner}: repeats must hold one count or one per entry along dim "
                                        f"{axis} ({x.shape[axis]}), got {repeats.size}")
        # the output's length is the sum of the counts, so they are read to the host, once (CuPy's repeat takes
        # a list), and checked there
        counts = held.broadcast_to(repeats, (x.shape[axis],)).astype(INT64).tolist()
        if counts and min(counts) < 0:
            raise ValueError(f"{owner}: repeats must be >= 0, got {repeats.tolist()}")
        self.axis, self.source = axis, xp.repeat(xp.arange(x.shape[axis]), counts)
        return xp.take(x, self.source, axis=axis)

    def backward(self, grad):
        flat = (math.prod(self.shape),) if self.dim is None else (self.shape or (1,))
        full = self.xp.zeros(flat, dtype=grad.dtype)
        self.xp.add.at(full, (slice(None),) * self.axis + (self.source,), grad)
        return full.reshape(self.shape)


class Narrow(Function):
    """out = x[..., start : start + length, ...] along `dim` (start may count from the end); dL/dx is
    dL/dout in that window, 0 elsewhere. split, chunk and unbind are narrows (and picks) of one tensor."""

    def __init__(self, dim, start, length):
        self.dim, self.start, self.length = dim, start, length

    def forward(self, x):
        owner = self.owner
        if not x.ndim:
            raise InvalidOperationError(f"{owner}: cannot be applied to a 0-d tensor")
        dim = check_dim(self.dim, x.ndim, owner)
        size, start, length = x.shape[dim], self.start, self.length
        if not -size <= start <= size:
            raise OutOfRangeError(f"{owner}: start out of range (expected to be in range of [{-size}, {size}], "
                                  f"but got {start})")
        start = start + size if start < 0 else start
        if length < 0 or start + length > size:
            raise InvalidOperationError(f"{owner}: start ({start}) + length ({length}) exceeds dimension size "
                                        f"({size}) (expected a length >= 0 that fits)")
        self.shape, self.key = x.shape, (slice(None),) * dim + (slice(start, start + length),)
        return x[self.key]

    def backward(self, grad):
        full = self.xp.zeros(self.shape, dtype=grad.dtype)
        full[self.key] = grad
        return full

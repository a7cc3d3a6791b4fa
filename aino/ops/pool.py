"""Pooling over 1, 2 or 3 spatial dimensions: the max or the mean of each window, and adaptive averages.

A pooling window is a convolution window without weights (see conv.py for the shapes, im2col.py for the
helpers): offset k of every window is one strided slice of the padded input, x_pad[offset_slices(k)],
an array shaped like the output. So both directions loop over the K kernel offsets (4 for a 2x2
window), never over pixels:

    max pool    y = max_k x_pad[slice_k]             dL/dx_pad[argmax] = grad    (one scatter)
    avg pool    y = sum_k x_pad[slice_k] / divisor   dL/dx_pad[slice_k] += grad / divisor

Max pooling first copies the windows out as conv's im2col does (row k holds x_pad[slice_k]) and keeps,
for each window, where its maximum lies (argmax), so its backward needs no loop.

Max pooling pads with -inf (padding never wins) and sends each output's gradient to the first
maximum of its window, in row-major order, as PyTorch does when several values tie (to the last NaN
where the window holds NaN). Asked for them, it also gives each maximum's place as PyTorch's flat index
into its (unpadded) plane, h W + w in 2-D; max unpooling puts values back at those places (zeros
elsewhere), and its gradient gathers from them.

With ceil_mode an axis has ceil((S + 2 padding - dilation (K - 1) - 1) / stride) + 1 windows instead of the
floor, so a last, partial window counts, as long as it starts inside the input or its left padding
(PyTorch's rule); the padded input is extended at the end by as many fill values as that window needs.
"""

import math

from aino.backend import INT64, waits_for_device
from aino.ops.conv import (
    batched,
    interior,
    output_shape,
    pad_spatial,
    spatial_ints,
    unbatched,
)
from aino.ops.function import Function, constant
from aino.ops.im2col import im2col, kernel_offsets, offset_slices
from aino.ops.index import value_ends
from aino.validation import InvalidOperationError


def ceil_shape(spatial, kernel, stride, padding, dilation):
    """S_out with ceil_mode: the number of windows rounded up, less the last one where it would start beyond the
    input and its left padding (so every window covers at least one input or left-padding position)."""
    out = []
    for size, k, s, (before, after), d in zip(spatial, kernel, stride, padding, dilation):
        count = -(-(size + before + after - d * (k - 1) - 1) // s) + 1
        out.append(count - 1 if (count - 1) * s >= size + before else count)
    return tuple(out)


def ceil_padding(spatial, kernel, stride, padding, dilation, out):
    """`padding` with as much more after each axis as the last of `out` windows reaches past the padded input."""
    return tuple(
        (before, after + max(0, (n - 1) * s + d * (k - 1) + 1 - (size + before + after)))
        for size, k, s, (before, after), d, n in zip(spatial, kernel, stride, padding, dilation, out)
    )


class Pool(Function):
    """Base of the window pools: the window geometry and the scatter of window gradients back onto x."""

    def __init__(self, kernel_size, stride, padding, dilation=None, ceil_mode=False):
        self.kernel, self.stride, self.padding = tuple(kernel_size), tuple(stride), tuple(padding)
        self.dilation = (1,) * len(self.kernel) if dilation is None else tuple(dilation)
        self.ceil_mode = ceil_mode

    def padded_input(self, x, fill):
        """x padded with `fill`; works out the output shape and the padding (self.pads: `padding`, and with ceil_mode
        what the last windows need after it) and remembers the input's shape and dtype for backward."""
        self.x_shape, self.dtype = x.shape, x.dtype
        spatial, geometry = x.shape[2:], (self.kernel, self.stride, self.padding, self.dilation)
        self.out = (ceil_shape if self.ceil_mode else output_shape)(spatial, *geometry)
        if min(self.out) < 1:
            raise ValueError(
                f"{self.name}: window {self.kernel} is larger than the padded input of shape {tuple(x.shape)}"
            )
        self.pads = ceil_padding(spatial, *geometry, self.out) if self.ceil_mode else self.padding
        return pad_spatial(self.xp, x, self.pads, fill)

    def slices(self):
        """slice_k for each kernel offset k in row-major order: x_pad[slice_k], shaped like y, is offset k of every window."""
        for offset in kernel_offsets(self.kernel):
            yield offset_slices(offset, self.out, self.stride, self.dilation)

    def scatter(self, window_grads):
        """dL/dx: window_grads yields, for each kernel offset k in order, the gradient that offset k of every
        window receives; it is added at slice_k of a zero x_pad, and the padding is cropped away."""
        spatial = self.x_shape[2:]
        padded = tuple(size + before + after for size, (before, after) in zip(spatial, self.pads))
        g_pad = self.xp.zeros(self.x_shape[:2] + padded, dtype=self.dtype)
        apart = self.windows_apart()
        for where, window_grad in zip(self.slices(), window_grads):
            if apart:
                g_pad[where] = window_grad  # no position is in two windows: write, not add (measured 1.37 -> 0.86 ms)
            else:
                window = g_pad[where]  # a view: adding into it writes into g_pad
                window += window_grad
        return g_pad[interior(spatial, self.pads)]

    def windows_apart(self):
        """Whether no two windows share a position: on every axis the stride is at least the window's reach."""
        return all(s >= d * (k - 1) + 1 for s, d, k in zip(self.stride, self.dilation, self.kernel))


def offset_dtype(xp, count):
    """The smallest integer dtype that numbers `count` kernel offsets."""
    return xp.int8 if count <= 2**7 else xp.int16 if count <= 2**15 else INT64


class MaxPool(Pool):
    """y = max of each window (padding -inf); dL/dx = grad at each window's maximum, 0 elsewhere.

    Forward remembers where each window's maximum lies in x_pad, as one flat index (self.argmax), so
    backward is one scatter of grad to those places: an assignment where windows do not overlap (each
    position is some window's maximum at most once), else a sum per position (xp.bincount).
    With `indices_out` (a list), forward appends each maximum's flat index in its unpadded plane of x.
    """

    name = "max_pool"

    def __init__(self, kernel_size, stride, padding, dilation=None, ceil_mode=False, indices_out=None):
        super().__init__(kernel_size, stride, padding, dilation, ceil_mode)
        self.indices_out = indices_out

    def forward(self, x):
        xp = self.xp
        x_pad = self.padded_input(x, -xp.inf)
        self.padded_shape = x_pad.shape
        planes, plane = math.prod(x.shape[:2]), math.prod(x_pad.shape[2:])
        # the windows of every plane (one per sample and channel) copied out as conv's im2col does: windows[k] is
        # offset k of every window, contiguous rows (planes, S_out), so the loop below streams through memory
        # (measured: faster than strided views of x_pad)
        windows = im2col(xp, x_pad.reshape(planes, 1, *x_pad.shape[2:]), self.kernel, self.out, self.stride,
                         self.dilation, 1)[0].reshape(math.prod(self.kernel), planes, math.prod(self.out))
        # a running maximum over the kernel offsets, and the offset that holds it: a strictly greater value takes
        # over, so on a tie the first maximum in row-major order wins, as PyTorch
        best = xp.zeros(windows.shape[1:], dtype=offset_dtype(xp, len(windows)))  # int8 where it fits: fewer bytes
        y, offset = windows[0], best.dtype.type
        for k in range(1, len(windows)):
            # best = k where offset k beats the maximum so far (k grows, so a maximum sets it: no per-element branch)
            xp.maximum(best, (windows[k] > y) * offset(k), out=best)
            y = xp.maximum(y, windows[k])  # lets a NaN win, as PyTorch
        nan = xp.isnan(y)
        if waits_for_device(xp) or nan.any():  # a window holding NaN: PyTorch picks its last NaN (on a GPU
            # always done, since asking whether one is there would wait for the device)
            last_nan = (len(windows) - 1) - xp.isnan(windows[::-1]).argmax(axis=0)
            best = xp.where(nan, last_nan.astype(best.dtype), best)
        # argmax = plane * plane size + window start + offset shift, a flat index into x_pad (built in place, and
        # by indexing, not xp.take, which casts small int indices slowly: measured 1.46 -> 0.88 ms)
        start, shift = self.flat_places()
        self.argmax = shift[best]
        self.argmax += start
        self.argmax += (xp.arange(planes, dtype=INT64) * plane)[:, None]
        self.argmax = self.argmax.reshape(x.shape[:2] + self.out)
        if self.indices_out is not None:
            # the same place in the unpadded plane: positions 0 .. prod(S) - 1, padded like x (padding -1)
            spatial = self.x_shape[2:]
            positions = xp.arange(math.prod(spatial), dtype=INT64).reshape(1, 1, *spatial)
            unpadded = pad_spatial(xp, positions, self.pads, -1)
            self.indices_out.append(unpadded.reshape(-1)[self.argmax % plane])
        return y.reshape(x.shape[:2] + self.out)

    def flat_places(self):
        """(start, shift) in the flattened padded plane, with pitch_i its row pitch on spatial axis i: where each
        window starts, sum_i stride_i p_i pitch_i, shape (prod(S_out),); how far offset k lies from the start,
        sum_i dilation_i k_i pitch_i, shape (K,)."""
        padded = self.padded_shape[2:]
        pitch = [math.prod(padded[axis + 1:]) for axis in range(len(padded))]
        xp = self.xp
        start = xp.arange(math.prod(padded), dtype=INT64).reshape(padded)[next(self.slices())].reshape(-1)
        shift = xp.zeros((), dtype=INT64)  # built on the device, one axis at a time, in row-major offset order
        for k, d, p in zip(self.kernel, self.dilation, pitch):
            shift = shift[..., None] + xp.arange(k, dtype=INT64) * (d * p)
        return start, shift.reshape(-1)

    def backward(self, grad):
        xp = self.xp
        flat, values = self.argmax.reshape(-1), grad.reshape(-1)
        size = math.prod(self.padded_shape)
        if self.windows_apart():
            g_pad = xp.zeros(size, dtype=self.dtype)
            g_pad[flat] = values  # windows do not overlap: every place receives one gradient at most
        else:
            g_pad = xp.bincount(flat, weights=values, minlength=size).astype(self.dtype, copy=False)
        return g_pad.reshape(self.padded_shape)[interior(self.x_shape[2:], self.pads)]


class AvgPool(Pool):
    """y = sum of each window / divisor (zeros in the padding); dL/dx = grad / divisor at every window position.

    The divisor is the window size, or with count_include_pad=False the number of real (unpadded)
    inputs in each window, or divisor_override. With ceil_mode the positions a last window reaches beyond
    the padding never count (PyTorch's rule).
    """

    name = "avg_pool"

    def __init__(self, kernel_size, stride, padding, count_include_pad=True, divisor_override=None, ceil_mode=False):
        super().__init__(kernel_size, stride, padding, ceil_mode=ceil_mode)
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x):
        x_pad = self.padded_input(x, 0.0)
        total = self.xp.zeros(x.shape[:2] + self.out, dtype=x.dtype)
        for where in self.slices():
            total += x_pad[where]
        self.divisor = self.window_divisor(x)
        return total / self.divisor

    def window_divisor(self, x):
        """A number, or an array of shape (1, 1, *S_out): how many values each window averages."""
        if self.divisor_override is not None:
            return x.dtype.type(self.divisor_override)
        if self.count_include_pad and self.pads == self.padding:
            return x.dtype.type(math.prod(self.kernel))
        # 1 where a position counts (the input, and the padding if count_include_pad), 0 elsewhere
        counted = pad_spatial(self.xp, self.xp.ones((1, 1) + x.shape[2:], dtype=x.dtype), self.padding,
                              1.0 if self.count_include_pad else 0.0)
        beyond = tuple((0, after - declared) for (_, after), (_, declared) in zip(self.pads, self.padding))
        counted = pad_spatial(self.xp, counted, beyond, 0.0)  # what ceil_mode added never counts
        return sum(counted[where] for where in self.slices())  # the counted positions each window covers

    def backward(self, grad):
        share = grad / self.divisor  # each input of a window receives the same share of its gradient
        return self.scatter(share for _ in self.slices())


def averaging_matrix(xp, size, out_size, dtype):
    """An (out_size, size) matrix whose row i averages x[start_i:end_i], with PyTorch's adaptive windows
    start_i = floor(i size / out_size) and end_i = ceil((i + 1) size / out_size)."""
    i = xp.arange(out_size)
    start = (i * size) // out_size
    end = -((-(i + 1) * size) // out_size)
    j = xp.arange(size)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


class AxisMatrices(Function):
    """y = x multiplied along each spatial axis by its own matrix, y = A_1 x A_2^T in 2-D; dL/dx = A_1^T grad A_2.

    The base of the ops that act on each spatial axis alone (adaptive pooling, resampling in resample.py):
    a subclass gives `matrix(size, out_size, dtype, axis)`, the (out_size, size) matrix of spatial axis `axis`.
    """

    def __init__(self, output_size):
        self.output_size = tuple(output_size)

    def matrix(self, size, out_size, dtype, axis):
        raise NotImplementedError

    def forward(self, x):
        xp = self.xp
        first = x.ndim - len(self.output_size)
        self.matrices = [self.matrix(x.shape[first + axis], n, x.dtype, axis)
                         for axis, n in enumerate(self.output_size)]
        for axis, a in enumerate(self.matrices, first):
            x = xp.moveaxis(xp.tensordot(x, a, axes=([axis], [1])), -1, axis)  # A along this axis
        return xp.ascontiguousarray(x)

    def backward(self, grad):
        xp = self.xp
        first = grad.ndim - len(self.output_size)
        for axis, a in enumerate(self.matrices, first):
            grad = xp.moveaxis(xp.tensordot(grad, a, axes=([axis], [0])), -1, axis)  # A^T sends each output back
        return xp.ascontiguousarray(grad)


class AdaptiveAvgPool(AxisMatrices):
    """y = mean over adaptive windows, one spatial axis at a time: y = A_1 x A_2^T in 2-D; dL/dx = A_1^T grad A_2.

    The mean over a rectangle is the mean of row means, so each axis gets its own averaging matrix A
    (see averaging_matrix) and the whole pool is a matrix product per axis, as is its backward.
    """

    name = "adaptive_avg_pool"

    def matrix(self, size, out_size, dtype, axis):
        return averaging_matrix(self.xp, size, out_size, dtype)


class MaxUnpool(Function):
    """y[n, c, indices[n, c, p]] = x[n, c, p] on zero planes of `out` (the flat indices of max pooling);
    dL/dx[n, c, p] = grad[n, c, indices[n, c, p]]: the adjoint of a scatter is a gather at the same places."""

    name = "max_unpool"

    def __init__(self, indices, out):
        self.indices, self.out = indices, tuple(out)

    def forward(self, x):
        xp = self.xp
        n, c = x.shape[:2]
        plane = math.prod(self.out)
        self.x_shape = x.shape
        self.flat = self.indices.reshape(n * c, -1)  # one row of indices per plane
        low, high = value_ends(self.flat) if self.flat.size else (0, 0)  # one read on a GPU
        if low < 0 or high >= plane:
            bad = self.flat[(self.flat < 0) | (self.flat >= plane)][0]
            raise InvalidOperationError(f"max_unpool: found an invalid max index {int(bad)} (output planes are of "
                                        f"size {'x'.join(map(str, self.out))}, indices 0 to {plane - 1})")
        self.rows = xp.arange(n * c)[:, None]
        y = xp.zeros((n * c, plane), dtype=x.dtype)
        y[self.rows, self.flat] = x.reshape(n * c, -1)
        return y.reshape(n, c, *self.out)

    def backward(self, grad):
        n, c = self.x_shape[:2]
        return grad.reshape(n * c, -1)[self.rows, self.flat].reshape(self.x_shape)


# --- the functions on tensors (torch's F.max_pool2d and its kin call these) ---------------------------


def window_options(dims, kernel_size, stride, padding, owner, half_window=True):
    """kernel_size, stride (default: kernel_size) and padding as tuples of `dims` ints; for pooling (half_window)
    the padding at most half the window, as PyTorch checks it."""
    kernel = spatial_ints(kernel_size, dims, owner, "kernel_size")
    stride = kernel if stride is None else spatial_ints(stride, dims, owner, "stride")
    padding = spatial_ints(padding, dims, owner, "padding", minimum=0)
    if half_window and any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{owner}: padding {padding} must be at most half of kernel_size {kernel}")
    return kernel, stride, padding


def max_pool(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False, dims=None):
    """The max of each window of x (N, C, *S), or of an unbatched (C, *S) with `dims` spatial axes; with
    return_indices, (values, indices), the indices int64 and flat within each plane, as torch's F.max_pool2d."""
    x, was_unbatched = batched(x, dims, "max_pool")
    owner = f"max_pool{x.data.ndim - 2}d"
    kernel, stride, padding = window_options(x.data.ndim - 2, kernel_size, stride, padding, owner)
    dilation = spatial_ints(dilation, len(kernel), owner, "dilation")
    indices = [] if return_indices else None
    y = MaxPool.apply(x, kernel_size=kernel, stride=stride, padding=tuple((p, p) for p in padding), dilation=dilation,
                      ceil_mode=bool(ceil_mode), indices_out=indices)
    y = unbatched(y, was_unbatched)
    if not return_indices:
        return y
    return y, constant(indices[0].reshape(y.data.shape), y)


def avg_pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None,
             dims=None):
    """The mean of each window of x (N, C, *S), or of an unbatched (C, *S) with `dims` spatial axes, as torch's
    F.avg_pool2d."""
    x, was_unbatched = batched(x, dims, "avg_pool")
    owner = f"avg_pool{x.data.ndim - 2}d"
    kernel, stride, padding = window_options(x.data.ndim - 2, kernel_size, stride, padding, owner)
    if divisor_override is not None:
        divisor_override = spatial_ints(divisor_override, 1, owner, "divisor_override")[0]
    y = AvgPool.apply(x, kernel_size=kernel, stride=stride, padding=tuple((p, p) for p in padding),
                      count_include_pad=bool(count_include_pad), divisor_override=divisor_override,
                      ceil_mode=bool(ceil_mode))
    return unbatched(y, was_unbatched)


def unpool_shape(spatial, kernel, stride, padding, output_size, owner):
    """The planes max_unpool fills: (S - 1) stride - 2 padding + K, or `output_size` (its last len(S) sizes), which
    must lie strictly within a stride of that, as PyTorch's rule."""
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(spatial, kernel, stride, padding))
    if output_size is None:
        return default
    sizes = tuple(output_size)[-len(spatial):]
    if len(output_size) not in (len(spatial), len(spatial) + 2):
        raise ValueError(f"{owner}: output_size must have {len(spatial)} or {len(spatial) + 2} elements, "
                         f"got {tuple(output_size)}")
    for axis, (size, d, s) in enumerate(zip(sizes, default, stride)):
        if not d - s < size < d + s:
            raise ValueError(f"{owner}: invalid output_size {tuple(output_size)} (dim {axis} must be between "
                             f"{d - s + 1} and {d + s - 1})")
    return tuple(int(size) for size in sizes)


def unpool_indices(indices, shape, owner):
    """The array of `indices` (a tensor or an array), checked to be int64 of the input's `shape`, as max pooling
    returns them."""
    index = getattr(indices, "data", indices)
    if getattr(index, "dtype", None) != INT64:
        raise TypeError(f"{owner}: expected indices of dtype int64 (as max pooling returns them), "
                        f"got {getattr(index, 'dtype', type(index).__name__)}")
    if tuple(index.shape) != tuple(shape):
        raise InvalidOperationError(f"{owner}: expected indices of the shape of the input {tuple(shape)}, "
                                    f"got {tuple(index.shape)}")
    return index


def max_unpool(x, indices, kernel_size, stride=None, padding=0, output_size=None, dims=None):
    """The values x (N, C, *S) put back at the flat `indices` max_pool gave (int64, shaped like x) on planes of
    zeros, as torch's F.max_unpool2d; an unbatched (C, *S) with `dims` spatial axes gives an unbatched result."""
    x, was_unbatched = batched(x, dims, "max_unpool")
    owner = f"max_unpool{x.data.ndim - 2}d"
    kernel, stride, padding = window_options(x.data.ndim - 2, kernel_size, stride, padding, owner, half_window=False)
    index = unpool_indices(indices, x.data.shape[was_unbatched:], owner)
    out = unpool_shape(x.data.shape[2:], kernel, stride, padding, output_size, owner)
    return unbatched(MaxUnpool.apply(x, indices=index.reshape(x.data.shape), out=out), was_unbatched)

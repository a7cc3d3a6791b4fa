"""Pooling over 1, 2 or 3 spatial dimensions: the max or the mean of each window, and adaptive averages.

A pooling window is a convolution window without weights (see conv.py for the shapes and the
helpers): offset k of every window is one strided slice of the padded input, x_pad[offset_slices(k)],
an array shaped like the output. So both directions loop over the K kernel offsets (4 for a 2x2
window), never over pixels:

    max pool    y = max_k x_pad[slice_k]             dL/dx_pad[slice_k] += grad where k held the max
    avg pool    y = sum_k x_pad[slice_k] / divisor   dL/dx_pad[slice_k] += grad / divisor

Max pooling pads with -inf (padding never wins) and sends each output's gradient to the first
maximum of its window, in row-major order, as PyTorch does when several values tie.
"""

import math

from aino.ops.conv import interior, kernel_offsets, offset_slices, output_shape, pad_spatial
from aino.ops.function import Function


class Pool(Function):
    """Base of the window pools: the window geometry and the scatter of window gradients back onto x."""

    def __init__(self, kernel_size, stride, padding, dilation=None):
        self.kernel, self.stride, self.padding = tuple(kernel_size), tuple(stride), tuple(padding)
        self.dilation = (1,) * len(self.kernel) if dilation is None else tuple(dilation)

    def padded_input(self, x, fill):
        """x padded with `fill`; works out the output shape and remembers the input's shape and dtype for backward."""
        self.x_shape, self.dtype = x.shape, x.dtype
        self.out = output_shape(x.shape[2:], self.kernel, self.stride, self.padding, self.dilation)
        if min(self.out) < 1:
            raise ValueError(
                f"{self.name}: window {self.kernel} is larger than the padded input of shape {tuple(x.shape)}"
            )
        return pad_spatial(self.xp, x, self.padding, fill)

    def slices(self):
        """slice_k for each kernel offset k in row-major order: x_pad[slice_k], shaped like y, is offset k of every window."""
        for offset in kernel_offsets(self.kernel):
            yield offset_slices(offset, self.out, self.stride, self.dilation)

    def scatter(self, window_grads):
        """dL/dx: window_grads yields, for each kernel offset k in order, the gradient that offset k of every
        window receives; it is added at slice_k of a zero x_pad, and the padding is cropped away."""
        spatial = self.x_shape[2:]
        padded = tuple(size + before + after for size, (before, after) in zip(spatial, self.padding))
        g_pad = self.xp.zeros(self.x_shape[:2] + padded, dtype=self.dtype)
        for where, window_grad in zip(self.slices(), window_grads):
            window = g_pad[where]  # a view: adding into it writes into g_pad
            window += window_grad
        return g_pad[interior(spatial, self.padding)]


class MaxPool(Pool):
    """y = max of each window (padding -inf); dL/dx = grad at the first maximum of each window, 0 elsewhere."""

    name = "max_pool"

    def forward(self, x):
        xp = self.xp
        self.x_pad = self.padded_input(x, -xp.inf)
        # a running maximum over the kernel offsets (xp.maximum lets a NaN win, as PyTorch)
        self.y = None
        for where in self.slices():
            self.y = self.x_pad[where] if self.y is None else xp.maximum(self.y, self.x_pad[where])
        return self.y

    def backward(self, grad):
        return self.scatter(self.first_maximum_gradients(grad))

    def first_maximum_gradients(self, grad):
        """For each kernel offset k in row-major order: grad where offset k holds its window's maximum and no
        earlier offset did (so on a tie the first maximum wins, as PyTorch), else 0."""
        taken = self.xp.zeros(grad.shape, dtype=bool)
        for where in self.slices():
            first = (self.x_pad[where] == self.y) & ~taken
            taken |= first
            yield grad * first


class AvgPool(Pool):
    """y = sum of each window / divisor (zeros in the padding); dL/dx = grad / divisor at every window position.

    The divisor is the window size, or with count_include_pad=False the number of real (unpadded)
    inputs in each window, or divisor_override.
    """

    name = "avg_pool"

    def __init__(self, kernel_size, stride, padding, count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding)
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
        if self.count_include_pad:
            return x.dtype.type(math.prod(self.kernel))
        real = pad_spatial(self.xp, self.xp.ones((1, 1) + x.shape[2:], dtype=x.dtype), self.padding, 0.0)
        return sum(real[where] for where in self.slices())  # the real inputs each window covers

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


class AdaptiveAvgPool(Function):
    """y = mean over adaptive windows, one spatial axis at a time: y = A_1 x A_2^T in 2-D; dL/dx = A_1^T grad A_2.

    The mean over a rectangle is the mean of row means, so each axis gets its own averaging matrix A
    (see averaging_matrix) and the whole pool is a matrix product per axis, as is its backward.
    """

    name = "adaptive_avg_pool"

    def __init__(self, output_size):
        self.output_size = tuple(output_size)

    def forward(self, x):
        xp = self.xp
        first = x.ndim - len(self.output_size)
        self.matrices = [averaging_matrix(xp, x.shape[axis], n, x.dtype)
                         for axis, n in enumerate(self.output_size, first)]
        for axis, a in enumerate(self.matrices, first):
            x = xp.moveaxis(xp.tensordot(x, a, axes=([axis], [1])), -1, axis)  # average along this axis
        return xp.ascontiguousarray(x)

    def backward(self, grad):
        xp = self.xp
        first = grad.ndim - len(self.output_size)
        for axis, a in enumerate(self.matrices, first):
            grad = xp.moveaxis(xp.tensordot(grad, a, axes=([axis], [0])), -1, axis)  # A^T spreads each mean back
        return xp.ascontiguousarray(grad)

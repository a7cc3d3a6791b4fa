"""The windows of a convolution or a pool laid out as a matrix ("im2col"), and its adjoint ("col2im").

A window of a (zero-padded) input x_pad reads, at kernel offset k, the position stride * p + dilation * k
for output position p. So offset k of every window is one strided slice of x_pad, shaped like the output
(offset_slices), and both directions loop over the K kernel offsets (9 for a 3x3 kernel), never over pixels.

(Splitting these copies and adds into row blocks on two threads with aino.parallel was measured: faster
alone, 0.86 -> 0.65 ms for a 1.8M-value im2col, but 3 to 7% slower in a whole CNN training step on two
threads, where OpenBLAS's waiting threads hold the second core; so they run on one.)
"""

import itertools
import math


def offset_slices(offset, out_shape, stride, dilation):
    """The input positions that kernel offset `offset` covers in every window, as slices of the spatial axes:
    window p reads x_pad[..., stride * p + dilation * offset], so x_pad[offset_slices(...)] has shape (..., *S_out)."""
    return (Ellipsis,) + tuple(
        slice(d * k, d * k + s * (n - 1) + 1, s) for k, n, s, d in zip(offset, out_shape, stride, dilation)
    )


def kernel_offsets(kernel):
    """Every offset inside a kernel of shape `kernel`, in row-major order: (0, 0), (0, 1), ..., (kh-1, kw-1)."""
    return itertools.product(*(range(k) for k in kernel))


def im2col(xp, x_pad, kernel, out, stride, dilation, groups):
    """The windows of x_pad (N, C, *S_pad) as the matrix cols (g, C/g K, N S_out): one row per (channel, kernel
    offset), one column per (sample, output position); element [c, k, n, p] is x_pad[n, c, stride p + dilation k].

    The windows are first a strided view shaped (C, *K, N, *S_out) (no copy yet); the reshape copies them out.
    """
    n, c = x_pad.shape[:2]
    step = x_pad.strides[2:]
    windows = xp.lib.stride_tricks.as_strided(
        x_pad,
        shape=(c, *kernel, n, *out),
        strides=(x_pad.strides[1], *(s * d for s, d in zip(step, dilation)), x_pad.strides[0],
                 *(s * st for s, st in zip(step, stride))),
    )
    return windows.reshape(groups, (c // groups) * math.prod(kernel), n * math.prod(out))


def per_sample(cols, n):
    """cols (g, rows, N S), as im2col lays them out, seen as one matrix per sample, (N, g, rows, S): a strided view,
    no copy, for products that run one per sample (xp.matmul over the leading axis)."""
    g, rows, columns = cols.shape
    return cols.reshape(g, rows, n, columns // max(n, 1)).transpose(2, 0, 1, 3)  # (an empty batch has no columns)


def col2im(xp, g_cols, padded_shape, kernel, out, stride, dilation):
    """The adjoint of im2col: g_cols (A, B, K, *S_out), one column gradient per (sample, channel) or (channel,
    sample) pair A, B, kernel offset k and output position p (any strides), added back onto the positions each
    window read, in a zero array of padded_shape (A, B, *S_pad).

    The window at output position p read x_pad[stride * p + dilation * k] at kernel offset k, so
    g_pad[a, b, stride * p + dilation * k] += g_cols[a, b, k, p], summed over every (k, p) that reaches the same
    position: one strided slice of g_pad per kernel offset, never a loop over pixels.
    """
    g_pad = xp.zeros(padded_shape, dtype=g_cols.dtype)
    for index, offset in enumerate(kernel_offsets(kernel)):
        window = g_pad[offset_slices(offset, out, stride, dilation)]  # a view into g_pad
        window += g_cols[:, :, index]
    return g_pad

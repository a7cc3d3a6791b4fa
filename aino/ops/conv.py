"""Convolution in 1, 2 or 3 spatial dimensions as one fused op: windows taken with strides ("im2col"),
then one matrix product (or one per sample).

Shapes, for D spatial dimensions (D = 2: S = (H, W)):

    x       (N, C, *S)          N samples, C input channels
    weight  (O, C / g, *K)      O output channels, g groups, kernel K = (kh, kw)
    bias    (O,)
    y       (N, O, *S_out)      S_out[i] = (S[i] + pad_before + pad_after - dilation (K[i] - 1) - 1) // stride + 1

Each output value is a dot product of the kernel with one window of the (zero-padded) input:

    y[n, o, p] = b[o] + sum_{c, k} W[o, c, k] * x_pad[n, c, stride * p + dilation * k]

Lay the windows out as the columns of a matrix `cols` (C K rows, one column per (sample, output
position)) and the whole layer becomes a single matrix product, Y = W_mat @ cols, with W_mat the
weight as an (O, C K) matrix. The backward is then the two familiar products of a dense layer:

    dL/dW_mat = dL/dY @ cols^T          (windows^T @ grad: every window, weighted by its output's gradient)
    dL/dcols  = W_mat^T @ dL/dY         (each output's gradient sent back along its kernel)

and dL/dx adds every column's gradient back onto the input positions its window came from ("col2im").
A position of x lies in several windows, once per kernel offset k, so col2im loops over the K kernel
offsets (9 for a 3x3 kernel), never over pixels: offset k of every window is one strided slice of x
(both in aino/ops/im2col.py). The columns of one sample are a block of cols, so each product can also
run as one per sample, Y_n = W_mat @ cols_n, which writes y straight in its (N, O, *S_out) layout.
With stride 1, dL/dx is also a full convolution of the output gradient with the flipped kernel (one
im2col and one product); Convolution takes that road where its windows are no more than col2im's.

With g groups the channels split into g independent convolutions; the products above run on a
leading group axis (C / g input and O / g output channels each). Depthwise convolution is g = C.
"""

import math
import numbers

from aino.ops.function import Function
from aino.ops.im2col import col2im, im2col, per_sample
from aino.ops.shape import Reshape
from aino.validation import check_int


def spatial_ints(value, dims, owner, name, minimum=1):
    """An int or a tuple (or list) of `dims` ints, each >= minimum, as a tuple of `dims` ints."""
    values = (value,) * dims if isinstance(value, numbers.Integral) else value
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{owner}: {name} must be an int or a tuple of {dims} ints, "
                        f"got {type(value).__name__} {value!r:.60}")
    if len(values) != dims:
        raise ValueError(f"{owner}: {name} must be an int or a tuple of {dims} ints, got {value!r}")
    return tuple(check_int(v, name, owner, minimum=minimum) for v in values)


def batched(x, dims, owner):
    """(x as (N, C, *S), whether it came unbatched): with `dims` spatial axes (None: all but N and C), an x of
    shape (C, *S) is taken as a batch of one, as PyTorch's functions take it."""
    ndim = x.data.ndim
    dims = ndim - 2 if dims is None else dims
    if dims < 1 or ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{owner}: expected input of shape (N, C, *S) or (C, *S) with {max(dims, 1)} spatial "
                         f"axes, got shape {tuple(x.data.shape)}")
    if ndim == dims + 2:
        return x, False
    return Reshape.apply(x, shape=(1, *x.data.shape)), True


def unbatched(y, was_unbatched):
    """y without its batch axis of one where the input came without one."""
    return Reshape.apply(y, shape=y.data.shape[1:]) if was_unbatched else y


def output_shape(spatial, kernel, stride, padding, dilation):
    """S_out for input sizes `spatial`, with `padding` as (before, after) pairs; a size below 1 means no window fits."""
    return tuple(
        (size + before + after - d * (k - 1) - 1) // s + 1
        for size, k, s, (before, after), d in zip(spatial, kernel, stride, padding, dilation)
    )


def pad_spatial(xp, x, padding, value=0.0):
    """x (N, C, *S) with padding[i] = (before, after) elements of `value` added around spatial axis i."""
    if not any(before or after for before, after in padding):
        return x
    shape = x.shape[:2] + tuple(size + before + after for size, (before, after) in zip(x.shape[2:], padding))
    padded = xp.full(shape, value, dtype=x.dtype)
    padded[interior(x.shape[2:], padding)] = x
    return padded


def interior(spatial, padding):
    """The index of the original input inside its padded copy (to write it in, or to crop a gradient out)."""
    return (Ellipsis,) + tuple(slice(before, before + size) for size, (before, _) in zip(spatial, padding))


SHORT_ROW = 16  # output rows shorter than this put the samples last in the columns (see Convolution)
SAMPLE_WINDOWS = 16384  # values (64 KiB of float32): up to this, one product per sample (see Convolution)


class Convolution(Function):
    """y = W * x + b (cross-correlation, as PyTorch); dW = grad @ windows^T, dx = col2im(W^T @ grad), db = sum of grad.

    Options: stride and dilation (D ints), padding (D (before, after) pairs of zeros), groups.

    The columns of cols are one per (sample, output position). The products run one per sample (xp.matmul
    over a leading sample axis, on strided views of cols), each landing straight in its place in y (N, O,
    *S_out) or in dL/dcols with no transposed copy afterwards, in two cases:
      - the windows are short for the output (S_out >= 4 C/g K, as in a first layer on images); then dL/dW
        is one per sample too (Conv2d(1, 16, 3) on 64 images: 0.93 -> 0.25 ms);
      - a sample's windows fit in a core's cache (C/g K S_out <= SAMPLE_WINDOWS values) and its rows are not
        short (S_out >= SHORT_ROW * 2): one long product would stream the whole window matrix, megabytes, from
        memory for every block of output channels, while each product per sample reuses its sample's windows.
        dL/dW stays one product. (Conv1d(32, 32, 5) on 128 x 64: forward and backward 5.4 -> 4.1 ms at one
        thread, 4.3 -> 3.8 ms at two; Conv1d(128, 128, 3) on 64 x 16, rows of 16, was twice as slow that way.)
    Elsewhere one long product threads better over two cores.
    Where the output rows are short (fewer than SHORT_ROW values: small images) and the windows outnumber the
    outputs (C/g K > O/g), the columns are ordered (output position, sample) instead: the samples are then one
    more spatial axis, last, with a kernel of 1, so that each strided copy in im2col and each add in col2im runs
    over ow N values in a row instead of ow; x, y and their gradients are then reordered once each.
    """

    name = "conv"

    def __init__(self, stride, padding, dilation, groups=1):
        self.stride, self.padding, self.dilation, self.groups = tuple(stride), tuple(padding), tuple(dilation), groups

    def forward(self, x, weight, bias=None):
        xp, g = self.xp, self.groups
        n, o, kernel = x.shape[0], weight.shape[0], weight.shape[2:]
        out = output_shape(x.shape[2:], kernel, self.stride, self.padding, self.dilation)
        if min(out) < 1:
            raise ValueError(
                f"conv: kernel {tuple(kernel)} (dilation {self.dilation}) is larger than the padded input "
                f"{tuple(size + sum(p) for size, p in zip(x.shape[2:], self.padding))}"
            )
        self.x_shape, self.kernel, self.out = x.shape, kernel, out
        self.batch_last = out[-1] < SHORT_ROW and math.prod(weight.shape[1:]) > o // g
        windows, positions = math.prod(weight.shape[1:]), math.prod(out)  # C/g K values a window, S_out
        self.short_windows = not self.batch_last and positions >= 4 * windows
        self.per_sample = self.short_windows or (not self.batch_last and windows * positions <= SAMPLE_WINDOWS
                                                 and positions >= 2 * SHORT_ROW)
        # x_pad lives to the end of forward: freed before the product, its block goes to y and glibc's heap then
        # shrinks and regrows every step (measured on the Conv1d benchmark: 1900 -> 1050 page faults a step)
        x_pad = self.padded_columns(x)
        self.cols = im2col(xp, x_pad, *self.geometry(), g)  # (g, C/g K, columns)
        self.w_mat = weight.reshape(g, o // g, -1)  # (g, O/g, C/g K)

        if self.per_sample:
            y = self.w_mat @ per_sample(self.cols, n)  # y_n = W_mat @ cols_n: (N, g, O/g, S_out)
            if bias is not None:
                y += bias.reshape(g, o // g, 1)
            return y.reshape(n, o, *out)
        if self.batch_last:
            # y = W_mat @ cols, (g, O/g, S_out N), then the samples moved first: each output channel's block
            # (S_out, N) transposed. (The product as y^T = cols^T @ W_mat^T gives (S_out N, O/g), whose
            # reordering moves every value on its own: Conv2d(16, 32, 3) on 64 images of 14 x 14, product
            # and reordering 3.3 -> 2.0 ms at one thread, 2.4 -> 1.6 ms at two.)
            y = self.w_mat @ self.cols  # (g, O/g, S_out N)
            if bias is not None:
                y += bias.reshape(g, o // g, 1)
            y = xp.moveaxis(y.reshape(g, o // g, *out, n), -1, 0)  # (N, g, O/g, *S_out), a view
            return xp.ascontiguousarray(y).reshape(n, o, *out)
        y = self.w_mat @ self.cols  # (g, O/g, N S_out)
        if bias is not None:
            y += bias.reshape(g, o // g, 1)
        return self.batch_first(y, out)

    def padded_columns(self, x):
        """x zero-padded, as im2col reads it: (N, C, *S_pad), or with the samples last (1, C, *S_pad, N), x written
        into the zeros in that order (one copy, not a padded copy and then a reordered one)."""
        if not self.batch_last:
            return pad_spatial(self.xp, x, self.padding)
        n, c, *spatial = x.shape
        padded = tuple(size + before + after for size, (before, after) in zip(spatial, self.padding))
        x_pad = self.xp.zeros((c, *padded, n), dtype=x.dtype)
        x_pad[interior(spatial, self.padding) + (slice(None),)] = self.xp.moveaxis(x, 0, -1)
        return x_pad[None]

    def backward(self, grad):
        g, (n, c), o = self.groups, self.x_shape[:2], grad.shape[1]
        if self.per_sample:
            g_rows = grad.reshape(n, g, o // g, math.prod(self.out))  # (N, g, O/g, S_out), as y came out
        if not self.short_windows:
            g_mat = self.columns_layout(grad).reshape(g, o // g, -1)  # the output gradient laid out like cols

        gx = gw = gb = None
        if self.needs_grad[1]:
            # dL/dW[o, c, k] = sum over samples and positions of grad[n, o, p] * window[n, c, k, p]
            if self.short_windows:
                gw = (g_rows @ per_sample(self.cols, n).swapaxes(2, 3)).sum(axis=0)  # sum_n grad_n @ cols_n^T
            else:
                # as (cols @ grad^T)^T: the same product, with the window rows as its long side (BLAS runs it faster)
                gw = (self.cols @ g_mat.swapaxes(1, 2)).swapaxes(1, 2)
            gw = gw.reshape(o, c // g, *self.kernel)
        if len(self.needs_grad) == 3 and self.needs_grad[2]:
            # y = ... + b[o] at every sample and position, so dL/db[o] sums grad over both
            sums = g_rows.sum(axis=3).sum(axis=0) if self.short_windows else g_mat.sum(axis=2)  # (g, O/g)
            gb = sums.reshape(o)
        if self.needs_grad[0] and self.full_convolution_pays(o):
            gx = self.input_gradient_by_convolution(grad)
        elif self.needs_grad[0]:
            gx = self.input_gradient(self.w_mat.swapaxes(1, 2) @ (g_rows if self.per_sample else g_mat))  # W^T grad
        return (gx, gw, gb)[: len(self.needs_grad)]

    def full_convolution_pays(self, o):
        """Whether dL/dx is cheaper as a full convolution (input_gradient_by_convolution): stride 1, padding within
        the kernel's reach, and its windows (O K values per input position) no more than col2im's (C K per output
        position), as in a stack of equal-width layers with 'same' padding."""
        c, *spatial = self.x_shape[1:]
        reach = (d * (k - 1) for k, d in zip(self.kernel, self.dilation))
        return (not self.batch_last and set(self.stride) == {1}
                and all(max(pair) <= r for pair, r in zip(self.padding, reach))
                and o * math.prod(spatial) <= c * math.prod(self.out))

    def input_gradient_by_convolution(self, grad):
        """dL/dx for stride 1 as a full convolution of the output gradient with the flipped kernel: one im2col and
        one product in place of col2im. Per axis, with reach r = dilation (K - 1):

            dL/dx[n, c, i] = sum_{o, k} W[o, c, k] grad[n, o, i + before - dilation k]
                           = sum_{o, j} W[o, c, K - 1 - j] g_full[n, o, i + dilation j]

        with g_full the output gradient padded by r - before and r - after (so it has S + r positions).
        """
        xp, g = self.xp, self.groups
        n, c, *spatial = self.x_shape
        o, dims = grad.shape[1], len(spatial)
        pads = tuple((d * (k - 1) - before, d * (k - 1) - after)
                     for k, d, (before, after) in zip(self.kernel, self.dilation, self.padding))
        cols = im2col(xp, pad_spatial(xp, grad, pads), self.kernel, spatial, self.stride, self.dilation, g)
        flipped = xp.flip(self.w_mat.reshape(g, o // g, c // g, *self.kernel), axis=tuple(range(3, 3 + dims)))
        w_full = xp.ascontiguousarray(flipped.swapaxes(1, 2)).reshape(g, c // g, -1)  # (g, C/g, O/g K)
        if self.per_sample:
            return (w_full @ per_sample(cols, n)).reshape(n, c, *spatial)
        return self.batch_first(w_full @ cols, spatial)

    def input_gradient(self, g_cols):
        """dL/dx from dL/dcols, (N, g, C/g K, S_out) per sample or else laid out as cols: col2im onto the padded
        input, with the padding cropped away."""
        xp = self.xp
        n, c, *spatial = self.x_shape
        k, out = math.prod(self.kernel), self.out
        padded = tuple(size + before + after for size, (before, after) in zip(spatial, self.padding))
        crop = interior(spatial, self.padding)  # the padding's gradient goes nowhere
        if self.per_sample:  # (N, C, K, *S_out) onto (N, C, *S_pad)
            g_pad = col2im(xp, g_cols.reshape(n, c, k, *out), (n, c, *padded), *self.geometry())
            return xp.ascontiguousarray(g_pad[crop]) if g_pad.shape != self.x_shape else g_pad
        if self.batch_last:  # (1, C, K, *S_out, N) onto (1, C, *S_pad, N)
            g_pad = col2im(xp, g_cols.reshape(1, c, k, *out, n), (1, c, *padded, n), *self.geometry())
            return xp.ascontiguousarray(xp.moveaxis(g_pad[0][crop + (slice(None),)], -1, 0))
        # (C, K, N, *S_out) seen as (C, N, K, *S_out), onto (C, N, *S_pad)
        g_pad = col2im(xp, g_cols.reshape(c, k, n, *out).swapaxes(1, 2), (c, n, *padded), *self.geometry())
        return xp.ascontiguousarray(xp.moveaxis(g_pad[crop], 1, 0))

    def geometry(self):
        """(kernel, out, stride, dilation) of im2col and col2im; with the samples last, they are one more axis."""
        if not self.batch_last:
            return self.kernel, self.out, self.stride, self.dilation
        return (*self.kernel, 1), (*self.out, self.x_shape[0]), (*self.stride, 1), (*self.dilation, 1)

    def columns_layout(self, a):
        """a (N, ch, *S) with its channels first, in the columns' order: (ch, N, *S) or (ch, *S, N), a copy."""
        xp = self.xp
        return xp.ascontiguousarray(xp.moveaxis(a, 0, -1) if self.batch_last else xp.moveaxis(a, 1, 0))

    def batch_first(self, a, spatial):
        """A product (g, ch/g, N S) over columns ordered (sample, position), as a new (N, ch, *S) array."""
        n, channels = self.x_shape[0], a.shape[0] * a.shape[1]
        a = a.reshape(channels, n, math.prod(spatial))
        return self.xp.ascontiguousarray(self.xp.moveaxis(a, 1, 0)).reshape(n, channels, *spatial)

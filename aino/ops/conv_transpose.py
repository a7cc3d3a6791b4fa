"""Transposed convolution ("deconvolution") in 1, 2 or 3 spatial dimensions: the adjoint of the convolution
of conv.py, built from the same two helpers, im2col and col2im.

Shapes, for D spatial dimensions (D = 2: S = (H, W)):

    x       (N, C, *S)          C input channels
    weight  (C, O / g, *K)      O output channels, g groups (PyTorch's layout: input channels first)
    bias    (O,)
    y       (N, O, *S_out)      S_out[i] = (S[i] - 1) stride - 2 padding + dilation (K[i] - 1) + output_padding + 1

A convolution with weight W reads x_pad[stride p + dilation k] for output p. Its transpose runs the
other way: every input position i sends x[i], weighted by the kernel, to the positions it would have been
read from, on a "full" grid of (S - 1) stride + dilation (K - 1) + 1 + output_padding positions:

    y_full[n, o, stride i + dilation k] += sum_c W[c, o, k] x[n, c, i]          (each group on its own)
    y = y_full with `padding` cropped off both ends, + b[o]

That is the convolution's input gradient (col2im of W^T @ x), so the backward is the convolution's forward
and weight gradient. With g_full the output gradient with `padding` zeros put back around it:

    dL/dx[n, c, i]  = sum_{o, k} W[c, o, k] g_full[n, o, stride i + dilation k]    a convolution of g_full with W
    dL/dW[c, o, k]  = sum_{n, i} x[n, c, i] g_full[n, o, stride i + dilation k]    a correlation of g_full with x
    dL/db[o]        = sum_{n, p} grad[n, o, p]

Both read the windows of g_full, so im2col(g_full) is the one array they share: cols (g, O/g K, N S).
`output_padding` adds positions at the end of the full grid that no window writes (only the bias);
it exists to pick one of the `stride` input sizes that a strided convolution maps to the same output size.
"""

import math

from aino.ops.conv import batched, interior, pad_spatial, spatial_ints, unbatched
from aino.ops.function import Function
from aino.ops.im2col import col2im, im2col, per_sample
from aino.validation import InvalidOperationError

OWNER = "conv_transpose"


def transposed_shape(spatial, kernel, stride, padding, output_padding, dilation):
    """S_out for input sizes `spatial`: (S - 1) stride - 2 padding + dilation (K - 1) + output_padding + 1."""
    return tuple(
        (size - 1) * s - 2 * p + d * (k - 1) + extra + 1
        for size, k, s, p, extra, d in zip(spatial, kernel, stride, padding, output_padding, dilation)
    )


class ConvolutionTranspose(Function):
    """y = W^T * x + b (the adjoint of conv); dx = conv(g_full, W), dW = correlation(g_full, x), db = sum of grad.

    Options: stride, padding, output_padding and dilation (D ints each), groups.
    """

    name = "conv_transpose"

    def __init__(self, stride, padding, output_padding, dilation, groups=1):
        self.stride, self.padding, self.dilation = tuple(stride), tuple(padding), tuple(dilation)
        self.output_padding, self.groups = tuple(output_padding), groups

    def forward(self, x, weight, bias=None):
        xp, g = self.xp, self.groups
        n, c, *spatial = x.shape
        kernel = weight.shape[2:]
        o = weight.shape[1] * g
        out = transposed_shape(spatial, kernel, self.stride, self.padding, self.output_padding, self.dilation)
        full = tuple(size + 2 * p for size, p in zip(out, self.padding))
        self.x_shape, self.kernel, self.pairs = x.shape, kernel, tuple((p, p) for p in self.padding)

        self.x = x
        self.w_mat = weight.reshape(g, c // g, -1)  # (g, C/g, O/g K)
        # what each input sends along its kernel, W_mat^T @ x_n, one product per sample: (N, g, O/g K, S)
        cols = self.w_mat.swapaxes(1, 2) @ x.reshape(n, g, c // g, math.prod(spatial))
        cols = cols.reshape(n, o, math.prod(kernel), *spatial)  # (N, O, K, *S)
        y_full = col2im(xp, cols, (n, o, *full), kernel, spatial, self.stride, self.dilation)  # (N, O, *full)
        y = y_full[interior(out, self.pairs)]  # the padding cropped off both ends
        if bias is not None:
            return y + bias.reshape(o, *([1] * len(out)))
        return xp.ascontiguousarray(y) if y.shape != y_full.shape else y_full

    def backward(self, grad):
        xp, g = self.xp, self.groups
        n, c, *spatial = self.x_shape
        # the windows of g_full that forward wrote into: one column per (sample, input position)
        cols = im2col(xp, pad_spatial(xp, grad, self.pairs), self.kernel, spatial, self.stride, self.dilation, g)

        gx = gw = gb = None
        if self.needs_grad[0]:
            # dL/dx[c, i] = sum_{o, k} W[c, o, k] g_full[o, stride i + dilation k]: W_mat @ cols_n for each sample n
            gx = (self.w_mat @ per_sample(cols, n)).reshape(n, c, *spatial)
        if self.needs_grad[1]:
            # dL/dW[c, o, k] = sum over samples and input positions of x[n, c, i] g_full[n, o, stride i + dilation k]
            x_mat = xp.moveaxis(self.x, 1, 0).reshape(g, c // g, n * math.prod(spatial))  # (g, C/g, N S), a copy
            gw = (x_mat @ cols.swapaxes(1, 2)).reshape(c, -1, *self.kernel)
        if len(self.needs_grad) == 3 and self.needs_grad[2]:
            gb = grad.sum(axis=(0, *range(2, grad.ndim)))  # y = ... + b[o] everywhere, so sum grad over n and p
        return (gx, gw, gb)[: len(self.needs_grad)]


def transpose_options(dims, stride, padding, output_padding, dilation, owner=OWNER):
    """The options as tuples of `dims` ints, checked as PyTorch checks them: output_padding must be smaller than
    the stride or the dilation on each axis (larger values would only add positions that no input reaches)."""
    stride = spatial_ints(stride, dims, owner, "stride")
    padding = spatial_ints(padding, dims, owner, "padding", minimum=0)
    output_padding = spatial_ints(output_padding, dims, owner, "output_padding", minimum=0)
    dilation = spatial_ints(dilation, dims, owner, "dilation")
    if any(extra >= max(s, d) for extra, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{owner}: output_padding must be smaller than either stride or dilation, got "
                         f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
    return stride, padding, output_padding, dilation


def conv_transpose(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transposed convolution of x (N, C, *S) with weight (C, O/groups, *K), as torch's F.conv_transpose1d/2d/3d:
    1 to 3 spatial axes (an unbatched x (C, *S) gives an unbatched y), the options an int or a tuple of one int
    per spatial axis."""
    dims = weight.data.ndim - 2
    if dims not in (1, 2, 3):
        raise ValueError(f"{OWNER}: expected weight of shape (C, O/groups, *K) with 1 to 3 spatial axes, got "
                         f"{tuple(weight.data.shape)}")
    x, was_unbatched = batched(x, dims, f"conv_transpose{dims}d")
    groups = spatial_ints(groups, 1, OWNER, "groups")[0]
    c = x.data.shape[1]
    if weight.data.shape[0] != c or c % groups:
        raise InvalidOperationError(
            f"{OWNER}: expected weight of shape ({c}, out_channels / groups, *kernel) with {c} input channels "
            f"divisible by groups={groups}, got weight {tuple(weight.data.shape)} for x {tuple(x.data.shape)}")
    stride, padding, output_padding, dilation = transpose_options(dims, stride, padding, output_padding, dilation)
    out = transposed_shape(x.data.shape[2:], weight.data.shape[2:], stride, padding, output_padding, dilation)
    if min(out) < 1 or math.prod(x.data.shape[2:]) == 0:
        raise InvalidOperationError(f"{OWNER}: expected non-zero spatial sizes in and out, got an input of spatial "
                                    f"size {tuple(x.data.shape[2:])} and an output of {out} (padding {padding})")
    inputs = (x, weight) if bias is None else (x, weight, bias)
    y = ConvolutionTranspose.apply(*inputs, stride=stride, padding=padding, output_padding=output_padding,
                                   dilation=dilation, groups=groups)
    return unbatched(y, was_unbatched)

"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, MaxUnpool1d/2d/3d, AdaptiveAvgPool1d/2d/3d (PyTorch's
arguments; reference document 004's MaxPool2D is in aino/nn/aliases.py). They hold no parameters; the ops are
in aino/ops/pool.py."""

import numbers

from aino.nn import checks
from aino.nn.conv import as_batch, check_window, like_input, spatial_tuple
from aino.nn.module import Module
from aino.ops.function import constant
from aino.ops.pool import AdaptiveAvgPool, AvgPool, MaxPool, MaxUnpool, unpool_indices, unpool_shape


def window_geometry(layer, dims, kernel_size, stride, padding):
    """(kernel_size, stride, padding) of a window layer, each checked and made a tuple of `dims` ints: kernel_size
    and stride >= 1 (stride None: kernel_size), padding >= 0."""
    kernel_size = spatial_tuple(kernel_size, dims, layer, "kernel_size")
    stride = kernel_size if stride is None else spatial_tuple(stride, dims, layer, "stride")
    return kernel_size, stride, spatial_tuple(padding, dims, layer, "padding", minimum=0)


class PoolNd(Module):
    """The window geometry every window pool shares: kernel_size, stride (default: kernel_size) and padding; with
    ceil_mode, a last partial window that starts inside the input or its left padding counts too."""

    dims = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        super().__init__()
        name = type(self).__name__
        self.kernel_size, self.stride, self.padding = window_geometry(name, self.dims, kernel_size, stride, padding)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding {self.padding} must be at most half of kernel_size {self.kernel_size}")
        self.ceil_mode = bool(ceil_mode)
        self.dilation = (1,) * self.dims

    def forward(self, x):
        return like_input(self.pool(self.checked_batch(x)), x)

    def checked_batch(self, x):
        """x as a batch (N, C, *S), refused unless its padded spatial sizes hold a window."""
        batch = as_batch(x, self.dims, self)
        check_window(self, batch, self.kernel_size, self.dilation, self.pairs())
        return batch

    def extra_repr(self):
        ceil = ", ceil_mode=True" if self.ceil_mode else ""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}{ceil}"

    def pairs(self):
        """The padding as (before, after) pairs, as the ops take it."""
        return tuple((p, p) for p in self.padding)


class MaxPoolNd(PoolNd):
    """y = the largest value in each window (padding never wins); the gradient flows to that value only
    (the first one on a tie, as in PyTorch). With return_indices, forward returns (y, indices): where each
    maximum lies in its plane of the input, as a flat int64 index (h W + w in 2-D), which MaxUnpool takes."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.dilation = spatial_tuple(dilation, self.dims, type(self).__name__, "dilation")
        self.return_indices = bool(return_indices)

    def forward(self, x):
        if not self.return_indices:
            return super().forward(x)
        indices = []
        y = self.pool(self.checked_batch(x), indices)
        return like_input(y, x), like_input(constant(indices[0], y), x)

    def extra_repr(self):
        dilation = "" if self.dilation == (1,) * self.dims else f", dilation={self.dilation}"
        return super().extra_repr() + dilation + (", return_indices=True" if self.return_indices else "")

    def pool(self, x, indices_out=None):
        return MaxPool.apply(x, kernel_size=self.kernel_size, stride=self.stride, padding=self.pairs(),
                             dilation=self.dilation, ceil_mode=self.ceil_mode, indices_out=indices_out)


class MaxPool1d(MaxPoolNd):
    """Max over windows of a sequence: (N, C, L) -> (N, C, L_out)."""

    dims = 1


class MaxPool2d(MaxPoolNd):
    """Max over windows of an image: (N, C, H, W) -> (N, C, H_out, W_out)."""

    dims = 2


class MaxPool3d(MaxPoolNd):
    """Max over windows of a volume: (N, C, D, H, W) -> (N, C, D_out, H_out, W_out)."""

    dims = 3


class AvgPoolNd(PoolNd):
    """y = the mean of each window; zero padding counts in the mean unless count_include_pad=False."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = checks.optional_size(divisor_override, "divisor_override", type(self).__name__)

    def pool(self, x):
        return AvgPool.apply(x, kernel_size=self.kernel_size, stride=self.stride, padding=self.pairs(),
                             count_include_pad=self.count_include_pad, divisor_override=self.divisor_override,
                             ceil_mode=self.ceil_mode)


class AvgPool1d(AvgPoolNd):
    """Mean over windows of a sequence: (N, C, L) -> (N, C, L_out)."""

    dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(AvgPoolNd):
    """Mean over windows of an image: (N, C, H, W) -> (N, C, H_out, W_out)."""

    dims = 2


class AvgPool3d(AvgPoolNd):
    """Mean over windows of a volume: (N, C, D, H, W) -> (N, C, D_out, H_out, W_out)."""

    dims = 3


class MaxUnpoolNd(Module):
    """The inverse of MaxPool's selection: each value of x goes back to the place its `indices` name (as MaxPool
    with return_indices gives them), zeros elsewhere, on planes of (S - 1) stride - 2 padding + kernel_size per
    axis, or `output_size`. The gradient gathers back from the same places."""

    dims = None

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size, self.stride, self.padding = window_geometry(name, self.dims, kernel_size, stride, padding)

    def forward(self, x, indices, output_size=None):
        batch = as_batch(x, self.dims, self)
        index = unpool_indices(indices, x.shape, self._name())
        out = unpool_shape(batch.shape[2:], self.kernel_size, self.stride, self.padding, output_size, self._name())
        return like_input(MaxUnpool.apply(batch, indices=index.reshape(batch.shape), out=out), x)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpoolNd):
    """Max unpooling of a sequence: (N, C, L) -> (N, C, L_out)."""

    dims = 1


class MaxUnpool2d(MaxUnpoolNd):
    """Max unpooling of an image: (N, C, H, W) -> (N, C, H_out, W_out)."""

    dims = 2


class MaxUnpool3d(MaxUnpoolNd):
    """Max unpooling of a volume: (N, C, D, H, W) -> (N, C, D_out, H_out, W_out)."""

    dims = 3


class AdaptiveAvgPoolNd(Module):
    """y = means over windows chosen to give `output_size` (None keeps that input size): window i of an axis
    of n inputs spans [floor(i n / out), ceil((i + 1) n / out)), as PyTorch."""

    dims = None

    def __init__(self, output_size):
        super().__init__()
        name = type(self).__name__
        one = output_size is None or isinstance(output_size, numbers.Integral)
        sizes = (output_size,) * self.dims if one else output_size
        if not isinstance(sizes, (tuple, list)) or len(sizes) != self.dims:
            error = ValueError if isinstance(sizes, (tuple, list)) else TypeError
            raise error(f"{name}: output_size must be an int, None or a tuple of {self.dims}, got {output_size!r:.60}")
        self.output_size = tuple(checks.optional_size(s, "output_size", name) for s in sizes)

    def forward(self, x):
        batch = as_batch(x, self.dims, self)
        sizes = tuple(n if s is None else s for s, n in zip(self.output_size, batch.shape[2:]))
        return like_input(AdaptiveAvgPool.apply(batch, output_size=sizes), x)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPoolNd):
    """Adaptive mean pooling of a sequence: (N, C, L) -> (N, C, output_size)."""

    dims = 1


class AdaptiveAvgPool2d(AdaptiveAvgPoolNd):
    """Adaptive mean pooling of an image: (N, C, H, W) -> (N, C, *output_size); (1, 1) is global average pooling."""

    dims = 2


class AdaptiveAvgPool3d(AdaptiveAvgPoolNd):
    """Adaptive mean pooling of a volume: (N, C, D, H, W) -> (N, C, *output_size)."""

    dims = 3

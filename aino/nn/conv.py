"""Convolution layers Conv1d, Conv2d, Conv3d and ConvTranspose1d, ConvTranspose2d, ConvTranspose3d (PyTorch's
arguments, names and shapes; reference document 004's Conv2D is in aino/nn/aliases.py). The arithmetic is one
fused op each, aino/ops/conv.py and aino/ops/conv_transpose.py, where the backward is derived."""

import math

from aino.nn import checks
from aino.nn.init import initial_weight
from aino.nn.module import Module
from aino.nn.parameter import Parameter
from aino.ops.conv import Convolution, spatial_ints
from aino.ops.conv_transpose import ConvolutionTranspose, transpose_options, transposed_shape

SPATIAL_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def spatial_tuple(value, dims, layer, name, minimum=1):
    """An int or a tuple of `dims` ints (each >= minimum) as a tuple of `dims` ints."""
    return spatial_ints(value, dims, checks.name_of(layer), name, minimum)


def as_batch(x, dims, layer, channels=None):
    """x checked to be a float (N, C, *S) with `dims` spatial axes, or (C, *S), which becomes a batch of one (as
    PyTorch); only N may be 0 (an empty batch gives an empty result).

    `channels`, if given, is the C the layer expects; the error shows the shape it wanted and the one it got.
    """
    x = checks.tensor_input(layer, x)
    expected = ("N", "C" if channels is None else str(channels), *SPATIAL_NAMES[dims])
    if x.ndim not in (dims + 1, dims + 2) or (channels is not None and x.shape[-dims - 1] != channels):
        raise ValueError(f"{checks.name_of(layer)} expected input of shape ({', '.join(expected)}), got {tuple(x.shape)}")
    checks.check_not_empty(layer, x, first_axis=x.ndim - dims - 1)
    return x.reshape(1, *x.shape) if x.ndim == dims + 1 else x


def check_window(layer, x, kernel, dilation, pairs):
    """Refuse an input whose padded spatial size is smaller than the window: dilation * (kernel - 1) + 1 per axis."""
    spatial = x.shape[x.ndim - len(kernel):]
    padded = tuple(n + before + after for n, (before, after) in zip(spatial, pairs))
    if any(d * (k - 1) + 1 > n for k, d, n in zip(kernel, dilation, padded)):
        raise ValueError(f"{checks.name_of(layer)}: kernel {tuple(kernel)} (dilation {tuple(dilation)}) is larger than "
                         f"the padded input {padded}, from an input of shape {tuple(x.shape)}")


def like_input(y, x):
    """The layer's output y without its batch axis when the input x came without one."""
    return y.reshape(*y.shape[1:]) if y.ndim == x.ndim + 1 else y


def padding_pairs(padding, kernel, stride, dilation, layer):
    """(before, after) zeros for each spatial axis, from an int, a tuple, "valid" (none) or "same" (as many
    outputs as inputs)."""
    if isinstance(padding, str) and padding not in ("valid", "same"):
        raise ValueError(f"{layer}: padding must be 'valid', 'same', an int or a tuple of ints, got {padding!r}")
    if padding == "valid":
        return tuple((0, 0) for _ in kernel)
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{layer}: padding='same' needs stride 1, got stride {stride}")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)  # an odd extra zero goes after (PyTorch)
    return tuple((p, p) for p in spatial_tuple(padding, len(kernel), layer, "padding", minimum=0))


class ConvNd(Module):
    """y = W * x + b over `dims` spatial axes, with weight (out_channels, in_channels / groups, *kernel_size)
    and bias (out_channels,), initialised as PyTorch's: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = in_channels / groups * prod(kernel_size). `initialization` picks another start (see aino.nn.init)."""

    dims = None
    transposed = False  # ConvTransposeNd: weight (in_channels, out_channels / groups, *kernel_size)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None, initialization="pytorch"):
        super().__init__()
        layer = type(self).__name__
        self._set_geometry(in_channels, out_channels, kernel_size, stride, dilation, groups, padding_mode)
        self._pairs = padding_pairs(padding, self.kernel_size, self.stride, self.dilation, layer)
        self.padding = padding if isinstance(padding, str) else spatial_tuple(padding, self.dims, layer, "padding", 0)
        self._set_parameters(bias, device, dtype, initialization)

    def _set_geometry(self, in_channels, out_channels, kernel_size, stride, dilation, groups, padding_mode):
        """Check and keep the channels, groups, padding_mode, kernel_size, stride and dilation."""
        layer = type(self).__name__
        in_channels = checks.size(in_channels, "in_channels", layer)
        out_channels = checks.size(out_channels, "out_channels", layer)
        groups = checks.size(groups, "groups", layer)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{layer}: in_channels and out_channels must both be divisible by groups={groups}")
        if padding_mode != "zeros":
            raise ValueError(f"{layer}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding_mode = padding_mode
        self.kernel_size = spatial_tuple(kernel_size, self.dims, layer, "kernel_size")
        self.stride = spatial_tuple(stride, self.dims, layer, "stride")
        self.dilation = spatial_tuple(dilation, self.dims, layer, "dilation")

    def _set_parameters(self, bias, device, dtype, initialization):
        """weight (a, b / groups, *kernel_size), (a, b) = (out, in) channels, or (in, out) when transposed, and bias
        (out_channels,); PyTorch counts fan_in = b / groups * prod(kernel_size) and fan_out = a * prod(kernel_size)."""
        layer = type(self).__name__
        dtype = checks.float_dtype(dtype, layer)
        a, b = (self.in_channels, self.out_channels) if self.transposed else (self.out_channels, self.in_channels)
        receptive = math.prod(self.kernel_size)
        fan_in, fan_out = b // self.groups * receptive, a * receptive
        shape = (a, b // self.groups, *self.kernel_size)
        checks.check_elements(layer, shape, dtype)
        self.weight = Parameter(initial_weight(shape, fan_in, fan_out, initialization, dtype, layer), device=device)
        self.bias = None
        if bias:
            self.bias = Parameter(initial_weight((self.out_channels,), fan_in, 1, "pytorch", dtype), device=device)

    def forward(self, x):
        params = (self.weight,) if self.bias is None else (self.weight, self.bias)
        batch = as_batch(x, self.dims, self, self.in_channels)
        check_window(self, batch, self.kernel_size, self.dilation, self._pairs)
        y = Convolution.apply(batch, *params, stride=self.stride, padding=self._pairs, dilation=self.dilation,
                              groups=self.groups)
        return like_input(y, x)

    def _name(self):
        return f"{type(self).__name__}({self.in_channels} -> {self.out_channels})"

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(ConvNd):
    """1-D convolution: (N, C_in, L) -> (N, C_out, L_out)."""

    dims = 1


class Conv2d(ConvNd):
    """2-D convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""

    dims = 2


class Conv3d(ConvNd):
    """3-D convolution: (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""

    dims = 3



class ConvTransposeNd(ConvNd):
    """y = W^T * x + b, the adjoint of the convolution (aino/ops/conv_transpose.py): weight (in_channels,
    out_channels / groups, *kernel_size), bias (out_channels,), initialised as PyTorch's with
    fan_in = out_channels / groups * prod(kernel_size). S_out = (S - 1) stride - 2 padding + dilation (K - 1)
    + output_padding + 1; output_padding (smaller than stride or dilation) picks among the sizes a strided
    convolution maps to one size, and forward(x, output_size) picks it from the size wanted."""

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None, initialization="pytorch"):
        Module.__init__(self)
        layer = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'{layer}: only "zeros" padding mode is supported, got {padding_mode!r}')
        self._set_geometry(in_channels, out_channels, kernel_size, stride, dilation, groups, padding_mode)
        self.stride, self.padding, self.output_padding, self.dilation = transpose_options(
            self.dims, self.stride, padding, output_padding, self.dilation, layer)
        self._set_parameters(bias, device, dtype, initialization)

    def forward(self, x, output_size=None):
        params = (self.weight,) if self.bias is None else (self.weight, self.bias)
        batch = as_batch(x, self.dims, self, self.in_channels)
        output_padding = self.output_padding if output_size is None else self.padding_for(output_size, batch)
        geometry = (self.kernel_size, self.stride, self.padding, output_padding, self.dilation)
        out = transposed_shape(batch.shape[2:], *geometry)
        if min(out) < 1:
            raise ValueError(f"{self._name()}: padding {self.padding} leaves no output for an input of shape "
                             f"{tuple(x.shape)} (output size {out})")
        y = ConvolutionTranspose.apply(batch, *params, stride=self.stride, padding=self.padding,
                                       output_padding=output_padding, dilation=self.dilation, groups=self.groups)
        return like_input(y, x)

    def padding_for(self, output_size, x):
        """The output_padding that gives spatial sizes `output_size` (its last `dims` entries): each must lie in
        [smallest, smallest + stride - 1], the smallest being the size with output_padding 0."""
        sizes = tuple(output_size)[-self.dims:]
        if len(output_size) not in (self.dims, self.dims + 2):
            raise ValueError(f"{self._name()}: output_size must have {self.dims} or {self.dims + 2} elements, "
                             f"got {tuple(output_size)}")
        geometry = (self.kernel_size, self.stride, self.padding, (0,) * self.dims, self.dilation)
        smallest = transposed_shape(x.shape[2:], *geometry)
        largest = tuple(n + s - 1 for n, s in zip(smallest, self.stride))
        if any(not lo <= size <= hi for size, lo, hi in zip(sizes, smallest, largest)):
            raise ValueError(f"{self._name()}: requested an output size of {tuple(sizes)}, but valid sizes range from "
                             f"{smallest} to {largest} (for an input of {tuple(x.shape[2:])})")
        return tuple(int(size) - lo for size, lo in zip(sizes, smallest))

    def extra_repr(self):
        text = super().extra_repr()
        extra = f", output_padding={self.output_padding}" if any(self.output_padding) else ""
        return text + extra


class ConvTranspose1d(ConvTransposeNd):
    """1-D transposed convolution: (N, C_in, L) -> (N, C_out, L_out)."""

    dims = 1


class ConvTranspose2d(ConvTransposeNd):
    """2-D transposed convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""

    dims = 2


class ConvTranspose3d(ConvTransposeNd):
    """3-D transposed convolution: (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""

    dims = 3

"""The convolutions and pools of aino.nn.functional (F.conv2d, F.conv_transpose2d, F.max_pool2d, F.max_unpool2d,
...), with torch.nn.functional's arguments: each checks its input and options in its own name and calls the op
the layer of the same name calls (aino/ops/conv.py, conv_transpose.py, pool.py), where the forward and backward
are derived.

Inputs are (N, C, *S) with 1, 2 or 3 spatial axes S, or (C, *S), a batch of one, as PyTorch takes them.
"""

import numbers

from aino.nn import checks
from aino.nn.conv import as_batch, check_window, like_input, padding_pairs, spatial_tuple
from aino.ops.conv import Convolution
from aino.ops.conv_transpose import conv_transpose
from aino.ops.pool import AdaptiveAvgPool, avg_pool, max_pool, max_unpool
from aino.validation import check_bool, check_int


def tensor_or_none(owner, value, name):
    """An optional parameter (a bias, a weight) as a float Tensor, or None."""
    return None if value is None else checks.tensor_input(owner, value, name)


def check_shape(owner, value, shape, name, meaning=""):
    """Refuse a tensor that is not of `shape` (None passes)."""
    if value is not None and tuple(value.shape) != tuple(shape):
        raise ValueError(f"{owner}: expected {name} of shape {tuple(shape)}{meaning}, got {tuple(value.shape)}")


# --- convolution ---------------------------------------------------------------------------------


def _checked_operands(owner, dims, input, weight, groups, first, second):
    """(x, weight, groups) of a convolution, checked: x and weight float tensors, weight of shape (first, second,
    *kernel) with `dims` kernel axes, groups an int >= 1 that divides `first` (weight.shape[0])."""
    x = checks.tensor_input(owner, input)
    weight = checks.tensor_input(owner, weight, "weight")
    if weight.ndim != dims + 2:
        raise ValueError(f"{owner}: expected weight of shape ({first}, {second}, {', '.join(['k'] * dims)}), "
                         f"got {tuple(weight.shape)}")
    groups = check_int(groups, "groups", owner, minimum=1)
    if weight.shape[0] % groups:
        raise ValueError(f"{owner}: expected {first} (weight.shape[0] = {weight.shape[0]}) divisible by "
                         f"groups={groups}")
    return x, weight, groups


def _convolve(dims, input, weight, bias, stride, padding, dilation, groups):
    """y = weight * x + bias over `dims` spatial axes; weight (out_channels, in_channels / groups, *kernel)."""
    owner = f"F.conv{dims}d"
    x, weight, groups = _checked_operands(owner, dims, input, weight, groups, "out_channels", "in_channels / groups")
    out_channels, group_channels, kernel = weight.shape[0], weight.shape[1], tuple(weight.shape[2:])
    bias = tensor_or_none(owner, bias, "bias")
    check_shape(owner, bias, (out_channels,), "bias", ", one per output channel")
    stride = spatial_tuple(stride, dims, owner, "stride")
    dilation = spatial_tuple(dilation, dims, owner, "dilation")
    pairs = padding_pairs(padding, kernel, stride, dilation, owner)
    batch = as_batch(x, dims, owner, group_channels * groups)
    check_window(owner, batch, kernel, dilation, pairs)
    params = (weight,) if bias is None else (weight, bias)
    y = Convolution.apply(batch, *params, stride=stride, padding=pairs, dilation=dilation, groups=groups)
    return like_input(y, x)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation): (N, C_in, L) -> (N, C_out, L_out); padding an int, a tuple,
    "valid" or "same"."""
    return _convolve(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation): (N, C_in, H, W) -> (N, C_out, H_out, W_out)."""
    return _convolve(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation): (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""
    return _convolve(3, input, weight, bias, stride, padding, dilation, groups)


def _convolve_transposed(dims, input, weight, bias, stride, padding, output_padding, groups, dilation):
    """The adjoint of a convolution (each input spread over a window of the output); weight (in_channels,
    out_channels / groups, *kernel), PyTorch's layout."""
    owner = f"F.conv_transpose{dims}d"
    x, weight, groups = _checked_operands(owner, dims, input, weight, groups, "in_channels", "out_channels / groups")
    as_batch(x, dims, owner, weight.shape[0])
    bias = tensor_or_none(owner, bias, "bias")
    check_shape(owner, bias, (weight.shape[1] * groups,), "bias", ", one per output channel")
    return conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution: (N, C_in, L) -> (N, C_out, (L - 1) stride - 2 padding + dilation (K - 1)
    + output_padding + 1)."""
    return _convolve_transposed(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution: (N, C_in, H, W) -> (N, C_out, H_out, W_out), each axis as in conv_transpose1d."""
    return _convolve_transposed(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution: (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""
    return _convolve_transposed(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


# --- window pools ---------------------------------------------------------------------------------


def _window(owner, dims, input, kernel_size, stride, padding, dilation=1):
    """(x, kernel, stride, padding, dilation) of a window pool, checked as PyTorch checks them: stride defaults to
    the kernel, padding is at most half the kernel, and the (dilated) window fits in the padded input."""
    x = checks.tensor_input(owner, input)
    kernel = spatial_tuple(kernel_size, dims, owner, "kernel_size")
    stride = kernel if stride is None or stride == [] else spatial_tuple(stride, dims, owner, "stride")
    padding = spatial_tuple(padding, dims, owner, "padding", minimum=0)
    dilation = spatial_tuple(dilation, dims, owner, "dilation")
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{owner}: padding {padding} must be at most half of kernel_size {kernel}")
    check_window(owner, as_batch(x, dims, owner), kernel, dilation, tuple((p, p) for p in padding))
    return x, kernel, stride, padding, dilation


def _max_pool(dims, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    """The largest value of each window (padding never wins; the gradient goes to the first maximum); with
    return_indices, (values, indices), each index flat within its plane, as max_unpool takes them."""
    owner = f"F.max_pool{dims}d"
    x, kernel, stride, padding, dilation = _window(owner, dims, input, kernel_size, stride, padding, dilation)
    return max_pool(x, kernel, stride, padding, dilation, check_bool(ceil_mode, "ceil_mode", owner),
                    check_bool(return_indices, "return_indices", owner), dims=dims)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of a sequence: (N, C, L) -> (N, C, L_out)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of an image: (N, C, H, W) -> (N, C, H_out, W_out)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over windows of a volume: (N, C, D, H, W) -> (N, C, D_out, H_out, W_out)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(dims, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """The mean of each window; the zero padding counts unless count_include_pad=False; divisor_override
    replaces the window size as the divisor."""
    owner = f"F.avg_pool{dims}d"
    x, kernel, stride, padding, _ = _window(owner, dims, input, kernel_size, stride, padding)
    return avg_pool(x, kernel, stride, padding, check_bool(ceil_mode, "ceil_mode", owner),
                    check_bool(count_include_pad, "count_include_pad", owner),
                    checks.optional_size(divisor_override, "divisor_override", owner), dims=dims)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over windows of a sequence: (N, C, L) -> (N, C, L_out)."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows of an image: (N, C, H, W) -> (N, C, H_out, W_out)."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over windows of a volume: (N, C, D, H, W) -> (N, C, D_out, H_out, W_out)."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _max_unpool(dims, input, indices, kernel_size, stride, padding, output_size):
    """The values put back at the places `indices` (from max_pool with return_indices) name, zeros elsewhere."""
    owner = f"F.max_unpool{dims}d"
    x = checks.tensor_input(owner, input)
    as_batch(x, dims, owner)
    kernel = spatial_tuple(kernel_size, dims, owner, "kernel_size")
    stride = kernel if stride is None else spatial_tuple(stride, dims, owner, "stride")
    padding = spatial_tuple(padding, dims, owner, "padding", minimum=0)
    return max_unpool(x, indices, kernel, stride, padding, output_size, dims=dims)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d where it kept a value: (N, C, L) -> (N, C, L_out), zeros at the other places."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d where it kept a value: (N, C, H, W) -> (N, C, H_out, W_out), zeros elsewhere."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d where it kept a value: (N, C, D, H, W) -> (N, C, D_out, H_out, W_out)."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size)


# --- adaptive pools ------------------------------------------------------------------------------


def _adaptive_avg_pool(dims, input, output_size):
    """Means over the windows that give `output_size` (an int, or a tuple; None keeps that input size)."""
    owner = f"F.adaptive_avg_pool{dims}d"
    one = output_size is None or isinstance(output_size, numbers.Integral)
    sizes = (output_size,) * dims if one else output_size
    if not isinstance(sizes, (tuple, list)) or len(sizes) != dims:
        error = ValueError if isinstance(sizes, (tuple, list)) else TypeError
        raise error(f"{owner}: output_size must be an int, None or a tuple of {dims}, got {output_size!r:.60}")
    sizes = tuple(checks.optional_size(s, "output_size", owner) for s in sizes)
    x = checks.tensor_input(owner, input)
    batch = as_batch(x, dims, owner)
    sizes = tuple(n if s is None else s for s, n in zip(sizes, batch.shape[2:]))
    return like_input(AdaptiveAvgPool.apply(batch, output_size=sizes), x)


def adaptive_avg_pool1d(input, output_size):
    """Adaptive mean pooling of a sequence: (N, C, L) -> (N, C, output_size)."""
    return _adaptive_avg_pool(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive mean pooling of an image: (N, C, H, W) -> (N, C, *output_size); 1 is global average pooling."""
    return _adaptive_avg_pool(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive mean pooling of a volume: (N, C, D, H, W) -> (N, C, *output_size)."""
    return _adaptive_avg_pool(3, input, output_size)

"""aino.nn.functional (import aino.nn.functional as F): the functional form of every layer, activation and
loss, with torch.nn.functional's names, arguments and defaults.

Each function checks what it is given, in its own name ("F.softmax: ..."), and calls the op the layer of the
same name calls (aino/ops/), where the forward and its hand-written backward stand side by side. A few that
PyTorch itself defines as formulas of other functions (celu, softsign, bilinear, normalize, group_norm,
smooth_l1_loss, kl_div, ...) are written as those formulas of differentiable Tensor ops; their docstrings say so.

This file holds the activations, softmax, linear, dropout and embedding; the normalisations and distances are in
functional_norms.py, the convolutions and pools in functional_layers.py, the losses in functional_losses.py, all
importable from here.
"""

import warnings

from aino.backend import INT64, array_module, waits_for_device
from aino.functional import linear as fused_linear
from aino.functional import one_hot as one_hot_rows
from aino.functional import where
from aino.nn import checks
from aino.nn.attention import scaled_dot_product_attention
from aino.nn.embedding import Lookup
from aino.nn.functional_layers import (  # noqa: F401  (F.conv2d, F.max_pool2d, ...)
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    check_shape,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
    tensor_or_none,
)
from aino.nn.functional_losses import (  # noqa: F401  (F.cross_entropy, F.mse_loss, ...)
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from aino.nn.functional_norms import (  # noqa: F401  (F.layer_norm, F.normalize, ...)
    batch_norm,
    cosine_similarity,
    group_norm,
    instance_norm,
    layer_norm,
    normalize,
    pairwise_distance,
)
from aino.ops.resample import interpolate as resample
from aino.ops.shape import pad as pad_tensor
from aino.tensor import get_rng
from aino.validation import check_bool, check_dim, check_int, check_real


def _input(owner, value, name="input", kinds="f"):
    """`value` as a Tensor of the dtype kinds `kinds` (an array becomes one), refused in `owner`'s words."""
    return checks.tensor_input(owner, value, name, kinds)


# --- activations ---------------------------------------------------------------------------------


def relu(input, inplace=False):
    """max(0, x), elementwise; integer tensors too (as PyTorch). `inplace` is accepted, and a new tensor returned."""
    return _input("F.relu", input, kinds="iuf").relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x."""
    return _input("F.leaky_relu", input).leaky_relu(check_real(negative_slope, "negative_slope", "F.leaky_relu"))


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _input("F.elu", input).elu(check_real(alpha, "alpha", "F.elu"))


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants (scale 1.0507, alpha 1.6733)."""
    return _input("F.selu", input).selu()


def celu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x / alpha) - 1), written as alpha * elu(x / alpha)."""
    alpha = check_real(alpha, "alpha", "F.celu")
    if alpha == 0:
        raise ValueError("F.celu: alpha must be a finite number other than 0 (x / alpha), got 0")
    return (_input("F.celu", input) / alpha).elu() * alpha


def gelu(input, approximate="none"):
    """x * Phi(x) (approximate="none") or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3))) ("tanh")."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"F.gelu: approximate must be 'none' or 'tanh', got {approximate!r:.60}")
    return _input("F.gelu", input).gelu(approximate)


def silu(input, inplace=False):
    """x * sigmoid(x) (the swish)."""
    return _input("F.silu", input).silu()


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _input("F.mish", input).mish()


def sigmoid(input):
    """1 / (1 + exp(-x)); an integer tensor gives float32, as PyTorch."""
    return _input("F.sigmoid", input, kinds="iuf").sigmoid()


def tanh(input):
    """tanh(x); an integer tensor gives float32, as PyTorch."""
    return _input("F.tanh", input, kinds="iuf").tanh()


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    x = _input("F.softplus", input)
    beta, threshold = check_real(beta, "beta", "F.softplus"), check_real(threshold, "threshold", "F.softplus")
    if beta == 0:
        raise ValueError("F.softplus: beta must be a finite number other than 0 (it divides), got 0")
    smooth = x.softplus() if beta == 1 else (x * beta).softplus() / beta
    return where(x * beta > threshold, x, smooth)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), finite for large |x|."""
    return _input("F.logsigmoid", input).logsigmoid()


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """min_val below min_val, max_val above max_val, x between (gradient 1 strictly between)."""
    min_val, max_val = check_real(min_val, "min_val", "F.hardtanh"), check_real(max_val, "max_val", "F.hardtanh")
    if min_val > max_val:
        raise ValueError(f"F.hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    return _input("F.hardtanh", input).hardtanh(min_val, max_val)


def relu6(input, inplace=False):
    """min(max(0, x), 6) = hardtanh(x, 0, 6)."""
    return _input("F.relu6", input).relu6()


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return _input("F.hardsigmoid", input).hardsigmoid()


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 = x * hardsigmoid(x)."""
    return _input("F.hardswish", input).hardswish()


def softsign(input):
    """x / (1 + |x|), composed of those ops; an integer tensor gives float32, as PyTorch."""
    x = _input("F.softsign", input, kinds="iuf")
    return x / (x.abs() + 1)


def tanhshrink(input):
    """x - tanh(x), composed of those ops; an integer tensor gives float32, as PyTorch."""
    x = _input("F.tanhshrink", input, kinds="iuf")
    return x - x.tanh()


# --- softmax along a dim -------------------------------------------------------------------------


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along `dim` (computed in `dtype` when given)."""
    x, dim = _softmax_input("F.softmax", input, dim, dtype)
    return x.softmax(dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x_i - log sum_j exp(x_j) along `dim`, computed stably."""
    x, dim = _softmax_input("F.log_softmax", input, dim, dtype)
    return x.log_softmax(dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along `dim`: the smallest value gets the largest weight."""
    x, dim = _softmax_input("F.softmin", input, dim, dtype)
    return x.softmin(dim)


def _softmax_input(owner, input, dim, dtype):
    """(x, dim): x cast to dtype first (as PyTorch), the dim checked; dim=None picks PyTorch's implicit dim
    (0 for 0-, 1- and 3-d inputs, else 1) with its warning."""
    x = _input(owner, input, kinds="f" if dtype is None else "iuf")  # an integer tensor needs a float dtype=
    if dtype is not None:
        x = x.astype(checks.float_dtype(dtype, owner))
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1
        warnings.warn(f"{owner}: implicit dimension choice (dim={dim}) is deprecated, as in PyTorch; pass dim",
                      UserWarning, stacklevel=3)
    return x, check_dim(dim, x.ndim, owner)


# --- linear maps ---------------------------------------------------------------------------------


def linear(input, weight, bias=None):
    """x @ weight.T + bias, weight shaped (out_features, in_features) (a 1-D weight (in,) gives x @ weight)."""
    x, weight = _input("F.linear", input), _input("F.linear", weight, "weight")
    if weight.ndim not in (1, 2) or x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(f"F.linear: expected input (*, in_features) and weight (out_features, in_features), got "
                         f"input of shape {tuple(x.shape)} and weight of shape {tuple(weight.shape)}")
    bias = tensor_or_none("F.linear", bias, "bias")
    check_shape("F.linear", bias, weight.shape[:1] if weight.ndim == 2 else (), "bias")
    return fused_linear(x, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_k = sum_ij x1_i W_kij x2_j + b_k, weight shaped (out, in1, in2), composed of two matrix products."""
    x1, x2 = _input("F.bilinear", input1, "input1"), _input("F.bilinear", input2, "input2")
    weight = _input("F.bilinear", weight, "weight")
    if (weight.ndim != 3 or x1.ndim == 0 or x1.shape[:-1] != x2.shape[:-1]
            or (x1.shape[-1], x2.shape[-1]) != weight.shape[1:]):
        raise ValueError(f"F.bilinear: expected input1 (*, in1), input2 (*, in2) and weight (out, in1, in2), got "
                         f"shapes {tuple(x1.shape)}, {tuple(x2.shape)} and {tuple(weight.shape)}")
    bias = tensor_or_none("F.bilinear", bias, "bias")
    check_shape("F.bilinear", bias, weight.shape[:1], "bias")
    lead = x1.shape[:-1]
    rows = x1.reshape(*lead, 1, 1, x1.shape[-1]) @ weight  # (*, out, 1, in2): x1^T W_k for every k
    y = (rows @ x2.reshape(*lead, 1, x2.shape[-1], 1)).reshape(*lead, weight.shape[0])  # (*, out)
    return y if bias is None else y + bias


# --- dropout -------------------------------------------------------------------------------------


def dropout(input, p=0.5, training=True, inplace=False):
    """In training, each element zeroed with probability p and the rest scaled by 1 / (1 - p); else x itself."""
    x = _input("F.dropout", input)
    return _drop("F.dropout", x, p, training, x.shape)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Whole channels zeroed with probability p: (N, C, L) or (C, L), each (n, c) row kept or dropped together."""
    x = _channel_input("F.dropout1d", input, (2, 3))
    return _drop("F.dropout1d", x, p, training, x.shape[:-1] + (1,))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Whole channels zeroed with probability p: (N, C, H, W); a 3-d input is taken as (N, C, L), as PyTorch does."""
    x = _channel_input("F.dropout2d", input, (3, 4))
    return _drop("F.dropout2d", x, p, training, x.shape[:2] + (1,) * (x.ndim - 2))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Whole channels zeroed with probability p: (N, C, D, H, W) or (C, D, H, W)."""
    x = _channel_input("F.dropout3d", input, (4, 5))
    return _drop("F.dropout3d", x, p, training, x.shape[:-3] + (1, 1, 1))


def _channel_input(owner, input, ndims):
    x = _input(owner, input)
    if x.ndim not in ndims:
        raise ValueError(f"{owner}: expected a {ndims[0]}-d or {ndims[1]}-d input, got shape {tuple(x.shape)}")
    return x


def _drop(owner, x, p, training, mask_shape):
    """x * keep / (1 - p), keep drawn once per element of mask_shape (broadcast over the rest) from aino's rng."""
    p = checks.probability(p, "p (the probability of an element to be zeroed)", owner)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = get_rng().random(mask_shape) >= p
    return x * (x.xp.asarray(keep, dtype=x.dtype) / x.dtype.type(1 - p))


# --- embedding and one-hot rows ------------------------------------------------------------------


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """weight[input]: each integer index picks a row of weight (num_embeddings, embedding_dim); the row
    padding_idx gets no gradient."""
    owner = "F.embedding"
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise ValueError(f"{owner}: max_norm, scale_grad_by_freq and sparse are not supported; expected their defaults")
    weight = _input(owner, weight, "weight")
    if weight.ndim != 2:
        raise ValueError(f"{owner}: expected weight of shape (num_embeddings, embedding_dim), got {tuple(weight.shape)}")
    rows = weight.shape[0]
    if padding_idx is not None:
        padding_idx = check_int(padding_idx, "padding_idx", owner, minimum=-rows, maximum=rows - 1) % rows
    index = _indices(owner, input).data
    module = array_module(index)
    if waits_for_device(module):  # indices on a GPU are checked there, as nn.Embedding does: asking would wait
        outside = (index < 0) | (index >= rows)  # every step; the row of an index outside the table is NaN
        return Lookup.apply(weight, indices=module.where(outside, 0, index), padding_idx=padding_idx,
                            out_of_range=outside)
    low, high = (int(index.min()), int(index.max())) if index.size else (0, 0)
    if low < 0 or high >= rows:
        raise ValueError(f"{owner}: expected indices in [0, {rows}), got values from {low} to {high}")
    return Lookup.apply(weight, indices=weight.xp.asarray(index), padding_idx=padding_idx)


def one_hot(tensor, num_classes=-1):
    """Each int64 class index as a row of the identity matrix, int64 as PyTorch's (num_classes=-1: max + 1)."""
    return one_hot_rows(_indices("F.one_hot", tensor), num_classes, INT64)


def _indices(owner, value):
    """`value` as a Tensor of integers (an array becomes one); a float or bool tensor is a TypeError."""
    indices = _input(owner, value, "the indices", kinds=None)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{owner}: expected integer indices (such as int64), got dtype {indices.dtype}")
    return indices


# --- padding and resampling ----------------------------------------------------------------------


def pad(input, pad, mode="constant", value=None):
    """x padded by `pad` = (left, right) for the last dim, then (left, right) for the one before, ...; a negative
    amount crops. Modes "constant" (with `value`, 0 by default), "reflect", "replicate", "circular"."""
    return pad_tensor(_input("F.pad", input, kinds=None), pad, mode, value)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """x (N, C, *S) resampled to `size` or by `scale_factor`: modes nearest, nearest-exact, area, linear (3-d),
    bilinear and bicubic (4-d), trilinear (5-d); align_corners for the interpolating modes."""
    if check_bool(antialias, "antialias", "F.interpolate"):
        raise ValueError("F.interpolate: antialias=True is not supported; expected False")
    return resample(_input("F.interpolate", input), size, scale_factor, mode, align_corners, recompute_scale_factor)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """interpolate under its old name, with PyTorch's deprecation warning."""
    warnings.warn("F.upsample is deprecated, as in PyTorch; use F.interpolate instead", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


__all__ = [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "batch_norm", "bilinear", "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "conv1d",
    "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "cosine_similarity",
    "cross_entropy", "dropout", "dropout1d", "dropout2d", "dropout3d", "elu", "embedding", "gelu", "group_norm",
    "hardsigmoid", "hardswish", "hardtanh", "huber_loss", "instance_norm", "interpolate", "kl_div", "l1_loss",
    "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid", "max_pool1d", "max_pool2d", "max_pool3d",
    "max_unpool1d", "max_unpool2d", "max_unpool3d", "mish", "mse_loss", "nll_loss", "normalize", "one_hot", "pad",
    "pairwise_distance", "relu", "relu6", "scaled_dot_product_attention", "selu", "sigmoid", "silu",
    "smooth_l1_loss", "softmax", "softmin", "softplus", "softsign", "tanh", "tanhshrink", "upsample",
]

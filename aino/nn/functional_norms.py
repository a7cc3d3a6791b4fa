"""The normalisations, norms and distances of aino.nn.functional: layer_norm, group_norm, batch_norm and
instance_norm call the fused ops of aino/ops/norm.py and aino/ops/batchnorm.py, normalize and cosine_similarity the
op of aino/ops/normalize.py; pairwise_distance is composed of differentiable Tensor ops, as PyTorch defines it."""

import numbers

import numpy

from aino.nn import checks
from aino.nn.functional_layers import check_shape, tensor_or_none
from aino.ops.batchnorm import BatchNorm
from aino.ops.norm import LayerNorm
from aino.ops.normalize import Normalize
from aino.tensor import Tensor
from aino.validation import check_bool, check_dim, check_int, check_real


def _input(owner, value, name="input"):
    """`value` as a float Tensor (an array becomes one), refused in `owner`'s words."""
    return checks.tensor_input(owner, value, name)


# --- normalisation -------------------------------------------------------------------------------


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias over the trailing axes `normalized_shape`."""
    owner = "F.layer_norm"
    x = _input(owner, input)
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    if not shape or len(shape) > x.ndim or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise ValueError(f"{owner}: expected input whose last axes are normalized_shape={shape}, got shape "
                         f"{tuple(x.shape)}")
    weight, bias = tensor_or_none(owner, weight, "weight"), tensor_or_none(owner, bias, "bias")
    check_shape(owner, weight, shape, "weight", " (normalized_shape)")
    check_shape(owner, bias, shape, "bias", " (normalized_shape)")
    eps = checks.positive(eps, "eps", owner)
    if weight is None:  # the op takes a bias only after a weight
        y = LayerNorm.apply(x, ndim=len(shape), eps=eps)
        return y if bias is None else y + bias
    params = [p for p in (weight, bias) if p is not None]
    return LayerNorm.apply(x, *params, ndim=len(shape), eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Each sample's channels split into num_groups groups, each normalised over its channels and positions,
    then weight and bias per channel: layer normalisation of the (N, groups, rest) view."""
    owner = "F.group_norm"
    x = _input(owner, input)
    groups = check_int(num_groups, "num_groups", owner, minimum=1)
    if x.ndim < 2 or x.shape[1] % groups:
        raise ValueError(f"{owner}: expected input (N, C, *) with C divisible by num_groups={groups}, got shape "
                         f"{tuple(x.shape)}")
    weight, bias = _channel_parameters(owner, x, weight, bias)
    y = LayerNorm.apply(x.reshape(x.shape[0], groups, -1), ndim=1, eps=checks.positive(eps, "eps", owner))
    return _channel_affine(y.reshape(*x.shape), weight, bias)  # (N, groups, C / groups * S) back to (N, C, *S)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Each channel of each sample normalised over its positions (batch_norm of the (1, N C, *S) view), then
    weight and bias per channel. With use_input_stats, running_mean and running_var (if given) move towards the
    samples' mean statistics, as PyTorch's; without, they are what normalises."""
    owner = "F.instance_norm"
    x = _input(owner, input)
    if x.ndim < 3:
        raise ValueError(f"{owner}: expected input of shape (N, C, *S) with a spatial axis, got {tuple(x.shape)}")
    n, c = x.shape[:2]
    weight, bias = _channel_parameters(owner, x, weight, bias)
    use_input_stats = check_bool(use_input_stats, "use_input_stats", owner)
    stats = _running_statistics(owner, c, running_mean, running_var, use_input_stats)
    if use_input_stats and x.data.size // max(n * c, 1) < 2:
        raise ValueError(f"{owner}: expected more than 1 spatial element per channel, got input of shape "
                         f"{tuple(x.shape)}")
    per_sample = [None if stat is None else x.xp.tile(stat, n) for stat in stats]  # (N C,): a copy per sample
    y = BatchNorm.apply(x.reshape(1, n * c, *x.shape[2:]), training=use_input_stats, running_mean=per_sample[0],
                        running_var=per_sample[1], momentum=checks.probability(momentum, "momentum", owner),
                        eps=checks.positive(eps, "eps", owner))
    if use_input_stats:
        for stat, copies in zip(stats, per_sample):
            if stat is not None:
                stat[...] = copies.reshape(n, c).mean(axis=0)
    return _channel_affine(y.reshape(*x.shape), weight, bias)


def _channel_parameters(owner, x, weight, bias):
    """(weight, bias), each None or a Tensor of shape (C,) for x (N, C, *S)."""
    weight, bias = tensor_or_none(owner, weight, "weight"), tensor_or_none(owner, bias, "bias")
    check_shape(owner, weight, (x.shape[1],), "weight", ", one per channel")
    check_shape(owner, bias, (x.shape[1],), "bias", ", one per channel")
    return weight, bias


def _channel_affine(y, weight, bias):
    """y * weight + bias, each (C,) broadcast along axis 1 of y (N, C, *S); None leaves it out."""
    channels = (1, y.shape[1]) + (1,) * (y.ndim - 2)
    y = y if weight is None else y * weight.reshape(*channels)
    return y if bias is None else y + bias.reshape(*channels)


def _running_statistics(owner, channels, running_mean, running_var, training):
    """[running_mean, running_var] as arrays (None where not given), each of shape (channels,); both are needed
    where they normalise (not training)."""
    stats = []
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        check_shape(owner, stat, (channels,), name, ", one per channel")
        stats.append(None if stat is None else checks.as_array(stat))
    if not training and any(stat is None for stat in stats):
        raise ValueError(f"{owner}: normalising with the running statistics needs running_mean and running_var, "
                         f"got None")
    return stats


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """(x - mean) / sqrt(var + eps) * weight + bias per channel (axis 1). training=True uses the batch's
    statistics and moves running_mean and running_var (if given) towards them in place; training=False
    uses running_mean and running_var."""
    owner = "F.batch_norm"
    x = _input(owner, input)
    if x.ndim < 2:
        raise ValueError(f"{owner}: expected input of shape (N, C, *), got {tuple(x.shape)}")
    c = x.shape[1]
    training = bool(training)
    stats = _running_statistics(owner, c, running_mean, running_var, training)
    if training and x.data.size // max(c, 1) < 2:
        raise ValueError(f"{owner}: expected more than 1 value per channel when training, got input of shape "
                         f"{tuple(x.shape)}")
    weight, bias = _channel_parameters(owner, x, weight, bias)
    if weight is None and bias is not None:  # the op takes a bias only after a weight
        weight = Tensor(x.xp.ones(c, dtype=x.dtype))
    params = [p for p in (weight, bias) if p is not None]
    momentum = checks.probability(momentum, "momentum", owner)
    return BatchNorm.apply(x, *params, training=training, running_mean=stats[0], running_var=stats[1],
                           momentum=momentum, eps=checks.positive(eps, "eps", owner))


# --- norms, similarity and distance --------------------------------------------------------------


def _norm(owner, x, p, dim, keepdim, eps):
    """max(||x||_p along dim, eps), written as max(sum |x|^p, eps^p)^(1/p) so a zero vector has a finite gradient."""
    p = check_real(p, "p", owner)
    if p <= 0:
        raise ValueError(f"{owner}: p must be a finite number > 0, got {p}")
    dim = check_dim(dim, x.ndim, owner)
    powered = x * x if p == 2 else x.abs() ** p
    return powered.sum(dim=dim, keepdim=keepdim).clip(min=eps**p) ** (1 / p)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along dim."""
    if out is not None:
        raise ValueError("F.normalize: out= is not supported; expected None (use the result)")
    return _unit(_input("F.normalize", input), p, dim, eps, "F.normalize")


def _unit(x, p, dim, eps, owner):
    """x / max(||x||_p, eps) along dim: the fused op of aino/ops/normalize.py, its arguments checked."""
    p = check_real(p, "p", owner)
    if p <= 0:
        raise ValueError(f"{owner}: p must be a finite number > 0, got {p}")
    eps = check_real(eps, "eps", owner, minimum=0.0)
    return Normalize.apply(x, p=float(p), axis=check_dim(dim, x.ndim, owner), eps=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) along dim, x1 and x2 broadcast together."""
    owner = "F.cosine_similarity"
    x1, x2 = _input(owner, x1, "x1"), _input(owner, x2, "x2")
    x1, x2 = _broadcast_pair(owner, x1, x2)
    x1_unit, x2_unit = _unit(x1, 2, dim, eps, owner), _unit(x2, 2, dim, eps, owner)
    return (x1_unit * x2_unit).sum(dim=check_dim(dim, x1.ndim, owner))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dim, x1 and x2 broadcast together."""
    owner = "F.pairwise_distance"
    x1, x2 = _input(owner, x1, "x1"), _input(owner, x2, "x2")
    x1, x2 = _broadcast_pair(owner, x1, x2)
    difference = x1 - x2 + check_real(eps, "eps", owner)
    return _norm(owner, difference, p, -1, bool(keepdim), 0.0)


def _broadcast_pair(owner, x1, x2):
    """x1 and x2 expanded to their common shape; shapes that do not broadcast are refused by name."""
    try:
        shape = tuple(numpy.broadcast_shapes(x1.shape, x2.shape))
    except ValueError:
        raise ValueError(f"{owner}: expected x1 and x2 of shapes that broadcast together, got {tuple(x1.shape)} and "
                         f"{tuple(x2.shape)}") from None
    return tuple(t if tuple(t.shape) == shape else t.expand(*shape) for t in (x1, x2))

"""Weight initialisation: the random start of a layer, drawn from aino's seeded generator.

`fan_in` is the number of inputs that feed one output, `fan_out` the number of outputs one input feeds. For a
weight of shape (out, in, k1, k2, ...) (Linear's (out, in), a convolution's (out, in / groups, kernel...)),
fan_in = in * k1 * k2 * ... and fan_out = out * k1 * k2 * ..., as PyTorch counts them.

Two kinds of function live here: the array makers the layers call (initial_weight, uniform, normal), and
PyTorch's in-place initialisers `nn.init.*_` (xavier_uniform_, kaiming_normal_, zeros_, ...), which write new
values into a tensor's data under no gradient and return the tensor.
"""

import math

import numpy

from aino.tensor import get_rng, no_grad

_LINEAR_GAIN = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                "conv_transpose3d", "sigmoid")
_GAINS = {**dict.fromkeys(_LINEAR_GAIN, 1.0), "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 0.75}


def uniform(shape, bound, dtype):
    """U(-bound, bound) samples of `shape`, as a NumPy array of `dtype`."""
    return get_rng().uniform(-bound, bound, size=shape).astype(dtype)


def normal(shape, std, dtype):
    """N(0, std**2) samples of `shape`, as a NumPy array of `dtype`."""
    return (get_rng().standard_normal(size=shape) * std).astype(dtype)


def initial_weight(shape, fan_in, fan_out, method, dtype, owner="initial_weight"):
    """A weight array drawn by `method`:

    "pytorch"       U(-1/sqrt(fan_in), 1/sqrt(fan_in))         (PyTorch's default for Linear and Conv)
    "xavier"        U(-a, a), a = sqrt(6 / (fan_in + fan_out)) (Glorot; also "glorot")
    "xavier_normal" N(0, 2 / (fan_in + fan_out))
    "he"            U(-a, a), a = sqrt(6 / fan_in)             (Kaiming, for ReLU; also "kaiming")
    "he_normal"     N(0, 2 / fan_in)
    "lecun"         N(0, 1 / fan_in)
    "zeros"         all 0

    An unknown method is a ValueError naming `owner`, the layer that was given it.
    """
    if not isinstance(method, str):
        raise TypeError(f"{owner}: initialization must be a name such as 'xavier', got {type(method).__name__}")
    method = {"glorot": "xavier", "kaiming": "he", "xavier_uniform": "xavier", "he_uniform": "he"}.get(method, method)
    if method == "pytorch":
        return uniform(shape, 1 / math.sqrt(fan_in), dtype)
    if method == "xavier":
        return uniform(shape, math.sqrt(6 / (fan_in + fan_out)), dtype)
    if method == "xavier_normal":
        return normal(shape, math.sqrt(2 / (fan_in + fan_out)), dtype)
    if method == "he":
        return uniform(shape, math.sqrt(6 / fan_in), dtype)
    if method == "he_normal":
        return normal(shape, math.sqrt(2 / fan_in), dtype)
    if method == "lecun":
        return normal(shape, math.sqrt(1 / fan_in), dtype)
    if method == "zeros":
        return uniform(shape, 0.0, dtype)
    raise ValueError(
        f"{owner}: unknown initialization {method!r}; expected one of pytorch, xavier, xavier_normal, he, he_normal, lecun, zeros"
    )


def calculate_gain(nonlinearity, param=None):
    """The factor by which an activation shrinks or grows the spread of its input, as PyTorch's: 1 for linear,
    convolutions and sigmoid, 5/3 for tanh, sqrt(2) for relu, 3/4 for selu, sqrt(2 / (1 + slope**2)) for
    leaky_relu (slope = param, default 0.01)."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if not isinstance(nonlinearity, str) or nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of "
                         f"{sorted([*_GAINS, 'leaky_relu'])}")
    return _GAINS[nonlinearity]


# --- PyTorch's in-place initialisers ---------------------------------------------------------------------


def _fill(tensor, values, owner):
    """Write `values` (a NumPy array of the tensor's shape) into `tensor` in place, on its device; returns it."""
    if not hasattr(tensor, "data") or not hasattr(tensor, "xp"):
        raise TypeError(f"nn.init.{owner}: expected a Tensor or Parameter, got {type(tensor).__name__}")
    with no_grad():
        tensor.data[...] = tensor.xp.asarray(values, dtype=tensor.dtype)
    return tensor


def _calculate_fan_in_and_fan_out(tensor, owner="fan"):
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel): (in * prod(kernel), out * prod(kernel))."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"nn.init.{owner}: fan in and fan out need a tensor of at least 2 dimensions, "
                         f"got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor, mode, owner):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"nn.init.{owner}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, owner)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with U(a, b) samples."""
    return _fill(tensor, get_rng().uniform(a, b, size=tuple(tensor.shape)), "uniform_")


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with N(mean, std**2) samples."""
    return _fill(tensor, mean + std * get_rng().standard_normal(size=tuple(tensor.shape)), "normal_")


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Fill with N(mean, std**2) samples kept inside [a, b] (redrawn until they fall there)."""
    if not a < b:
        raise ValueError(f"nn.init.trunc_normal_: expected a < b, got a={a}, b={b}")
    rng, values = get_rng(), numpy.full(tuple(tensor.shape), numpy.nan)
    outside = numpy.ones(values.shape, dtype=bool)
    while outside.any():
        values[outside] = mean + std * rng.standard_normal(size=int(outside.sum()))
        outside = (values < a) | (values > b)
    return _fill(tensor, values, "trunc_normal_")


def constant_(tensor, val):
    """Fill with the number `val`."""
    return _fill(tensor, numpy.full(tuple(tensor.shape), val), "constant_")


def ones_(tensor):
    """Fill with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill with 0."""
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere)."""
    if tensor.ndim != 2:
        raise ValueError(f"nn.init.eye_: expected a 2-D tensor, got shape {tuple(tensor.shape)}")
    return _fill(tensor, numpy.eye(*tensor.shape), "eye_")


def xavier_uniform_(tensor, gain=1.0):
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, get_rng().uniform(-bound, bound, size=tuple(tensor.shape)), "xavier_uniform_")


def xavier_normal_(tensor, gain=1.0):
    """Glorot: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a) and fan
    the fan_in or fan_out (`mode`)."""
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return _fill(tensor, get_rng().uniform(-bound, bound, size=tuple(tensor.shape)), "kaiming_uniform_")


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He: N(0, std**2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    fan = _fan(tensor, mode, "kaiming_normal_")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def orthogonal_(tensor, gain=1.0):
    """A (semi-)orthogonal matrix times `gain`: the tensor seen as (rows, numel / rows) gets orthonormal rows or
    columns, from the QR decomposition of a normal sample (signs fixed by R's diagonal so it is uniform)."""
    if tensor.ndim < 2:
        raise ValueError(f"nn.init.orthogonal_: expected a tensor of at least 2 dimensions, "
                         f"got shape {tuple(tensor.shape)}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows if rows else 0
    sample = get_rng().standard_normal(size=(rows, cols))
    tall = sample if rows >= cols else sample.T
    q, r = numpy.linalg.qr(tall)
    q = q * numpy.sign(numpy.diag(r))
    q = q if rows >= cols else q.T
    return _fill(tensor, gain * q.reshape(tuple(tensor.shape)), "orthogonal_")

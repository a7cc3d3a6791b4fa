"""Weight initialisation: the random start of a layer, drawn from aino's seeded generator.

`fan_in` is the number of inputs that feed one output, `fan_out` the number of outputs one input feeds.
"""

import math

from aino.tensor import get_rng

_GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 0.75}


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


def calculate_gain(nonlinearity):
    """The factor by which an activation shrinks or grows the spread of its input (as PyTorch's)."""
    if not isinstance(nonlinearity, str) or nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; expected one of {sorted(_GAINS)}")
    return _GAINS[nonlinearity]

"""Activation functions and their derivatives, written by hand; both paths use them.

Each activation is a small object: `f(z)` is the function, `df(z)` its derivative, and
`backprop(z, grad)` turns the gradient with respect to the output a = f(z) into the gradient with
respect to z (the chain rule: dL/dz = dL/da * da/dz). Softmax couples its inputs, so its `df(z, v)`
is the Jacobian-vector product instead of an elementwise derivative.

Where the derivative is cheapest written in the output a (tanh, sigmoid, relu, softmax), the
activation has `df_from_output(a)` and its `df(z)` is `df_from_output(f(z))`: the ops of aino/ops,
which keep a from their forward pass, call it too, so each formula is written once, here.

Every formula is arranged to stay finite for large |z| (no overflow, no NaN).
"""

import inspect
import math

import numpy

from aino.backend import array_module
from aino.special import erf
from aino.validation import check_real

NOT_GIVEN = object()  # the default of an optional other name for a parameter (LeakyReLU's alpha)


class Activation:
    """Base class: an elementwise function a = f(z) with derivative df(z)."""

    name = "activation"

    def f(self, z):
        raise NotImplementedError

    def df(self, z):
        """f'(z); by default from the output, df_from_output(f(z)), for the activations that define it."""
        return self.df_from_output(self.f(z))

    def df_from_output(self, a):
        """f'(z) written in the output a = f(z), for an activation where that is the cheaper form (the
        ops keep a from forward, so their backward need not compute f again)."""
        raise NotImplementedError

    def backprop(self, z, grad):
        """dL/dz = dL/da * f'(z), elementwise."""
        return grad * self.df(z)

    def config(self):
        """The name and options that rebuild this activation with `get_activation`."""
        return {"name": self.name, **self.options()}

    def options(self):
        """Constructor options, e.g. {"alpha": 1.0}; none for most activations."""
        return {}

    def __call__(self, z):
        """f(z) for an array (or a list) of real numbers (integers count as floats); anything else is
        refused by name. (The ops call `f` directly, on arrays they have already checked.)"""
        array = z if hasattr(z, "dtype") else numpy.asarray(z)
        if array.dtype.kind not in "iuf":
            raise TypeError(f"{self!r}: expected an array of real numbers, got {type(z).__name__} of {array.dtype}")
        return self.f(array if array.dtype.kind == "f" else array.astype(numpy.float64))

    def __repr__(self):
        options = ", ".join(f"{key}={value}" for key, value in self.options().items())
        return f"{type(self).__name__}({options})"


class Identity(Activation):
    """f(z) = z; f'(z) = 1."""

    name = "identity"

    def f(self, z):
        return z

    def df(self, z):
        return array_module(z).ones_like(z)


class Sigmoid(Activation):
    """f(z) = 1 / (1 + exp(-z)); f'(z) = a * (1 - a) with a = f(z)."""

    name = "sigmoid"

    def f(self, z):
        xp = array_module(z)
        e = xp.exp(-xp.abs(z))  # never overflows: exp of a non-positive number
        return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))

    def df_from_output(self, a):
        """f'(z) = a * (1 - a), a = sigmoid(z)."""
        return a * (1 - a)


class Tanh(Activation):
    """f(z) = tanh(z); f'(z) = 1 - a**2 with a = tanh(z)."""

    name = "tanh"

    def f(self, z):
        return array_module(z).tanh(z)

    def df_from_output(self, a):
        """f'(z) = 1 - a**2, a = tanh(z)."""
        return 1 - a * a


class ReLU(Activation):
    """f(z) = max(0, z); f'(z) = 1 if z > 0 else 0, that is 1 where a = f(z) > 0."""

    name = "relu"

    def f(self, z):
        return array_module(z).maximum(z, 0)

    def df(self, z):
        return self.df_from_output(self.f(z)).astype(z.dtype)

    def df_from_output(self, a):
        """f'(z) = 1 where a > 0, else 0, as booleans (they multiply as 1 and 0, with no conversion pass)."""
        return a > 0


class LeakyReLU(Activation):
    """f(z) = z if z > 0 else negative_slope * z; f'(z) = 1 if z > 0 else negative_slope.

    `alpha` is another name for negative_slope (reference document 004's, and the key that .dit files
    saved before negative_slope was the one name hold); give either. `LeakyReLU(alpha=0.2).alpha` reads it back.
    """

    name = "leaky_relu"
    DEFAULT_SLOPE = 0.01

    def __init__(self, negative_slope=DEFAULT_SLOPE, *, alpha=NOT_GIVEN):
        slope = check_real(negative_slope, "negative_slope (the slope for z < 0)", "LeakyReLU")
        if alpha is not NOT_GIVEN:
            other = check_real(alpha, "alpha (the slope for z < 0)", "LeakyReLU")
            if slope not in (self.DEFAULT_SLOPE, other):  # negative_slope given too, and different
                raise ValueError(f"LeakyReLU: give negative_slope or alpha (its other name), not both "
                                 f"(got negative_slope={slope}, alpha={other})")
            slope = other
        self.negative_slope = slope

    @property
    def alpha(self):
        """negative_slope under its other name."""
        return self.negative_slope

    def f(self, z):
        return array_module(z).where(z > 0, z, self.negative_slope * z)

    def df(self, z):
        return array_module(z).where(z > 0, 1.0, self.negative_slope).astype(z.dtype)

    def options(self):
        return {"negative_slope": self.negative_slope}  # what .dit files and trace metas store


class ELU(Activation):
    """f(z) = z if z > 0 else alpha * (exp(z) - 1); f'(z) = 1 if z > 0 else alpha * exp(z)."""

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = check_real(alpha, "alpha", type(self).__name__)

    def f(self, z):
        xp = array_module(z)
        return xp.where(z > 0, z, self.alpha * xp.expm1(xp.minimum(z, 0)))

    def df(self, z):
        xp = array_module(z)
        return xp.where(z > 0, 1.0, self.alpha * xp.exp(xp.minimum(z, 0))).astype(z.dtype)

    def options(self):
        return {"alpha": self.alpha}


class SELU(ELU):
    """f(z) = scale * elu(z, alpha), with alpha = 1.6733 and scale = 1.0507 (self-normalising)."""

    name = "selu"
    SCALE = 1.0507009873554804934193349852946
    ALPHA = 1.6732632423543772848170429916717

    def __init__(self):
        super().__init__(alpha=self.ALPHA)

    def f(self, z):
        return self.SCALE * super().f(z)

    def df(self, z):
        return self.SCALE * super().df(z)

    def options(self):
        return {}


class GELU(Activation):
    """f(z) = z * Phi(z), Phi(z) = (1 + erf(z / sqrt(2))) / 2; f'(z) = Phi(z) + z * phi(z).

    erf works in float64; the results are given back in z's dtype.
    """

    name = "gelu"

    def f(self, z):
        return (z * _normal_cdf(z)).astype(z.dtype, copy=False)

    def df(self, z):
        xp = array_module(z)
        pdf = xp.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return (_normal_cdf(z) + z * pdf).astype(z.dtype, copy=False)


class Softplus(Activation):
    """f(z) = log(1 + exp(z)); f'(z) = sigmoid(z)."""

    name = "softplus"

    def f(self, z):
        xp = array_module(z)
        return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))  # = log(1 + e^z), overflow-free

    def df(self, z):
        return Sigmoid().f(z)


class SiLU(Activation):
    """f(z) = z * sigmoid(z) (also called swish); f'(z) = s * (1 + z * (1 - s)) with s = sigmoid(z)."""

    name = "silu"

    def f(self, z):
        return z * Sigmoid().f(z)

    def df(self, z):
        s = Sigmoid().f(z)
        return s * (1 + z * (1 - s))


class Hardtanh(Activation):
    """f(z) = min(max(z, min_val), max_val); f'(z) = 1 where min_val < z < max_val, else 0 (as PyTorch)."""

    name = "hardtanh"

    def __init__(self, min_val=-1.0, max_val=1.0):
        self.min_val = check_real(min_val, "min_val", type(self).__name__)
        self.max_val = check_real(max_val, "max_val", type(self).__name__)
        if self.min_val > self.max_val:
            raise ValueError(f"{type(self).__name__}: min_val must not exceed max_val, "
                             f"got min_val={self.min_val}, max_val={self.max_val}")

    def f(self, z):
        return array_module(z).clip(z, self.min_val, self.max_val).astype(z.dtype, copy=False)  # ints stay ints

    def df(self, z):
        return ((z > self.min_val) & (z < self.max_val)).astype(z.dtype)

    def options(self):
        return {"min_val": self.min_val, "max_val": self.max_val}


class ReLU6(Hardtanh):
    """f(z) = min(max(z, 0), 6); f'(z) = 1 where 0 < z < 6, else 0."""

    name = "relu6"

    def __init__(self):
        super().__init__(0.0, 6.0)

    def options(self):
        return {}


class Mish(Activation):
    """f(z) = z * tanh(softplus(z)); f'(z) = t + z * sigmoid(z) * (1 - t**2) with t = tanh(softplus(z))."""

    name = "mish"

    def f(self, z):
        return z * array_module(z).tanh(Softplus().f(z))

    def df(self, z):
        t = array_module(z).tanh(Softplus().f(z))
        return t + z * Sigmoid().f(z) * (1 - t * t)


class Softmax(Activation):
    """f(z)_i = exp(z_i) / sum_j exp(z_j) over the last axis; df(z, v) = s * (v - sum(v * s)), s = f(z).

    The Jacobian ds_i/dz_j = s_i * (delta_ij - s_j) is symmetric, so the same product serves
    forward-mode (J v) and backprop (J^T v). `f` and `df_from_output` work along `axis`, the last by default.
    """

    name = "softmax"

    def f(self, z, axis=-1):
        xp = array_module(z)
        if z.size == 0:  # an empty axis (or batch): an empty result, as PyTorch gives
            return xp.zeros_like(z)
        e = xp.exp(z - z.max(axis=axis, keepdims=True))  # shifting by the max avoids overflow
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def df(self, z, v):
        return self.df_from_output(self.f(z), v)

    def df_from_output(self, s, v, axis=-1):
        """J v = s * (v - sum(v * s)) from the output s = f(z), summing along `axis`."""
        return s * (v - (v * s).sum(axis=axis, keepdims=True))

    def backprop(self, z, grad):
        """dL/dz = J^T dL/da, with J the softmax Jacobian."""
        return self.df(z, grad)


def _normal_cdf(z):
    """Phi(z) = (1 + erf(z / sqrt(2))) / 2, the standard normal distribution function."""
    return 0.5 * (1 + erf(z / math.sqrt(2)))


ACTIVATIONS = {
    cls.name: cls
    for cls in (Identity, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, SELU, GELU, Softplus, SiLU, Hardtanh, ReLU6, Mish,
                Softmax)
}
ALIASES = {"linear": "identity", "none": "identity", "leakyrelu": "leaky_relu", "logistic": "sigmoid", "swish": "silu"}


def get_activation(name, **options):
    """The activation called `name` ("relu", "sigmoid", ...); an Activation passes through.

    `options` go to the constructor, e.g. get_activation("leaky_relu", negative_slope=0.2); a dict such
    as {"name": "leaky_relu", "alpha": 0.2} (what `Activation.config()` gives) works too.
    """
    if isinstance(name, Activation):
        return name
    if isinstance(name, dict):
        options = {**name, **options}
        name = options.pop("name", None)
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name or an Activation, got {type(name).__name__}")
    key = ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    cls = ACTIVATIONS[key]
    try:
        inspect.signature(cls).bind(**options)
    except TypeError:
        takes = sorted(inspect.signature(cls).parameters) or "none"
        raise ValueError(f"activation {key!r} does not take the options {sorted(options)} (it takes {takes})") from None
    return cls(**options)  # the constructor checks the values (LeakyReLU(negative_slope="x") is a TypeError)

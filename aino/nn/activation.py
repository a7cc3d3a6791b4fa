"""Activation layers: each applies one elementwise (or softmax) op from aino/ops to its input.

They take PyTorch's arguments. The reference documents' spellings (`LeakyReLU(alpha=0.01)`,
`Softmax(axis=-1)`, `GELU(approximate=False)`, `device=`) are adapters in aino/nn/aliases.py, which
aino.nn exports under these names; `activation_kind` names the kind of either.
"""

from aino.nn import checks
from aino.nn.module import Module
from aino.functional import where
from aino.validation import check_dim, check_int, check_real


class ReLU(Module):
    """max(0, x)."""

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return checks.tensor_input(self, x, kinds="iuf").relu()  # as PyTorch, integers too


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def __init__(self):
        super().__init__()

    def forward(self, x):
        return checks.tensor_input(self, x).sigmoid()


class Tanh(Module):
    """tanh(x)."""

    def __init__(self):
        super().__init__()

    def forward(self, x):
        return checks.tensor_input(self, x).tanh()


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = check_real(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x):
        return checks.tensor_input(self, x).leaky_relu(self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = check_real(alpha, "alpha", "ELU")

    def forward(self, x):
        return checks.tensor_input(self, x).elu(self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class SELU(Module):
    """scale * elu(x, alpha) with PyTorch's self-normalising constants."""

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return checks.tensor_input(self, x).selu()


class GELU(Module):
    """x * Phi(x) (approximate="none") or its tanh approximation (approximate="tanh")."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return checks.tensor_input(self, x).gelu(self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta; x itself where beta * x > threshold (as PyTorch)."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = check_real(beta, "beta", "Softplus"), check_real(threshold, "threshold", "Softplus")
        if self.beta == 0:
            raise ValueError("Softplus: beta must be a finite number other than 0 (it divides), got 0")

    def forward(self, x):
        x = checks.tensor_input(self, x)
        smooth = x.softplus() if self.beta == 1 else (x * self.beta).softplus() / self.beta
        return where(x * self.beta > self.threshold, x, smooth)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """exp(x_i) / sum_j exp(x_j) along `dim`, the last axis when None (PyTorch guesses one and warns)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = -1 if dim is None else check_int(dim, "dim", type(self).__name__)

    def forward(self, x):
        return checks.tensor_input(self, x).softmax(self._checked_dim(x))

    def _checked_dim(self, x):
        """The dim, refused in this layer's words when x has no such axis."""
        return check_dim(self.dim, x.ndim, f"{type(self).__name__}(dim={self.dim})")

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x_i - log(sum_j exp(x_j)) along `dim`, computed stably."""

    def forward(self, x):
        return checks.tensor_input(self, x).log_softmax(self._checked_dim(x))


class Softmin(Softmax):
    """exp(-x_i) / sum_j exp(-x_j) along `dim`: softmax of -x."""

    def forward(self, x):
        return checks.tensor_input(self, x).softmin(self._checked_dim(x))


class Elementwise(Module):
    """Base of the activation layers with no options; `inplace` is taken, as PyTorch's, and changes nothing."""

    def __init__(self, inplace=False):
        super().__init__()


class SiLU(Elementwise):
    """x * sigmoid(x) (also called swish)."""

    def forward(self, x):
        return checks.tensor_input(self, x).silu()


class Mish(Elementwise):
    """x * tanh(softplus(x))."""

    def forward(self, x):
        return checks.tensor_input(self, x).mish()


class Hardsigmoid(Elementwise):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, a straight line between."""

    def forward(self, x):
        return checks.tensor_input(self, x).hardsigmoid()


class Hardswish(Elementwise):
    """x * relu6(x + 3) / 6."""

    def forward(self, x):
        return checks.tensor_input(self, x).hardswish()


class LogSigmoid(Module):
    """log(sigmoid(x)), computed as -softplus(-x) so it never overflows."""

    def __init__(self):
        super().__init__()

    def forward(self, x):
        return checks.tensor_input(self, x).logsigmoid()


class Hardtanh(Module):
    """x clamped to [min_val, max_val]."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val = check_real(min_val, "min_val", "Hardtanh")
        self.max_val = check_real(max_val, "max_val", "Hardtanh")
        if self.min_val > self.max_val:
            raise ValueError(f"{type(self).__name__}: min_val must not exceed max_val, "
                             f"got min_val={self.min_val}, max_val={self.max_val}")

    def forward(self, x):
        return checks.tensor_input(self, x).hardtanh(self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0)

    def forward(self, x):
        return checks.tensor_input(self, x).relu6()

    def extra_repr(self):
        return ""


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return checks.tensor_input(self, x, kinds=None)


ACTIVATION_MODULES = {
    "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU, "elu": ELU, "selu": SELU,
    "gelu": GELU, "softplus": Softplus, "softmax": Softmax, "log_softmax": LogSoftmax, "softmin": Softmin,
    "silu": SiLU, "mish": Mish, "hardsigmoid": Hardsigmoid, "hardswish": Hardswish, "logsigmoid": LogSigmoid,
    "hardtanh": Hardtanh, "relu6": ReLU6, "identity": Identity, "linear": Identity,
}


_KINDS = {module_class: kind for kind, module_class in reversed(ACTIVATION_MODULES.items())}  # Identity: "identity"


def activation_kind(module):
    """The ACTIVATION_MODULES name of `module`'s activation ("relu", "log_softmax", ...), or None: the first
    class in its lineage that is one of them (an adapter of aliases.py counts as its canonical class)."""
    return next((_KINDS[c] for c in type(module).__mro__ if c in _KINDS), None)

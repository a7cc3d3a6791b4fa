"""Fully connected layers: y = x @ W.T + b, optionally followed by an activation."""

from aino.nn import checks
from aino.nn.init import initial_weight
from aino.nn.module import Module
from aino.nn.parameter import Parameter
from aino.functional import linear
from aino.tensor import Tensor


class Linear(Module):
    """y = x @ W.T + b (one fused op) with weight W (out_features, in_features) and bias b (out_features,), as in PyTorch.

    `activation`, a layer such as ReLU(), is applied to the result; it may also be given in third place,
    Linear(3, 4, ReLU()), as in reference document 003. `initialization` picks the random start (see aino.nn.init).
    Those spellings stay on this class rather than in an adapter of aino/nn/aliases.py: aino builds Linear
    layers inside other layers, and `isinstance(layer, nn.Linear)` must hold for them too.
    """

    size_names = ("in_features", "out_features")  # the sizes' names in errors: the constructor's own

    def __init__(self, in_features, out_features, bias=True, activation=None, device=None, dtype=None,
                 initialization="pytorch"):
        super().__init__()
        if isinstance(bias, Module):  # Linear(3, 4, ReLU()): the third argument is the activation
            bias, activation = True, bias
        owner = type(self).__name__
        self.in_features = checks.size(in_features, self.size_names[0], owner)
        self.out_features = checks.size(out_features, self.size_names[1], owner)
        if activation is not None and not callable(activation):
            raise TypeError(f"{owner}: activation must be a layer such as ReLU() (or None), got {type(activation).__name__}")
        dtype = checks.float_dtype(dtype, owner)
        shape = (self.out_features, self.in_features)
        checks.check_elements(owner, shape, dtype)
        self.weight = Parameter(
            initial_weight(shape, self.in_features, self.out_features, initialization, dtype, owner), device=device
        )
        self.bias = Parameter(initial_weight((self.out_features,), self.in_features, 1, "pytorch", dtype), device=device) if bias else None
        self.activation = activation

    def forward(self, x):
        x = checks.tensor_input(self, x)
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"{self._name()} expected input with {self.in_features} features, got shape {tuple(x.shape)}"
            )
        y = linear(x, self.weight, self.bias)
        return self.activation(y) if self.activation is not None else y

    # document 003's manual style reads and zeroes these arrays directly
    grad_weights = property(lambda self: _grad_array(self.weight),
                            doc="dL/dW as an array (created as zeros if no backward has run yet).")
    grad_biases = property(lambda self: _grad_array(self.bias),
                           doc="dL/db as an array (created as zeros if no backward has run yet).")

    def _name(self):
        return f"{type(self).__name__}({self.in_features} -> {self.out_features})"

    def extra_repr(self):
        extra = "" if self.activation is None else f", activation={self.activation!r}"
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}{extra}"


def _grad_array(param):
    if param is None:
        return None
    if param.grad is None:
        param.grad = Tensor(param.xp.zeros_like(param.data))
    return param.grad.data

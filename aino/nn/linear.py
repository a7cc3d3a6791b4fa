"""Fully connected layers: y = x @ W.T + b, optionally followed by an activation."""

import numpy

from aino.nn import checks
from aino.nn.init import initial_weight
from aino.nn.module import Module
from aino.nn.parameter import Parameter
from aino.functional import linear


class Linear(Module):
    """y = x @ W.T + b (one fused op) with weight W (out_features, in_features) and bias b (out_features,), as in PyTorch.

    `initialization` picks the random start (see aino.nn.init). Document 003's spellings (an activation in
    third place, `grad_weights`) are the adapter aino.nn.Linear of aino/nn/aliases.py.
    """

    size_names = ("in_features", "out_features")  # the sizes' names in errors: the constructor's own

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, initialization="pytorch"):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(bias, (bool, numpy.bool_)):  # Linear(3, 4, "relu") must not mean bias=True
            raise TypeError(f"{owner}(in_features, out_features, bias=True, device=None, dtype=None): bias must be "
                            f"True or False, got {type(bias).__name__} {bias!r:.40}")
        self.in_features = checks.size(in_features, self.size_names[0], owner)
        self.out_features = checks.size(out_features, self.size_names[1], owner)
        dtype = checks.float_dtype(dtype, owner)
        shape = (self.out_features, self.in_features)
        checks.check_elements(owner, shape, dtype)
        self.weight = Parameter(
            initial_weight(shape, self.in_features, self.out_features, initialization, dtype, owner), device=device
        )
        self.bias = Parameter(initial_weight((self.out_features,), self.in_features, 1, "pytorch", dtype), device=device) if bias else None

    def forward(self, x):
        x = checks.tensor_input(self, x)
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"{self._name()} expected input with {self.in_features} features, got shape {tuple(x.shape)}"
            )
        return linear(x, self.weight, self.bias)

    def _name(self):
        return f"{type(self).__name__}({self.in_features} -> {self.out_features})"

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

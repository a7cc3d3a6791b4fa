"""Layer normalisation: each sample normalised over its last axes, then scaled and shifted (one fused op)."""

import numbers

import numpy

from aino.nn import checks
from aino.nn.module import Module
from aino.nn.parameter import Parameter
from aino.ops.norm import layer_norm


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased) var over the last len(normalized_shape) axes.

    weight starts at 1 and bias at 0, both shaped normalized_shape (as PyTorch); elementwise_affine=False
    leaves both out, bias=False only the bias.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        single = isinstance(normalized_shape, numbers.Integral) or not isinstance(normalized_shape, (tuple, list))
        shape = (normalized_shape,) if single else tuple(normalized_shape)
        if not shape:
            raise ValueError(f"LayerNorm: normalized_shape must be positive integers, at least one, got {normalized_shape!r}")
        self.normalized_shape = tuple(checks.size(n, "normalized_shape (each size)", "LayerNorm") for n in shape)
        self.eps, self.elementwise_affine = checks.positive(eps, "eps", "LayerNorm"), elementwise_affine
        dtype = checks.float_dtype(dtype, "LayerNorm")
        checks.check_elements("LayerNorm", self.normalized_shape, dtype)
        affine = elementwise_affine
        self.weight = Parameter(numpy.ones(self.normalized_shape, dtype), device=device) if affine else None
        self.bias = Parameter(numpy.zeros(self.normalized_shape, dtype), device=device) if affine and bias else None

    def forward(self, x):
        x = checks.tensor_input(self, x)
        n = len(self.normalized_shape)
        if tuple(x.shape[x.ndim - n:]) != self.normalized_shape or x.ndim < n:
            raise ValueError(
                f"{self._name()} expected input whose last axes are "
                f"{self.normalized_shape}, got shape {tuple(x.shape)}"
            )
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def _name(self):
        return f"{type(self).__name__}({self.normalized_shape})"

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"

"""Functions on tensors (cat, stack, where, linear, ...), the module-level spelling of the Tensor's ops."""

import numpy

from aino.ops import index as I
from aino.ops import matmul as M
from aino.ops import shape as S
from aino.tensor import FLOAT32, Tensor, _pair, _raw, _tensors


def tensor(data, requires_grad=False, dtype=None, device=None):
    """Tensor(data, ...) as a function, like torch.tensor."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def cat(tensors, axis=0, *, dim=None):
    """Tensors joined along an existing axis."""
    tensors = _promote(_tensors(tensors))
    return S.Concatenate.apply(*tensors, axis=axis if dim is None else dim)


concatenate = cat


def stack(tensors, axis=0, *, dim=None):
    """Tensors of one shape stacked along a new axis."""
    tensors = _promote(_tensors(tensors))
    return S.Stack.apply(*tensors, axis=axis if dim is None else dim)


def _promote(tensors):
    """Tensors cast to one dtype: the widest float among them, else the widest integer (as PyTorch)."""
    dtypes = [t.data.dtype for t in tensors]
    floats = [d for d in dtypes if d.kind in "fc"]
    dtype = numpy.result_type(*(floats or dtypes))
    return [t if t.data.dtype == dtype else t.astype(dtype) for t in tensors]


def where(condition, a, b):
    """a where condition holds, else b (elementwise, with broadcasting); differentiable in a and b."""
    condition = _raw(condition)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    a, b = _pair(a, b)
    return I.Where.apply(a, b, condition=a.xp.asarray(condition).astype(bool, copy=False))


def gather(input, dim, index):
    return input.gather(dim, index)


def matmul(a, b):
    return M.MatMul.apply(*_pair(a, b))


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one fused op (weight shaped (out, in)): the fast path of a dense layer."""
    if bias is None:
        return M.Linear.apply(x, weight)
    return M.Linear.apply(x, weight, bias)


def one_hot(indices, num_classes=-1, dtype=FLOAT32):
    return _tensors([indices])[0].one_hot(num_classes, dtype)


__all__ = ["cat", "concatenate", "gather", "linear", "matmul", "one_hot", "stack", "tensor", "where"]

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
    tensors = _promote(_sequence(tensors, "aino.cat"))
    return S.Concatenate.apply(*tensors, axis=axis if dim is None else dim)


concatenate = cat


def stack(tensors, axis=0, *, dim=None):
    """Tensors of one shape stacked along a new axis."""
    tensors = _promote(_sequence(tensors, "aino.stack"))
    return S.Stack.apply(*tensors, axis=axis if dim is None else dim)


def _sequence(tensors, owner):
    """A non-empty list or tuple of tensors (arrays and numbers become tensors), as PyTorch's cat and
    stack want; a single tensor, a string or an empty list is refused."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{owner}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{owner}: expected a non-empty list of tensors, got an empty {type(tensors).__name__}")
    return _tensors(tensors)


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
    condition = a.xp.asarray(condition)
    if condition.dtype.kind not in "biuf":
        raise TypeError(f"aino.where: condition must be a bool tensor (or of numbers), got dtype {condition.dtype}")
    return I.Where.apply(a, b, condition=condition.astype(bool, copy=False))


def gather(input, dim, index):
    return _tensors([input])[0].gather(dim, index)


def matmul(a, b):
    return M.MatMul.apply(*_pair(a, b))


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one fused op (weight shaped (out, in)): the fast path of a dense layer.
    A 1-D weight (in,) gives x @ weight (+ bias), as PyTorch."""
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor)):
        x, weight = _tensors([x, weight])
    if weight.data.ndim == 1:
        return matmul(x, weight) if bias is None else matmul(x, weight) + bias
    if bias is None:
        return M.Linear.apply(x, weight)
    return M.Linear.apply(x, weight, bias if isinstance(bias, Tensor) else Tensor(bias))


def one_hot(indices, num_classes=-1, dtype=FLOAT32):
    return _tensors([indices])[0].one_hot(num_classes, dtype)


__all__ = ["cat", "concatenate", "gather", "linear", "matmul", "one_hot", "stack", "tensor", "where"]

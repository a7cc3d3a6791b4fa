"""Functions on tensors (cat, stack, where, linear, ...), the module-level spelling of the Tensor's ops.

Each is aino.ops's function of the same name, which takes tensors with arrays and numbers beside them;
here arrays and numbers alone are taken too: they are made Tensors first (the ops layer, below the
Tensor class, cannot make one).
"""

from aino import ops
from aino.backend import FLOAT32
from aino.ops.function import pair
from aino.ops.matmul import MatMul
from aino.tensor import Tensor


def tensor(data, requires_grad=False, dtype=None, device=None):
    """Tensor(data, ...) as a function, like torch.tensor."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def cat(tensors, axis=0, *, dim=None):
    """Tensors joined along an existing axis."""
    return ops.cat(_tensors(tensors), axis, dim=dim)


concatenate = cat


def stack(tensors, axis=0, *, dim=None):
    """Tensors of one shape stacked along a new axis."""
    return ops.stack(_tensors(tensors), axis, dim=dim)


def where(condition, a, b):
    """a where condition holds, else b (elementwise, with broadcasting); differentiable in a and b."""
    return ops.where(condition, a if isinstance(b, Tensor) else _tensor(a), b)


def gather(input, dim, index):
    """out[i][j] = input[i][index[i][j]] for dim=1 (as torch.gather)."""
    return ops.gather(_tensor(input), dim, index)


def matmul(a, b):
    """a @ b, with numbers and arrays beside a tensor made tensors as the operator makes them."""
    return MatMul.apply(*pair(a, b))


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one fused op (weight shaped (out, in)): the fast path of a dense layer.
    A 1-D weight (in,) gives x @ weight (+ bias), as PyTorch."""
    return ops.linear(_tensor(x), weight, bias)


def one_hot(indices, num_classes=-1, dtype=FLOAT32):
    """Each integer class index as a row of the identity matrix (float32 unless dtype says otherwise)."""
    return ops.one_hot(_tensor(indices), num_classes, dtype)


def _tensor(value):
    """`value` as a Tensor: a Tensor unchanged, anything else Tensor(value)."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _tensors(values):
    """Each of a non-empty list or tuple as a Tensor; anything else unchanged, for aino.ops's cat and stack to
    refuse by name."""
    if isinstance(values, (list, tuple)) and values:
        return [_tensor(v) for v in values]
    return values


__all__ = ["cat", "concatenate", "gather", "linear", "matmul", "one_hot", "stack", "tensor", "where"]

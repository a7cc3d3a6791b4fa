"""aino's ops, one file per family, each op a class with forward and backward (see function.py); and here
the functions that call them on several tensors, or on a tensor and options (cat, stack, where, ...).

Those functions take tensors, with arrays and numbers beside them (made constants like the tensors they
stand next to); the Tensor's methods (x.where, x.gather, x.astype) call them. The Tensor class lives in
the layer above, so nothing here can make a Tensor from nothing: a call with no tensor at all is refused,
and aino.functional's functions of the same names, which take arrays and numbers alone too, serve it.
"""

import numpy

from aino.backend import FLOAT32, array_module, as_array, device_of, parse_dtype
from aino.ops import elementwise, index, matmul, shape
from aino.ops.function import (
    Function,
    Node,
    constant,
    enable_grad,
    is_grad_enabled,
    no_grad,
    pair,
    raw,
    set_grad_enabled,
    unbroadcast,
    unbroadcast_grad,
)
from aino.ops.index import Gather  # gather's argument `index` hides the module there

__all__ = [
    "Function", "Node", "cast", "cat", "concatenate", "enable_grad", "gather", "is_grad_enabled", "linear",
    "no_grad", "one_hot", "set_grad_enabled", "stack", "unbroadcast", "unbroadcast_grad", "where",
]


def cat(tensors, axis=0, *, dim=None):
    """Tensors joined along an existing axis."""
    tensors = _promote(_sequence(tensors, "aino.cat"))
    return shape.Concatenate.apply(*tensors, axis=axis if dim is None else dim)


concatenate = cat


def stack(tensors, axis=0, *, dim=None):
    """Tensors of one shape stacked along a new axis."""
    tensors = _promote(_sequence(tensors, "aino.stack"))
    return shape.Stack.apply(*tensors, axis=axis if dim is None else dim)


def where(condition, a, b):
    """a where condition holds, else b (elementwise, with broadcasting); differentiable in a and b."""
    _first_node((a, b), "aino.where")  # pair needs one of them to be a tensor
    a, b = pair(a, b)
    condition = array_module(a.data).asarray(raw(condition))
    if condition.dtype.kind not in "biuf":
        raise TypeError(f"aino.where: condition must be a bool tensor (or of numbers), got dtype {condition.dtype}")
    return index.Where.apply(a, b, condition=condition.astype(bool, copy=False))


def gather(input, dim, index):
    """out[i][j] = input[i][index[i][j]] for dim=1 (as torch.gather); `index` an integer tensor or array."""
    input = _operands([input], "aino.gather")[0]
    return Gather.apply(input, dim=dim, index=as_array(raw(index), None, device_of(input.data),
                                                       "Tensor.gather (index)"))


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one fused op (weight shaped (out, in)): the fast path of a dense layer.
    A 1-D weight (in,) gives x @ weight (+ bias), as PyTorch."""
    if not (isinstance(x, Node) and isinstance(weight, Node)):
        x, weight = _operands([x, weight], "aino.linear")
    if weight.data.ndim == 1:
        product = matmul.MatMul.apply(*pair(x, weight))
        return product if bias is None else elementwise.Add.apply(*pair(product, bias))
    if bias is None:
        return matmul.Linear.apply(x, weight)
    return matmul.Linear.apply(x, weight, bias if isinstance(bias, Node) else constant(as_array(bias), x))


def one_hot(indices, num_classes=-1, dtype=FLOAT32):
    """Each integer class index as a row of the identity matrix (float32 unless dtype says otherwise)."""
    indices = _operands([indices], "aino.one_hot")[0]
    rows = index.one_hot(array_module(indices.data), indices.data, num_classes, parse_dtype(dtype, "Tensor.one_hot"))
    return constant(rows, indices)


def cast(tensor, dtype):
    """`tensor` with the numpy dtype `dtype`: itself when it has it already; differentiable between float
    dtypes (d/dx = 1); a constant for any other dtype."""
    if dtype == tensor.data.dtype:
        return tensor
    if dtype.kind not in "fc":
        return constant(tensor.data.astype(dtype), tensor)
    return elementwise.Cast.apply(tensor, dtype=dtype)


# --- helpers -----------------------------------------------------------------------------------


def _sequence(tensors, owner):
    """A non-empty list or tuple of tensors (arrays and numbers become tensors), as PyTorch's cat and
    stack want; a single tensor, a string or an empty list is refused."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{owner}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{owner}: expected a non-empty list of tensors, got an empty {type(tensors).__name__}")
    return _operands(tensors, owner)


def _promote(tensors):
    """Tensors cast to one dtype: the widest float among them, else the widest integer (as PyTorch)."""
    dtypes = [t.data.dtype for t in tensors]
    floats = [d for d in dtypes if d.kind in "fc"]
    dtype = numpy.result_type(*(floats or dtypes))
    return [cast(t, dtype) for t in tensors]


def _operands(values, owner):
    """`values` as Nodes: Nodes unchanged, arrays and numbers made constants as Tensor(value) makes them,
    of the class that the first Node among them gives its results."""
    like = _first_node(values, owner)
    return [v if isinstance(v, Node) else constant(as_array(v), like) for v in values]


def _first_node(values, owner):
    """The first Node among `values`; none is a TypeError (no Tensor can be made here from arrays alone)."""
    for value in values:
        if isinstance(value, Node):
            return value
    raise TypeError(f"{owner}: expected a tensor among the inputs, got {', '.join(type(v).__name__ for v in values)} "
                    f"(aino.functional's functions take arrays and numbers alone)")

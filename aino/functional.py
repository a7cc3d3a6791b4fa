"""Functions on tensors at module level, with PyTorch's names: the makers (tensor, zeros, randn, arange, ...),
cat, stack, where, einsum, gather, linear, the grad modes, and (from aino/functional_methods.py) the function
form of every Tensor method torch has one of (aino.exp(x) is x.exp()).

Each takes arrays and numbers where torch takes tensors, made Tensors first (the ops layer, below the
Tensor class, cannot make one); the ops themselves are in aino.ops, where their formulas stand.
"""

import numpy

from aino import ops
from aino.backend import FLOAT32
from aino.functional_methods import *  # noqa: F401,F403  (exp, sum, max, sort, ... : one line each there)
from aino.functional_methods import __all__ as _method_names
from aino.functional_methods import as_tensor_argument
from aino.ops import einsum as einsum_op
from aino.ops.function import no_grad, pair
from aino.ops.function import set_grad_enabled as _set_grad_mode
from aino.ops.matmul import MatMul
from aino.tensor import Tensor

# --- making tensors (each Tensor's class method of the same name, aino/tensor_creation.py) --------------

zeros, ones, empty, full, eye = Tensor.zeros, Tensor.ones, Tensor.empty, Tensor.full, Tensor.eye
rand, randn, randint, randperm = Tensor.rand, Tensor.randn, Tensor.randint, Tensor.randperm
arange, linspace = Tensor.arange, Tensor.linspace
zeros_like, ones_like, empty_like, full_like = Tensor.zeros_like, Tensor.ones_like, Tensor.empty_like, Tensor.full_like
rand_like, randn_like, randint_like = Tensor.rand_like, Tensor.randn_like, Tensor.randint_like


def tensor(data, *, dtype=None, device=None, requires_grad=False):
    """A new leaf holding a copy of `data` (a number, nested lists, an array or a tensor), as torch.tensor:
    Python floats give float32, ints int64, bools bool; arrays keep their dtype. Only a float tensor can
    require gradients."""
    made = Tensor(data, dtype=dtype, device=device)
    out = Tensor(made.data.copy())
    return out.requires_grad_(requires_grad) if requires_grad else out


def as_tensor(data, dtype=None, device=None):
    """`data` as a Tensor, sharing its memory where dtype and device already fit (a tensor itself, then)."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    return Tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A Tensor sharing the memory of the NumPy array `array` and keeping its dtype."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"aino.from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def is_tensor(obj):
    """True for an aino Tensor (an nn.Parameter too)."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of a tensor."""
    return as_tensor_argument(input).numel()


# --- several tensors ----------------------------------------------------------------------------------


def cat(tensors, axis=0, *, dim=None):
    """Tensors joined along an existing axis."""
    return ops.cat(_tensors(tensors), axis, dim=dim)


concatenate = concat = cat


def stack(tensors, axis=0, *, dim=None):
    """Tensors of one shape stacked along a new axis."""
    return ops.stack(_tensors(tensors), axis, dim=dim)


def where(condition, input=None, other=None):
    """input where condition holds, else other (elementwise, with broadcasting); differentiable in input and
    other. where(condition) alone is condition.nonzero(as_tuple=True), the indices where it holds."""
    if input is None and other is None:
        return as_tensor_argument(condition).nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError("aino.where: expected where(condition) or where(condition, input, other), got one of "
                        "input and other only")
    return ops.where(condition, input if isinstance(other, Tensor) else as_tensor_argument(input), other)


def einsum(equation, *operands):
    """Einstein summation, as torch.einsum: einsum("ij,jk->ik", a, b), or the operands as one list
    einsum("ij,jk->ik", [a, b]). The op and its gradient are in aino/ops/einsum.py."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    return einsum_op.einsum(equation, *_tensors(list(operands)))


def gather(input, dim, index):
    """out[i][j] = input[i][index[i][j]] for dim=1 (as torch.gather)."""
    return ops.gather(as_tensor_argument(input), dim, index)


def matmul(input, other):
    """input @ other, with numbers and arrays beside a tensor made tensors as the operator makes them."""
    return MatMul.apply(*pair(input, other))


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one fused op (weight shaped (out, in)): the fast path of a dense layer.
    A 1-D weight (in,) gives x @ weight (+ bias), as PyTorch."""
    return ops.linear(as_tensor_argument(x), weight, bias)


def one_hot(indices, num_classes=-1, dtype=FLOAT32):
    """Each integer class index as a row of the identity matrix (float32 unless dtype says otherwise)."""
    return ops.one_hot(as_tensor_argument(indices), num_classes, dtype)


def _tensors(values):
    """Each of a non-empty list or tuple as a Tensor; anything else unchanged, for aino.ops's cat and stack to
    refuse by name."""
    if isinstance(values, (list, tuple)) and values:
        return [as_tensor_argument(v) for v in values]
    return values


# --- grad modes (no_grad and enable_grad are aino.ops.function's) -----------------------------------------


class set_grad_enabled:
    """Gradients recorded or not, as torch.set_grad_enabled: a call sets the mode at once; used as a context
    manager (`with aino.set_grad_enabled(training):`) the mode before it comes back at the end."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"aino.set_grad_enabled: mode must be True or False, got {type(mode).__name__}")
        self._previous = _set_grad_mode(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_grad_mode(self._previous)
        return False


class inference_mode(no_grad):
    """torch.inference_mode: here the same as no_grad() (aino has no separate inference tensors);
    inference_mode(False) leaves recording on."""

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            raise TypeError(f"aino.inference_mode: mode must be True or False, got {type(mode).__name__}")
        self.enabled = not mode


__all__ = [
    "arange", "as_tensor", "cat", "concat", "concatenate", "einsum", "empty", "empty_like", "eye", "from_numpy",
    "full", "full_like", "gather", "inference_mode", "is_tensor", "linear", "linspace", "matmul", "numel", "one_hot",
    "ones", "ones_like", "rand", "rand_like", "randint", "randint_like", "randn", "randn_like", "randperm",
    "set_grad_enabled", "stack", "tensor", "where", "zeros", "zeros_like", *_method_names,
]

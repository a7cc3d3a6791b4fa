"""The Tensor: an array (NumPy or CuPy) that remembers how it was computed, so `backward()` can
send gradients back through every op to the tensors that asked for them.

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x + x).sum()
    y.backward()            # x.grad is now 2x + 1 = [3, 5]

Each op lives in `aino/ops/` as a small class with forward and backward; the Tensor's methods (here
and in the tensor_*.py files mixed into it) only pick the op and turn plain numbers into tensors.
"""

from operator import attrgetter

import numpy

from aino import ops
from aino.autograd import run_backward
from aino.backend import (FLOAT32, INT64, Device, array_module, as_array, device_of, device_or_dtype, module_for,
                          move_array, parse_dtype)
from aino.ops import elementwise
from aino.ops.function import (
    Node,
    clear_trace,
    constant,
    disable_trace,
    enable_grad,
    enable_trace,
    get_trace_log,
    is_grad_enabled,
    no_grad,
    raw,
    set_grad_enabled,
)
from aino.tensor_arithmetic import ArithmeticMethods
from aino.tensor_creation import CreationMethods, get_rng, manual_seed
from aino.tensor_math import MathMethods
from aino.tensor_ordering import OrderingMethods
from aino.tensor_rearrange import RearrangeMethods
from aino.tensor_reductions import ReductionMethods
from aino.tensor_shape import ShapeMethods
from aino.validation import InvalidOperationError, check_bool


class Tensor(ArithmeticMethods, MathMethods, ReductionMethods, OrderingMethods, ShapeMethods, RearrangeMethods,
             CreationMethods, Node):
    """An n-dimensional array with automatic differentiation.

    Tensor(data, requires_grad=False, dtype=None, device=None): `data` is a number, a (nested) list,
    a NumPy/CuPy array (shared, not copied, when dtype and device already fit) or a Tensor.
    Python floats become float32; integers stay int64 unless requires_grad=True (then float32).

    The core is here (what it is, backward, devices, dtypes and conversions); the method groups are
    mixed in from tensor_arithmetic.py, tensor_reductions.py, tensor_shape.py and tensor_creation.py.
    The slots (data, grad, requires_grad, _ctx) are those of the ops' Node (aino/ops/function.py).
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        array = as_array(raw(data), parse_dtype(dtype, "Tensor"), device)
        if check_bool(requires_grad, "requires_grad", "Tensor") and array.dtype.kind not in "fc":
            array = array.astype(FLOAT32)
        self.data = array
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None

    # --- what it is ------------------------------------------------------------------------------

    shape = property(attrgetter("data.shape"), doc="The array's shape, a tuple (PyTorch's torch.Size).")
    dtype = property(attrgetter("data.dtype"), doc="The array's dtype (float32 by default on the fast path).")
    ndim = property(attrgetter("data.ndim"), doc="The number of dimensions.")

    @property
    def size(self):
        """The number of elements (as NumPy's .size; PyTorch's x.size() is x.shape here)."""
        return self.data.size

    def numel(self):
        return self.data.size

    def dim(self):
        return self.data.ndim

    @property
    def device(self):
        return device_of(self.data)

    @property
    def xp(self):
        """The array module of this tensor's data: numpy, or cupy on a GPU."""
        return array_module(self.data)

    @property
    def is_leaf(self):
        """True for tensors made by the user (not by an op): backward stores their .grad."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The op that made this tensor (None for a leaf or without gradients)."""
        return self._ctx

    # --- autograd --------------------------------------------------------------------------------

    def backward(self, grad=None, retain_graph=False, stop_at=()):
        """Compute d(self)/d(leaf) for every leaf with requires_grad, adding it to leaf.grad.

        `grad` is dL/d(self); it may be left out only for a one-element tensor (then 1).
        Walks the graph iteratively in reverse topological order, so a node used twice receives the
        sum of its gradients before passing it on. Frees the graph unless retain_graph=True.
        `stop_at`: tensors treated as leaves: they receive .grad and pass nothing further back
        (used by the manual, layer-by-layer backward of aino.nn).
        """
        if not self.requires_grad:
            raise InvalidOperationError("Tensor.backward: this tensor does not require grad "
                                        "(no input had requires_grad=True)")
        if grad is None:
            if self.data.size != 1:
                raise InvalidOperationError(
                    f"Tensor.backward: grad can be left out only for a one-element tensor, this one has shape "
                    f"{tuple(self.shape)}; call .sum() first or pass grad= of that shape"
                )
            grad = self.xp.ones_like(self.data)
        else:
            grad = as_array(raw(grad), self.data.dtype, self.device, "Tensor.backward (grad)")
            if grad.shape != self.data.shape:
                raise ValueError(f"Tensor.backward: grad has shape {tuple(grad.shape)}, "
                                 f"the tensor has {tuple(self.shape)}")

        run_backward(self, grad, retain_graph, stop_at)

    def zero_grad(self):
        """Forget the accumulated gradient (set it to None)."""
        self.grad = None

    def detach(self):
        """The same data (shared) as a new leaf that needs no gradient."""
        return constant(self.data, self)

    def requires_grad_(self, requires_grad=True):
        if check_bool(requires_grad, "requires_grad", "Tensor.requires_grad_") and self.data.dtype.kind not in "fc":
            raise InvalidOperationError(f"Tensor.requires_grad_: only float tensors can require gradients, "
                                        f"this one is {self.dtype} (use .float() first)")
        self.requires_grad = requires_grad
        return self

    # --- trace log (class methods; the log itself lives in aino.ops.function) --------------------

    enable_trace = staticmethod(enable_trace)
    disable_trace = staticmethod(disable_trace)
    get_trace_log = staticmethod(get_trace_log)
    clear_trace = staticmethod(clear_trace)

    # --- devices, dtypes, conversions ------------------------------------------------------------

    def to(self, device=None, dtype=None, inplace=False):
        """This tensor on another device and/or with another dtype: to("cuda"), to(Device("cpu")),
        to("float64"), to(device, inplace=True) (moves this tensor's data and grad, returns self)."""
        device, dtype = device_or_dtype(device, dtype, "Tensor.to")  # to(numpy.float64) and to("float64") too
        if inplace:
            if device is not None:
                self.data = move_array(self.data, device)
                if self.grad is not None:
                    self.grad.data = move_array(self.grad.data, device)
            if dtype is not None:
                self.data = self.data.astype(dtype, copy=False)
            return self
        out = self
        if device is not None and Device(device) != out.device:
            module_for(device)  # a clear error before any work when the device is missing
            out = elementwise.ToDevice.apply(out, device=Device(device))
        if dtype is not None:
            out = out.astype(dtype)
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype):
        """A copy with another dtype; differentiable between float dtypes."""
        return ops.cast(self, parse_dtype(dtype, "Tensor.astype"))

    def float(self):
        return self.astype(FLOAT32)

    def double(self):
        return self.astype(numpy.float64)

    def long(self):
        return self.astype(INT64)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"Tensor.item: expected a one-element tensor, this one has shape {tuple(self.shape)}")
        return self.data.item()

    def numpy(self):
        """The data as a NumPy array (shared on the CPU, copied from a GPU)."""
        return move_array(self.data, "cpu")

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, this one is {self.dtype}")
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise InvalidOperationError(f"Tensor.__bool__: the truth value of a tensor of shape {tuple(self.shape)} "
                                        f"is ambiguous; use .any() or .all()")
        return bool(self.item())

    def __format__(self, spec):
        if self.data.size == 1:
            return format(self.item(), spec)
        if not spec:
            return str(self)
        raise TypeError(f"format spec {spec!r} needs a one-element tensor, this one has shape {tuple(self.shape)}")

    def __len__(self):
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        body = numpy.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        extras = "" if self.data.dtype in (FLOAT32, INT64, numpy.dtype(bool)) else f", dtype={self.dtype}"
        if self.device != "cpu":
            extras += f", device='{self.device}'"
        if self.requires_grad:
            extras += ", requires_grad=True"
        return f"Tensor({body}{extras})"


Tensor._result_class = Tensor  # what ops compute from a Tensor, or from a subclass such as nn.Parameter
DOtensor = Tensor  # the spelling of reference document 000

__all__ = ["DOtensor", "Tensor", "enable_grad", "get_rng", "is_grad_enabled", "manual_seed", "no_grad", "set_grad_enabled"]

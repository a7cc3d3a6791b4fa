"""The Tensor: an array (NumPy or CuPy) that remembers how it was computed, so `backward()` can
send gradients back through every op to the tensors that asked for them.

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x + x).sum()
    y.backward()            # x.grad is now 2x + 1 = [3, 5]

Each op lives in `aino/ops/` as a small class with forward and backward; the Tensor's methods (here
and in the tensor_*.py files mixed into it) only pick the op and turn plain numbers into tensors.
"""

import copy
from operator import attrgetter

import numpy

from aino.autograd import run_backward
from aino.backend import (FLOAT32, INT64, Device, DeviceType, array_module, as_array, cuda_device, device_of,
                          device_or_dtype, module_for, move_array, parse_dtype)
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
from aino.tensor_conversion import ConversionMethods
from aino.tensor_creation import CreationMethods, get_rng, manual_seed
from aino.tensor_math import MathMethods
from aino.tensor_ordering import OrderingMethods
from aino.tensor_rearrange import RearrangeMethods
from aino.tensor_reductions import ReductionMethods
from aino.tensor_shape import ShapeMethods
from aino.validation import InvalidOperationError, OutOfRangeError, check_bool, check_dim


class Size(tuple):
    """A shape, as PyTorch's torch.Size: a tuple of ints (x.size() returns one) that also counts its elements."""

    __slots__ = ()

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        count = 1
        for n in self:
            count *= n
        return count

    def __getitem__(self, key):
        item = super().__getitem__(key)
        return Size(item) if isinstance(key, slice) else item

    def __repr__(self):
        return f"aino.Size({list(self)})"


class Tensor(ArithmeticMethods, MathMethods, ReductionMethods, OrderingMethods, ShapeMethods, RearrangeMethods,
             ConversionMethods, CreationMethods, Node):
    """An n-dimensional array with automatic differentiation.

    Tensor(data, requires_grad=False, dtype=None, device=None): `data` is a number, a (nested) list,
    a NumPy/CuPy array (shared, not copied, when dtype and device already fit) or a Tensor.
    Python floats become float32; integers stay int64 unless requires_grad=True (then float32).

    The core is here (what it is, backward, devices, deepcopy, and the ways out: item, numpy, tolist); the
    method groups are mixed in from tensor_arithmetic.py, tensor_math.py, tensor_reductions.py,
    tensor_ordering.py, tensor_shape.py, tensor_rearrange.py, tensor_conversion.py and tensor_creation.py.
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

    def size(self, dim=None):
        """The shape as an aino.Size (a tuple), as PyTorch's x.size(); x.size(dim) the length of one dim
        (negative dims count from the end). The number of elements is x.numel()."""
        if dim is None:
            return Size(self.data.shape)
        if not self.data.ndim:
            raise OutOfRangeError(f"Tensor.size: dimension specified as {dim} but the tensor has no dimensions")
        return self.data.shape[check_dim(dim, self.data.ndim, "Tensor.size")]

    def numel(self):
        """The number of elements."""
        return self.data.size

    nelement = numel

    def dim(self):
        return self.data.ndim

    ndimension = dim

    @property
    def mT(self):
        """The last two dims swapped (a batch of matrices transposed)."""
        return self.transpose(-2, -1)

    def t(self):
        """The transpose of a matrix; a 0-d or 1-D tensor as it is (as torch's x.t())."""
        if self.data.ndim > 2:
            raise ValueError(f"Tensor.t: expected a tensor of at most 2 dims, got shape {tuple(self.shape)} "
                             f"(use transpose(dim0, dim1) or mT)")
        return self.transpose(0, 1) if self.data.ndim == 2 else self

    @property
    def device(self):
        return device_of(self.data)

    @property
    def is_cuda(self):
        """True when the data is on a CUDA GPU (as torch's Tensor.is_cuda)."""
        return self.device.type is DeviceType.CUDA

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

    def backward(self, gradient=None, retain_graph=False, stop_at=()):
        """Compute d(self)/d(leaf) for every leaf with requires_grad, adding it to leaf.grad.

        `gradient` is dL/d(self) (PyTorch's name); it may be left out only for a one-element tensor (then 1).
        Walks the graph iteratively in reverse topological order, so a node used twice receives the
        sum of its gradients before passing it on. Frees the graph unless retain_graph=True.
        `stop_at`: tensors treated as leaves: they receive .grad and pass nothing further back
        (used by the manual, layer-by-layer backward of aino.nn).
        """
        if not self.requires_grad:
            raise InvalidOperationError("Tensor.backward: this tensor does not require grad "
                                        "(no input had requires_grad=True)")
        grad = gradient
        if grad is None:
            if self.data.size != 1:
                raise InvalidOperationError(
                    f"Tensor.backward: gradient can be left out only for a one-element tensor, this one has shape "
                    f"{tuple(self.shape)}; call .sum() first or pass gradient= of that shape"
                )
            grad = self.xp.ones_like(self.data)
        else:
            grad = as_array(raw(grad), self.data.dtype, self.device, "Tensor.backward (gradient)")
            if grad.shape != self.data.shape:
                raise ValueError(f"Tensor.backward: gradient has shape {tuple(grad.shape)}, "
                                 f"the tensor has {tuple(self.shape)}")

        run_backward(self, grad, retain_graph, stop_at)

    def zero_grad(self):
        """Forget the accumulated gradient (set it to None)."""
        self.grad = None

    def detach(self):
        """The same data (shared) as a new leaf that needs no gradient."""
        return constant(self.data, self)

    def detach_(self):
        """Make this tensor a leaf that needs no gradient, in place; returns self."""
        self._ctx = None
        self.requires_grad = False
        return self

    def __deepcopy__(self, memo):
        """A copy of a leaf: its data, its gradient, requires_grad, its class (a Parameter stays one). As
        PyTorch, a tensor made by an op (a graph node) is refused: deep-copy its .detach()."""
        if self._ctx is not None:
            raise InvalidOperationError("Tensor.__deepcopy__: only tensors created explicitly by the user (graph "
                                        "leaves) support the deepcopy protocol; deep-copy tensor.detach() instead")
        out = type(self).__new__(type(self))
        memo[id(self)] = out
        out.data = self.data.copy()
        out.grad = None if self.grad is None else self.grad.__deepcopy__(memo)
        out.requires_grad = self.requires_grad
        out._ctx = None
        if hasattr(self, "__dict__"):  # a subclass's own attributes (nn.Parameter has a __dict__)
            out.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return out

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

    def to(self, device=None, dtype=None, inplace=False, non_blocking=False, copy=False):
        """This tensor on another device and/or with another dtype: to("cuda"), to(Device("cpu")),
        to("float64"), to(other_tensor) (its device and dtype), to(device, inplace=True) (moves this
        tensor's data and grad, returns self). non_blocking is accepted and changes nothing; copy=True
        copies even when nothing changes."""
        if isinstance(device, Node):
            device, dtype = device_of(device.data), device.data.dtype
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
        return out.clone() if copy and out is self else out

    def cpu(self):
        """This tensor on the CPU (itself when it is there already), as torch's Tensor.cpu()."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        """This tensor on a CUDA GPU: `device` None (the first), an index or "cuda:1", as torch's
        Tensor.cuda(); a RuntimeError names what is missing where there is no CuPy or no GPU."""
        return self.to(cuda_device(device), non_blocking=non_blocking)

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

__all__ = ["DOtensor", "Size", "Tensor", "enable_grad", "get_rng", "is_grad_enabled", "manual_seed", "no_grad",
           "set_grad_enabled"]

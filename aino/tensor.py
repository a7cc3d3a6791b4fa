"""The Tensor: an array (NumPy or CuPy) that remembers how it was computed, so `backward()` can
send gradients back through every op to the tensors that asked for them.

    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x + x).sum()
    y.backward()            # x.grad is now 2x + 1 = [3, 5]

Each op lives in `aino/ops/` as a small class with forward and backward; the methods here only
pick the op and turn plain numbers into tensors.
"""

import numbers
import operator

import numpy

from aino.autograd import run_backward
from aino.backend import (FLOAT32, INT64, Device, array_module, as_array, device_of, device_or_dtype, module_for,
                          move_array, parse_dtype)
from aino.ops import elementwise as E
from aino.ops import function
from aino.ops import index as I
from aino.ops import matmul as M
from aino.ops import reduce as R
from aino.ops import shape as S
from aino.ops import softmax as SM
from aino.ops.function import (
    clear_trace,
    constant,
    disable_trace,
    enable_grad,
    enable_trace,
    get_trace_log,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from aino.validation import InvalidOperationError, as_shape, check_bool, check_dim, check_real

_rng = numpy.random.default_rng()


def manual_seed(seed):
    """Seed the generator behind Tensor.randn, rand and randint (and aino's layer initialisers)."""
    global _rng
    _rng = numpy.random.default_rng(seed)


def get_rng():
    """The NumPy Generator that Tensor.randn/rand/randint draw from (seeded by manual_seed)."""
    return _rng


def _to_array(data, dtype, device, owner="Tensor"):
    """`data` as an array with aino's dtype rules (backend.as_array): Python floats become float32."""
    return as_array(data.data if isinstance(data, Tensor) else data, dtype, device, owner)


class Tensor:
    """An n-dimensional array with automatic differentiation.

    Tensor(data, requires_grad=False, dtype=None, device=None): `data` is a number, a (nested) list,
    a NumPy/CuPy array (shared, not copied, when dtype and device already fit) or a Tensor.
    Python floats become float32; integers stay int64 unless requires_grad=True (then float32).
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    __array_ufunc__ = None  # numpy_array * tensor calls Tensor.__rmul__ instead of numpy's loop

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        array = _to_array(data, parse_dtype(dtype, "Tensor"), device)
        if check_bool(requires_grad, "requires_grad", "Tensor") and array.dtype.kind not in "fc":
            array = array.astype(FLOAT32)
        self.data = array
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None

    # --- what it is ------------------------------------------------------------------------------

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

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

    @property
    def T(self):
        return S.Transpose.apply(self)

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
            grad = _to_array(grad, self.data.dtype, self.device, "Tensor.backward (grad)")
            if grad.shape != self.data.shape:
                raise ValueError(f"Tensor.backward: grad has shape {tuple(grad.shape)}, "
                                 f"the tensor has {tuple(self.shape)}")

        run_backward(self, grad, retain_graph, stop_at)

    def zero_grad(self):
        """Forget the accumulated gradient (set it to None)."""
        self.grad = None

    def detach(self):
        """The same data (shared) as a new leaf that needs no gradient."""
        return constant(self.data)

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
            out = E.ToDevice.apply(out, device=Device(device))
        if dtype is not None:
            out = out.astype(dtype)
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype):
        """A copy with another dtype; differentiable between float dtypes."""
        dtype = parse_dtype(dtype, "Tensor.astype")
        if dtype == self.data.dtype:
            return self
        if dtype.kind not in "fc":
            return constant(self.data.astype(dtype))
        return E.Cast.apply(self, dtype=dtype)

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

    __hash__ = object.__hash__

    # --- arithmetic (binary ops go through _pair, which applies the dtype rules) -----------------

    def __add__(self, other):
        return E.Add.apply(*_pair(self, other))

    def __radd__(self, other):
        return E.Add.apply(*_pair(other, self))

    def __sub__(self, other):
        return E.Sub.apply(*_pair(self, other))

    def __rsub__(self, other):
        return E.Sub.apply(*_pair(other, self))

    def __mul__(self, other):
        return E.Mul.apply(*_pair(self, other))

    def __rmul__(self, other):
        return E.Mul.apply(*_pair(other, self))

    def __truediv__(self, other):
        return E.Div.apply(*_pair(self, other, true_division=True))

    def __rtruediv__(self, other):
        return E.Div.apply(*_pair(other, self, true_division=True))

    def __pow__(self, other):
        return E.Pow.apply(*_pair(self, other))

    def __rpow__(self, other):
        return E.Pow.apply(*_pair(other, self))

    def __matmul__(self, other):
        return M.MatMul.apply(*_pair(self, other))

    def __rmatmul__(self, other):
        return M.MatMul.apply(*_pair(other, self))

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    # comparisons: bool tensors outside the graph
    def __lt__(self, other):
        return E.compare(operator.lt, self.data, _raw(other))

    def __le__(self, other):
        return E.compare(operator.le, self.data, _raw(other))

    def __gt__(self, other):
        return E.compare(operator.gt, self.data, _raw(other))

    def __ge__(self, other):
        return E.compare(operator.ge, self.data, _raw(other))

    def __eq__(self, other):
        return E.compare(operator.eq, self.data, _raw(other))

    def __ne__(self, other):
        return E.compare(operator.ne, self.data, _raw(other))

    def matmul(self, other):
        return self @ other

    # --- unary functions ---------------------------------------------------------------------------

    def exp(self):
        return E.Exp.apply(self)

    def log(self):
        return E.Log.apply(self)

    def sqrt(self):
        return E.Sqrt.apply(self)

    def abs(self):
        return E.Abs.apply(self)

    def tanh(self):
        return E.Tanh.apply(self)

    def sigmoid(self):
        return E.Sigmoid.apply(self)

    def relu(self):
        return E.ReLU.apply(self)

    def leaky_relu(self, slope=0.01):
        return E.LeakyReLU.apply(self, slope=slope)

    def elu(self, alpha=1.0):
        return E.ELU.apply(self, alpha=alpha)

    def selu(self):
        return E.SELU.apply(self)

    def gelu(self, approximate="none"):
        return E.GELU.apply(self, approximate=approximate)

    def softplus(self):
        return E.Softplus.apply(self)

    def clip(self, min=None, max=None):
        return E.Clip.apply(self, low=min, high=max)

    clamp = clip

    def neg(self):
        return E.Neg.apply(self)

    def softmax(self, axis=-1, dim=None):
        return SM.Softmax.apply(self, axis=axis if dim is None else dim)

    def log_softmax(self, axis=-1, dim=None):
        return SM.LogSoftmax.apply(self, axis=axis if dim is None else dim)

    # --- reductions (axis also spelt dim, keepdims also keepdim) -----------------------------------

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.Sum.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.Mean.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def max(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.Max.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def min(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return R.Min.apply(self, **_reduce_options(axis, keepdims, dim, keepdim))

    def var(self, axis=None, keepdims=False, *, dim=None, keepdim=None, unbiased=None, correction=None):
        """Variance; like torch, unbiased (correction=1) unless unbiased=False or correction=0."""
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        return R.Var.apply(self, correction=correction, **_reduce_options(axis, keepdims, dim, keepdim))

    def std(self, axis=None, keepdims=False, *, dim=None, keepdim=None, unbiased=None, correction=None):
        return self.var(axis, keepdims, dim=dim, keepdim=keepdim, unbiased=unbiased, correction=correction).sqrt()

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Indices of the maxima (an int64 tensor, not differentiable)."""
        return constant(R.arg_pick(self.data, "argmax", **_reduce_options(axis, keepdims, dim, keepdim)))

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Indices of the minima (an int64 tensor, not differentiable)."""
        return constant(R.arg_pick(self.data, "argmin", **_reduce_options(axis, keepdims, dim, keepdim)))

    # --- shapes ------------------------------------------------------------------------------------

    def reshape(self, *shape):
        return S.Reshape.apply(self, shape=as_shape(shape, "Tensor.reshape", "shape"))

    view = reshape

    def transpose(self, *axes):
        """No axes: all axes reversed. Two axes: those two swapped (as torch). A full permutation: as NumPy."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2:
            order = list(range(self.data.ndim))
            a, b = (check_dim(axis, self.data.ndim, "Tensor.transpose") for axis in axes)
            order[a], order[b] = order[b], order[a]
            axes = tuple(order)
        return S.Transpose.apply(self, axes=tuple(axes) if axes else None)

    def permute(self, *dims):
        return S.Transpose.apply(self, axes=as_shape(dims, "Tensor.permute", "dims"))

    def flatten(self, start_dim=0, end_dim=-1):
        return S.Flatten.apply(self, start_dim=start_dim, end_dim=end_dim)

    def squeeze(self, axis=None, *, dim=None):
        return S.Squeeze.apply(self, axis=axis if dim is None else dim)

    def unsqueeze(self, axis=None, *, dim=None):
        return S.Unsqueeze.apply(self, axis=axis if dim is None else dim)

    def expand(self, *shape):
        return S.Expand.apply(self, shape=as_shape(shape, "Tensor.expand"))

    def pad2d(self, padding, value=0.0):
        return S.Pad2d.apply(self, padding=padding, value=value)

    # --- picking values ----------------------------------------------------------------------------

    def __getitem__(self, key):
        return I.GetItem.apply(self, key=_raw_key(key, self.device))

    def __setitem__(self, key, value):
        """Write into the data in place (not recorded in the graph: use it on tensors without gradients)."""
        I.set_item(self.data, _raw_key(key, self.device), _raw(value))

    def gather(self, dim, index):
        return I.Gather.apply(self, dim=dim, index=_to_array(index, None, self.device, "Tensor.gather (index)"))

    def one_hot(self, num_classes=-1, dtype=FLOAT32):
        """Each integer class index as a row of the identity matrix (float32 unless dtype says otherwise)."""
        return constant(I.one_hot(self.xp, self.data, num_classes, parse_dtype(dtype, "Tensor.one_hot")))

    def where(self, condition, other):
        """torch.Tensor.where: self where condition holds, else other."""
        from aino.functional import where

        return where(condition, self, other)

    # --- making tensors ----------------------------------------------------------------------------

    @classmethod
    def _filled(cls, make, shape, dtype, device, requires_grad, owner):
        """A new leaf from NumPy `make(shape, dtype)`, moved to `device`; `owner` names the maker in errors."""
        dtype = FLOAT32 if dtype is None else parse_dtype(dtype, owner)
        return cls(make(as_shape(shape, owner, minimum=0), dtype), requires_grad=requires_grad, device=device)

    @classmethod
    def randn(cls, *shape, dtype=None, device=None, requires_grad=False):
        """Standard normal samples; shape as a tuple or as separate numbers."""
        return cls._filled(_sample(_rng.standard_normal), shape, dtype, device, requires_grad, "Tensor.randn")

    @classmethod
    def rand(cls, *shape, dtype=None, device=None, requires_grad=False):
        """Uniform samples in [0, 1)."""
        return cls._filled(_sample(_rng.random), shape, dtype, device, requires_grad, "Tensor.rand")

    @classmethod
    def randint(cls, low, high=None, size=(), dtype=None, device=None, requires_grad=False):
        """Random integers in [low, high) (int64 by default); randint(high, size) counts from 0."""
        if high is None:
            low, high = 0, low
        dtype = INT64 if dtype is None else parse_dtype(dtype, "Tensor.randint")
        low, high = as_shape((low, high), "Tensor.randint", "low and high")
        if not low < high:
            raise ValueError(f"Tensor.randint: expected low < high, got low={low}, high={high}")
        data = _rng.integers(low, high, size=as_shape((size,), "Tensor.randint", minimum=0)).astype(dtype)
        return cls(data, requires_grad=requires_grad, device=device)

    @classmethod
    def zeros(cls, *shape, dtype=None, device=None, requires_grad=False):
        return cls._filled(numpy.zeros, shape, dtype, device, requires_grad, "Tensor.zeros")

    @classmethod
    def ones(cls, *shape, dtype=None, device=None, requires_grad=False):
        return cls._filled(numpy.ones, shape, dtype, device, requires_grad, "Tensor.ones")

    @classmethod
    def full(cls, shape, fill_value, dtype=None, device=None, requires_grad=False):
        if not isinstance(fill_value, numbers.Number):
            raise TypeError(f"Tensor.full: fill_value must be a number, got {type(fill_value).__name__}")
        return cls._filled(lambda s, d: numpy.full(s, fill_value, d), (shape,), dtype, device, requires_grad,
                           "Tensor.full")

    @classmethod
    def arange(cls, start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
        """start, start + step, ... below stop; int64 when all arguments are integers (as torch), else float32."""
        if stop is None:
            start, stop = 0, start
        _check_range(start, stop, step)
        if dtype is None:
            dtype = INT64 if all(isinstance(v, int) for v in (start, stop, step)) else FLOAT32
        return cls(numpy.arange(start, stop, step).astype(parse_dtype(dtype, "Tensor.arange")), requires_grad=requires_grad, device=device)

    @classmethod
    def zeros_like(cls, other, dtype=None, device=None, requires_grad=False):
        other = _like(other, "Tensor.zeros_like")
        return cls.zeros(other.shape, dtype=dtype or other.dtype, device=device or other.device, requires_grad=requires_grad)

    @classmethod
    def ones_like(cls, other, dtype=None, device=None, requires_grad=False):
        other = _like(other, "Tensor.ones_like")
        return cls.ones(other.shape, dtype=dtype or other.dtype, device=device or other.device, requires_grad=requires_grad)


DOtensor = Tensor  # the spelling of reference document 000
function.Tensor = Tensor  # ops build their outputs with it


# --- helpers -----------------------------------------------------------------------------------


def _pair(a, b, true_division=False):
    """(a, b) as Tensors with PyTorch's promotion: float32 with integers or Python numbers stays float32."""
    if not isinstance(a, Tensor):
        a = _scalar_like(a, b)
    elif not isinstance(b, Tensor):
        b = _scalar_like(b, a)
    da, db = a.data.dtype, b.data.dtype
    if da is not db and da != db:
        fa, fb = da.kind in "fc", db.kind in "fc"
        if fa and not fb:
            b = constant(b.data.astype(da))
        elif fb and not fa:
            a = constant(a.data.astype(db))
    if true_division and a.data.dtype.kind not in "fc":  # int / int is a float, as in Python
        a, b = constant(a.data.astype(FLOAT32)), constant(b.data.astype(FLOAT32))
    return a, b


def _scalar_like(value, tensor):
    """A Python number or an array as a constant Tensor, with the dtype it should have next to `tensor`."""
    xp = array_module(tensor.data)
    if isinstance(value, (bool, int, float)):
        dtype = tensor.data.dtype
        if dtype.kind not in "fc" and isinstance(value, float):
            dtype = FLOAT32  # int tensor * 2.5 -> float32
        elif dtype.kind == "b" and not isinstance(value, bool):
            dtype = INT64  # bool tensor + 1 -> int64
        return constant(xp.asarray(value, dtype=dtype))  # float32 * 2.5 stays float32
    return Tensor(value, device=tensor.device)


def _raw(value):
    """The array inside a Tensor; anything else unchanged."""
    return value.data if isinstance(value, Tensor) else value


def _raw_key(key, device):
    """An index with Tensors replaced by their arrays and lists by arrays on `device` (an empty list: int64)."""
    if isinstance(key, tuple):
        return tuple(_raw_key(k, device) for k in key)
    if isinstance(key, Tensor):
        return key.data
    if isinstance(key, list):
        return as_array(key, None if key else INT64, device, "Tensor[index]")
    return key


def _like(other, owner):
    """`other` as a Tensor for zeros_like and ones_like: a Tensor or an array; anything else is a TypeError."""
    if isinstance(other, Tensor) or hasattr(other, "dtype") and hasattr(other, "shape"):
        return other if isinstance(other, Tensor) else Tensor(other)
    raise TypeError(f"{owner}: expected a tensor (or an array), got {type(other).__name__}")


def _check_range(start, stop, step):
    """arange's bounds as PyTorch checks them: finite numbers, a step that is not 0 and points from start to stop."""
    for name, value in (("start", start), ("end", stop), ("step", step)):
        check_real(value, name, "Tensor.arange")
    if step == 0 or (stop - start) * step < 0:
        raise ValueError(f"Tensor.arange: upper bound and lower bound inconsistent with step sign, got start={start}, "
                         f"end={stop}, step={step} (expected a step that is not 0 and points from start to end)")


def _sample(draw):
    """A NumPy `make(shape, dtype)` from a Generator method; float32 and float64 drawn directly."""

    def make(shape, dtype):
        if dtype in (FLOAT32, numpy.dtype(numpy.float64)):
            return draw(shape, dtype=dtype)
        return draw(shape).astype(dtype)

    return make


def _reduce_options(axis, keepdims, dim, keepdim):
    """Merge the NumPy spellings (axis, keepdims) with the PyTorch ones (dim, keepdim)."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return {"axis": axis, "keepdims": bool(keepdims)}


def _tensors(values, like=None):
    """A list of Tensors from Tensors, arrays and numbers."""
    device = like.device if like is not None else None
    return [v if isinstance(v, Tensor) else Tensor(v, device=device) for v in values]


__all__ = ["DOtensor", "Tensor", "enable_grad", "get_rng", "is_grad_enabled", "manual_seed", "no_grad", "set_grad_enabled"]

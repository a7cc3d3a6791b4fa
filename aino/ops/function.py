"""The machinery every op shares: the `Function` base class, the `Node` it reads and builds, graph
recording, grad mode, the op trace log, `unbroadcast`, and the rules that make Python values op inputs.

An op is a subclass of `Function` with two methods:

    forward(self, *arrays)  -> array      computes the output from the input arrays and saves
                                          (on self) whatever backward will need;
    backward(self, grad)    -> gradients  turns dL/d(output) into dL/d(input) for each input:
                                          one array for a one-input op, else a tuple (None for
                                          an input that needs no gradient).

Options that are not tensors (an axis, a slope) go to the constructor. `Op.apply(*tensors, **options)`
runs forward on the tensors' arrays and, when gradients are on and some input requires them,
records the op in the graph. Inside forward and backward, `self.xp` is the array module (numpy or
cupy) of the inputs and `self.needs_grad[i]` says whether input i wants a gradient.

Checks of the inputs are cheap (ints and shapes). Where NumPy itself finds the inputs wrong (shapes
that do not broadcast, an index out of bounds), the op's `explain` turns its error into one that
names the op, after the fact, so the common case pays nothing.

The ops never name the Tensor class (it lives a layer above, and is built on them): they take Nodes,
and build each result as an instance of the class its first input names in `_result_class`.
"""

import functools

from aino import hooks
from aino.backend import FLOAT32, INT64, array_module, as_array, device_of, scalar
from aino.validation import InvalidOperationError

_grad_enabled = True
_trace_on = False
_trace_log = []
TRACE_VALUE_LIMIT = 16  # tensors with more elements are logged by shape


class Node:
    """What an op needs of a tensor: its array, its gradient, whether it wants one, and the op that made it.

    aino.tensor.Tensor is a Node with the methods users call, and names itself in `_result_class`, the
    class of what ops compute from it: a subclass (nn.Parameter) inherits it, so its results are plain
    Tensors.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "__weakref__")
    _result_class = None  # aino.tensor sets Tensor._result_class = Tensor


class Function:
    """Base class of every op: forward and backward of one mathematical function."""

    name = None  # the name in the trace log; by default the class name in lower case
    xp = None
    parents = ()
    needs_grad = ()

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @property
    def owner(self):
        """The op as users call it, for error messages: "Tensor.sum"."""
        return "Tensor." + (self.name or type(self).__name__.lower())

    def explain(self, arrays, error):
        """Called when forward raised `error` (a ValueError, IndexError or TypeError) on `arrays`: raise a
        clearer error naming the op when the inputs show what is wrong, or return to let `error` pass.
        For ops whose forward is one NumPy call; an op that checks its inputs itself raises its own error."""

    @classmethod
    def apply(cls, *tensors, **options):
        """Run the op on Tensors; the result is a Tensor that remembers this op when it needs a gradient."""
        fn = cls(**options)
        first = tensors[0]
        fn.xp = array_module(first.data)
        if _trace_on:
            _record(fn, tensors)
        result = first._result_class
        out = result.__new__(result)
        arrays = [t.data for t in tensors]
        try:
            out.data = fn.forward(*arrays)
        except (ValueError, IndexError, TypeError) as error:
            _refuse_mixed_devices(fn, arrays)
            fn.explain(arrays, error)
            raise
        out.grad = None
        if _grad_enabled and any(t.requires_grad for t in tensors):
            fn.parents = tensors
            fn.needs_grad = tuple(t.requires_grad for t in tensors)
            out.requires_grad = True
            out._ctx = fn
        else:
            out.requires_grad = False
            out._ctx = None
        if hooks.active: hooks.op_called(fn, tensors, out)  # noqa: E701  (aino.trace: detect_anomaly)
        return out

    def __repr__(self):
        return f"<{type(self).__name__} backward>"


def _refuse_mixed_devices(fn, arrays):
    """When an op failed on arrays of two devices, say so as PyTorch does, naming both."""
    devices = {str(device_of(array)) for array in arrays if hasattr(array, "dtype")}
    if len(devices) > 1:
        raise RuntimeError(f"{fn.owner}: expected all tensors to be on the same device, but found "
                           f"{' and '.join(sorted(devices))}; move them with .to(device) first") from None


class Freed(Function):
    """Stands in for an op whose saved arrays were released after backward (retain_graph=False)."""

    def backward(self, grad):
        raise InvalidOperationError(
            "Tensor.backward: trying to run backward through the graph a second time: its saved values were "
            "freed after the first backward; call backward(retain_graph=True) the first time"
        )


FREED = Freed()


def constant(data, like):
    """A tensor that needs no gradient, made straight from an array (the ops' internal shortcut), of the
    class that the Node `like` gives its op results."""
    result = like._result_class
    out = result.__new__(result)
    out.data = data
    out.grad = None
    out.requires_grad = False
    out._ctx = None
    return out


# --- Python values as op inputs ----------------------------------------------------------------


def raw(value):
    """The array inside a Node; anything else unchanged."""
    return value.data if isinstance(value, Node) else value


def pair(a, b, true_division=False):
    """(a, b) as Nodes, one of which they already are, with PyTorch's promotion: float32 with integers or
    Python numbers stays float32; with true_division, int / int is a float, as in Python."""
    if not isinstance(a, Node):
        a = _scalar_like(a, b)
    elif not isinstance(b, Node):
        b = _scalar_like(b, a)
    da, db = a.data.dtype, b.data.dtype
    if da is not db and da != db:
        fa, fb = da.kind in "fc", db.kind in "fc"
        if fa and not fb:
            b = constant(b.data.astype(da), b)
        elif fb and not fa:
            a = constant(a.data.astype(db), a)
    if true_division and a.data.dtype.kind not in "fc":
        a, b = constant(a.data.astype(FLOAT32), a), constant(b.data.astype(FLOAT32), b)
    return a, b


def _scalar_like(value, node):
    """A Python number or an array as a constant, with the dtype it should have next to `node`."""
    xp = array_module(node.data)
    if isinstance(value, (bool, int, float)):
        dtype = node.data.dtype
        if dtype.kind not in "fc" and isinstance(value, float):
            dtype = FLOAT32  # int tensor * 2.5 -> float32
        elif dtype.kind == "b" and not isinstance(value, bool):
            dtype = INT64  # bool tensor + 1 -> int64
        return constant(scalar(xp, value, dtype), node)  # float32 * 2.5 stays float32
    return constant(as_array(value, device=device_of(node.data)), node)


def unbroadcast(grad, shape):
    """Undo NumPy broadcasting: sum `grad` over the axes that broadcasting added or stretched, so it has `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


unbroadcast_grad = unbroadcast  # the spelling of reference document 004


# --- grad mode ---------------------------------------------------------------------------------


def is_grad_enabled():
    """True unless inside `no_grad()`: whether new ops are recorded for backward."""
    return _grad_enabled


def set_grad_enabled(mode):
    """Turn graph recording on or off globally; returns the previous setting."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, bool(mode)
    return previous


class no_grad:
    """Context manager (and decorator) in which ops record no graph: for evaluation and weight updates.

        with no_grad():
            y = model(x)        # y.requires_grad is False

        @no_grad()
        def evaluate(model): ...
    """

    enabled = False

    def __enter__(self):
        self._previous = set_grad_enabled(self.enabled)
        return self

    def __exit__(self, *exc):
        set_grad_enabled(self._previous)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Context manager (and decorator) that turns graph recording back on inside `no_grad()`."""

    enabled = True


# --- the op trace log --------------------------------------------------------------------------


def enable_trace():
    global _trace_on
    _trace_on = True


def disable_trace():
    global _trace_on
    _trace_on = False


def get_trace_log():
    """The logged ops: tuples (op_name, input values, or shapes for tensors of more than 16 elements)."""
    return list(_trace_log)


def clear_trace():
    _trace_log.clear()


def _record(fn, tensors):
    """Append (op name, each input's values or shape) to the trace log."""
    name = fn.name or type(fn).__name__.lower()
    inputs = (t.data.tolist() if t.data.size <= TRACE_VALUE_LIMIT else tuple(t.data.shape) for t in tensors)
    _trace_log.append((name, *inputs))

"""The machinery every op shares: the `Function` base class, graph recording, grad mode, the op
trace log, and `unbroadcast`.

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
"""

from aino.backend import array_module

Tensor = None  # the Tensor class; aino.tensor puts it here (this file cannot import it: tensor.py imports the ops)

_grad_enabled = True
_trace_on = False
_trace_log = []
TRACE_VALUE_LIMIT = 16  # tensors with more elements are logged by shape


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

    @classmethod
    def apply(cls, *tensors, **options):
        """Run the op on Tensors; the result is a Tensor that remembers this op when it needs a gradient."""
        fn = cls(**options)
        fn.xp = array_module(tensors[0].data)
        if _trace_on:
            _record(fn, tensors)
        out = Tensor.__new__(Tensor)
        out.data = fn.forward(*[t.data for t in tensors])
        out.grad = None
        if _grad_enabled and any(t.requires_grad for t in tensors):
            fn.parents = tensors
            fn.needs_grad = tuple(t.requires_grad for t in tensors)
            out.requires_grad = True
            out._ctx = fn
        else:
            out.requires_grad = False
            out._ctx = None
        return out

    def __repr__(self):
        return f"<{type(self).__name__} backward>"


class Freed(Function):
    """Stands in for an op whose saved arrays were released after backward (retain_graph=False)."""

    def backward(self, grad):
        raise RuntimeError(
            "trying to run backward through the graph a second time: its saved values were freed "
            "after the first backward; call backward(retain_graph=True) the first time"
        )


FREED = Freed()


def constant(data):
    """A Tensor that needs no gradient, made straight from an array (the ops' internal shortcut)."""
    out = Tensor.__new__(Tensor)
    out.data = data
    out.grad = None
    out.requires_grad = False
    out._ctx = None
    return out


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


def normalize_axes(axis, ndim):
    """`axis` (None, an int or a sequence, negatives allowed) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    axes = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        axes.append(a % max(ndim, 1))
    return tuple(sorted(axes))


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
        import functools

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

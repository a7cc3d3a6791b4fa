"""detect_anomaly(): stop at the first op that turns finite numbers into NaN or inf, and say where.

    with aino.trace.detect_anomaly(model):
        loss = loss_fn(model(X), y)      # FloatingPointError: op 'log' in layer '3' (Log) produced -inf ...
        loss.backward()                  # ... or: in backward, op 'sqrt' in layer '1' (Norm) returned inf ...

Forward: every op reports its output through the seam (`hooks.op_called`, in `Function.apply`, the one
door every op goes through), and every aino.nn Module its forward's start and end (`hooks.module_entered`,
`hooks.module_called`), so the checker knows the layer each op runs in: the innermost Module whose forward
is running. Each output is checked, and each op that joins the graph remembers its layer. Nothing is
replaced and no call stack is read; outside the context the seam is empty and nothing is paid.

Backward: run_backward reports each op right after its backward ran (`hooks.op_backward`), with the
gradients it returns for its inputs. The first op that turns a finite gradient of its output into a NaN
or inf gradient of an input is the culprit (as PyTorch's anomaly mode checks each backward function's
outputs): typically a derivative that is infinite where forward was fine, such as sqrt or log at 0. Its
layer is the one remembered from forward, named as in `model.named_modules()` when `model` is given.
"""

import numpy

from aino import hooks
from aino.backend import array_module
from aino.nn.module import Module
from aino.validation import check_bool

_active = []  # the detect_anomaly contexts entered, innermost last: only the innermost checks
LAYER = "_anomaly_layer"  # the attribute, on an op recorded in the graph, naming the module it ran in
UNKNOWN = object()  # an op recorded before detect_anomaly was entered


class detect_anomaly(hooks.Listener):
    """Context manager: the first op whose output (or, in backward, whose input gradient) holds NaN or inf
    raises FloatingPointError naming the op and the layer. `model` (optional, an aino.nn Module) lets the
    message use the layer's dotted name; `check_backward=False` checks forward only."""

    def __init__(self, model=None, check_backward=True):
        if model is not None and not isinstance(model, Module):
            raise TypeError(f"detect_anomaly: model must be an aino.nn Module (to name its layers) or None, "
                            f"got {type(model).__name__}")
        self.model = model
        self.check_backward = check_bool(check_backward, "check_backward", "detect_anomaly")
        self._root = None
        self._running = []  # the Modules whose forward is running, innermost last

    def __enter__(self):
        self.names = {} if self.model is None else {id(m): name for name, m in self.model.named_modules()}
        self._running = []
        _active.append(self)
        hooks.attach(self)
        return self

    def __exit__(self, *exc):
        hooks.detach(self)
        _active.remove(self)
        return False

    # --- forward ------------------------------------------------------------------------------------

    def module_entered(self, module):
        self._running.append(module)

    def module_called(self, module, inputs, output):
        """The module's forward ended; modules above it on the stack ended too (their forward raised)."""
        while self._running:
            if self._running.pop() is module:
                break

    def op_called(self, fn, tensors, output):
        """Each output must be finite; an op that joins the graph remembers the layer it ran in."""
        if self is not _active[-1]:
            return
        module = self._running[-1] if self._running else None
        if output._ctx is not None:  # backward may need to say where this op ran
            setattr(fn, LAYER, module)
        data = output.data
        if data.dtype.kind in "fc" and not _finite(data):
            inputs_finite = all(_finite(t.data) for t in tensors if t.data.dtype.kind in "fc")
            raise FloatingPointError(
                f"detect_anomaly: op {_op_name(fn)!r} {_label(module, self.names)} produced {_what(data)} "
                + ("from finite inputs" if inputs_finite else "(its inputs already held NaN or inf)")
                + f"; input shapes {[tuple(t.shape) for t in tensors]}, output shape {tuple(data.shape)}.")

    # --- backward -----------------------------------------------------------------------------------

    def backward_started(self, root, grad):
        self._root = root

    def op_backward(self, fn, grad, input_grads):
        """The op's gradient for each input that wants one must be finite (its output's gradient was)."""
        if not self.check_backward or self is not _active[-1]:
            return
        for i, (parent, g) in enumerate(zip(fn.parents, input_grads)):
            if g is None or not parent.requires_grad or _finite(g):
                continue
            raise FloatingPointError(
                f"detect_anomaly: in backward, op {_op_name(fn)!r} {self._layer_of(fn)} returned {_what(g)} in its "
                f"gradient for input {i} (shape {tuple(g.shape)}) from a finite gradient of its output: its "
                f"derivative is not finite at the values its forward saw (as for sqrt or log at 0, or a division "
                f"by 0).")

    def node_gradient(self, node, grad):
        """Every op's backward was checked as it ran, so a gradient that arrives non-finite came from no op."""
        if not self.check_backward or self is not _active[-1] or _finite(grad):
            return
        if node is self._root:
            raise FloatingPointError(f"detect_anomaly: backward was started with a gradient holding {_what(grad)}.")
        where = (f"the output of op {_op_name(node._ctx)!r} {self._layer_of(node._ctx)}" if node._ctx is not None
                 else "a leaf tensor")
        raise FloatingPointError(
            f"detect_anomaly: in backward, the gradient arriving at {where} holds {_what(grad)}, although every "
            f"op's backward returned finite gradients: adding up (or casting to the tensor's dtype) the gradients "
            f"of the tensor's several uses overflowed. Shape {tuple(grad.shape)}.")

    def _layer_of(self, fn):
        module = getattr(fn, LAYER, UNKNOWN)
        if module is UNKNOWN:
            return "(its forward ran before detect_anomaly was entered, so its layer is unknown)"
        return _label(module, self.names)


def _label(module, names):
    """'in layer NAME (Type)', by the model's dotted name when known, or 'outside any layer'."""
    if module is None:
        return "outside any layer"
    name = names.get(id(module))
    if name == "":
        return f"in the model's own forward ({type(module).__name__})"
    if name:
        return f"in layer {name!r} ({type(module).__name__})"
    text = repr(module)
    return f"in layer {text if chr(10) not in text else type(module).__name__}"


def _finite(array):
    return array.dtype.kind not in "fc" or bool(array_module(array).isfinite(array).all())


def _op_name(fn):
    cls = fn if isinstance(fn, type) else type(fn)
    return cls.name or cls.__name__.lower()


def _what(array):
    """Which of NaN, inf and -inf the array holds (the real and imaginary parts of complex numbers alike)."""
    host = array.get() if hasattr(array, "get") and not isinstance(array, numpy.ndarray) else array
    if host.dtype.kind == "c":
        host = numpy.concatenate([host.real.ravel(), host.imag.ravel()])
    kinds = []
    if numpy.isnan(host).any():
        kinds.append("NaN")
    if numpy.isposinf(host).any():
        kinds.append("inf")
    if numpy.isneginf(host).any():
        kinds.append("-inf")
    return " and ".join(kinds)

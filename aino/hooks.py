"""The seam between the engine and whatever watches it (aino.trace): the one module the engine reports to.

Each call site in the library is one line, for example in `Module.__call__`:

    if hooks.active: hooks.module_called(self, inputs, output)

so a run with no recorder attached pays one attribute check per call. `active` is the list of attached
listeners (a `Recorder`, or the checker of `detect_anomaly`); each event is handed to every one of them.
This file imports nothing from aino, so any module may import it; the trace, which sits above the
models, attaches its listeners here from above (aino/trace/recorder.py, aino/trace/anomaly.py).
"""

active = []  # the attached listeners; empty (falsy) when nothing records
_listeners = ()  # the same, as a tuple the events loop over (a listener may detach during an event)


class Listener:
    """Base class of what can be attached: every event does nothing unless a subclass says otherwise."""

    def module_entered(self, module):
        """An aino.nn Module's forward is about to run (`module_called` follows unless forward raises)."""

    def module_called(self, module, inputs, output):
        """An aino.nn Module has run forward on `inputs` (a tuple) and produced `output`."""

    def op_called(self, fn, tensors, output):
        """Op `fn` (a Function) has run forward on `tensors` and made the Tensor `output`; when the output
        needs a gradient, `output._ctx is fn`."""

    def backward_started(self, root, grad):
        """`root.backward(grad)` began: for a one-element root, root is the loss."""

    def backward_finished(self, root):
        """`root.backward(...)` has passed every gradient back (the graph is freed now, unless retained)."""

    def node_gradient(self, node, grad):
        """Backward has summed the whole gradient dL/d(node) (an array shaped like node.data)."""

    def op_backward(self, fn, grad, input_grads):
        """The backward of op `fn` (a Function) has turned dL/d(its output) `grad` into `input_grads`, a tuple
        with one gradient per input (None for an input that needs none), before they are passed on."""

    def attention_weights(self, module, weights):
        """A MultiheadAttention `module` has computed its attention weights softmax(Q K^T / sqrt(d) + mask), per
        head and before any averaging: a Tensor (N, heads, L, S), row l of head h saying how much query l
        attends to each of the S keys. Reported whether or not the caller asked for the weights."""

    def before_step(self, optimizer):
        """`optimizer.step()` is about to change the parameters."""

    def after_step(self, optimizer):
        """`optimizer.step()` has changed the parameters."""

    def classic_before_update(self, network, X, Y, output, loss):
        """A classic NeuralNetwork has done forward and backward on a batch and is about to update."""

    def classic_after_update(self, network):
        """A classic NeuralNetwork has updated every layer's weights."""


_recorder_class = None  # aino.trace's Recorder, provided when aino.trace is imported


def provide_recorder(recorder_class):
    """aino.trace hands its Recorder class over here (aino/trace/recorder.py does, when imported), so that a
    model below the trace can offer `fit(trace=True)` without importing the layer above it."""
    global _recorder_class
    _recorder_class = recorder_class


def recording(model, probe=None, **options):
    """A Recorder of `model` (a context manager that attaches on entering), as aino.trace provides it;
    `options` (probe_labels=, feature_names=, ...) are passed on to it."""
    if _recorder_class is None:
        raise RuntimeError("recording a trace needs aino.trace: `import aino` (or aino.trace) first")
    return _recorder_class(model, probe=probe, **options)


def attach(listener):
    global _listeners
    if listener not in active:
        active.append(listener)
    _listeners = tuple(active)


def detach(listener):
    global _listeners
    if listener in active:
        active.remove(listener)
    _listeners = tuple(active)


# --- the events, as the call sites spell them ----------------------------------------------------


def module_entered(module):
    for listener in _listeners:
        listener.module_entered(module)


def module_called(module, inputs, output):
    for listener in _listeners:
        listener.module_called(module, inputs, output)


def op_called(fn, tensors, output):
    for listener in _listeners:
        listener.op_called(fn, tensors, output)


def backward_started(root, grad):
    for listener in _listeners:
        listener.backward_started(root, grad)


def backward_finished(root):
    for listener in _listeners:
        listener.backward_finished(root)


def node_gradient(node, grad):
    for listener in _listeners:
        listener.node_gradient(node, grad)


def op_backward(fn, grad, input_grads):
    for listener in _listeners:
        listener.op_backward(fn, grad, input_grads)


def attention_weights(module, weights):
    for listener in _listeners:
        listener.attention_weights(module, weights)


def before_step(optimizer):
    for listener in _listeners:
        listener.before_step(optimizer)


def after_step(optimizer):
    for listener in _listeners:
        listener.after_step(optimizer)


def classic_before_update(network, X, Y, output, loss):
    for listener in _listeners:
        listener.classic_before_update(network, X, Y, output, loss)


def classic_after_update(network):
    for listener in _listeners:
        listener.classic_after_update(network)

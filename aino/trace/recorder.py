"""Recorder: attaches to a model (and its optimizer) and fills a Trace, one step at a time.

    from aino.trace import Recorder

    with Recorder(model, optimizer, probe=X_probe) as recorder:
        for X, y in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()          # a step ends here
    trace = recorder.trace

How it learns what happened (the events of the seam, aino/hooks.py):
  - a layer is each leaf module of the model (a module with no sub-modules: Linear, ReLU, Conv2d, ...),
    named as in `model.named_modules()`; `Module.__call__` reports its output;
  - `run_backward` reports the loss (the one-element tensor backward starts from) and, for each tensor
    of the graph, its summed gradient: the gradients of the layers' outputs are kept;
  - `Optimizer.step` reports before and after the update: the weights after it, the update = these
    weights - the previous step's (on the first step recorded, - the weights before the update), and
    the gradients it used. That ends the step. (Without an optimizer, call `recorder.end_step()`.)
  - a classic `NeuralNetwork` reports each update from `train_step` (see `classic_names`).

Within a step, a layer called more than once (gradient accumulation, an evaluation pass) counts with
its latest call that is part of the graph. With `probe=X`, after each step the model runs on X under
no_grad, in eval mode (so dropout draws no random numbers and batch norm updates no statistics), and
those outputs are the step's activations; gradients still come from the training batch. Recording
reads and copies, and never changes a value training uses: results are identical with and without it.
Each array is read the moment it is reported, while it is in the cache (aino/trace/store.py); a change
the training loop itself makes to the weights between steps shows in the next step's update.
"""

import numpy

from aino import hooks
from aino.ops import function
from aino.optim.optimizer import Optimizer
from aino.tensor import Tensor, no_grad
from aino.trace.layout import classic_layout, classic_names, is_classic, is_module, leaf_modules, module_layout
from aino.trace.trace import KINDS, Trace
from aino.validation import as_float_matrix, check_bool, check_finite, check_positive_int, check_real

NAN = float("nan")


class Recorder(hooks.Listener):
    """Records activations, gradients, weights and updates of `model` while it trains (a context manager).

    `optimizer`: only its steps count (default: any optimizer's step). `every=k`: full arrays only on
    steps 0, k, 2k, ... (summaries and loss on all; the newest step is always kept, so a trace ends
    with the final state). `max_bytes`: budget for full arrays (see aino/trace/thinning.py).
    `probe`: a fixed batch whose activations are recorded after each step. `record_ops`: keep the
    Tensor op log of each kept step.
    """

    def __init__(self, model, optimizer=None, *, every=1, max_bytes=64 * 2**20, probe=None, record_ops=False):
        self.every = check_positive_int(every, "every", "Recorder")
        self.max_bytes = int(check_real(max_bytes, "max_bytes (the budget in bytes)", "Recorder", minimum=1))
        self.record_ops = check_bool(record_ops, "record_ops", "Recorder")
        self.model, self.optimizer = model, _check_optimizer(optimizer)
        self.classic = is_classic(model)
        if not self.classic and not is_module(model):
            raise TypeError(f"Recorder: model must be an aino.nn Module or a classic NeuralNetwork, "
                            f"got {type(model).__name__}")
        self.probe = None if probe is None else self._probe_input(probe)
        if self.classic:
            layers, params, meta = classic_layout(model)
            self._leaves = {}
        else:
            leaves = leaf_modules(model)
            self._leaves = {id(module): name for name, module in leaves}
            layers, params, meta = module_layout(model, leaves)
        meta.update(every=self.every, probe=self.probe is not None, record_ops=self.record_ops,
                    optimizer=None if optimizer is None else repr(optimizer))
        self.trace = Trace(layers, params, meta, max_bytes=self.max_bytes)
        self._attached = False
        self._ops_was_on = None
        self._params = None
        self._previous = {}  # parameter -> its weights at the end of the latest step recorded
        self._step_callbacks, self._exit_callbacks = [], []
        self._reset_step()

    def add_step_callback(self, callback):
        """Call `callback(trace)` after each recorded step (the Debugger uses it to refresh while training runs)."""
        self._step_callbacks.append(callback)

    def add_exit_callback(self, callback):
        """Call `callback(trace)` when the `with` block ends (a live view's last refresh)."""
        self._exit_callbacks.append(callback)

    # --- attaching ----------------------------------------------------------------------------------

    def __enter__(self):
        self._previous = {}  # training may have gone on unrecorded since
        hooks.attach(self)
        self._attached = True
        if self.record_ops:
            self._ops_was_on = function._trace_on
            function.enable_trace()
            self._ops_start = len(function._trace_log)
        return self

    def __exit__(self, *exc):
        hooks.detach(self)
        self._previous = {}
        self._attached = False
        if self.record_ops:
            if not self._ops_was_on:
                function.disable_trace()
        self._reset_step()
        for callback in self._exit_callbacks:
            callback(self.trace)
        return False

    def end_step(self):
        """End a step by hand (a training loop that updates weights without an aino optimizer)."""
        self._finish_step({name: p.data for name, p in self._parameters()})

    # --- the fast path -----------------------------------------------------------------------------

    def _reset_step(self):
        self._outputs = {}  # layer -> output Tensor of this step
        self._watch = {}  # id(output tensor) -> [layer, ...]
        self._step = None  # the StepArrays this step's arrays are copied into (aino/trace/store.py)
        self._loss = None
        self._before = None  # parameter -> its value before the update
        self._grads = self._weight_grads = None  # the classic path's gradients, by layer and by parameter
        self._probing = False
        self._probe_outputs = {}

    def module_called(self, module, inputs, output):
        name = self._leaves.get(id(module))
        if name is None:
            return
        if isinstance(output, (tuple, list)):  # e.g. a recurrent layer's (output, state)
            output = next((o for o in output if hasattr(o, "requires_grad")), None)
        if output is None or not hasattr(output, "requires_grad"):
            return
        if self._probing:
            self._probe_outputs[name] = output.data
            return
        if "input_shape" not in self.trace.meta and inputs and hasattr(inputs[0], "shape"):
            self.trace.meta["input_shape"] = [int(n) for n in inputs[0].shape[1:]]
            self.trace.meta["input_width"] = int(inputs[0].shape[-1]) if len(inputs[0].shape) else None
        previous = self._outputs.get(name)
        if previous is None or output.requires_grad or not previous.requires_grad:
            self._outputs[name] = output
            if output.requires_grad:
                self._watch.setdefault(id(output), []).append(name)
            if self.probe is None:  # read now, while the output is in the cache
                self._arrays().put(("activations", name), output.data)

    def backward_started(self, root, grad):
        if self._loss is None and root.data.size == 1:
            self._loss = float(root.data.reshape(-1)[0])

    def node_gradient(self, node, grad):
        names = self._watch.get(id(node))
        if names:
            for name in names:
                if self._outputs.get(name) is node:
                    self._arrays().put(("gradients", name), grad)

    def before_step(self, optimizer):
        if self.classic or (self.optimizer is not None and optimizer is not self.optimizer):
            return
        params = self._parameters()
        self._before = {name: _snapshot(p.data) for name, p in params if name not in self._previous}
        self._put_weight_grads(params)

    def after_step(self, optimizer):
        if self.classic or (self.optimizer is not None and optimizer is not self.optimizer):
            return
        self._finish_step({name: p.data for name, p in self._parameters()})

    def _parameters(self):
        if self._params is None:
            self._params = self.model.named_parameters()
        return self._params

    def _arrays(self):
        if self._step is None:
            self._step = self.trace._new_step()
        return self._step

    def _put_weight_grads(self, params):
        arrays = self._arrays()
        for name, p in params:
            if p.grad is not None:
                arrays.put(("weight_grads", name), p.grad.data)

    def _finish_step(self, weights):
        """End the fast path's step: hand the weights, updates and activations over, then the whole step.
        A step's update is its weights less the previous step's (or, on the first step recorded, less the
        weights before the optimizer's step)."""
        arrays, before = self._arrays(), self._before
        if before is None:  # end_step() by hand: the gradients are still on the parameters
            self._put_weight_grads(self._parameters())
            before = {}
        for name, value in weights.items():
            after = arrays.put(("weights", name), value)
            previous = self._previous.get(name, before.get(name))
            if previous is not None:
                arrays.put_difference(("updates", name), after, previous)
            self._previous[name] = after
        if self.probe is not None:
            activations = self._run_probe()
            for name in self.trace.layers:
                if activations.get(name) is not None:
                    arrays.put(("activations", name), activations[name])
        self._append()

    def _run_probe(self):
        if self.classic:
            self.model.forward(self.probe)
            return _classic_activations(self.model)
        modes = [(module, module.training) for module in self.model.modules()]
        self._probing, self._probe_outputs = True, {}
        try:
            self.model.eval()
            with no_grad():
                self.model(self.probe)
        except (ValueError, TypeError) as error:  # say which input did not fit: the probe, not the batch
            kind = TypeError if isinstance(error, TypeError) else ValueError
            raise kind(f"Recorder: the probe batch of shape {tuple(self.probe.shape)} does not fit the model: "
                       f"{error}") from error
        finally:
            self._probing = False
            for module, mode in modes:
                module.training = mode
        return self._probe_outputs

    def _append(self):
        step = self.trace.n_steps
        ops = None
        if self.record_ops:
            log = function._trace_log
            ops = [_describe_op(entry) for entry in log[self._ops_start:]]
            if not self._ops_was_on:
                function.clear_trace()
            self._ops_start = len(log)
        self.trace._append_step(self._loss, self._arrays(), candidate=step % self.every == 0, ops=ops)
        self._reset_step()
        for callback in self._step_callbacks:
            callback(self.trace)

    # --- the classic path --------------------------------------------------------------------------

    def classic_before_update(self, network, X, Y, output, loss):
        if network is not self.model:
            return
        self._loss = loss
        self._classic = {"activations": _classic_activations(network)}
        grads = {}
        g = network.loss_function.gradient(output, Y)
        for i in reversed(range(len(network.layers))):
            layer = network.layers[i]
            z = _classic_z(layer)
            grads[f"layers.{i}"] = g
            dz = layer.activation.backprop(z, g)
            grads[f"layers.{i}.z"] = dz
            g = dz @ layer.weight_matrix()
        self._grads = grads
        self._before, self._weight_grads = {}, {}
        for i, layer in enumerate(network.layers):
            (W, b), (gW, gb) = (layer.weight_matrix(), layer.bias_vector()), layer.gradient_matrices()
            self._before[f"layers.{i}.weight"], self._before[f"layers.{i}.bias"] = W, b
            self._weight_grads[f"layers.{i}.weight"], self._weight_grads[f"layers.{i}.bias"] = gW, gb

    def classic_after_update(self, network):
        if network is not self.model or self._before is None:
            return
        weights = {}
        for i, layer in enumerate(network.layers):
            weights[f"layers.{i}.weight"], weights[f"layers.{i}.bias"] = layer.weight_matrix(), layer.bias_vector()
        batch = self._classic["activations"]
        self._outputs = {}
        activations = self._run_probe() if self.probe is not None else batch
        arrays = self._arrays()
        for name, value in weights.items():
            after = arrays.put(("weights", name), value)
            arrays.put(("weight_grads", name), self._weight_grads[name])
            arrays.put_difference(("updates", name), after, self._before[name])
        for name in self.trace.layers:
            for kind, source in (("activations", activations), ("gradients", self._grads)):
                if source.get(name) is not None:
                    arrays.put((kind, name), source[name])
        self._append()

    def _probe_input(self, probe):
        array = _check_probe(probe)
        if self.classic:
            return as_float_matrix(array, "probe", "Recorder", self.model.n_inputs)
        dtype = next((p.dtype for p in self.model.parameters()), numpy.dtype(numpy.float32))
        return Tensor(array.astype(dtype) if array.dtype.kind == "f" else array)


def _check_optimizer(optimizer):
    """None, or an aino optimizer (only its steps end a step of the trace)."""
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"Recorder: optimizer must be an aino optimizer (aino.optim.SGD, Adam, ...) or None, "
                        f"got {type(optimizer).__name__}")
    return optimizer


def _check_probe(probe):
    """The probe batch as a host array of real numbers, finite, with at least one sample."""
    data = getattr(probe, "data", probe)
    array = numpy.asarray(data.get() if hasattr(data, "get") and not isinstance(data, numpy.ndarray) else data)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"Recorder: probe must be a batch of samples (real numbers), got an array of {array.dtype}")
    if array.ndim < 1 or array.shape[0] == 0:
        raise ValueError(f"Recorder: probe must be a batch of samples, got shape {array.shape}")
    check_finite(array, "probe", "Recorder")
    return array


def _classic_z(layer):
    if layer.layer_wide:
        return layer.z
    return numpy.column_stack([p.z for p in layer.perceptrons])


def _classic_activations(network):
    out = {}
    for i, layer in enumerate(network.layers):
        out[f"layers.{i}.z"] = _classic_z(layer)
        out[f"layers.{i}"] = layer.output
    return out


def _snapshot(array):
    """A host (NumPy) copy of `array`."""
    return array.get() if hasattr(array, "get") and not isinstance(array, numpy.ndarray) else numpy.array(array, copy=True)


def _describe_op(entry):
    name, *inputs = entry
    return f"{name}(" + ", ".join(
        f"shape {tuple(x)}" if isinstance(x, tuple) else repr(x) for x in inputs) + ")"


hooks.provide_recorder(Recorder)  # NeuralNetwork.fit(trace=True) records through the seam

__all__ = ["KINDS", "Recorder", "classic_names"]

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

A MultiheadAttention reports its per-head weights (N, heads, L, S); they are kept with the step's
full arrays, from the probe pass when there is a probe, else from the training batch. At the end of
each step the BatchNorm running statistics are copied (they are small). `probe_labels`,
`feature_names` and `class_names` are kept in the trace for the visualizer, and `log_metric(name,
value)` attaches a number (a validation loss, ...) to the newest step. A recurrent layer's total
gradient dL/dh_t per time step is kept with the full arrays (aino/trace/time_grads.py). For one neuron's
chain rule (aino/trace/neuron.py) each step also keeps the input x of the dense layers on the training
batch where the trace holds it nowhere else (the model's input, or with a probe every dense layer's input:
one copy of it per step), and the learning rate of the optimizer's step.

Within a step, a layer called more than once (gradient accumulation, an evaluation pass) counts with
its latest call that is part of the graph. With `probe=X`, after each step the model runs on X under
no_grad, in eval mode (so dropout draws no random numbers and batch norm updates no statistics), and
those outputs are the step's activations; gradients still come from the training batch. Recording
reads and copies, and never changes a value training uses: results are identical with and without it.
Each array is read the moment it is reported, while it is in the cache (aino/trace/store.py); a change
the training loop itself makes to the weights between steps shows in the next step's update. On a GPU only
what the trace keeps comes to the host; the other steps are summarised on the device (store.py says how).
"""

from contextlib import contextmanager

import numpy

from aino import hooks
from aino.backend import array_module
from aino.ops import function
from aino.tensor import Tensor, is_grad_enabled, no_grad
from aino.trace.extras import check_names, check_optimizer, check_probe_labels, describe_op, probe_input
from aino.trace.layout import (attention_modules, classic_layout, classic_names, classic_outputs, is_classic, is_module,
                               leaf_modules, module_layout, running_buffers)
from aino.trace.recorder_classic import ClassicRecording
from aino.trace.store import _owns_its_memory, _snapshot
from aino.trace.summaries import to_host
from aino.trace.time_grads import TimeGradients
from aino.trace.trace import KINDS, Trace
from aino.validation import check_bool, check_positive_int, check_real

NAN = float("nan")


class Recorder(ClassicRecording, TimeGradients, hooks.Listener):
    """Records activations, gradients, weights and updates of `model` while it trains (a context manager).

    `optimizer`: only its steps count (default: any optimizer's step). `every=k`: full arrays only on
    steps 0, k, 2k, ... (summaries and loss on all; the newest step is always kept, so a trace ends
    with the final state). `max_bytes`: budget for full arrays (see aino/trace/thinning.py).
    `probe`: a fixed batch whose activations are recorded after each step; `probe_labels`: one label
    (int class) or target (float) per probe row. `feature_names`, `class_names`: sequences of str naming
    the inputs and the classes (`trace.meta`). `record_ops`: keep the Tensor op log of each kept step.
    """

    def __init__(self, model, optimizer=None, *, every=1, max_bytes=64 * 2**20, probe=None, probe_labels=None,
                 feature_names=None, class_names=None, record_ops=False):
        self.every = check_positive_int(every, "every", "Recorder")
        self.max_bytes = int(check_real(max_bytes, "max_bytes (the budget in bytes)", "Recorder", minimum=1))
        self.record_ops = check_bool(record_ops, "record_ops", "Recorder")
        self.model, self.optimizer = model, check_optimizer(optimizer)
        self.classic = is_classic(model)
        if not self.classic and not is_module(model):
            raise TypeError(f"Recorder: model must be an aino.nn Module or a classic NeuralNetwork, "
                            f"got {type(model).__name__}")
        self.probe = None if probe is None else probe_input(probe, model, self.classic)
        self._moved_probe = self.probe  # the probe on another device (the fast path's GPU), when it runs there
        labels = check_probe_labels(probe_labels, None if self.probe is None else int(self.probe.shape[0]))
        width, whose = ((model.n_inputs, "the network") if self.classic else (None, "") if self.probe is None
                        else (int(self.probe.shape[-1]), "the probe"))  # input features, when known now
        self.feature_names = check_names(feature_names, "feature_names", width, whose)
        names = {"feature_names": self.feature_names, "class_names": check_names(class_names, "class_names")}
        if self.classic:
            layers, params, meta = classic_layout(model)
            self._leaves, self._attention, self._buffers, leaves = {}, {}, [], ()
            self._dense = {f"layers.{i}.z" for i in range(len(model.layers))}
        else:
            leaves = leaf_modules(model)
            self._leaves = {id(module): name for name, module in leaves}
            layers, params, meta = module_layout(model, leaves)
            self._attention = {id(module): name for name, module in attention_modules(model)}
            self._buffers = running_buffers(model)  # [(name, module, attribute)]
            self._dense = {info["name"] for info in meta["layers"] if info.get("role") == "linear"}
        self._init_time_gradients(leaves)  # the recurrent layers among the leaves
        meta.update(every=self.every, probe=self.probe is not None, record_ops=self.record_ops,
                    optimizer=None if optimizer is None else repr(optimizer),
                    attention_layers=list(self._attention.values()), buffer_names=[b[0] for b in self._buffers],
                    hidden_grad_layers=self.hidden_grad_layers, optimizer_values=["lr"],
                    input_layers=[name for name in layers if name in self._dense], layer_inputs={})
        if self.classic and self.probe is None:  # layer i reads layer i-1's activations, recorded on the batch
            meta["layer_inputs"] = {f"layers.{i}.z": f"layers.{i - 1}" for i in range(1, len(model.layers))}
        meta.update({key: value for key, value in names.items() if value is not None})
        self.trace = Trace(layers, params, meta, max_bytes=self.max_bytes)
        if self.probe is not None:
            self.trace._set_probe(to_host(self.probe.data if isinstance(self.probe, Tensor) else self.probe), labels)
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
        self.trace._move_to_host()  # the newest step's arrays, if they waited on a GPU
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

    def log_metric(self, name, value):
        """Attach `value` (a real number, finite or NaN) to the newest recorded step as metric `name`
        (a str): `trace.metric(name)` then holds it at that step. A ValueError before the first step."""
        self.trace._log_metric(name, value)

    @contextmanager
    def paused(self):
        """Listen to nothing for a while: an evaluation pass inside the `with` block (aino.fit's validation)
        then leaves no trace in the step that follows."""
        was_attached, ops = self._attached, self.record_ops and not self._ops_was_on
        if was_attached:
            hooks.detach(self)
        if ops:
            function.disable_trace()
        try:
            yield self
        finally:
            if ops:
                function.enable_trace()
            if was_attached:
                hooks.attach(self)

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
        self._attention_now = {}  # attention layer -> (weights, whether grad mode was on) of this step's batch
        self._probe_attention = {}  # attention layer -> weights on the probe
        self._inputs = {}  # dense layer -> a copy of its input on this step's batch, where nothing else holds it
        self._made = {}  # id(output tensor) -> the leaf whose output it is, this step
        self._lr = None  # the learning rate of this step's optimizer
        self._reset_time_gradients()

    def module_called(self, module, inputs, output):
        self._recurrent_called(module)
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
            width = self.trace.meta["input_width"]
            if self.feature_names is not None and width is not None and len(self.feature_names) != width:
                raise ValueError(f"Recorder: feature_names has {len(self.feature_names)} names but the model's "
                                 f"input has {width} features (its last axis)")
        previous = self._outputs.get(name)
        if previous is None or output.requires_grad or not previous.requires_grad:
            self._outputs[name] = output
            self._made[id(output)] = name
            if output.requires_grad:
                self._watch.setdefault(id(output), []).append(name)
            if name in self._dense and inputs and self._may_keep():
                self._note_input(name, inputs[0])
            if self.probe is None:  # read now, while the output is in the cache
                self._arrays().put(("activations", name), output.data)

    def _note_input(self, name, x):
        """Keep the input `x` of dense layer `name` for its chain rule: a copy, unless (without a probe) `x` is
        the output of the leaf just before, whose activations the trace keeps: meta["layer_inputs"] names it."""
        source = self._made.get(id(x)) if self.probe is None else None
        links = self.trace.meta["layer_inputs"]
        if source is not None and self._outputs.get(source) is x:
            links[name] = source
            self._inputs.pop(name, None)
        else:
            links.pop(name, None)
            self._inputs[name] = _snapshot(getattr(x, "data", x))

    def attention_weights(self, module, weights):
        name = self._attention.get(id(module))
        if name is None:
            return
        array = getattr(weights, "data", weights)  # on a GPU it stays there: it moves if the step is kept
        if self._probing:
            self._probe_attention[name] = array
            return
        grad_on = is_grad_enabled()  # like the activations: a call within training beats an evaluation pass
        previous = self._attention_now.get(name)
        if previous is None or grad_on or not previous[1]:
            self._attention_now[name] = array, grad_on

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
        self._lr = getattr(optimizer, "lr", None)
        self.trace.meta.setdefault("optimizer_type", type(optimizer).__name__)
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
            self._step = self.trace._new_step(self._step_module())
        return self._step

    def _may_keep(self):
        """Whether the trace may keep the step being recorded for good (every=k: a multiple of k); another
        is kept only while it is the newest."""
        return self.trace.n_steps % self.every == 0

    def _step_module(self):
        """numpy, or the model's GPU module for a step kept only while it is the newest (every=k, a step not a
        multiple of k): its arrays then stay on the device, only their summaries come over (trace/store.py)."""
        first = None if self.classic or self._may_keep() else next(iter(self._parameters()), None)
        return numpy if first is None else array_module(first[1].data)

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
            after = after if type(after) is type(value) else _snapshot(value)  # a GPU's: the update is made there
            previous = self._previous.get(name, before.get(name))
            if previous is not None:
                arrays.put_difference(("updates", name), after, previous)
            self._previous[name] = after
        if self.probe is not None:
            activations = self._run_probe()
            for name in self.trace.layers:
                if activations.get(name) is not None:
                    arrays.put(("activations", name), activations[name])
        self._append(self._module_extras())

    def _module_extras(self):
        """{(kind, name): host array} of the step's attention weights (the probe's, when there is a probe)
        and the BatchNorm running statistics as they are now, at the end of the step."""
        extras = {}
        attention = self._probe_attention if self.probe is not None else {
            name: array for name, (array, _) in self._attention_now.items()}
        for name, array in attention.items():
            extras["attention", name] = array if _owns_its_memory(array) else array.copy()
        for name, module, attribute in self._buffers:
            buffer = getattr(module, attribute, None)
            if buffer is not None:
                extras["buffers", name] = _snapshot(buffer.data)  # changed in place by the next step: a copy
        extras.update(self._time_gradient_extras())  # the training batch's dL/dh_t of the recurrent layers
        extras.update(self._chain_rule_extras())
        return extras

    def _chain_rule_extras(self):
        """{(kind, name): array} of the step's dense-layer inputs and learning rate, for the chain rule."""
        extras = {("inputs", name): x for name, x in self._inputs.items()}
        if isinstance(self._lr, (int, float)):
            extras["optimizer", "lr"] = numpy.array([self._lr], dtype=numpy.float64)
        return extras

    def _run_probe(self):
        if self.classic:
            self.model.forward(self.probe)
            return classic_outputs(self.model)
        modes = [(module, module.training) for module in self.model.modules()]
        self._probing, self._probe_outputs, self._probe_attention = True, {}, {}
        try:
            self.model.eval()
            with no_grad():
                self.model(self._probe_on_model_device())
        except (ValueError, TypeError) as error:  # say which input did not fit: the probe, not the batch
            kind = TypeError if isinstance(error, TypeError) else ValueError
            raise kind(f"Recorder: the probe batch of shape {tuple(self.probe.shape)} does not fit the model: "
                       f"{error}") from error
        finally:
            self._probing = False
            for module, mode in modes:
                module.training = mode
        return self._probe_outputs

    def _probe_on_model_device(self):
        """The probe batch on the device of the model's parameters (moved once per device it meets)."""
        first = next(iter(self.model.parameters()), None)
        device = self.probe.device if first is None else first.device
        if device != self.probe.device and self._moved_probe.device != device:
            self._moved_probe = self.probe.to(device)
        return self.probe if device == self.probe.device else self._moved_probe

    def _append(self, extras=None):
        ops = None
        if self.record_ops:
            log = function._trace_log
            ops = [describe_op(entry) for entry in log[self._ops_start:]]
            if not self._ops_was_on:
                function.clear_trace()
            self._ops_start = len(log)
        self.trace._append_step(self._loss, self._arrays(), candidate=self._may_keep(), ops=ops, extras=extras)
        self._reset_step()
        for callback in self._step_callbacks:
            callback(self.trace)


hooks.provide_recorder(Recorder)  # NeuralNetwork.fit(trace=True) records through the seam

__all__ = ["KINDS", "Recorder", "classic_names"]

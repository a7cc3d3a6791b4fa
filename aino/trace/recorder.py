"""Recorder: attaches to a model (and its optimizer) and fills a Trace, one step at a time.

    from aino.trace import Recorder

    with Recorder(model, optimizer, probe=X_probe) as recorder:
        for X, y in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()          # a step ends here
    trace = recorder.trace

How it learns what happened (the hooks in aino/trace/hooks.py):
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

from aino.trace import hooks
from aino.trace.trace import KINDS, Trace

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
        if isinstance(every, bool) or not isinstance(every, (int, numpy.integer)) or every < 1:
            raise ValueError(f"Recorder: every must be a positive integer, got {every!r}")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, (int, float, numpy.number)) or max_bytes <= 0:
            raise ValueError(f"Recorder: max_bytes must be a positive number of bytes, got {max_bytes!r}")
        self.model, self.optimizer = model, optimizer
        self.every, self.max_bytes, self.record_ops = int(every), int(max_bytes), bool(record_ops)
        self.classic = _is_classic(model)
        if not self.classic and not _is_module(model):
            raise TypeError(f"Recorder: model must be an aino.nn Module or a classic NeuralNetwork, "
                            f"got {type(model).__name__}")
        self.probe = None if probe is None else self._probe_input(probe)
        if self.classic:
            layers, params, meta = _classic_layout(model)
            self._leaves = {}
        else:
            leaves = _leaf_modules(model)
            self._leaves = {id(module): name for name, module in leaves}
            layers, params, meta = _module_layout(model, leaves)
        meta.update(every=self.every, probe=self.probe is not None, record_ops=self.record_ops,
                    optimizer=None if optimizer is None else repr(optimizer))
        self.trace = Trace(layers, params, meta, max_bytes=self.max_bytes)
        self._attached = False
        self._ops_was_on = None
        self._params = None
        self._previous = {}  # parameter -> its weights at the end of the latest step recorded
        self._step_callbacks = []
        self._reset_step()

    def add_step_callback(self, callback):
        """Call `callback(trace)` after each recorded step (the Debugger uses it to refresh while training runs)."""
        self._step_callbacks.append(callback)

    # --- attaching ----------------------------------------------------------------------------------

    def __enter__(self):
        self._previous = {}  # training may have gone on unrecorded since
        hooks.attach(self)
        self._attached = True
        if self.record_ops:
            from aino.ops import function

            self._ops_was_on = function._trace_on
            function.enable_trace()
            self._ops_start = len(function._trace_log)
        return self

    def __exit__(self, *exc):
        hooks.detach(self)
        self._previous = {}
        self._attached = False
        if self.record_ops:
            from aino.ops import function

            if not self._ops_was_on:
                function.disable_trace()
        self._reset_step()
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
        from aino.tensor import no_grad

        modes = [(module, module.training) for module in self.model.modules()]
        self._probing, self._probe_outputs = True, {}
        try:
            self.model.eval()
            with no_grad():
                self.model(self.probe)
        finally:
            self._probing = False
            for module, mode in modes:
                module.training = mode
        return self._probe_outputs

    def _append(self):
        step = self.trace.n_steps
        ops = None
        if self.record_ops:
            from aino.ops import function

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
        data = getattr(probe, "data", probe)
        array = numpy.asarray(data.get() if hasattr(data, "get") and not isinstance(data, numpy.ndarray) else data)
        if array.ndim < 1 or array.shape[0] == 0:
            raise ValueError(f"Recorder: probe must be a batch of samples, got shape {array.shape}")
        if self.classic:
            return numpy.asarray(array, dtype=numpy.float64)
        from aino.tensor import Tensor

        dtype = next((p.dtype for p in self.model.parameters()), numpy.dtype(numpy.float32))
        return Tensor(array.astype(dtype) if array.dtype.kind == "f" else array)


# --- what the model looks like (meta) ----------------------------------------------------------


def classic_names(network):
    """{classic trace name: name in the trace of network.to_module()}: layer i of a classic network is
    `layers.i.z` (weighted sums z = x @ W.T + b, module 2i, a Linear) and `layers.i` (its activations
    a = f(z), module 2i+1); its parameters `layers.i.weight` (n_out, n_in) and `layers.i.bias` are
    `2i.weight` and `2i.bias`."""
    names = {}
    for i in range(len(network.layers)):
        names[f"layers.{i}.z"], names[f"layers.{i}"] = str(2 * i), str(2 * i + 1)
        names[f"layers.{i}.weight"], names[f"layers.{i}.bias"] = f"{2 * i}.weight", f"{2 * i}.bias"
    return names


def _is_classic(model):
    from aino.classic.network import NeuralNetwork

    return isinstance(model, NeuralNetwork)


def _is_module(model):
    from aino.nn.module import Module

    return isinstance(model, Module)


def _leaf_modules(model):
    """(name, module) for each module without sub-modules (losses left out), as named_modules() names it."""
    from aino.nn.loss import Loss

    leaves = []
    for name, module in model.named_modules():
        if not module.named_children() and not isinstance(module, Loss):
            leaves.append((name or type(module).__name__.lower(), module))
    return leaves


ACTIVATION_NAMES = {"ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "LeakyReLU": "leaky_relu", "ELU": "elu",
                    "SELU": "selu", "GELU": "gelu", "Softplus": "softplus", "Softmax": "softmax",
                    "LogSoftmax": "log_softmax", "Identity": "identity"}


def _module_layout(model, leaves):
    params = [name for name, _ in model.named_parameters()]
    own = {id(p): name for name, p in model.named_parameters()}
    layers, infos = [], []
    for name, module in leaves:
        kind = type(module).__name__
        info = {"name": name, "type": kind, "role": "other", "activation": None}
        if kind in ACTIVATION_NAMES and type(module).__module__ == "aino.nn.activation":
            info.update(role="activation", activation=ACTIVATION_NAMES[kind])
            if kind == "LeakyReLU":
                info["negative_slope"] = float(module.negative_slope)
        weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
        info["weight"] = own.get(id(weight)) if weight is not None else None
        info["bias"] = own.get(id(bias)) if bias is not None else None
        if hasattr(module, "in_features") and hasattr(module, "out_features"):
            info.update(role="linear", in_features=int(module.in_features), out_features=int(module.out_features))
        layers.append(name)
        infos.append(info)
    meta = {"path": "nn", "model": repr(model), "model_type": type(model).__name__, "layers": infos,
            "param_shapes": {name: list(p.shape) for name, p in model.named_parameters()}}
    return layers, params, meta


def _classic_layout(network):
    from aino.nn.activation import ACTIVATION_MODULES

    layers, params, infos = [], [], []
    for i, layer in enumerate(network.layers):
        name = layer.activation.name
        module = ACTIVATION_MODULES.get(name)
        layers += [f"layers.{i}.z", f"layers.{i}"]
        params += [f"layers.{i}.weight", f"layers.{i}.bias"]
        infos.append({"name": f"layers.{i}.z", "type": "Linear", "role": "linear", "activation": None,
                      "in_features": layer.n_inputs, "out_features": layer.n_neurons,
                      "weight": f"layers.{i}.weight", "bias": f"layers.{i}.bias"})
        info = {"name": f"layers.{i}", "type": module.__name__ if module else "Activation", "role": "activation",
                "activation": name, "weight": None, "bias": None}
        info.update(layer.activation.options())
        infos.append(info)
    meta = {"path": "classic", "model": repr(network), "model_type": "NeuralNetwork", "layers": infos,
            "param_shapes": {p: list(s) for i, layer in enumerate(network.layers)
                             for p, s in ((f"layers.{i}.weight", (layer.n_neurons, layer.n_inputs)),
                                          (f"layers.{i}.bias", (layer.n_neurons,)))},
            "input_shape": [network.n_inputs], "input_width": network.n_inputs,
            "loss": network.loss_function.name, "equivalent_names": classic_names(network)}
    return layers, params, meta


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


__all__ = ["KINDS", "Recorder", "classic_names"]

"""What a Trace keeps besides the summaries and full arrays of layers and parameters.

  probe          `trace.probe_inputs` (the probe batch the activations were computed on, or None) and
                 `trace.probe_labels` (one label or target per probe row, or None), host arrays
  names          `trace.meta["feature_names"]` (one per input feature), `trace.meta["class_names"]`
                 (`class_names[k]` names label k), as the Recorder was given them
  metrics        `trace.metrics`, {name: (n_steps,) float64}: a value logged for a step (the validation
                 loss after an epoch, ...), NaN at the steps with none
  attention      `trace.attention(layer, step)`: the weights softmax(Q K^T / sqrt(d) + mask) of each head of
                 a MultiheadAttention, (N, heads, L, S), at the steps whose full arrays are kept
  buffers        `trace.buffer(name, step)`: a BatchNorm's running_mean or running_var after the step, at
                 the same kept steps
  hidden_grads   `trace.hidden_grads(layer, step)`: a recurrent layer's total gradient of its hidden state
                 per time step, dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t, (T, N, H * directions)
                 time-major, on the training batch, at the same kept steps (aino/trace/time_grads.py)
  inputs         the input x of a dense layer on the training batch, where the trace holds it nowhere else
                 (the model's input; every dense layer's, with a probe); `meta["layer_inputs"]` names the
                 layer whose activations are a dense layer's input otherwise. Read by aino/trace/neuron.py
  optimizer      "lr": the learning rate the step's optimizer used, a (1,) array

Attention weights, buffers, hidden_grads, inputs and the learning rate live with the step's full arrays (under
the kinds "attention", "buffers", "hidden_grads", "inputs" and "optimizer"), so the memory budget counts them and thinning drops them with the rest of their step; they
have no summaries. In the file they are the members full/<step>/attention/<layer>.npy and
full/<step>/buffers/<name>.npy and full/<step>/hidden_grads/<layer>.npy, beside probe/inputs.npy, probe/labels.npy and metric/<name>.npy.
"""

import math
import numbers

import numpy

from aino.optim.optimizer import Optimizer
from aino.tensor import Tensor
from aino.trace.neuron import chain_rule
from aino.validation import as_float_matrix, check_finite

NAN = float("nan")
EXTRA_KINDS = ("attention", "buffers", "hidden_grads", "inputs", "optimizer")  # full arrays kept without summaries
NAME_LISTS = ("attention_layers", "buffer_names", "hidden_grad_layers", "input_layers", "optimizer_values",
              "feature_names", "class_names")  # in the meta
EXTRA_NAMES = {"attention": "attention_layers", "buffers": "buffer_names", "hidden_grads": "hidden_grad_layers",
               "inputs": "input_layers", "optimizer": "optimizer_values"}
EXPECTED_NDIM = {"attention": (4, "4-D floats (N, heads, L, S)"), "hidden_grads": (3, "3-D floats (T, N, H)")}


class TraceExtras:
    """The probe, metrics, attention weights and buffers of a Trace (mixed into aino.trace.Trace)."""

    def _init_extras(self):
        self._probe_inputs = self._probe_labels = None
        self._metrics = {}  # name -> {step: value}

    # --- reading -------------------------------------------------------------------------------------

    @property
    def probe_inputs(self):
        """The probe batch the activations were recorded on (a read-only host array), or None."""
        return self._probe_inputs

    @property
    def probe_labels(self):
        """One label (an int class) or target (a float) per probe row (a read-only (n_probe,) array), or None."""
        return self._probe_labels

    @property
    def metrics(self):
        """{name: float64 array (n_steps,)}: each logged metric at every step, NaN where none was logged."""
        return {name: self.metric(name) for name in self._metrics}

    def metric(self, name):
        """The metric `name` at every step (float64 (n_steps,), NaN where none was logged)."""
        if name not in self._metrics:
            raise ValueError(f"Trace.metric: no metric {name!r}; the trace has {list(self._metrics)}")
        column = numpy.full(self.n_steps, NAN)
        for step, value in self._metrics[name].items():
            column[step] = value
        return column

    @property
    def attention_layers(self):
        """The names of the model's MultiheadAttention modules, in model order (named_modules() names)."""
        return list(self.meta.get("attention_layers", ()))

    @property
    def buffer_names(self):
        """The names of the BatchNorm running statistics: "module.running_mean", "module.running_var"."""
        return list(self.meta.get("buffer_names", ()))

    @property
    def hidden_grad_layers(self):
        """The names of the recurrent layers (RNN, LSTM, GRU) whose hidden_grads the trace records."""
        return list(self.meta.get("hidden_grad_layers", ()))

    def hidden_grads(self, layer, step):
        """The total gradient of recurrent `layer`'s hidden state at every time step at `step`, on the
        training batch: dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t, (T, N, H * directions) time-major
        (whatever batch_first), for the top layer of a stack, the directions side by side (forward first)."""
        return self._extra("hidden_grads", layer, step, self.hidden_grad_layers, "recurrent layer")

    def attention(self, layer, step):
        """The attention weights of MultiheadAttention `layer` at `step`, per head: (N, heads, L, S), on the
        probe batch when the recorder had one (else on the step's training batch)."""
        return self._extra("attention", layer, step, self.attention_layers, "attention layer")

    def buffer(self, name, step):
        """The buffer `name` (a BatchNorm's running_mean or running_var) after `step`."""
        return self._extra("buffers", name, step, self.buffer_names, "buffer")

    def chain_rule(self, layer, neuron, step, sample=0):
        """One neuron's chain rule at a kept step, with the step's numbers (aino/trace/neuron.py)."""
        return chain_rule(self, layer, neuron, step, sample)

    def _extra(self, kind, name, step, names, what):
        if name not in names:
            raise ValueError(f"Trace.{_reader(kind)}: no {what} {name!r}; the trace has {names}")
        return self._kept_array(_reader(kind), kind, name, step, "the layer did not run")

    # --- filling (the Recorder calls these) ------------------------------------------------------------

    def _set_probe(self, inputs, labels):
        """Keep the probe batch and its labels (host arrays, or None), read-only."""
        self._probe_inputs, self._probe_labels = _frozen(inputs), _frozen(labels)

    def _log_metric(self, name, value):
        """Attach `value` (checked) to the newest step as metric `name`."""
        name, value = check_metric(name, value)
        if not self.n_steps:
            raise ValueError(f"Recorder.log_metric: no step has been recorded yet, so {name!r} has no step to "
                             f"go with; log it after the first optimizer.step()")
        self._metrics.setdefault(name, {})[self.n_steps - 1] = value

    # --- files ---------------------------------------------------------------------------------------

    def _extra_members(self):
        """{member name: array} of the probe and the metrics, for Trace.save."""
        members = {}
        if self._probe_inputs is not None:
            members["probe/inputs"] = self._probe_inputs
        if self._probe_labels is not None:
            members["probe/labels"] = self._probe_labels
        for name in self._metrics:
            members[f"metric/{name}"] = self.metric(name)
        return members

    def _load_extras(self, arrays):
        """Read the probe and the metrics back from a file's `arrays` and check its attention and buffer
        arrays; anything that is not what Trace.save writes is a ValueError saying what was expected."""
        for key in NAME_LISTS:
            names = self.meta.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"meta {key!r} must be a list of names, got {names!r}")
            if key in EXTRA_NAMES.values() and len(set(names)) != len(names):
                raise ValueError(f"meta {key!r} must hold distinct names, got {names}")
        inputs, labels = arrays.get("probe/inputs"), arrays.get("probe/labels")
        if labels is not None and inputs is None:
            raise ValueError("probe/labels has no probe/inputs to go with")
        if inputs is not None:
            if inputs.ndim < 1 or inputs.dtype.kind not in "biuf":
                raise ValueError(f"probe/inputs must be an array of numbers with one row per sample, got "
                                 f"{inputs.dtype} of shape {inputs.shape}")
            if labels is not None and (labels.ndim != 1 or labels.dtype.kind not in "biuf" or len(labels) != len(inputs)):
                raise ValueError(f"probe/labels must be 1-D numbers, one per probe row: shape ({len(inputs)},), got "
                                 f"{labels.dtype} of shape {labels.shape}")
        self._set_probe(inputs, labels)
        for key, array in arrays.items():
            section, _, name = key.partition("/")
            if section == "metric":
                if array.shape != (self.n_steps,) or array.dtype.kind != "f":
                    raise ValueError(f"metric {name!r} must be floats of shape ({self.n_steps},) (one per step), "
                                     f"got {array.dtype} of shape {array.shape}")
                self._metrics[name] = {int(step): float(array[step]) for step in numpy.flatnonzero(~numpy.isnan(array))}
            elif section == "probe" and name not in ("inputs", "labels"):
                raise ValueError(f"unknown member {key!r}; a probe has only probe/inputs and probe/labels")
        known = {kind: set(self.meta.get(key, ())) for kind, key in EXTRA_NAMES.items()}
        for step, full in self._full.items():
            for (kind, name), array in full.items():
                if kind not in EXTRA_KINDS:
                    continue
                if name not in known[kind]:
                    raise ValueError(f"full/{step}/{kind}/{name!r} names no {_reader(kind)} of the trace "
                                     f"(it has {sorted(known[kind])})")
                ndim, expected = EXPECTED_NDIM.get(kind, (array.ndim, "floats"))
                if array.dtype.kind != "f" or array.ndim != ndim:
                    raise ValueError(f"full/{step}/{kind}/{name} must be {expected}, got {array.dtype} of shape "
                                     f"{array.shape}")


# --- checking what the Recorder is given -------------------------------------------------------------

def check_optimizer(optimizer):
    """None, or an aino optimizer (only its steps end a step of the trace)."""
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"Recorder: optimizer must be an aino optimizer (aino.optim.SGD, Adam, ...) or None, "
                        f"got {type(optimizer).__name__}")
    return optimizer


def check_probe(probe):
    """The probe batch as a host array of real numbers, finite, with at least one sample."""
    data = getattr(probe, "data", probe)
    array = numpy.asarray(data.get() if hasattr(data, "get") and not isinstance(data, numpy.ndarray) else data)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"Recorder: probe must be a batch of samples (real numbers), got an array of {array.dtype}")
    if array.ndim < 1 or array.shape[0] == 0:
        raise ValueError(f"Recorder: probe must be a batch of samples, got shape {array.shape}")
    check_finite(array, "probe", "Recorder")
    return array


def probe_input(probe, model, classic):
    """The probe batch as the model takes it: a float64 matrix for a classic network, else a host Tensor of
    the parameters' float dtype (the Recorder moves it to the model's device when it runs it)."""
    array = check_probe(probe)
    if classic:
        return as_float_matrix(array, "probe", "Recorder", model.n_inputs)
    dtype = next((p.dtype for p in model.parameters()), numpy.dtype(numpy.float32))
    return Tensor(array.astype(dtype) if array.dtype.kind == "f" else array)


def check_metric(name, value):
    """(name, float(value)): name a non-empty str, value a real number, finite or NaN."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"Recorder.log_metric: name must be a non-empty str such as 'val_loss', got {name!r}")
    if isinstance(value, numpy.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.reshape(-1)[0]
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"Recorder.log_metric: the value of {name!r} must be a real number, got {type(value).__name__}")
    value = float(value)
    if math.isinf(value):
        raise ValueError(f"Recorder.log_metric: the value of {name!r} must be finite (or NaN for none), got {value}")
    return name, value


def check_names(names, what, expected=None, why=""):
    """`names` (a sequence of str) as a list; with `expected`, it must hold that many (`why` says whose)."""
    if names is None:
        return None
    if isinstance(names, (str, bytes)) or not hasattr(names, "__len__") or not hasattr(names, "__iter__"):
        raise TypeError(f"Recorder: {what} must be a sequence of str (a list or tuple), got {type(names).__name__}")
    names = list(names)
    wrong = [n for n in names if not isinstance(n, str)]
    if wrong:
        raise TypeError(f"Recorder: {what} must all be str, got {type(wrong[0]).__name__} {wrong[0]!r}")
    if expected is not None and len(names) != expected:
        raise ValueError(f"Recorder: {what} has {len(names)} names but {why} has {expected} input features")
    return [str(n) for n in names]


def check_probe_labels(labels, probe_rows):
    """One label per probe row as a host array: integer classes as int64, regression targets as float64;
    1-D, or (n, 1) flattened. `probe_rows` is None without a probe (then labels must be None too)."""
    if labels is None:
        return None
    if probe_rows is None:
        raise ValueError("Recorder: probe_labels label the rows of the probe batch, but no probe was given "
                         "(pass probe=X as well)")
    data = labels.data if isinstance(labels, Tensor) else labels
    array = numpy.asarray(data.get() if hasattr(data, "get") and not isinstance(data, numpy.ndarray) else data)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Recorder: probe_labels must be numbers (int classes or float targets), got an array "
                        f"of {array.dtype}")
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"Recorder: probe_labels must hold one label per probe row, shape ({probe_rows},), got "
                         f"shape {array.shape}")
    if len(array) != probe_rows:
        raise ValueError(f"Recorder: probe_labels has {len(array)} labels but the probe has {probe_rows} rows")
    if array.dtype.kind == "f":
        if not numpy.isfinite(array).all():
            raise ValueError("Recorder: probe_labels must be finite, got NaN or inf")
        return array.astype(numpy.float64)
    return array.astype(numpy.int64)


def _frozen(array):
    """A read-only host copy of `array` (None stays None)."""
    if array is None:
        return None
    array = numpy.array(array, copy=True)
    array.flags.writeable = False
    return array


def describe_op(entry):
    """One entry of the op log as text: "name(shape (2, 3), 0.5)"."""
    name, *inputs = entry
    return f"{name}(" + ", ".join(
        f"shape {tuple(x)}" if isinstance(x, tuple) else repr(x) for x in inputs) + ")"


def _reader(kind):
    return {"attention": "attention", "buffers": "buffer", "hidden_grads": "hidden_grads", "inputs": "layer_input",
            "optimizer": "chain_rule"}[kind]

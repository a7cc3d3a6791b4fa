"""The Trace: what a Recorder saw, as plain step-indexed arrays (the visualizer only reads it).

Steps are numbered 0, 1, ... in the order training made them (one step = one optimizer.step(), or one
update of a classic NeuralNetwork). For every step the trace keeps

  - the loss (`trace.loss`, one float per step);
  - per layer and per parameter, summaries (`trace.summary(kind, name)`): mean, std, min, max, norm,
    fraction of zeros, a 32-bin histogram on edges fixed per (kind, name) (`trace.hist_edges`), and for
    parameters the update-to-weight ratio norm(update) / norm(weight);

and for the steps in `trace.steps` (chosen within the memory budget, see aino/trace/thinning.py) the
full arrays:

  kind            name          array
  activations     a layer       the layer's output (on the probe batch when the recorder had one)
  gradients       a layer       dL/d(output of the layer), on the training batch
  weights         a parameter   its value after the step
  weight_grads    a parameter   dL/d(parameter) the step used
  updates         a parameter   weights(step) - weights(step - 1): what the step changed (the first
                                step recorded: weights after - weights before its optimizer step)

Besides these it keeps the probe batch and its labels, metrics logged per step, and at the kept steps the
attention weights, BatchNorm running statistics and the recurrent layers' total hidden-state gradients
per time step, `hidden_grads` (aino/trace/extras.py, aino/trace/time_grads.py). A Trace saves to one .npz
file (`save`, `Trace.load`); nothing is pickled.
"""

import json
import os

import numpy

from aino.trace import summaries
from aino.trace.diagnose import Diagnosable
from aino.trace.extras import TraceExtras
from aino.trace.store import DeviceStepArrays, StepArrays
from aino.trace.thinning import Thinner
from aino.trace.trace_file import FORMAT, check_meta, read_trace_file, write_trace_file

LAYER_KINDS = ("activations", "gradients")
PARAM_KINDS = ("weights", "weight_grads", "updates")
KINDS = LAYER_KINDS + PARAM_KINDS


class Trace(Diagnosable, TraceExtras):
    """Step-indexed recordings of one training run. Made by a Recorder, or read by `Trace.load(path)`."""

    def __init__(self, layers=(), params=(), meta=None, max_bytes=64 * 2**20):
        self.layers = list(layers)
        self.params = list(params)
        self.meta = dict(meta or {})
        self.n_steps = 0
        self._loss = []
        self._keys = [(kind, name) for kind in KINDS for name in self._names(kind)]
        self._index = {key: i for i, key in enumerate(self._keys)}  # (kind, name) -> series
        self._infos = {info.get("name"): info for info in self.meta.get("layers", ())}
        self._activation_layers = {name for name, info in self._infos.items() if info.get("role") == "activation"}
        self._nonnegative = {name for name, info in self._infos.items()  # dead units from the column sums
                             if summaries.NONNEGATIVE.get(info.get("activation")) == info.get("type")}
        saturation = {self._index["activations", name]: summaries.SATURATION[info["activation"]]
                      for name, info in self._infos.items() if info.get("activation") in summaries.SATURATION and name in self.layers}
        self._summaries = summaries.Summaries(len(self._keys), saturation)  # stats and histograms of every series, per step
        self._dead = _Rows(len(self.layers))  # per step, the fraction of each layer's units 0 for every sample
        self._streak = {}  # layer -> per unit, how many of the latest steps it was 0 for every sample
        self._full = {}  # step -> {(kind, name): array}
        self._on_device = set()  # the steps in _full whose arrays are still on a GPU (see _on_host)
        self._extremes = {}  # step -> {(kind, name): (min, max)} of the kept large arrays, as they are read
        self._layout = None  # how the latest step's arrays lay in its buffer
        self._ops = {}  # step -> [op description, ...]
        self._weights = numpy.array([self._index["weights", name] for name in self.params], dtype=numpy.intp)
        self._updates = numpy.array([self._index["updates", name] for name in self.params], dtype=numpy.intp)
        self._thinner = Thinner(max_bytes)
        self._init_extras()

    # --- reading -------------------------------------------------------------------------------------

    @property
    def steps(self):
        """The steps whose full arrays are kept, ascending."""
        return sorted(self._full)

    @property
    def loss(self):
        """The loss of every step (float64 array; NaN where no loss was seen)."""
        return numpy.array(self._loss, dtype=numpy.float64)

    @property
    def nbytes(self):
        """Bytes of all stored full arrays."""
        return self._thinner.total

    @property
    def ops(self):
        """{step: [op, ...]}: the Tensor op log of each kept step (record_ops=True), one string per op."""
        return {step: list(ops) for step, ops in sorted(self._ops.items())}

    def activations(self, layer, step):
        """The layer's output at `step` (probe batch if the recorder had a probe)."""
        return self._array("activations", layer, step)

    def gradients(self, layer, step):
        """dL/d(layer output) at `step`."""
        return self._array("gradients", layer, step)

    def weights(self, param, step):
        """The parameter's value after `step`."""
        return self._array("weights", param, step)

    def weight_grads(self, param, step):
        """dL/d(parameter) used by `step`."""
        return self._array("weight_grads", param, step)

    def updates(self, param, step):
        """What `step` changed in the parameter: weights(step) - weights(step - 1) (on the first step recorded,
        the weights after its optimizer step less those before)."""
        return self._array("updates", param, step)

    def summary(self, kind, name):
        """{stat: array over all steps}: mean std min max norm zeros (n_steps,), hist (n_steps, 32),
        update_ratio (NaN for layers); for activations also dead (fraction of units 0 for every
        sample) and saturated (fraction of sigmoid/tanh outputs near their asymptotes, else NaN)."""
        self._check_name(kind, name)
        table = self._columns(kind, name)
        i = self._index[kind, name]
        table["hist"] = self._summaries.table(i)
        table["update_ratio"] = self._update_ratio(name) if kind in PARAM_KINDS else numpy.full(self.n_steps, NAN)
        if kind == "activations":
            table["dead"] = self._dead.column(self.layers.index(name))
            table["saturated"] = self._summaries.saturated[: self.n_steps, i].copy()
        return table

    def _columns(self, kind, name):
        """{stat: column over every step} of (kind, name). The summaries hold a large array's min and max
        from its sample; at the steps whose full arrays are kept, these are the array's own."""
        self._summaries.flush()
        i = self._index[kind, name]
        columns = {stat: self._summaries.column(i, j) for j, stat in enumerate(summaries.STAT_NAMES)}
        for step, full in self._full.items():
            array = full.get((kind, name))  # on a GPU still (the newest step): its min and max read there
            if array is not None and array.size > summaries.SMALL:
                exact = self._extremes.setdefault(step, {})
                if (kind, name) not in exact:
                    exact[kind, name] = float(array.min()), float(array.max())
                columns["min"][step], columns["max"][step] = exact[kind, name]
        return columns

    def _update_ratio(self, param):
        """norm(update) / norm(weight) of `param` at every step (NaN where the weights' norm is 0)."""
        update = self._summaries.column(self._index["updates", param], summaries.NORM)
        weight = self._summaries.column(self._index["weights", param], summaries.NORM)
        with numpy.errstate(divide="ignore", invalid="ignore"):
            return numpy.where(weight > 0, update / weight, NAN)

    def hist_edges(self, kind, name):
        """The 33 edges of the 32 histogram bins of (kind, name), the same for every step."""
        self._check_name(kind, name)
        self._summaries.flush()
        return self._summaries.edges(self._index[kind, name])

    def dead_units(self, layer):
        """Per unit of `layer`, for how many of the latest steps in a row it was 0 for every sample."""
        self._check_name("activations", layer)
        return self._streak.get(layer, numpy.zeros(0, dtype=numpy.int64)).copy()

    def __repr__(self):
        return (f"Trace({self.n_steps} steps, {len(self.layers)} layers, {len(self.params)} parameters, "
                f"full arrays at {len(self._full)} steps, {self.nbytes / 2**20:.1f} MiB)")

    def _names(self, kind):
        return self.layers if kind in LAYER_KINDS else self.params

    def _check_name(self, kind, name):
        if kind not in KINDS:
            raise ValueError(f"Trace: kind must be one of {KINDS}, got {kind!r}")
        names = self._names(kind)
        if name not in names:
            what = "layer" if kind in LAYER_KINDS else "parameter"
            raise ValueError(f"Trace: no {what} {name!r}; the trace has {names}")

    def _array(self, kind, name, step):
        self._check_name(kind, name)
        return self._kept_array(kind, kind, name, step, "no gradient reached it, or it did not run")

    def _kept_array(self, reader, kind, name, step, absent):
        """The full array (kind, name) of `step` (negative counts from the end), refused by `Trace.<reader>`
        with the reason `absent` when the step kept it not."""
        if isinstance(step, bool) or not isinstance(step, (int, numpy.integer)):
            raise TypeError(f"Trace.{reader}: step must be an integer, got {type(step).__name__}")
        given, step = int(step), int(step) + (self.n_steps if step < 0 else 0)
        if not 0 <= step < self.n_steps:
            raise ValueError(f"Trace.{reader}: step {given} is outside the trace, which has "
                             + (f"steps 0 to {self.n_steps - 1}" if self.n_steps else "no steps yet"))
        if step not in self._full:
            raise ValueError(f"Trace.{reader}: step {step} has no full arrays; {self._nearest(step)}")
        array = self._on_host(step).get((kind, name))
        if array is None:
            raise ValueError(f"Trace.{reader}: nothing was recorded for {name!r} at step {step} ({absent})")
        return array

    def _nearest(self, step):
        kept = self.steps
        if not kept:
            return "no step has full arrays"
        before = [s for s in kept if s < step]
        after = [s for s in kept if s > step]
        near = ([f"{before[-1]}"] if before else []) + ([f"{after[0]}"] if after else [])
        return f"the nearest recorded steps are {' and '.join(near)} (all: trace.steps)"

    # --- filling (the Recorder calls this once per step) ---------------------------------------------

    def _new_step(self, xp=numpy):
        """An empty StepArrays for the Recorder to fill with the arrays of the next step: a DeviceStepArrays
        when the step's arrays are on the GPU of array module `xp` and may stay there (aino/trace/store.py)."""
        return StepArrays(self._layout) if xp is numpy else DeviceStepArrays(self._layout, xp)

    def _append_step(self, loss, step_arrays, candidate=True, ops=None, extras=None):
        """Add one step: the loss and the arrays of `step_arrays` (a StepArrays, aino/trace/store.py), and
        `extras` ({(kind, name): array} of attention weights and buffers, kept with them, no summaries).
        A candidate step's arrays still on a GPU (the extras of a StepArrays) move to the host now; the
        others stay there while the step is the newest (see _on_host)."""
        step = self.n_steps
        self.n_steps += 1
        self._loss.append(NAN if loss is None else float(loss))
        self._layout, present, slow = step_arrays.pack(self._index)
        self._summaries.commit(self._layout, present, step_arrays.sample, step_arrays.moments, slow)
        arrays = step_arrays.arrays
        arrays.update(extras or {})
        alive = step_arrays.units_alive({name: name in self._nonnegative for name in self._activation_layers})
        dead = self._dead.append()
        for j, name in enumerate(self.layers):
            dead[j] = self._dead_fraction(name, alive.get(name))
        nbytes = step_arrays.nbytes
        self._full[step] = arrays
        if isinstance(step_arrays, DeviceStepArrays) or any(type(a) is not numpy.ndarray for a in (extras or {}).values()):
            self._on_device.add(step)
        if ops is not None:
            self._ops[step] = list(ops)
        for dropped in self._thinner.offer(step, nbytes, candidate):
            del self._full[dropped]
            self._on_device.discard(dropped)
            self._ops.pop(dropped, None)
            self._extremes.pop(dropped, None)
        if candidate and step in self._on_device:
            self._on_host(step)

    def _on_host(self, step):
        """The full arrays of `step`, moved to the host first if they are still on a GPU: one copy per array
        the step keeps, made only for a step that is read, a candidate, or the newest when recording stops."""
        full = self._full[step]
        if step in self._on_device:
            self._on_device.discard(step)
            self._full[step] = full = {key: summaries.to_host(array) for key, array in full.items()}
        return full

    def _move_to_host(self):
        """Every kept step's arrays on the host (the Recorder calls this when it stops)."""
        for step in list(self._on_device):
            self._on_host(step)

    def _dead_fraction(self, name, alive):
        """The fraction of a layer's units that were 0 for every sample at this step (NaN unless the layer
        is an activation), from `alive` (per unit whether any sample made it non-zero, StepArrays.units_alive,
        or None); updates the dead-unit streaks."""
        if alive is None or name not in self._activation_layers:
            return NAN
        streak = self._streak.get(name)
        if streak is None or streak.shape != alive.shape:
            streak = numpy.zeros(alive.shape, dtype=numpy.int64)
        streak += 1
        streak[alive] = 0
        self._streak[name] = streak
        return 1.0 - numpy.count_nonzero(alive) / alive.size if alive.size else NAN

    # --- files -------------------------------------------------------------------------------------

    def save(self, path):
        """Write the trace to a .npz file (atomically: a temporary file, then a rename); returns the path."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        self._summaries.flush()
        meta = dict(self.meta, layers_order=self.layers, params=self.params, n_steps=self.n_steps,
                    max_bytes=self._thinner.max_bytes)
        arrays = {"format": numpy.array(FORMAT), "meta": numpy.array(json.dumps(meta)),
                  "loss": self.loss}
        for (kind, name), i in self._index.items():
            for stat, column in self._columns(kind, name).items():
                arrays[f"stat/{kind}/{name}/{stat}"] = column
            arrays[f"hist/{kind}/{name}"] = self._summaries.table(i)
            arrays[f"edges/{kind}/{name}"] = numpy.array([self._summaries.low[i], self._summaries.high[i]])
        for name in self.params:
            arrays[f"stat/updates/{name}/ratio"] = self._update_ratio(name)
        for j, name in enumerate(self.layers):
            arrays[f"extra/{name}/dead"] = self._dead.column(j)
            arrays[f"extra/{name}/saturated"] = self._summaries.saturated[: self.n_steps, self._index["activations", name]]
        for name, streak in self._streak.items():
            arrays[f"streak/{name}"] = streak
        for step in list(self._full):
            for (kind, name), array in self._on_host(step).items():
                arrays[f"full/{step}/{kind}/{name}"] = array
        for step, ops in self._ops.items():
            arrays[f"ops/{step}"] = numpy.array(ops, dtype=str)
        arrays.update(self._extra_members())
        write_trace_file(path, arrays)
        return path

    @classmethod
    def load(cls, path):
        """Read a trace written by `save`. A file that is not one raises ValueError saying why
        (a missing file: FileNotFoundError); its sizes are checked before anything is built."""
        meta, arrays = read_trace_file(path)
        try:
            check_meta(meta, arrays, LAYER_KINDS, PARAM_KINDS)
            return cls._from_arrays(meta, arrays)
        except (ValueError, KeyError, TypeError, IndexError) as error:
            raise ValueError(f"Trace.load: {path!s} is damaged ({error})") from None

    @classmethod
    def _from_arrays(cls, meta, arrays):
        layers, params = meta.pop("layers_order"), meta.pop("params")
        n_steps = int(meta.pop("n_steps"))
        trace = cls(layers, params, meta, max_bytes=int(meta.pop("max_bytes")))
        trace.n_steps = n_steps
        if arrays["loss"].shape != (n_steps,):
            raise ValueError(f"the loss has shape {arrays['loss'].shape}; {n_steps} steps need ({n_steps},)")
        trace._loss = [float(v) for v in arrays["loss"]]
        stats, hists, extras = {}, {}, {}
        for key, array in arrays.items():
            section, _, rest = key.partition("/")
            if section == "stat":
                kind, rest = rest.split("/", 1)
                name, stat = rest.rsplit("/", 1)
                if stat != "ratio":  # the update ratio follows from the norms
                    stats.setdefault((kind, name), {})[stat] = numpy.array(array, dtype=numpy.float64)
            elif section == "hist":
                kind, name = rest.split("/", 1)
                hists[kind, name] = (numpy.array(array, dtype=numpy.float32).reshape(-1, summaries.N_BINS),
                                     arrays[f"edges/{kind}/{name}"])
            elif section == "extra":
                name, stat = rest.rsplit("/", 1)
                extras[name, stat] = numpy.array(array, dtype=numpy.float64)
            elif section == "streak":
                trace._streak[rest] = numpy.array(array)
            elif section == "full":
                step, kind, name = rest.split("/", 2)
                trace._full.setdefault(int(step), {})[kind, name] = array
            elif section == "ops":
                trace._ops[int(rest)] = [str(op) for op in array]
        for (kind, name), i in trace._index.items():
            if (kind, name) not in stats or (kind, name) not in hists:
                raise ValueError(f"no summaries for {kind} of {name!r}")
            table = numpy.column_stack([stats[kind, name][stat] for stat in summaries.STAT_NAMES]).reshape(-1, len(summaries.STAT_NAMES))
            rows, (low, high) = hists[kind, name]
            saturated = extras.get((name, "saturated"), numpy.full(n_steps, NAN)) if kind == "activations" else NAN
            if len(table) != n_steps or len(rows) != n_steps or numpy.size(saturated) not in (1, n_steps):
                raise ValueError(f"the summaries of {kind} of {name!r} do not have {n_steps} steps")
            trace._summaries.set_series(i, table, rows, low, high, saturated)
        trace._dead.load([extras.get((name, "dead"), numpy.full(n_steps, NAN)) for name in layers], n_steps)
        trace._load_extras(arrays)
        for step in trace.steps:
            trace._thinner.keep(step, sum(a.nbytes for a in trace._full[step].values()))
        return trace


class _Rows:
    """A table that grows by one row per step: `append()` returns the new row (a view) to fill."""

    def __init__(self, width):
        self.n = 0
        self.data = numpy.full((16, width), NAN)

    def append(self, row=None):
        if self.n == len(self.data):
            self.data = numpy.concatenate([self.data, numpy.full_like(self.data, NAN)])
        self.n += 1
        if row is not None:
            self.data[self.n - 1] = row
        return self.data[self.n - 1]

    def column(self, j):
        return self.data[: self.n, j].copy()

    def load(self, columns, n):
        self.data = numpy.full((max(n, 16), len(columns)), NAN)
        for j, column in enumerate(columns):
            if len(column) != n:
                raise ValueError(f"a summary column has {len(column)} values for {n} steps")
            self.data[:n, j] = column
        self.n = n


NAN = float("nan")

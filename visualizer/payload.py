"""The data the browser renderer receives from a trace, sent once: a JSON-able dict and binary buffers.

    data, buffers = build_payload(trace)

`data` holds the run's words and numbers and refers to its arrays as buffer references (see
visualizer/payload_arrays.py): every step's summaries as series over all steps, and the kept steps'
arrays. Keys:

  format       "aino.debugger/1"
  n_steps, kept_steps (the steps whose arrays are in `steps`), path ("nn" or "classic"),
  model        {"model_type", "repr"}
  layers       [{name, label, type, kind, activation, options, units, weight, bias, params, shape, and
               for conv, recurrent, attention and norm layers a "detail"}] (payload_layers.py, payload_panels.py)
  params       [{name, shape, layer}]
  series       float32 over all steps, NaN where absent: loss; grad_norm, act_mean, act_std, act_min,
               act_max, saturated, dead per layer; update_ratio, weight_norm per parameter; hist
               {layer: {counts (n_steps x 32), edges [low, high]}} of activations (and gradients under
               "grad_hist" when the trace has them); metrics {name: values} logged per step (val_loss,
               val_accuracy: NaN at the steps that logged none)
  steps        {str(step): {activations, gradients, weights, updates: {name: ref}, and where recorded
               attention {module: ref (N, heads, L, S)} and buffers {running stats: ref}}}; or, with
               stacked=True, stacks {kind: {name: [stacked ref with its "steps"]}} in its place
  probe        {inputs, labels, recovered} or None: the probe batch and its labels (None when not given)
               as the trace keeps them; for an older trace without them, an MLP's inputs solved back from
               its first linear layer (visualizer/network.py, "recovered": True)
  names        {features, classes}, only when the trace's meta names them
  findings     [{kind, step, layer, message}] of trace.diagnose()
  ops          {str(step): [op, ...]} of the kept steps, only when the trace recorded them
  chain        the chain-rule panel's numbers for the dense layers at some kept steps, float32
               (visualizer/payload_neuron.py), only when the trace holds the layers' inputs

With `quantize`, the kept steps' arrays and the histograms are uint8 (each within scale / 2 of the
trace's value); the series stay float32. For the demo's 1,400-step iris run the buffers come to 2.6 MB;
one reference per step and array adds 2.3 MB of JSON, a stacked reference per name almost none.
"""

import base64
import json
import math

import numpy

from visualizer import network as net
from visualizer.checks import check_trace
from visualizer.payload_arrays import Buffers
from visualizer.payload_layers import layer_entries, param_entries
from visualizer.payload_neuron import chain_payload
from visualizer.payload_panels import extra_groups, layer_details

FORMAT = "aino.debugger/1"
STEP_KINDS = (("activations", "layers"), ("gradients", "layers"), ("weights", "params"), ("updates", "params"))
LAYER_SERIES = (("act_mean", "activations", "mean"), ("act_std", "activations", "std"),
                ("act_min", "activations", "min"), ("act_max", "activations", "max"),
                ("saturated", "activations", "saturated"), ("dead", "activations", "dead"),
                ("grad_norm", "gradients", "norm"))


def build_payload(trace, steps=None, quantize=True, stacked=False, chain_steps=None):
    """(data, buffers) for the renderer: `data` JSON-able, `buffers` a list of bytes. `steps`: which of
    the kept steps (trace.steps) send their arrays (default: all of them). `stacked=True` sends, in
    place of "steps", data["stacks"]: {kind: {name: [{steps, buffer, dtype, shape [k, ...], scale,
    offset}]}}, one reference for each run of same-shaped arrays (its k rows are the steps listed, scale
    and offset lists of k numbers when quantised), which keeps the JSON of a long run small. `chain_steps`:
    the kept steps the chain-rule panel's numbers are chosen from (default: `steps`; payload_neuron.py)."""
    check_trace(trace, "build_payload")
    for flag, value in (("quantize", quantize), ("stacked", stacked)):
        if not isinstance(value, bool):
            raise TypeError(f"build_payload: {flag} must be True or False, got {type(value).__name__}")
    steps = _check_steps(trace, steps)
    buffers = Buffers()
    groups = dict(_step_groups(trace, steps), **extra_groups(trace, steps))
    shapes = {name: [int(n) for n in stack.shape[1:]] for name, runs in groups["activations"].items()
              for run, stack in runs if run[-1] == steps[-1]}
    data = {"format": FORMAT, "n_steps": trace.n_steps, "kept_steps": steps, "path": trace.meta.get("path"),
            "model": {"model_type": trace.meta.get("model_type"), "repr": trace.meta.get("model")},
            "layers": _with_details(layer_entries(trace, shapes), layer_details(trace)), "params": param_entries(trace),
            "series": _series(trace, buffers, quantize)}
    if stacked:
        data["stacks"] = {kind: {name: [dict(buffers.add_stack(stack, quantize), steps=run)
                                        for run, stack in runs] for name, runs in named.items()}
                          for kind, named in groups.items()}
    else:
        data["steps"] = _per_step(steps, groups, buffers, quantize)
    data["probe"] = _probe(trace, steps, buffers)
    chain = chain_payload(trace, steps if chain_steps is None else _check_steps(trace, chain_steps), buffers)
    if chain is not None:
        data["chain"] = chain
    data["findings"] = [{"kind": f.kind, "step": None if f.step is None else int(f.step), "layer": f.layer,
                         "message": f.message} for f in (trace.diagnose() if trace.n_steps else [])]
    names = {key: list(trace.meta[meta]) for key, meta in (("features", "feature_names"), ("classes", "class_names"))
             if trace.meta.get(meta) is not None}
    if names:
        data["names"] = names
    ops = trace.ops
    if trace.meta.get("record_ops") and ops:
        data["ops"] = {str(step): ops[step] for step in steps if step in ops}
    return data, buffers.list


def payload_bytes(data, buffers):
    """Bytes of the payload: its JSON (compact) and its buffers."""
    return len(_dumps(data)) + sum(len(b) for b in buffers)


def to_json_with_base64(data, buffers):
    """One JSON text holding the data and, under "buffers_b64", each buffer as base64 (the offline export)."""
    return _dumps(dict(data, buffers_b64=[base64.b64encode(b).decode("ascii") for b in buffers]))


def _dumps(data):
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def _check_steps(trace, steps):
    kept = trace.steps
    if steps is None:
        return kept
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__iter__"):
        raise TypeError(f"build_payload: steps must be a list of step numbers, got {type(steps).__name__}")
    chosen = set()
    for step in steps:
        if isinstance(step, bool) or not isinstance(step, (int, numpy.integer)):
            raise TypeError(f"build_payload: steps must be integers, got {type(step).__name__}")
        if int(step) not in kept:
            raise ValueError(f"build_payload: step {step} kept no arrays; the kept steps are trace.steps")
        chosen.add(int(step))
    return sorted(chosen)


def _step_groups(trace, steps):
    """{kind: {name: [(steps, stack of their arrays), ...]}}: the chosen steps' arrays of each name,
    one stack per shape (a smaller last batch gives its gradients a stack of their own)."""
    out = {}
    for kind, names in STEP_KINDS:
        out[kind] = {}
        for name in getattr(trace, names):
            groups = {}
            for step in steps:
                try:
                    array = getattr(trace, kind)(name, step)
                except ValueError:  # nothing recorded for it at this step
                    continue
                groups.setdefault(array.shape, []).append((step, array))
            if groups:
                out[kind][name] = [([step for step, _ in group], numpy.stack([array for _, array in group]))
                                   for group in groups.values()]
    return out


def _per_step(steps, groups, buffers, quantize):
    """{str(step): {kind: {name: ref}}}, each array quantised over its own range."""
    out = {str(step): {kind: {} for kind, _ in STEP_KINDS} for step in steps}
    for kind, named in groups.items():
        for name, runs in named.items():
            for run, stack in runs:
                for step, ref in zip(run, buffers.add_rows(stack, quantize)):
                    out[str(step)].setdefault(kind, {})[name] = ref
    return out


def _with_details(entries, details):
    """Each layer entry with what its kind's panel needs (visualizer/payload_panels.py) as "detail"."""
    for entry in entries:
        if entry["name"] in details:
            entry["detail"] = details[entry["name"]]
    return entries


def _series(trace, buffers, quantize):
    series = {"loss": buffers.add(trace.loss)}
    for key, _, _ in LAYER_SERIES:
        series[key] = {}
    series["hist"], grad_hist = {}, {}
    for name in trace.layers:
        stats = {kind: trace.summary(kind, name) for kind in ("activations", "gradients")}
        for key, kind, stat in LAYER_SERIES:
            series[key][name] = buffers.add(stats[kind][stat])
        series["hist"][name] = _hist(trace, "activations", name, stats["activations"], buffers, quantize)
        if numpy.isfinite(stats["gradients"]["norm"]).any():
            grad_hist[name] = _hist(trace, "gradients", name, stats["gradients"], buffers, quantize)
    if grad_hist:
        series["grad_hist"] = grad_hist
    series["metrics"] = {name: buffers.add(values) for name, values in getattr(trace, "metrics", {}).items()}
    series["update_ratio"], series["weight_norm"] = {}, {}
    for name in trace.params:
        stats = trace.summary("weights", name)
        series["update_ratio"][name] = buffers.add(stats["update_ratio"])
        series["weight_norm"][name] = buffers.add(stats["norm"])
    return series


def _hist(trace, kind, name, stats, buffers, quantize):
    edges = trace.hist_edges(kind, name)
    low, high = float(edges[0]), float(edges[-1])
    return {"counts": buffers.add(stats["hist"], quantize),
            "edges": [low, high] if math.isfinite(low) and math.isfinite(high) else None}


def _probe(trace, steps, buffers):
    """The probe's inputs and labels as the trace keeps them (trace.probe_inputs, trace.probe_labels);
    for a trace without them, the inputs where they can be solved back from an MLP's first linear layer
    ("recovered": True, no labels); else None."""
    if not trace.meta.get("probe"):
        return None
    inputs, labels = getattr(trace, "probe_inputs", None), getattr(trace, "probe_labels", None)
    if inputs is not None:
        return {"inputs": buffers.add(inputs), "labels": None if labels is None else buffers.add(labels),
                "recovered": False}
    inputs = net.recover_inputs(trace, net.mlp_columns(trace), steps[0]) if steps else None
    if inputs is None:
        return None
    return {"inputs": buffers.add(inputs), "labels": None, "recovered": True}

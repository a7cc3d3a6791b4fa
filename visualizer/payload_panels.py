"""What the browser's per-layer-kind panels (visualizer/web/layers.js) need beyond build_payload's arrays.

    groups = extra_groups(trace, steps)    # {kind: {name: [(steps, stack)]}}, as payload.py's _step_groups
    details = layer_details(trace)         # {layer: {...}}, merged into each layer entry as entry["detail"]

extra_groups gives two more kinds of per-step arrays, which land in data.steps[str(step)][kind][name]:

  attention  {module: (n, heads, L, S)}  a MultiheadAttention's weights on the probe, softmax rows
                                         (each sums to 1 over the S keys), cut to the first
                                         MAX_ATTENTION_SAMPLES probe samples (n <= 4) to keep the payload small
  buffers    {buffer: array}             a module's buffers (a norm layer's running_mean, running_var, ...)
  hidden_grads {layer: (T, N, H * D)}    a recurrent layer's total gradient dL/dh_t per time step (through
                                         the recurrence as well as from its output), time-major, on the
                                         training batch

layer_details says, per layer of a kind the panels draw:

  conv       {in_channels, out_channels, kernel_size}: from the layer's meta, else from its weight's shape
             (out_channels, in_channels / groups, *kernel_size)
  recurrent  {batch_first, hidden_size, time_axis, bidirectional, num_layers}: time_axis is 1 for
             batch_first (outputs (N, T, H)), 0 otherwise ((T, N, H), PyTorch's default), None for a cell
             (outputs (N, H), no time); hidden_size from the meta, else weight_hh_l0's shape (gates * H, H)
  attention  {module, num_heads}: the `...out_proj` layer of a MultiheadAttention; module is its name
             without ".out_proj"; num_heads from the meta, else axis 1 of a recorded attention array
  norm       {running_mean, running_var}: the buffer names (layer + ".running_mean", ...) when the trace
             recorded them, else None

Both read the attention, buffer and hidden_grads API of the Trace through getattr, so a trace without
it gives none of them (and None for those details) instead of an error.
"""

import numpy

from visualizer.payload_layers import layer_kind

MAX_ATTENTION_SAMPLES = 4  # probe samples whose attention weights are sent
PANEL_KINDS = ("conv", "recurrent", "attention", "norm")
CELLS = ("RNNCell", "LSTMCell", "GRUCell")


def extra_groups(trace, steps):
    """{"attention": {module: [(steps, stack)]}, "buffers": {name: [...]}, "hidden_grads": {layer: [...]}} for the chosen
    kept `steps`: one stack per shape (numpy.stack of that shape's arrays, in step order), as payload.py's
    _step_groups. A step at which nothing was recorded for a name (ValueError) is left out."""
    steps = [int(s) for s in steps]
    out = {"attention": {}, "buffers": {}, "hidden_grads": {}}
    reader = getattr(trace, "attention", None)
    for name in getattr(trace, "attention_layers", ()) if reader else ():
        runs = _runs(lambda step, name=name: _first_samples(reader(name, step)), steps)
        if runs:
            out["attention"][name] = runs
    reader = getattr(trace, "buffer", None)
    for name in getattr(trace, "buffer_names", ()) if reader else ():
        runs = _runs(lambda step, name=name: numpy.asarray(reader(name, step)), steps)
        if runs:
            out["buffers"][name] = runs
    reader = getattr(trace, "hidden_grads", None)
    for name in getattr(trace, "hidden_grad_layers", ()) if callable(reader) else ():
        runs = _runs(lambda step, name=name: numpy.asarray(reader(name, step)), steps)
        if runs:
            out["hidden_grads"][name] = runs
    return out


def _first_samples(array):
    """The first MAX_ATTENTION_SAMPLES rows (probe samples) of an attention array (n, heads, L, S)."""
    array = numpy.asarray(array)
    return array[:MAX_ATTENTION_SAMPLES] if array.ndim == 4 else array


def _runs(read, steps):
    """[(steps, stack)] of read(step) over `steps`, one stack per shape; steps raising ValueError skipped."""
    groups = {}
    for step in steps:
        try:
            array = read(step)
        except ValueError:  # nothing recorded for it at this step
            continue
        groups.setdefault(array.shape, []).append((step, array))
    return [([s for s, _ in group], numpy.stack([a for _, a in group])) for group in groups.values()]


def layer_details(trace):
    """{layer: detail dict} for every layer of a kind the panels draw (conv, recurrent, attention, norm);
    JSON-able (ints, bools, strings, lists, None)."""
    infos = {info.get("name"): info for info in trace.meta.get("layers", ())}
    shapes = trace.meta.get("param_shapes", {})
    buffers = set(getattr(trace, "buffer_names", ()) or ())
    out = {}
    for name in trace.layers:
        info = infos.get(name, {"name": name})
        kind = layer_kind(info, trace.params)
        if kind == "conv":
            out[name] = _conv(info, shapes.get(info.get("weight") or f"{name}.weight"))
        elif kind == "recurrent":
            out[name] = _recurrent(name, info, shapes)
        elif kind == "attention":
            # the model itself a MultiheadAttention: its out_proj is "out_proj", the module its type's name
            module = name[: -len(".out_proj")] if name.endswith(".out_proj") else "multiheadattention"
            out[name] = {"module": module, "num_heads": _num_heads(trace, module, info)}
        elif kind == "norm":
            out[name] = {key: f"{name}.{key}" if f"{name}.{key}" in buffers else None
                         for key in ("running_mean", "running_var")}
    return out


def _conv(info, weight_shape):
    """in_channels, out_channels, kernel_size: the meta's, else weight (out, in / groups, *kernel)."""
    shape = list(weight_shape or ())
    groups = int(info.get("groups") or 1)
    detail = {"in_channels": info.get("in_channels"), "out_channels": info.get("out_channels"),
              "kernel_size": info.get("kernel_size")}
    if len(shape) >= 3:
        detail["out_channels"] = detail["out_channels"] or int(shape[0])
        detail["in_channels"] = detail["in_channels"] or int(shape[1]) * groups
        detail["kernel_size"] = detail["kernel_size"] or [int(n) for n in shape[2:]]
    for key in ("in_channels", "out_channels"):
        detail[key] = None if detail[key] is None else int(detail[key])
    if detail["kernel_size"] is not None:
        size = detail["kernel_size"]
        detail["kernel_size"] = [int(n) for n in size] if hasattr(size, "__iter__") else [int(size)]
    return detail


def _recurrent(name, info, shapes):
    """batch_first (PyTorch's default False), hidden_size, time_axis (1 with batch_first, 0 without,
    None for a cell), bidirectional, num_layers."""
    batch_first = bool(info.get("batch_first", False))
    hidden = info.get("hidden_size")
    hh = shapes.get(f"{name}.weight_hh_l0") or shapes.get(f"{name}.weight_hh")
    if hidden is None and hh and len(hh) == 2:
        hidden = hh[1]  # weight_hh is (gates * H, H)
    bidirectional = info.get("bidirectional")
    if bidirectional is None:
        bidirectional = f"{name}.weight_hh_l0_reverse" in shapes
    layers = info.get("num_layers")
    if layers is None:
        layers = sum(1 for p in shapes if p.startswith(f"{name}.weight_hh_l") and not p.endswith("_reverse")) or 1
    cell = info.get("type") in CELLS
    return {"batch_first": batch_first, "hidden_size": None if hidden is None else int(hidden),
            "time_axis": None if cell else (1 if batch_first else 0), "bidirectional": bool(bidirectional),
            "num_layers": int(layers)}


def _num_heads(trace, module, info):
    """The module's number of heads: the meta's (on the out_proj layer or an entry for the module), else
    axis 1 of its first recorded attention array (n, heads, L, S), else None."""
    for entry in [info] + [i for i in trace.meta.get("layers", ()) if i.get("name") == module]:
        if entry.get("num_heads") is not None:
            return int(entry["num_heads"])
    reader = getattr(trace, "attention", None)
    if reader is not None and module in (getattr(trace, "attention_layers", ()) or ()):
        for step in trace.steps:
            try:
                array = numpy.asarray(reader(module, step))
            except ValueError:
                continue
            return int(array.shape[1]) if array.ndim == 4 else 1
    return None


def panel_layers(trace):
    """The trace's layers that the panels draw, in order (conv, recurrent, attention and norm kinds)."""
    infos = {info.get("name"): info for info in trace.meta.get("layers", ())}
    return [n for n in trace.layers if layer_kind(infos.get(n, {"name": n}), trace.params) in PANEL_KINDS]


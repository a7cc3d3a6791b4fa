"""The numbers of the debugger's chain-rule panel (visualizer/web/neuron.js), sent precomputed.

For each dense layer, at some of the kept steps, aino/trace/neuron.py's layer_numbers as float32 stacks
(the panel must show the trace's numbers, which the quantised step arrays only approximate):

  chain  {"budget": bytes, "layers": {dense layer: {activation_layer, activation, formula [f, f'],
         units, inputs (the layer's n_out, n_in), steps [...], n [samples per step], optimizer, lr [per
         step, or null], lr_source, plain [per step: update = -lr * dL/dw],
         x (k, S, I), z a df dlda dldz (k, S, J), w gw uw (k, J, I), b gb ub (k, J)}}}

for the first S = 16 samples of the training batch (NaN rows pad a smaller batch), the first J = 16
neurons (those network.js draws) and their first I = 16 inputs. The steps are the kept steps evenly
spread (always the first and the last), as many as fit in CHAIN_BYTES; the panel shows the nearest of
them. For the demo's iris run, 102 of its 1,400 kept steps: its payload grows from 3.15 to 3.68 MB, its
offline file from 4.14 to 4.84 MB.
"""

import numpy

from aino.trace.neuron import dense_layers, formula, layer_numbers

MAX_SAMPLES = MAX_UNITS = MAX_INPUTS = 16
CHAIN_BYTES = 512 * 1024  # the float32 numbers of all layers together
SAMPLE_FIELDS = (("z", "z"), ("a", "a"), ("df", "df"), ("dlda", "dL_da"), ("dldz", "dL_dz"))
WEIGHT_FIELDS = (("w", "W"), ("gw", "grad_W"), ("uw", "update_W"))
BIAS_FIELDS = (("b", "b"), ("gb", "grad_b"), ("ub", "update_b"))


def chain_payload(trace, steps, buffers, budget=CHAIN_BYTES):
    """data["chain"] for the kept `steps` (adding its stacks to `buffers`), or None when the trace has no
    dense layer whose chain rule it can give (no inputs recorded: an older trace)."""
    pairs = dense_layers(trace)
    if not pairs or not steps:
        return None
    sizes = {dense: _step_bytes(trace, dense) for dense, _ in pairs}
    chosen = _spread(list(steps), max(2, budget // max(1, sum(sizes.values()))))
    layers = {}
    for dense, after in pairs:
        entry = _layer_entry(trace, dense, after, chosen, buffers)
        if entry is not None:
            layers[dense] = entry
    return {"budget": int(budget), "layers": layers} if layers else None


def _layer_entry(trace, dense, after, steps, buffers):
    rows, kept = [], []
    for step in steps:
        try:
            rows.append(layer_numbers(trace, dense, after, step))
        except ValueError:  # nothing recorded for it at this step (an older trace keeps no inputs)
            continue
        kept.append(step)
    if not rows:
        return None
    n_out, n_in = rows[-1]["W"].shape
    J, I = min(n_out, MAX_UNITS), min(n_in, MAX_INPUTS)
    S = min(max(len(r["x"]) for r in rows), MAX_SAMPLES)
    stacks = {"x": numpy.stack([_padded(r["x"][:S, :I], S) for r in rows])}
    for key, field in SAMPLE_FIELDS:
        stacks[key] = numpy.stack([_padded(_or_nan(r[field], r["z"])[:S, :J], S) for r in rows])
    for key, field in WEIGHT_FIELDS:
        stacks[key] = numpy.stack([r[field][:J, :I] for r in rows])
    if rows[-1]["b"] is not None:
        for key, field in BIAS_FIELDS:
            stacks[key] = numpy.stack([r[field][:J] for r in rows])
    first = rows[-1]
    f_text, df_text = formula(first["f"])
    entry = {"activation_layer": after, "activation": first["f"].name, "formula": [f_text, df_text],
             "units": int(n_out), "inputs": int(n_in), "steps": kept, "n": [len(r["x"]) for r in rows],
             "optimizer": first["optimizer"], "lr": [r["lr"] for r in rows], "lr_source": first["lr_source"],
             "plain": [r["plain"] for r in rows]}
    entry.update({key: buffers.add_stack(stack) for key, stack in stacks.items()})
    return entry


def _step_bytes(trace, dense):
    """float32 bytes one step of `dense` takes in the chain payload (from its weight's shape)."""
    info = trace._infos.get(dense, {})
    n_out, n_in = trace.meta.get("param_shapes", {}).get(info.get("weight"), (MAX_UNITS, MAX_INPUTS))[:2]
    J, I = min(n_out, MAX_UNITS), min(n_in, MAX_INPUTS)
    return 4 * (MAX_SAMPLES * (I + len(SAMPLE_FIELDS) * J) + len(WEIGHT_FIELDS) * J * I + len(BIAS_FIELDS) * J)


def _spread(steps, limit):
    """At most `limit` of `steps`, evenly spread, always the first and the last."""
    if len(steps) <= limit:
        return steps
    picks = numpy.unique(numpy.round(numpy.linspace(0, len(steps) - 1, limit)).astype(int))
    return [steps[i] for i in picks]


def _padded(rows, n):
    """`rows` with NaN rows appended to make `n` (a batch smaller than the others)."""
    rows = numpy.asarray(rows, dtype=numpy.float32)
    return numpy.concatenate([rows, numpy.full((n - len(rows),) + rows.shape[1:], numpy.nan, numpy.float32)])


def _or_nan(values, like):
    """`values`, or NaN in the shape of `like` where there are none (softmax has no elementwise f'(z))."""
    return numpy.full_like(like, numpy.nan) if values is None else values

"""The network graph's maths, read from a trace: the columns of an MLP, and its response over the plane.

A trace's meta lists its layers in order, each with a role ("linear", "activation" or "other"), its
activation name and its weight and bias parameters. When every layer is a linear layer or an
activation, the model is an MLP and we can draw it as columns of neurons, as TensorFlow Playground
does: the input column, then one column per linear layer (its units after the activation that follows
it). With two inputs we can also run that MLP again, from the recorded weights, on a grid of points of
the input plane, to show what each neuron responds to and where the output's decision boundary lies.
"""

import numpy

from aino.activations import get_activation


def layer_info(trace, name):
    """The meta entry of layer `name` (a dict; empty when the trace has no meta for it)."""
    for info in trace.meta.get("layers", ()):
        if info.get("name") == name:
            return info
    return {}


def mlp_columns(trace):
    """The MLP's columns, input first, or None when the model is not a plain MLP.

    Each column is a dict: units, layers (trace layers drawn in it), weight and bias (parameters that
    lead into it), activation (its activation name, None for none) and shown (the layer whose outputs
    colour its neurons: the activation after the linear layer, or the linear layer itself).
    """
    infos = trace.meta.get("layers") or []
    if not infos or not any(info.get("role") == "linear" for info in infos):
        return None
    width = trace.meta.get("input_width")
    first = next(info for info in infos if info.get("role") == "linear")
    width = first.get("in_features", width)
    if not width:
        return None
    columns = [{"units": int(width), "layers": [], "weight": None, "bias": None, "activation": None,
                "shown": None, "options": {}}]
    for info in infos:
        role = info.get("role")
        if role == "linear":
            if int(info.get("in_features", -1)) != columns[-1]["units"]:
                return None
            columns.append({"units": int(info["out_features"]), "layers": [info["name"]],
                            "weight": info.get("weight"), "bias": info.get("bias"), "activation": None,
                            "shown": info["name"], "options": {}})
        elif role == "activation" and len(columns) > 1:
            column = columns[-1]
            if column["activation"] is not None:
                return None  # two activations in a row: not something the plane can redo
            column["layers"].append(info["name"])
            column["activation"] = info.get("activation")
            column["options"] = _activation_options(info)
            column["shown"] = info["name"]
        else:
            return None  # convolution, normalisation, dropout, ...: draw a chain of layers instead
    return columns


def _activation_options(info):
    options = {}
    for key in ("alpha", "negative_slope"):
        if key in info:
            options["negative_slope"] = float(info[key])
    return options


def apply_activation(name, z, options=None):
    """The activation `name` (as the trace's meta spells it) applied to z, row-wise for softmax."""
    if name in (None, "identity"):
        return z
    if name == "log_softmax":
        shifted = z - z.max(axis=-1, keepdims=True)
        return shifted - numpy.log(numpy.exp(shifted).sum(axis=-1, keepdims=True))
    if name == "softmax":
        shifted = numpy.exp(z - z.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    return numpy.asarray(get_activation(name, **(options or {}))(z))


def weights_at(trace, param, step, before=False):
    """A parameter's value after `step` (or before it, with before=True) as float64."""
    value = numpy.asarray(trace.weights(param, step), dtype=numpy.float64)
    if before:
        value = value - numpy.asarray(trace.updates(param, step), dtype=numpy.float64)
    return value


def forward(trace, columns, step, X):
    """Run the MLP on inputs X (n, width) with the weights recorded after `step`: one array per column."""
    outputs = [numpy.asarray(X, dtype=numpy.float64)]
    a = outputs[0]
    for column in columns[1:]:
        W = weights_at(trace, column["weight"], step)
        z = a @ W.T
        if column["bias"] is not None:
            z = z + weights_at(trace, column["bias"], step)
        with numpy.errstate(all="ignore"):
            a = apply_activation(column["activation"], z, column["options"])
        outputs.append(a)
    return outputs


def recover_inputs(trace, columns, step):
    """The inputs the trace's activations were computed on, solved from the first linear layer.

    The trace keeps no inputs, but the first linear layer's outputs z = X W.T + b and its weights are
    recorded, so X is the least-squares solution of W x = z - b (exact when W has independent columns,
    which holds for almost any W with more units than inputs). With a probe, activations are computed
    after the step (weights after it); without, during it (weights before it). None if it does not fit.
    """
    if columns is None or len(columns) < 2:
        return None
    first = columns[1]
    try:
        z = numpy.asarray(trace.activations(first["layers"][0], step), dtype=numpy.float64)
        before = not trace.meta.get("probe", False)
        W = weights_at(trace, first["weight"], step, before)
        b = weights_at(trace, first["bias"], step, before) if first["bias"] else 0.0
    except (ValueError, TypeError, KeyError):
        return None
    if z.ndim != 2 or W.shape[0] < W.shape[1] or not numpy.isfinite(z).all():
        return None
    X, *_ = numpy.linalg.lstsq(W, (z - b).T, rcond=None)
    X = X.T
    error = numpy.abs(X @ W.T + b - z).max() if z.size else 0.0
    scale = max(float(numpy.abs(z).max()) if z.size else 1.0, 1.0)
    return X if error <= 1e-3 * scale else None


def plane_range(trace, columns, inputs=None):
    """((x1 low, x1 high), (x2 low, x2 high)) of the input plane to draw, and the points shown on it: the
    given inputs, else the probe the trace keeps, else the probe solved back from the first layer."""
    points = None
    if inputs is not None:
        points = numpy.asarray(inputs, dtype=numpy.float64).reshape(-1, 2)
    elif getattr(trace, "probe_inputs", None) is not None and trace.probe_inputs.shape[1:] == (2,):
        points = numpy.asarray(trace.probe_inputs, dtype=numpy.float64)
    elif trace.steps:
        points = recover_inputs(trace, columns, trace.steps[0])
    if points is not None and len(points) and numpy.isfinite(points).all():
        low, high = points.min(axis=0), points.max(axis=0)
        pad = 0.15 * numpy.maximum(high - low, 1e-6)
        return ((low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1])), points
    given = trace.meta.get("input_range")
    if given:
        return (tuple(given[0]), tuple(given[1])), None
    return ((-1.5, 1.5), (-1.5, 1.5)), None


def plane_grid(extent, n=48):
    """n x n points covering the plane: (points (n*n, 2), x1 values, x2 values)."""
    (x_low, x_high), (y_low, y_high) = extent
    xs, ys = numpy.linspace(x_low, x_high, n), numpy.linspace(y_low, y_high, n)
    gx, gy = numpy.meshgrid(xs, ys)
    return numpy.column_stack([gx.ravel(), gy.ravel()]), xs, ys


def decision_threshold(trace, column):
    """Where a single output unit's decision boundary lies: 0.5 for sigmoid (and for a linear output
    trained with MSE on 0/1 targets), 0 for tanh and for logits; None for a linear output when the
    trace does not name its loss."""
    activation = column["activation"]
    if activation == "sigmoid":
        return 0.5
    if activation in (None, "identity"):
        loss = trace.meta.get("loss")
        if loss is None:
            return None  # unknown: the caller takes the middle of the output's range
        return 0.5 if loss == "mse" else 0.0
    return 0.0


def as_rows(array):
    """An activation or gradient array as (samples, units): extra axes averaged (with a note)."""
    array = numpy.asarray(array, dtype=numpy.float64)
    if array.ndim == 0:
        return array.reshape(1, 1), ""
    if array.ndim == 1:
        return array.reshape(-1, 1), ""
    if array.ndim == 2:
        return array, ""
    if array.ndim == 3:  # (batch, time, features)
        with numpy.errstate(all="ignore"):
            return array.mean(axis=1), " (mean over positions in the sequence)"
    with numpy.errstate(all="ignore"):  # (batch, channels, height, width, ...)
        return array.reshape(array.shape[0], array.shape[1], -1).mean(axis=2), " (channels, mean over positions)"

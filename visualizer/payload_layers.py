"""The layers and parameters of a trace in words a student understands, for the browser's payload.

Each layer gets a label (its attribute path in the model, "fc1" or "layers.0"; a bare index in a
Sequential gets the type, "Linear (0)"; a dense or convolution layer followed by an activation is the
activation's pre-activation, "fc1 (pre-activation z)"), a kind the renderer picks its panels by, its
number of output units or channels, and every parameter it owns (an LSTM's weight_ih_l0, ...; the
in-projection of an attention block goes with its out_proj layer). A layer whose module has no
`weight` attribute (an LSTM) gets its first matrix as weight and its first vector as bias.
"""

DENSE = ("Linear", "Dense")
CONV = ("Conv1d", "Conv2d", "Conv3d", "Conv2D")
RECURRENT = ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell")
NORM = ("BatchNorm1d", "BatchNorm2d", "LayerNorm")
_COMMON = ("name", "type", "role", "activation", "weight", "bias")  # keys every layer's meta entry has


def layer_kind(info, params):
    """"dense", "activation", "conv", "recurrent", "attention", "norm" or "other" for a layer's meta entry."""
    kind, name = info.get("type"), info.get("name", "")
    if info.get("role") == "activation":
        return "activation"
    if name.endswith("out_proj") and f"{name[: -len('out_proj')]}in_proj_weight" in params:
        return "attention"
    if kind in DENSE or info.get("role") == "linear":
        return "dense"
    for group, label in ((CONV, "conv"), (RECURRENT, "recurrent"), (NORM, "norm")):
        if kind in group:
            return label
    return "other"


def param_owners(trace):
    """{parameter: the layer that owns it, or None}: the layer's weight or bias, else the layer whose
    path holds the parameter's module (longest match), else a layer beside it in that module."""
    infos = trace.meta.get("layers", ())
    owners = {info[key]: info["name"] for info in infos for key in ("weight", "bias") if info.get(key)}
    for param in trace.params:
        if param in owners:
            continue
        module = param.rpartition(".")[0]
        inside = [layer for layer in trace.layers if module == layer or module.startswith(layer + ".")]
        beside = [layer for layer in trace.layers if module and layer.startswith(module + ".")]
        owners[param] = max(inside, key=len) if inside else (beside[0] if beside else None)
    return owners


def layer_entries(trace, shapes):
    """One dict per trace layer: name, label, type, kind, activation, options, units, weight, bias, params, shape.
    `shapes` maps a layer to the shape of its activations at a kept step (absent when none kept them)."""
    infos = {info.get("name"): info for info in trace.meta.get("layers", ())}
    owners = param_owners(trace)
    classic = trace.meta.get("path") == "classic"
    entries = []
    param_shapes = trace.meta.get("param_shapes", {})
    for name in trace.layers:
        info = infos.get(name, {"name": name})
        own = [p for p in trace.params if owners.get(p) == name]
        weight = info.get("weight") or next((p for p in own if len(param_shapes.get(p, ())) > 1), None)
        bias = info.get("bias") or next((p for p in own if len(param_shapes.get(p, ())) == 1 and p != weight), None)
        entries.append({"name": name, "label": _label(name, info, classic), "type": info.get("type"),
                        "kind": layer_kind(info, trace.params), "activation": info.get("activation"),
                        "options": _options(info), "units": None, "weight": weight, "bias": bias, "params": own,
                        "shape": shapes.get(name)})
    feeding = None  # the kind of the nearest earlier layer that is not an activation
    for i, entry in enumerate(entries):
        following = entries[i + 1]["kind"] if i + 1 < len(entries) else None
        if entry["kind"] in ("dense", "conv") and following == "activation":
            entry["label"] += " (pre-activation z)"
        if entry["kind"] != "activation":
            feeding = entry["kind"]
        entry["units"] = _units(entry, infos.get(entry["name"], {}), feeding, param_shapes)
    return entries


def _options(info):
    """The layer's own numbers beyond what every entry has (negative_slope of a LeakyReLU, alpha of an
    ELU, batch_first of an LSTM, ...): what the browser needs to run or read the layer."""
    return {key: value for key, value in info.items() if key not in _COMMON
            and (isinstance(value, (bool, int, float, str)) or (isinstance(value, list) and
                                                                 all(isinstance(v, (int, float)) for v in value)))}


def _label(name, info, classic):
    if classic:
        return name.removesuffix(".z")
    if all(part.isdigit() for part in name.split(".")):
        return f"{info.get('type') or 'layer'} ({name})"
    return name


def _units(entry, info, feeding, param_shapes):
    """Output units (dense, recurrent, attention: the last axis) or channels (axis 1 of a feature map)."""
    if "out_features" in info:
        return int(info["out_features"])
    shape = entry["shape"]
    if shape and len(shape) > 1:
        return int(shape[1] if len(shape) > 3 or (len(shape) == 3 and feeding == "conv") else shape[-1])
    weight = param_shapes.get(entry["weight"])
    return int(weight[0]) if weight else None


def param_entries(trace):
    """One dict per parameter: name, shape, layer (its owner)."""
    owners = param_owners(trace)
    shapes = trace.meta.get("param_shapes", {})
    return [{"name": p, "shape": shapes.get(p), "layer": owners.get(p)} for p in trace.params]

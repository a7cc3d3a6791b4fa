"""One neuron's chain rule at a recorded step, with that step's numbers.

Neuron j of a dense layer (a Linear, or a classic layer's weighted sums `layers.i.z`), followed by its
activation f (the next layer, when it is one; else f is the identity), on sample s of the training batch:

    z     = w_j . x + b_j               w_j, b_j as they were before the step: weights - updates
    a     = f(z)
    dL/da                               the trace's gradient of the activation's output (or of z, with no f)
    dL/dz = dL/da * f'(z)               (softmax couples the neurons: dL/dz = J^T dL/da, J its Jacobian)
    dL/dw_ji = dL/dz * x_i              because dz/dw_ji = x_i; summed over the batch it is the recorded gradient
    dL/db_j  = dL/dz                    because dz/db_j = 1
    update   = the change the step made to w_j and b_j (the trace's `updates`): -lr * dL/dw for plain SGD

f and f' come from aino/activations.py, the one source of both paths. The layer's input x on the training
batch is what the Recorder keeps for it (aino/trace/extras.py, "inputs"), or the recorded activations of
the layer before. With a probe the trace's activations are the probe's, taken after the step, while its
gradients are the training batch's: so z and a here are always recomputed from x and the weights before
the step, on the same batch as the gradients.

    rule = trace.chain_rule("0", neuron=2, step=40)      # or chain_rule(trace, "0", 2, 40)
    print(rule)                                          # laid out as Perceptron.backward writes it
    rule.dL_dw.sum(axis=0), rule.grad_w                  # equal: the recorded weight gradient
"""

import inspect

import numpy

from aino.activations import ACTIVATIONS, Softmax, get_activation

CLASSIC_RULE = "gradient descent (NeuralNetwork.train_step)"
PLAIN_RULE = "update = -lr * dL/dw (summed over the batch)"
OWN_RULE = "update = the change the optimizer made (its own rule: momentum, Adam's moments, weight decay...)"


class NeuronChainRule:
    """The numbers of one neuron's chain rule at one step (see the module docstring). Per sample (arrays
    over the n_samples of the training batch): z, a, df (f'(z); None for softmax), dL_da, dL_dz, dL_db
    (= dL_dz), x (n_samples, n_in), dL_dw (n_samples, n_in). For the neuron: w, b (before the step), grad_w,
    grad_b (the recorded batch sums), update_w, update_b, and optimizer, lr, lr_source, update_rule.
    `sample` is the one `text()` shows by default."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    @property
    def n_samples(self):
        return len(self.z)

    def text(self, sample=None):
        """The chain rule written out for one sample, one factor per line (as Perceptron.backward)."""
        s = self.sample if sample is None else _check_index(sample, self.n_samples, "sample", "the batch", "samples")
        f_text, df_text = self.formula
        lines = [f"Neuron {self.neuron} of {self.layer!r}" + (f" -> {self.activation_layer!r}" if self.activation_layer
                 else "") + f" at step {self.step}, sample {s} of the {self.n_samples} in the training batch",
                 "forward (w and b as they were before the step):",
                 _row("z = w . x + b", self.z[s]), _row(f"a = {f_text}", self.a[s]),
                 "backward, one factor at a time:", _row("dL/da", self.dL_da[s], "from the layers above")]
        if self.df is None:
            lines.append(_row("dL/dz = J^T dL/da", self.dL_dz[s], "softmax couples the neurons: " + df_text))
        else:
            lines += [_row(df_text, self.df[s]), _row("dL/dz = dL/da * f'(z)", self.dL_dz[s])]
        lines.append(_row("dL/db = dL/dz", self.dL_db[s], "because dz/db = 1"))
        lines.append("dL/dw_i = dL/dz * x_i (because dz/dw_i = x_i); summed over the batch, the recorded dL/dw:")
        lines.append(f"  {'i':>4} {'x_i':>12} {'dL/dw_i':>12} {'batch sum':>12} {'update':>12}")
        for i in range(len(self.w)):
            lines.append(f"  {i:>4} {self.x[s, i]:12.5g} {self.dL_dw[s, i]:12.5g} {self.grad_w[i]:12.5g} "
                         f"{self.update_w[i]:12.5g}")
        if self.b is not None:
            lines.append(f"  {'bias':>4} {1:12} {self.dL_db[s]:12.5g} {self.grad_b:12.5g} {self.update_b:12.5g}")
        lr = "lr unknown" if self.lr is None else f"lr {self.lr:.6g} ({self.lr_source})"
        lines.append(f"update: {self.optimizer}, {lr}: {self.update_rule}")
        return "\n".join(lines)

    def __str__(self):
        return self.text()

    def __repr__(self):
        return f"NeuronChainRule(layer={self.layer!r}, neuron={self.neuron}, step={self.step}, samples={self.n_samples})"


def chain_rule(trace, layer, neuron, step, sample=0):
    """The chain rule of neuron `neuron` of dense layer `layer` (or of the activation right after one) at the
    kept step `step`, for the training batch (`sample` is the one printed). ValueError for a layer that is not
    dense, a neuron or sample out of range, a step that kept no full arrays, or a trace without the layer's input."""
    dense, after = dense_layer(trace, layer)
    step = kept_step(trace, step)
    n = layer_numbers(trace, dense, after, step)
    j = _check_index(neuron, len(n["W"]), "neuron", f"layer {dense!r}", "neurons")
    column = {key: None if n[key] is None else n[key][:, j] for key in ("z", "a", "df", "dL_da", "dL_dz")}
    return NeuronChainRule(
        layer=dense, activation_layer=after, activation=n["f"].name, formula=formula(n["f"]), neuron=j, step=step,
        sample=_check_index(sample, len(n["x"]), "sample", "the training batch", "samples"), x=n["x"], w=n["W"][j],
        b=None if n["b"] is None else float(n["b"][j]), **column, dL_db=column["dL_dz"],
        dL_dw=column["dL_dz"][:, None] * n["x"], grad_w=n["grad_W"][j], update_w=n["update_W"][j],
        grad_b=None if n["b"] is None else float(n["grad_b"][j]),
        update_b=None if n["b"] is None else float(n["update_b"][j]), optimizer=n["optimizer"], lr=n["lr"],
        lr_source=n["lr_source"], update_rule=PLAIN_RULE if n["plain"] else OWN_RULE)


def layer_numbers(trace, dense, after, step):
    """The chain rule of every neuron of `dense` (activation layer `after` or None) at kept `step`, as arrays:
    x (samples, n_in); W (n_out, n_in), b, before the step; z, a, df (None for softmax), dL_da, dL_dz
    (samples, n_out); grad_W, grad_b, update_W, update_b as recorded; f, optimizer, lr, lr_source, and plain
    (whether the update is -lr * dL/dw)."""
    info = trace._infos.get(dense, {})
    weight, bias = info["weight"], info.get("bias")
    W = _before(trace, weight, step)
    n_out, n_in = W.shape
    b = None if bias is None else _before(trace, bias, step)
    x = numpy.asarray(layer_input(trace, dense, step)).reshape(-1, n_in)  # a Linear maps the last axis
    z = x @ W.T + (0 if b is None else b)  # z_j = w_j . x + b_j, every neuron at once
    f = activation_of(trace, after)
    dL_da = numpy.asarray(trace.gradients(after or dense, step)).reshape(-1, n_out)
    if isinstance(f, Softmax):
        df, dL_dz = None, f.backprop(z, dL_da)  # dL/dz_j = s_j (dL/da_j - sum_k dL/da_k s_k)
    else:
        df = f.df(z)
        dL_dz = dL_da * df  # dL/dz = dL/da * f'(z)
    grad_W, update_W = trace.weight_grads(weight, step), trace.updates(weight, step)
    grad_b, update_b = (None, None) if bias is None else (trace.weight_grads(bias, step), trace.updates(bias, step))
    optimizer, lr, lr_source = _optimizer(trace, step, weight, bias)
    plain = lr is not None and bool(numpy.allclose(update_W, -lr * grad_W, rtol=1e-4, atol=1e-7 * (1 + abs(lr))))
    return {"x": x, "W": W, "b": b, "z": z, "a": f.f(z), "df": df, "dL_da": dL_da, "dL_dz": dL_dz, "grad_W": grad_W,
            "grad_b": grad_b, "update_W": update_W, "update_b": update_b, "f": f, "optimizer": optimizer, "lr": lr,
            "lr_source": lr_source, "plain": plain}


def dense_layers(trace):
    """[(dense layer, the activation layer right after it or None)] of the trace, in model order."""
    roles = {name: trace._infos.get(name, {}).get("role") for name in trace.layers}
    out = []
    for k, name in enumerate(trace.layers):
        info = trace._infos.get(name, {})
        if roles[name] == "linear" and info.get("weight"):
            following = trace.layers[k + 1] if k + 1 < len(trace.layers) else None
            out.append((name, following if roles.get(following) == "activation" else None))
    return out


def dense_layer(trace, layer):
    """(dense layer, its activation layer or None) for `layer`: a dense layer, or the activation after one."""
    pairs = dense_layers(trace)
    for dense, after in pairs:
        if layer in (dense, after):
            return dense, after
    if layer not in trace.layers:
        raise ValueError(f"chain_rule: no layer {layer!r}; the trace has {trace.layers}")
    kind = trace._infos.get(layer, {}).get("type") or "layer"
    raise ValueError(f"chain_rule: layer {layer!r} ({kind}) is not a dense layer (a Linear and its activation); "
                     f"the dense layers of this trace are {[d for d, _ in pairs]}")


def kept_step(trace, step):
    """`step` (negative counts from the end) if the trace kept its full arrays, else a ValueError."""
    if isinstance(step, bool) or not isinstance(step, (int, numpy.integer)):
        raise TypeError(f"chain_rule: step must be an integer, got {type(step).__name__}")
    given, step = int(step), int(step) + (trace.n_steps if step < 0 else 0)
    if step not in trace.steps:
        where = "outside the trace" if not 0 <= step < trace.n_steps else "not a kept step"
        raise ValueError(f"chain_rule: step {given} is {where} (it has steps 0 to {trace.n_steps - 1}, full arrays "
                         f"at {len(trace.steps)} of them); {trace._nearest(min(max(step, 0), trace.n_steps))}")
    return step


def layer_input(trace, layer, step):
    """The input x of dense `layer` at kept `step`, on the training batch: the copy the Recorder kept, or the
    activations of the layer whose output it is (meta["layer_inputs"], a trace recorded without a probe)."""
    x = trace._on_host(step).get(("inputs", layer))
    if x is not None:
        return x
    source = trace.meta.get("layer_inputs", {}).get(layer)
    if source is not None:
        return trace.activations(source, step)
    raise ValueError(f"chain_rule: the trace holds no input of layer {layer!r} on the training batch at step {step} "
                     f"(a trace recorded before aino kept the dense layers' inputs has none)")


OPTION_DEFAULTS = {"beta": 1.0, "threshold": 20.0, "approximate": "none"}  # the activation modules' options
# (Softplus, GELU) that aino/activations.py writes only at these values


def activation_of(trace, layer):
    """The aino.activations object of activation `layer` (its options from the trace's meta); identity for None."""
    if layer is None:
        return get_activation("identity")
    info = trace._infos.get(layer, {})
    name = info.get("activation")
    if name not in ACTIVATIONS:
        raise ValueError(f"chain_rule: the activation {name!r} of {layer!r} has no elementwise derivative in "
                         f"aino/activations.py (it has {sorted(ACTIVATIONS)})")
    takes = inspect.signature(ACTIVATIONS[name]).parameters
    other = {key: info[key] for key in OPTION_DEFAULTS if key in info and key not in takes
             and info[key] != OPTION_DEFAULTS[key]}
    if other:
        raise ValueError(f"chain_rule: the activation {name!r} of {layer!r} has options {other} whose derivative "
                         f"aino/activations.py does not write (it has {name} with its defaults)")
    return get_activation(name, **{key: info[key] for key in takes if key in info})


def formula(activation):
    """("f(z) = ...", "f'(z) = ...") from the activation's docstring, its one written form."""
    first = (inspect.getdoc(type(activation)) or activation.name).split("\n")[0].rstrip(".")
    f_text, _, df_text = first.partition("; ")
    return f_text, df_text or "its derivative"


def _before(trace, param, step):
    """The parameter as it was before `step`: weights after the step less the step's update."""
    return trace.weights(param, step) - trace.updates(param, step)


def _optimizer(trace, step, weight, bias):
    """(optimizer name, learning rate or None, where the rate comes from) of `step`."""
    lr = trace._on_host(step).get(("optimizer", "lr"))
    if lr is not None:
        return trace.meta.get("optimizer_type", "the optimizer"), float(lr.reshape(-1)[0]), "the optimizer's"
    if trace.meta.get("path") != "classic":
        return trace.meta.get("optimizer_type", "the optimizer"), None, ""
    grads = [trace.weight_grads(p, step).ravel() for p in (weight, bias) if p]
    updates = [trace.updates(p, step).ravel() for p in (weight, bias) if p]
    g, u = numpy.concatenate(grads), numpy.concatenate(updates)
    norm = float(g @ g)
    return CLASSIC_RULE, (-float(u @ g) / norm if norm > 0 else None), "n, read off the update: -update / dL/dw"


def _check_index(value, size, what, whose, plural):
    if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)):
        raise TypeError(f"chain_rule: {what} must be an integer, got {type(value).__name__}")
    if not 0 <= int(value) < size:
        raise ValueError(f"chain_rule: {what} {value} is outside {whose}, which has {size} {plural} (0 to {size - 1})")
    return int(value)


def _row(name, value, why=""):
    return f"  {name:<44} = {value:.6g}" + (f"    ({why})" if why else "")

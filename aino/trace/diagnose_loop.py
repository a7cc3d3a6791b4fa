"""The checks of diagnose() that look at the training loop and the data rather than one layer's numbers
(aino/trace/diagnose.py runs them with the others; each returns (kind, step, layer, message) tuples):

  accumulating_gradients  the gradients were never cleared (zero_grad forgotten): every weight matrix's
                          gradient norm grew at least ACCUMULATION times over the first OPENING steps (the
                          mean of the last two of them against step 0), rising in at least RISING of them, and
                          over twice as much as the gradient reaching its layer's output (fresh each step:
                          that one is not summed into anything). Only the opening is read: later, once the
                          summed gradient has thrown the weights too far, the fresh gradients turn and the sum
                          can shrink again. The step is the first at which the first weight matrix's gradient
                          is over 1.5 times its first; the layer is that parameter.
  loss_output_mismatch    the model ends in a Softmax or Sigmoid, but its loss applies its own softmax or
                          sigmoid (CrossEntropyLoss or BCEWithLogitsLoss after it). The Recorder does not see the
                          loss module, so the rule reads what such a loss leaves behind, all three at once:
                          (1) every loss lies within the range a cross-entropy of probabilities can take,
                          [log(e + C - 1) - 1, log(e + C - 1)] for C classes (a Sigmoid counts as C = 2), and
                          the run has at least MIN_STEPS steps; (2) at every kept step, every entry of the
                          gradient reaching the last layer's output is nonzero and within a factor e + C - 2
                          of every other (a softmax or sigmoid of values in [0, 1] cannot be surer than
                          that), and (3) for a Softmax, each row of that gradient sums to 0 (the loss does
                          not change when a row is shifted, which is what a loss with its own softmax does).
                          A healthy NLL or BCE on probabilities learns below the range and spreads its
                          gradients; an MSE on probabilities starts below it. The step is 0, the layer the last.
  unscaled_inputs         the probe's input features (columns; the channels of a convolution's input) span
                          ranges (max - min over the probe) that differ over SCALE_RATIO times (constant
                          features left out). Needs a probe (trace.probe_inputs); step 0, the first layer.
  loss_plateau            in a run of at least PLATEAU_STEPS steps, the smoothed loss (a running mean over a
                          tenth of the run) did not get 1% of its start lower in the second half than its
                          best in the first half, while it is still over PLATEAU_LEVEL of its start: the
                          network learned next to nothing. The step is where the best of the first half was
                          reached; the layer None (the whole network).
"""

import math

import numpy

ACCUMULATION = 4.0
RISING = 0.8
OPENING = 12
MIN_STEPS = 5
SCALE_RATIO = 100.0
PLATEAU_STEPS = 20
PLATEAU_LEVEL = 0.7


def loop_checks():
    """The checks of this module, in the order diagnose() runs them."""
    return (_accumulating, _mismatch, _unscaled, _plateau)


def _infos(trace):
    return [info for info in trace.meta.get("layers", ()) if info.get("name") in trace.layers]


def _growth(trace, param, layer, steps):
    """(growth over the first `steps` steps, fraction of them rising, growth of the fresh gradient at the
    layer's output (1 where unknown), series) of param's gradient norm; None unless those norms are finite and > 0."""
    norm = trace.summary("weight_grads", param)["norm"][:steps]
    if not (numpy.isfinite(norm).all() and (norm > 0).all()):
        return None
    fresh, fresh_growth = None if layer is None else trace.summary("gradients", layer)["norm"][:steps], 1.0
    if fresh is not None and numpy.isfinite(fresh).all() and (fresh > 0).all():
        fresh_growth = float(fresh[-2:].mean() / fresh[0])
    return float(norm[-2:].mean() / norm[0]), float(numpy.mean(numpy.diff(norm) > 0)), fresh_growth, norm


def _accumulating(trace):
    if trace.n_steps < 8 or trace.meta.get("path") == "classic":
        return []
    steps = min(trace.n_steps, OPENING)
    shapes = trace.meta.get("param_shapes", {})
    owner = {info.get("weight"): info["name"] for info in _infos(trace) if info.get("weight")}
    grown = []
    for param in trace.params:
        if len(shapes.get(param, [0])) < 2:
            continue
        found = _growth(trace, param, owner.get(param), steps)
        if found is None or found[0] < ACCUMULATION or found[1] < RISING or found[0] < 2 * found[2]:
            return []  # every weight matrix must show it: a forgotten zero_grad leaves none out
        grown.append((param, *found))
    if not grown:
        return []
    param, growth, rising, _, norm = grown[0]
    step = int(numpy.argmax(norm > 1.5 * norm[0]))
    return [("accumulating_gradients", step, param,
             f"Accumulating gradients: over the first {steps} steps the gradient of {param!r} grew {growth:.3g} "
             f"times and rose in {rising:.0%} of them (from step {step} it is over 1.5 times its first), and so "
             f"did every weight matrix's, while the gradient reaching the layers' outputs did not grow with it. "
             f"Each step adds its gradient to the old ones: call optimizer.zero_grad() before loss.backward() "
             f"in every step.")]


def _width(trace, name):
    for step in reversed(trace.steps):
        try:
            return int(trace.activations(name, step).shape[-1])
        except ValueError:
            continue
    return None


def _mismatch(trace):
    infos = _infos(trace)
    if not infos or trace.meta.get("path") == "classic" or trace.n_steps < MIN_STEPS:
        return []
    last = infos[-1]
    kind, name = last.get("activation"), last["name"]
    if kind not in ("softmax", "sigmoid"):
        return []
    classes = 2 if kind == "sigmoid" else _width(trace, name)
    if not classes or classes < 2:
        return []
    top = math.log(math.e + classes - 1)
    low, spread = top - 1.0, math.e + classes - 2
    loss = trace.loss
    if not numpy.isfinite(loss).all() or loss.min() < low - 1e-4 or loss.max() > top + 1e-4:
        return []
    seen = 0
    for step in trace.steps:
        try:
            grad = numpy.asarray(trace.gradients(name, step), dtype=numpy.float64)
        except ValueError:
            continue
        size = numpy.abs(grad)
        if not numpy.isfinite(size).all() or size.min() <= 0 or size.max() > spread * size.min() * (1 + 1e-3):
            return []
        if kind == "softmax":
            rows = grad.reshape(-1, grad.shape[-1])
            if (numpy.abs(rows.sum(axis=1)) > 1e-3 * size.reshape(rows.shape).sum(axis=1)).any():
                return []
        seen += 1
    if not seen:
        return []
    loss_name, fix = (("CrossEntropyLoss", "remove the Softmax, as CrossEntropyLoss takes the raw scores (logits)")
                      if kind == "softmax" else
                      ("BCEWithLogitsLoss", "remove the Sigmoid, as BCEWithLogitsLoss takes logits (or keep it "
                       "and use BCELoss)"))
    return [("loss_output_mismatch", 0, name,
             f"Loss/output mismatch: the model ends in a {last.get('type', kind)} (layer {name!r}), and every "
             f"loss stayed between {low:.3f} and {top:.3f}, the range of a loss that applies its own {kind} "
             f"({loss_name}) to outputs that are already probabilities; its gradients are squeezed into a "
             f"factor {spread:.2f} of each other, so the network learns slowly and never gets sure. Apply the "
             f"{kind} once; {fix}.")]


def _unscaled(trace):
    inputs = trace.probe_inputs
    infos = _infos(trace)
    if inputs is None or inputs.dtype.kind != "f" or inputs.ndim < 2 or not trace.layers:
        return []
    axis = 1 if infos and infos[0].get("type", "").startswith("Conv") else inputs.ndim - 1
    values = numpy.moveaxis(numpy.asarray(inputs, dtype=numpy.float64), axis, -1).reshape(-1, inputs.shape[axis])
    with numpy.errstate(invalid="ignore"):
        span = values.max(axis=0) - values.min(axis=0)
    used = numpy.flatnonzero(numpy.isfinite(span) & (span > 0))
    if used.size < 2:
        return []
    big, small = used[numpy.argmax(span[used])], used[numpy.argmin(span[used])]
    ratio = span[big] / span[small]
    if ratio <= SCALE_RATIO:
        return []
    names = trace.meta.get("feature_names")
    label = (lambda i: repr(names[i])) if names and axis == inputs.ndim - 1 else (lambda i: f"{i}")
    first = trace.layers[0]
    return [("unscaled_inputs", 0, first,
             f"Unscaled inputs: input feature {label(big)} spans {span[big]:.3g} and feature {label(small)} "
             f"only {span[small]:.3g} ({ratio:.3g} times less), so the first layer {first!r} sees mostly the "
             f"large one, and one learning rate cannot suit both weights. Standardise the inputs (subtract "
             f"each feature's mean, divide by its std: aino.datasets.StandardScaler) before training.")]


def _plateau(trace):
    loss = trace.loss
    n = loss.size
    if n < PLATEAU_STEPS or not numpy.isfinite(loss).all():
        return []
    window = max(3, n // 10)
    smooth = numpy.convolve(loss, numpy.ones(window) / window, mode="valid")
    half = smooth.size // 2
    start, first_best, second_best = smooth[0], smooth[:half].min(), smooth[half:].min()
    if not start > 0 or second_best < first_best - 0.01 * start or smooth[-1] <= PLATEAU_LEVEL * start:
        return []
    step = int(numpy.argmin(smooth[:half]))
    return [("loss_plateau", step, None,
             f"Loss plateau: the loss (a running mean over {window} steps) was {first_best:.4g} at best by step "
             f"{step} and got no lower in the second half of the run; it is still {smooth[-1] / start:.0%} of "
             f"where it began, so the network learns next to nothing. Look at the other findings (dead units, "
             f"vanishing gradients, tiny updates); if there are none, try a larger learning rate or Adam.")]

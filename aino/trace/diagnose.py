"""Reading a trace for trouble: each check looks at the summaries (kept for every step) and says, in the
words of the lessons, what went wrong, where (layer or parameter) and from which step.

  nan_loss             the loss became NaN or infinite (the first such step)
  exploding_gradients  a layer's gradient norm grew over a thousandfold from the first step, or stopped being
                       finite (the first such step; of the layers that show it then, the one grown most)
  vanishing_gradients  late in training the gradient reaching the first layer is under 1/1000 of the
                       gradient at the last layer (RMS per value, so layer widths do not matter)
  dead_relu            at least half of a ReLU-type layer's units gave 0 for every sample over the latest
                       steps (at least 10 steps in a row, or all steps of a shorter run)
  saturated            most (over 50%) of a sigmoid/tanh layer's outputs sit at the asymptotes
                       (sigmoid < 0.01 or > 0.99, |tanh| > 0.98) over the last quarter of the steps; the
                       model's last layer is left out (a confident output sigmoid is what a good classifier
                       gives, and its loss's gradient, p - y, does not fade there)
  large_updates        a weight matrix's update/weight ratio stayed above 1e-1 for most of the steps
  tiny_updates         a weight matrix's update/weight ratio stayed below 1e-6 for most of the steps
                       (biases are left out: they start at or near 0, so their ratio says little)
  accumulating_gradients, loss_output_mismatch, unscaled_inputs, loss_plateau: the checks of the training
                       loop and the data, in aino/trace/diagnose_loop.py (its docstring gives each rule)

A healthy run gives an empty list; a trace with no steps is refused (ValueError), as it shows no run at all.
"""

from collections import namedtuple

import numpy

from aino.trace.diagnose_loop import loop_checks

Finding = namedtuple("Finding", ["kind", "step", "layer", "message"])
Finding.__doc__ = "One thing diagnose() noticed: its kind, the step it starts at, the layer or parameter, and a message."

GROWTH = 1e3
VANISH = 1e-3
DEAD_FRACTION = 0.5
DEAD_STEPS = 10
SATURATED = 0.5


class Diagnosable:
    """What a Trace inherits from here: `trace.diagnose()`. (This file reads a trace; trace.py, which
    holds the data, builds on it, so the checks need not import the Trace.)"""

    def diagnose(self):
        """Plain-language findings about this run: a list of Finding(kind, step, layer, message)."""
        return diagnose(self)


def diagnose(trace):
    """The findings of every check on `trace` (a Trace with at least one step)."""
    if not isinstance(trace, Diagnosable):
        raise TypeError(f"diagnose: expected an aino Trace, got {type(trace).__name__}")
    if trace.n_steps == 0:
        raise ValueError("diagnose: the trace has no steps, so there is nothing to diagnose "
                         "(train inside the Recorder first)")
    findings = []
    for check in (_nan_loss, _exploding, _vanishing, _dead, _saturated, _ratios):
        findings.extend(check(trace))
    for check in loop_checks():
        findings.extend(Finding(*found) for found in check(trace))
    return findings


def _first(condition):
    hits = numpy.flatnonzero(condition)
    return int(hits[0]) if hits.size else None


def _nan_loss(trace):
    loss = trace.loss
    if numpy.isnan(loss).all():  # no loss was ever seen (a loop without backward on a scalar)
        return []
    step = _first(~numpy.isfinite(loss))
    if step is None:
        return []
    layer, where = None, "every layer's outputs were still finite, so it came from the loss itself (a log of 0?)"
    for name in trace.layers:
        stats = trace.summary("activations", name)
        if not (numpy.isfinite(stats["max"][step]) and numpy.isfinite(stats["min"][step])):
            layer, where = name, f"the first layer whose outputs were not finite is {name!r}"
            break
    if layer is None:
        where += _probabilities_at_the_ends(trace, step)
    previous = f"; the step before it was {loss[step - 1]:.4g}" if step > 0 else ""
    return [Finding("nan_loss", step, layer,
                    f"The loss became {loss[step]} at step {step}{previous}; {where}. Every later step "
                    f"learns nothing. A smaller learning rate, or clipping the input of log(), usually helps.")]


def _probabilities_at_the_ends(trace, step):
    """Words for a last Sigmoid/Softmax layer that gave exactly 0 or 1 at `step` (its log is -inf), else ""."""
    infos = [info for info in trace.meta.get("layers", ()) if info.get("name") in trace.layers]
    if not infos or infos[-1].get("activation") not in ("sigmoid", "softmax"):
        return ""
    name = infos[-1]["name"]
    stats = trace.summary("activations", name)
    if stats["min"][step] == 0 or stats["max"][step] == 1:
        return (f"; the last layer {name!r} ({infos[-1]['activation']}) gave exactly 0 or 1 there, and the log of "
                f"0 is -inf: a loss on logits (BCEWithLogitsLoss, CrossEntropyLoss) never takes it")
    return ""


def _norms(trace, kind, name):
    return trace.summary(kind, name)["norm"]


def _exploding(trace):
    best = None
    for name in trace.layers:
        norm = _norms(trace, "gradients", name)
        if not numpy.isfinite(norm[:1]).all() or norm.size < 2:
            continue
        start = norm[0]  # the first step's: a median of the first few would hide a blow-up in them
        if not start > 0:
            continue
        with numpy.errstate(invalid="ignore", over="ignore"):
            bad = ~numpy.isfinite(norm) | (norm > GROWTH * start)
        step = _first(bad)
        if step is not None:
            growth = norm[step] / start
            if best is None or step < best[0] or (step == best[0] and growth > best[2]):
                best = (step, name, growth, start, norm[step])
    if best is None:
        return []
    step, name, growth, start, value = best
    size = f"{value:.3g}, {growth:.3g} times" if numpy.isfinite(value) else f"{value}, far above"
    return [Finding("exploding_gradients", step, name,
                    f"Exploding gradients: at step {step} the gradient at the output of layer {name!r} has norm "
                    f"{size} its norm of {start:.3g} at the start. Each update then throws the weights further; "
                    f"a smaller learning rate (or gradient clipping) keeps the steps in proportion.")]


def _rms(trace, name):
    stats = trace.summary("gradients", name)
    shape = None
    for step in trace.steps:
        try:
            shape = trace.gradients(name, step).size
            break
        except ValueError:
            continue
    return stats["norm"] / numpy.sqrt(shape) if shape else None


def _vanishing(trace):
    names = [name for name in trace.layers if numpy.isfinite(_norms(trace, "gradients", name)).any()]
    if len(names) < 3 or trace.n_steps == 0:
        return []
    rms = {name: _rms(trace, name) for name in names}
    if any(value is None for value in rms.values()):
        return []
    last = rms[names[-1]]
    window = slice(trace.n_steps - max(1, trace.n_steps // 4), trace.n_steps)
    for name in names[:-1]:
        with numpy.errstate(divide="ignore", invalid="ignore"):
            ratio = rms[name] / last
        if numpy.nanmedian(ratio[window]) < VANISH if numpy.isfinite(ratio[window]).any() else False:
            step = _first(ratio < VANISH)
            return [Finding("vanishing_gradients", step, name,
                            f"Vanishing gradients: from step {step} the gradient reaching layer {name!r} is "
                            f"{numpy.nanmedian(ratio[window]):.2g} times the one at the last layer "
                            f"{names[-1]!r} (per value), so the early layers barely learn. Saturated "
                            f"sigmoid/tanh layers or very small weights do this; ReLU layers, a better "
                            f"initialisation or normalisation help.")]
    return []


def _dead(trace):
    """A finding per ReLU-type layer with at least DEAD_FRACTION of its units dead over the latest steps."""
    needed = min(DEAD_STEPS, trace.n_steps)
    findings = []
    for name in trace.layers:
        streak = trace.dead_units(name)  # per unit: the latest steps in a row it gave 0 for every sample
        dead = streak >= needed
        if streak.size and dead.any() and dead.mean() >= DEAD_FRACTION:
            findings.append(_dead_units(trace, name, int(dead.sum()), dead.size, int(streak[dead].min())))
    return findings


def _dead_units(trace, name, n_dead, n_units, steps):
    since = trace.n_steps - steps
    return Finding("dead_relu", since, name,
                   f"Dead units: {n_dead} of {n_units} units of layer {name!r} output 0 for every sample in "
                   f"each of the last {steps} steps (since step {since}). A dead ReLU gets no gradient, so it "
                   f"never recovers; a large negative bias or a too-large learning rate causes it, LeakyReLU or "
                   f"a smaller rate helps.")


def _saturated(trace):
    findings = []
    window = max(1, trace.n_steps // 4)
    infos = [info for info in trace.meta.get("layers", ()) if info.get("name") in trace.layers]
    for info in infos[:-1]:  # the output layer is left out: a sure classifier's sigmoid sits at its ends
        name = info.get("name")
        if info.get("activation") not in ("sigmoid", "tanh"):
            continue
        fraction = trace.summary("activations", name)["saturated"]
        recent = fraction[-window:]
        if not numpy.isfinite(recent).any() or numpy.nanmean(recent) <= SATURATED:
            continue
        step = _first(fraction > SATURATED)
        findings.append(Finding("saturated", step, name,
                                f"Saturated {info['activation']}: from step {step}, {numpy.nanmean(recent):.0%} of "
                                f"the outputs of layer {name!r} sit at its flat ends, where the derivative is "
                                f"almost 0, so little gradient passes back. Large weights or inputs push them "
                                f"there; smaller initial weights, scaled inputs or ReLU help."))
    return findings


def _ratios(trace):
    findings = []
    shapes = trace.meta.get("param_shapes", {})
    for name in trace.params:
        if len(shapes.get(name, [0, 0])) < 2:
            continue
        ratio = trace.summary("updates", name)["update_ratio"]
        known = numpy.isfinite(ratio)
        if known.sum() < 2:
            continue
        for kind, bad, words in (("large_updates", ratio > 1e-1, "above 0.1"), ("tiny_updates", ratio < 1e-6, "below 1e-6")):
            if bad[known].mean() > 0.5:
                step = _first(bad)
                advice = ("each step changes the weights by a tenth of their size or more, so training jumps "
                          "around; lower the learning rate" if kind == "large_updates" else
                          "the weights hardly move; raise the learning rate, or look for vanishing gradients")
                findings.append(Finding(kind, step, name,
                                        f"Update/weight ratio of {name!r} is {words} in {bad[known].mean():.0%} of the "
                                        f"steps (from step {step}; about 1e-3 is typical): {advice}."))
    return findings

"""The arguments every part of the visualizer takes, checked without matplotlib: a step and a layer of a
trace, and the kept step nearest to a step (full arrays exist only for the steps in `trace.steps`)."""

import numpy

from visualizer.checks import check_trace


def check_step(trace, step):
    """`step` as a non-negative int within the trace (negative counts from the end)."""
    check_trace(trace)
    if isinstance(step, bool) or not isinstance(step, (int, numpy.integer)):
        raise TypeError(f"visualizer: step must be an integer, got {type(step).__name__}")
    if trace.n_steps == 0:
        raise ValueError("visualizer: the trace has no steps yet (train inside the Recorder first)")
    step = int(step) + (trace.n_steps if step < 0 else 0)
    if not 0 <= step < trace.n_steps:
        raise ValueError(f"visualizer: step {step} is outside the trace (steps 0 to {trace.n_steps - 1})")
    return step


def kept_step(trace, step):
    """The step in trace.steps nearest to `step` (the earlier on a tie), or None when none is kept."""
    kept = trace.steps
    if not kept:
        return None
    index = int(numpy.searchsorted(kept, step))
    candidates = kept[max(index - 1, 0): index + 1]
    return min(candidates, key=lambda s: (abs(s - step), s))


def check_layer(trace, layer):
    """`layer`, or the default layer (the first activation layer, else the first layer)."""
    check_trace(trace)
    if layer is None:
        for info in trace.meta.get("layers", ()):
            if info.get("role") == "activation" and info.get("name") in trace.layers:
                return info["name"]
        if not trace.layers:
            raise ValueError("visualizer: the trace has no layers")
        return trace.layers[0]
    if layer not in trace.layers:
        raise ValueError(f"visualizer: no layer {layer!r}; the trace has {trace.layers}")
    return layer

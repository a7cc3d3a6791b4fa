"""What every part of the visualizer checks first: that it was given a Trace, and if not, what to pass.

One wording for every refusal (`refusal`): plot_step, export_html, build_payload and the Debugger all
say what they got and what to pass instead; the Debugger also takes a Recorder (`allow_recorder`).
"""

from aino.trace.trace import Trace
from aino.training import History

RECORD_ONE = ("record a run first: NeuralNetwork.fit(..., trace=True) leaves it in network.trace_, "
              "aino.fit(..., trace=True) in history.trace, or train inside `with aino.trace.Recorder(model):`")


def refusal(obj, owner="visualizer", allow_recorder=False):
    """The message of the TypeError for `obj`, which is not a Trace: what was given and what to pass.

    A fit's History holding a trace: pass history.trace; one without (a fit without trace=True): how to
    record a run. Anything else holding a trace (a Recorder where only a Trace is taken): pass recorder.trace.
    """
    name = type(obj).__name__
    expected = "an aino Trace or a Recorder" if allow_recorder else "an aino Trace"
    held = getattr(obj, "trace", None)
    if isinstance(obj, History):
        if isinstance(held, Trace):
            return f"{owner}: expected {expected}, got {name} (pass history.trace)"
        return f"{owner}: expected {expected}, got {name} of a fit without trace=True; {RECORD_ONE}"
    if isinstance(held, Trace):
        return f"{owner}: expected {expected}, got {name} (pass recorder.trace)"
    return f"{owner}: expected {expected}, got {name}; {RECORD_ONE}"


def check_trace(trace, owner="visualizer"):
    """`trace`, when it is an aino Trace; otherwise a TypeError saying what to pass instead."""
    if not isinstance(trace, Trace):
        raise TypeError(refusal(trace, owner))
    return trace

"""What every part of the visualizer checks first: that it was given a Trace, and if not, what to pass."""

from aino.trace.trace import Trace

RECORD_ONE = ("record a run first: NeuralNetwork.fit(..., trace=True) leaves it in network.trace_, "
              "aino.fit(..., trace=True) in history.trace, or train inside `with aino.trace.Recorder(model):`")


def check_trace(trace, owner="visualizer"):
    """`trace`, when it is an aino Trace; otherwise a TypeError saying what to pass instead."""
    if not isinstance(trace, Trace):
        recorder = isinstance(getattr(trace, "trace", None), Trace)
        hint = " (pass recorder.trace)" if recorder else ""
        advice = "" if recorder else f"; {RECORD_ONE}"
        raise TypeError(f"{owner}: expected an aino Trace{hint}, got {type(trace).__name__}{advice}")
    return trace

"""Tracing: record what a network does while it trains, step by step, and read it back.

    from aino.trace import Recorder, Trace

    with Recorder(model, optimizer, probe=X[:64]) as recorder:
        ...training loop...
    trace = recorder.trace          # trace.loss, trace.activations("0", step), trace.diagnose(), ...
    trace.save("run.npz"); Trace.load("run.npz")

`trace.chain_rule(layer, neuron, step)` (or `chain_rule(trace, ...)`) writes one neuron's chain rule out with a
kept step's numbers. `detect_anomaly()` stops at the first op producing NaN or inf and names it and its layer.
The engine reports to the seam in aino/hooks.py (the trace attaches there); with no recorder attached it costs one
attribute check per call.
"""

from aino.trace.anomaly import detect_anomaly
from aino.trace.diagnose import Finding
from aino.trace.neuron import chain_rule
from aino.trace.recorder import Recorder, classic_names
from aino.trace.trace import KINDS, Trace

__all__ = ["KINDS", "Finding", "Recorder", "Trace", "chain_rule", "classic_names", "detect_anomaly"]

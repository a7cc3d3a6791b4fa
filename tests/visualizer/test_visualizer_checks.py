"""Given something other than a trace, the visualizer says how to record one."""

import pytest

import aino
from aino.datasets import xor

visualizer = pytest.importorskip("visualizer")


def untraced_history():
    network = aino.NeuralNetwork([2, 3, 1], loss="bce", seed=0).fit(*xor(), epochs=3)
    return network.history_  # a list of losses: a fit without trace=True


@pytest.mark.parametrize("show", [
    lambda value: visualizer.plot_step(value, 0),
    lambda value: visualizer.export_html(value, "run.html"),
])
def test_a_history_without_a_trace_is_refused_with_what_to_do(show):
    with pytest.raises(TypeError, match=r"expected an aino Trace, got list; record a run first: "
                                        r"NeuralNetwork.fit\(\.\.\., trace=True\)"):
        show(untraced_history())


def test_the_debugger_says_the_same():
    pytest.importorskip("ipywidgets")
    with pytest.raises(TypeError, match=r"Debugger: expected an aino Trace or a Recorder, got list; record a run"):
        visualizer.Debugger(untraced_history())

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
    pytest.importorskip("anywidget")
    with pytest.raises(TypeError, match=r"Debugger: expected an aino Trace or a Recorder, got list; record a run "
                                        r"first: NeuralNetwork.fit\(\.\.\., trace=True\)"):
        visualizer.Debugger(untraced_history())


def test_a_fit_history_gets_the_same_words_everywhere():
    from aino import fit, nn
    from visualizer.checks import RECORD_ONE, check_trace, refusal

    X, y = xor()
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    untraced = fit(model, X, y.astype("int64"), epochs=1, verbose=False)
    traced = fit(model, X, y.astype("int64"), epochs=1, trace=True, verbose=False)
    assert refusal(untraced, "plot_step") == (f"plot_step: expected an aino Trace, got History of a fit without "
                                              f"trace=True; {RECORD_ONE}")
    assert refusal(traced, "Debugger", allow_recorder=True) == ("Debugger: expected an aino Trace or a Recorder, "
                                                                "got History (pass history.trace)")
    with pytest.raises(TypeError, match=r"export_html: expected an aino Trace, got History \(pass history.trace\)"):
        check_trace(traced, "export_html")
    with pytest.raises(TypeError, match=r"pass recorder.trace"):
        check_trace(aino.trace.Recorder(model), "plot_step")

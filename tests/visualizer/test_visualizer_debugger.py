"""What a user does with `visualizer.Debugger` (the browser widget of visualizer/widget.py), headless:
show a trace, set the step and the layer from Python, follow a Recorder live, get told what to pass;
and the visualizer imported without matplotlib. tests/visualizer/test_browser_widget.py checks the
widget's data and throttle in detail; tests/browser/test_jupyterlab.py drives it in a real JupyterLab.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy
import pytest

try:
    import anywidget  # noqa: F401
except ImportError:  # pragma: no cover - depends on the installation
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip('the Debugger needs anywidget: pip install "aino[viz]"', allow_module_level=True)

import visualizer
from visualizer import Debugger
from visualizer.widget import MAX_ARRAY_STEPS, live_steps

ROOT = Path(__file__).resolve().parents[2]


def xor_network():
    """(X, y, network): the four XOR points and a small seeded classic network to train on them."""
    from aino.classic.network import NeuralNetwork

    X = numpy.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = numpy.array([0.0, 1.0, 1.0, 0.0])
    network = NeuralNetwork([2, 3, 1], activation_type="tanh", output_activation="sigmoid", loss="bce", seed=1)
    return X, y, network


def test_the_debugger_is_the_browser_widget(classic_trace):
    from visualizer.widget import Debugger as widget_debugger

    assert Debugger is widget_debugger is visualizer.BrowserDebugger  # the old name, kept for now
    view = Debugger(classic_trace)
    assert "application/vnd.jupyter.widget-view+json" in view._repr_mimebundle_()[0]
    assert view.n_steps == classic_trace.n_steps and view.data["n_steps"] == classic_trace.n_steps


def test_a_finished_trace_starts_at_the_first_step_on_the_default_layer(trace):
    view = Debugger(trace)
    assert view.step == 0
    assert view.layer in trace.layers


def test_step_and_layer_are_set_from_python_and_checked(classic_trace):
    view = Debugger(classic_trace)
    view.step = classic_trace.steps[3]
    assert view.step == classic_trace.steps[3] and view.get_state()["step"] == view.step
    view.step = numpy.int64(2)
    assert view.step == 2 and type(view.step) is int
    view.step = -1  # from the end, as everywhere in the visualizer
    assert view.step == classic_trace.n_steps - 1
    view.layer = "layers.1"
    assert view.layer == "layers.1" and view.get_state()["layer"] == "layers.1"
    with pytest.raises(ValueError, match="outside the trace"):
        view.step = classic_trace.n_steps
    with pytest.raises(TypeError, match="integer"):
        view.step = "3"
    with pytest.raises(ValueError, match="no layer"):
        view.layer = "layers.9"
    with pytest.raises(TypeError, match="layer"):
        view.layer = 1
    assert (view.step, view.layer) == (classic_trace.n_steps - 1, "layers.1")  # a refused value changes nothing


def test_to_png_draws_the_step_and_layer_shown(classic_trace):
    pytest.importorskip("matplotlib")
    view = Debugger(classic_trace, step=0)
    first = view.to_png()
    view.step = classic_trace.n_steps - 1
    assert first.startswith(b"\x89PNG") and view.to_png() != first


def test_a_recorder_debugger_refreshes_to_new_steps():
    from aino.trace import Recorder

    X, y, network = xor_network()
    with Recorder(network, probe=X) as recorder:
        network.fit(X, y, epochs=2, n=0.5)
        view = Debugger(recorder, live_every=3600)
        first = view.step
        network.fit(X, y, epochs=2, n=0.5)
        view.refresh()
        assert view.step == recorder.trace.n_steps - 1 > first
    assert view.data["kept_steps"][-1] == recorder.trace.steps[-1]


def test_a_recorder_debugger_follows_training_live_and_ends_on_the_last_step():
    from aino.trace import Recorder

    X, y, network = xor_network()
    recorder = Recorder(network, probe=X)
    view = Debugger(recorder)  # shown before training: no steps yet
    assert view.n_steps == 0 and view.data is None
    with recorder:
        network.fit(X, y, epochs=40, n=0.5)  # no refresh(): the recorder's callbacks drive the view
    assert view.n_steps == recorder.trace.n_steps == 40
    assert view.step == 39 and view.data["n_steps"] == 40
    assert view.refreshes >= 2  # the first step at once, the rest throttled, the last at the exit


def test_an_untraced_fit_history_is_refused_with_what_to_do():
    from aino import fit, nn

    X, y, _ = xor_network()
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    history = fit(model, X, y.astype(numpy.int64), epochs=1, verbose=False)
    with pytest.raises(TypeError, match=r"Debugger: expected an aino Trace or a Recorder, got History of a fit "
                                        r"without trace=True; record a run first"):
        Debugger(history)
    traced = fit(model, X, y.astype(numpy.int64), epochs=1, trace=True, verbose=False)
    with pytest.raises(TypeError, match=r"pass history\.trace"):
        Debugger(traced)
    assert Debugger(traced.trace).n_steps == traced.trace.n_steps


@pytest.mark.parametrize("value", [None, "run.npz", [0.5, 0.4], {"loss": [1.0]}])
def test_anything_else_is_refused_with_what_to_do(value):
    with pytest.raises(TypeError, match=r"expected an aino Trace or a Recorder, got \w+; record a run first"):
        Debugger(value)


def test_live_steps_are_at_most_the_limit_and_stay_chosen_as_the_run_grows():
    assert live_steps(list(range(10)), 1000) == list(range(10))
    earlier = set()
    for n in (1000, 1001, 1500, 2600, 5000, 9999):
        kept = list(range(n))
        chosen = live_steps(kept)
        assert len(chosen) <= MAX_ARRAY_STEPS and chosen[0] == 0 and chosen[-1] == n - 1
        assert chosen == sorted(set(chosen))
        gaps = numpy.diff(chosen[:-1])
        assert gaps.max() == gaps.min()  # evenly spread
        # a longer run keeps every step chosen before on the (doubling) stride, but the old last one
        stride = int(gaps[0]) if len(gaps) else 1
        assert {s for s in earlier if s % stride == 0} <= set(chosen)
        earlier = set(chosen) - {n - 1}


def test_the_visualizer_imports_without_matplotlib():
    """With matplotlib unavailable, the Debugger and export_html work, and plot_step says what to install."""
    script = textwrap.dedent("""
        import sys
        sys.modules["matplotlib"] = None  # any import of matplotlib now fails
        import numpy
        import visualizer
        from visualizer import Debugger, export_html
        from aino.classic.network import NeuralNetwork
        X = numpy.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        network = NeuralNetwork([2, 3, 1], loss="bce", seed=0)
        network.fit(X, numpy.array([0.0, 1.0, 1.0, 0.0]), epochs=3, trace=True, probe=X)
        assert Debugger(network.trace_).n_steps == 3
        import tempfile, os
        path = export_html(network.trace_, os.path.join(tempfile.mkdtemp(), "run.html"))
        assert os.path.getsize(path) > 1000
        try:
            from visualizer import plot_step
        except ImportError as error:
            print("refused:", error)
        else:
            raise SystemExit("plot_step imported without matplotlib")
        assert not any(name.startswith("matplotlib.") for name in sys.modules), "matplotlib was loaded"
    """)
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'refused: the visualizer needs matplotlib for plot_step: pip install "aino[viz]"' in done.stdout

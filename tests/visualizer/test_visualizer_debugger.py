"""The Debugger widget, driven headless: ipywidgets needs no kernel to build widgets and set values."""

import pytest

pytest.importorskip("matplotlib")
ipywidgets = pytest.importorskip("ipywidgets")

from visualizer import Debugger  # noqa: E402


@pytest.fixture(scope="module")
def debugger(classic_trace):
    return Debugger(classic_trace)


def test_setting_step_changes_the_view_and_moves_the_slider(debugger, classic_trace):
    debugger.step = classic_trace.steps[0]
    before = debugger.to_png()
    debugger.step = classic_trace.steps[-1]
    assert debugger.slider.value == classic_trace.steps[-1]
    assert debugger.to_png() != before
    assert before.startswith(b"\x89PNG")


def test_moving_the_slider_sets_step(debugger, classic_trace):
    target = classic_trace.steps[3]
    before = debugger.to_png()
    debugger.slider.value = target
    assert debugger.step == target
    assert debugger.to_png() != before


def test_setting_layer_changes_the_view(debugger, classic_trace):
    debugger.layer = "layers.0"
    before = debugger.to_png()
    debugger.layer = "layers.1"
    assert debugger.layer == "layers.1"
    assert debugger.to_png() != before
    with pytest.raises(ValueError, match="no layer"):
        debugger.layer = "layers.9"


def test_it_is_a_widget_that_displays_with_play_linked_in_the_browser(debugger):
    bundle = debugger._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert debugger.play in debugger.children[0].children
    assert debugger.play.max == len(debugger.trace.steps) - 1
    assert debugger.play_link.source == (debugger.play, "value")
    assert debugger.play_link.target == (debugger.slider, "index")


def xor_network():
    """(X, y, network): the four XOR points and a small seeded classic network to train on them."""
    numpy = pytest.importorskip("numpy")
    from aino.classic.network import NeuralNetwork

    X = numpy.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = numpy.array([0.0, 1.0, 1.0, 0.0])
    network = NeuralNetwork([2, 3, 1], activation_type="tanh", output_activation="sigmoid", loss="bce", seed=1)
    return X, y, network


def test_a_recorder_debugger_refreshes_to_new_steps():
    from aino.trace import Recorder

    X, y, network = xor_network()
    with Recorder(network, probe=X) as recorder:
        network.fit(X, y, epochs=2, n=0.5)
        view = Debugger(recorder)
        first = view.step
        network.fit(X, y, epochs=2, n=0.5)
        view.refresh()
    assert view.step == recorder.trace.steps[-1] > first
    assert view.slider.options[-1][1] == recorder.trace.steps[-1]


def test_a_recorder_debugger_follows_training_live_without_refresh():
    from aino.trace import Recorder

    X, y, network = xor_network()
    with Recorder(network, probe=X) as recorder:
        network.fit(X, y, epochs=1, n=0.5)
        view = Debugger(recorder, live_every=0.0)
        before = view.to_png()
        network.fit(X, y, epochs=3, n=0.5)  # no refresh(): the recorder's step callback drives the view
    assert view.step == recorder.trace.steps[-1] == 3
    assert view.to_png() != before

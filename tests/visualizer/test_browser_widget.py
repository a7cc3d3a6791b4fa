"""The Debugger (visualizer/widget.py), headless: the data it holds for the browser, its step and
layer traitlets, live refreshes from a Recorder (throttled), the final refresh, and its refusals.

Outside CI a missing anywidget skips these tests; with CI=true (as .ci/run sets it) it fails them.
"""

import json
import os
import time

import numpy
import pytest

try:
    import anywidget  # noqa: F401
except ImportError:  # pragma: no cover - depends on the installation
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip('the Debugger needs anywidget: pip install "anywidget>=0.9"', allow_module_level=True)

from ipywidgets.widgets.widget import _remove_buffers

from aino import fit, nn
from aino.datasets import moons
from aino.trace import Recorder
from visualizer import Debugger
from visualizer import widget as widget_module
from visualizer.export import renderer_script
from visualizer.payload import build_payload


def _data():
    data = moons(60, noise=0.1, seed=0)
    return data.data, data.target.astype(numpy.int64)


def _model():
    numpy.random.seed(0)
    return nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 2))


# --- the data it holds --------------------------------------------------------------------------------


def _decoded(value, buffers):
    """The data with each buffer reference replaced by its decoded values (so buffer order does not matter)."""
    if isinstance(value, dict) and "buffer" in value and "dtype" in value:
        raw = numpy.frombuffer(bytes(buffers[value["buffer"]]), dtype=value["dtype"]).astype(numpy.float64)
        scale, offset = value["scale"], value["offset"]
        rows = raw.reshape(len(scale), -1) if isinstance(scale, list) else raw
        if isinstance(scale, list):
            rows = rows * numpy.array(scale)[:, None] + numpy.array(offset)[:, None]
        else:
            rows = rows * (1.0 if scale is None else scale) + (offset or 0.0)
        rest = {k: v for k, v in value.items() if k not in ("buffer",)}
        return rest, numpy.round(rows, 6).tolist()
    if isinstance(value, dict):
        return {k: _decoded(v, buffers) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v, buffers) for v in value]
    return value


def test_it_holds_the_payload_of_build_payload(trace):
    view = Debugger(trace)
    data, buffers = build_payload(trace)
    held = view.data
    assert held["format"] == "aino.debugger/1"
    assert held["n_steps"] == view.n_steps == trace.n_steps
    assert [layer["name"] for layer in held["layers"]] == list(trace.layers)
    assert len(view.buffers) == len(buffers)
    assert sorted(len(b) for b in view.buffers) == sorted(len(b) for b in buffers)
    assert json.dumps(_decoded(held, view.buffers), sort_keys=True) == json.dumps(
        _decoded(json.loads(json.dumps(data)), buffers), sort_keys=True)


def test_the_buffers_travel_as_binary_not_base64(trace):
    view = Debugger(trace)
    _, paths, binary = _remove_buffers(view.get_state())
    assert sorted(paths) == [["blob"], ["sizes"]] and len(binary) == 2
    assert sum(len(b) for b in view.buffers) == len(view.blob)
    assert "buffers_b64" not in view.payload


def test_its_module_is_the_renderer_and_a_widget_view():
    esm = Debugger._esm.default_value
    assert esm.startswith(renderer_script())
    assert "export default" in esm and "render({ model, el })" in esm
    assert 'from "./' not in esm  # one module: the renderer's imports of each other are gone


# --- step and layer -----------------------------------------------------------------------------------


def test_step_and_layer_start_where_asked_and_can_be_set(fast_trace):
    view = Debugger(fast_trace)
    assert view.step == 0
    assert view.layer in fast_trace.layers
    last = fast_trace.n_steps - 1
    view = Debugger(fast_trace, step=-1, layer="0")
    assert (view.step, view.layer) == (last, "0")
    view.step = 3
    view.layer = "2"
    assert (view.step, view.layer) == (3, "2")
    assert view.get_state()["step"] == 3 and view.get_state()["layer"] == "2"


def test_the_browser_can_report_the_step(fast_trace):
    view = Debugger(fast_trace)
    view.set_state({"step": 7, "layer": "0"})  # what a message from the browser does
    assert (view.step, view.layer) == (7, "0")


def test_bad_steps_and_layers_are_refused(fast_trace):
    view = Debugger(fast_trace)
    with pytest.raises(ValueError):
        view.step = fast_trace.n_steps + 5
    with pytest.raises(ValueError, match="no layer"):
        view.layer = "no such layer"
    with pytest.raises(ValueError):
        Debugger(fast_trace, step=10**6)


# --- refusals -----------------------------------------------------------------------------------------


def test_a_history_without_a_trace_is_refused_with_what_to_pass():
    X, y = _data()
    history = fit(_model(), X, y, epochs=1, batch_size=20, verbose=False)
    with pytest.raises(TypeError, match="trace=True.*Recorder"):
        Debugger(history)
    history = fit(_model(), X, y, epochs=1, batch_size=20, trace=True, verbose=False)
    with pytest.raises(TypeError, match="history.trace"):
        Debugger(history)


@pytest.mark.parametrize("value", [None, "run.npz", 3, {"loss": [1.0]}])
def test_anything_else_is_refused(value):
    with pytest.raises(TypeError, match="Trace .*Recorder"):
        Debugger(value)


def test_live_every_is_checked(fast_trace):
    with pytest.raises((TypeError, ValueError)):
        Debugger(fast_trace, live_every=-1)


# --- live ---------------------------------------------------------------------------------------------


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_live_refreshes_are_throttled_and_the_last_one_comes_at_the_exit(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(widget_module.time, "monotonic", clock)
    X, y = _data()
    model = _model()
    recorder = Recorder(model)
    view = Debugger(recorder, live_every=1.0)
    assert view.refreshes == 1 and view.data is None and view.n_steps == 0  # nothing recorded yet
    seen = []
    original = recorder.trace._append_step

    def step_taken(*args, **kwargs):  # each step of training takes 0.25 s on the fake clock
        clock.now += 0.25
        seen.append(view.n_steps)
        return original(*args, **kwargs)

    monkeypatch.setattr(recorder.trace, "_append_step", step_taken)
    with recorder:
        fit(model, X, y, epochs=4, batch_size=20, verbose=False)  # 3 batches an epoch: 12 steps, 3 s
    steps = recorder.trace.n_steps
    assert steps == 12
    # one refresh at the start, one per second of training (steps 1, 5, 9), one at the exit
    assert view.refreshes == 1 + 3 + 1
    assert view.n_steps == steps and view.data["n_steps"] == steps
    assert view.step == steps - 1  # it followed the newest step to the end
    assert max(seen) < steps
    view.refresh()
    assert view.refreshes == 6 and view.revision == 6


def test_refresh_by_hand_sees_the_new_steps_and_keeps_a_chosen_step():
    X, y = _data()
    model = _model()
    recorder = Recorder(model)
    view = Debugger(recorder, live_every=3600)
    with recorder:
        fit(model, X, y, epochs=1, batch_size=20, verbose=False)
    assert view.n_steps == 3  # the first step refreshed at once, the exit caught up
    view.step = 1
    with recorder:
        fit(model, X, y, epochs=1, batch_size=20, verbose=False)
    assert view.step == 1 and view.n_steps == 6
    view.refresh()
    assert view.n_steps == 6 and len(view.buffers) == len(build_payload(recorder.trace)[1])
    data, buffers = build_payload(recorder.trace)
    assert json.dumps(_decoded(view.data, view.buffers), sort_keys=True) == json.dumps(
        _decoded(json.loads(json.dumps(data)), buffers), sort_keys=True)  # the steps kept from before too


def test_live_refreshes_take_a_small_share_of_training(monkeypatch):
    monkeypatch.setattr(widget_module, "BUDGET", 0.3)  # a large share, so that a short run refreshes often
    X, y = _data()
    model = _model()
    recorder = Recorder(model)
    view = Debugger(recorder, live_every=0)  # only the cost-based throttle is left
    live = []
    build = view._build

    def timed_build(*args):
        spent = build(*args)
        live.append(spent)
        return spent

    monkeypatch.setattr(view, "_build", timed_build)
    started = time.perf_counter()
    with recorder:
        fit(model, X, y, epochs=40, batch_size=10, verbose=False)
    elapsed = time.perf_counter() - started
    assert recorder.trace.n_steps == 240 and view.n_steps == 240
    assert 2 < len(live) < 240
    # a refresh comes only when the ones before it, with twice the latest, fit in BUDGET of the time
    # since the first step: so all but the last live refresh (and the final one) fit in BUDGET
    assert sum(live[:-2]) <= widget_module.BUDGET * elapsed, (live, elapsed)

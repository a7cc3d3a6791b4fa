"""Every kind of layer in the exported debugger, in a real browser (Chromium, file://, networking off):

  * the digits CNN: a step never drawn before within 50 ms (95th percentile over 100 steps, measured in the
    page with performance.now(); the better of two such windows where the first is over), a layer change
    within 100 ms, the filters and feature maps drawn;
  * an LSTM: with the LSTM selected, the update panel names the LSTM's own parameters, and the hidden
    state over time is drawn.

Set AINO_BROWSER_ARTIFACTS=/some/dir to keep screenshots and the measured times there.
"""

import json
import random
from pathlib import Path

import numpy
import pytest

from offline_page import FRAME_WINDOW, artifacts, frame_p95, frame_times, launched_browser, layer_change_ms, open_offline, require_browser_pieces

pytestmark = pytest.mark.browser

ROOT = "#aino-debugger"
FRAME_P95_MS = 50
LAYER_CHANGE_MS = 100


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory):
    """The digits CNN (two conv blocks), four epochs traced (228 steps: two windows of new steps), the first 16
    images as the probe."""
    require_browser_pieces()
    import aino
    from aino import fit, nn
    from aino.datasets import load_digits
    from visualizer import export_html

    digits = load_digits()
    X = (digits.data.reshape(-1, 1, 8, 8) / 16.0).astype(numpy.float32)
    aino.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10))
    trace = fit(model, X, digits.target, epochs=4, batch_size=32, lr=0.01, seed=0, trace=True, probe=X[:16],
                verbose=False).trace
    return trace, Path(export_html(trace, tmp_path_factory.mktemp("cnn") / "cnn.html"))


@pytest.fixture(scope="module")
def lstm_run(tmp_path_factory):
    """An LSTM reading 12-step sequences of 3 numbers, then a Linear head, traced with a probe."""
    require_browser_pieces()
    import aino
    from aino import fit, nn
    from visualizer import export_html

    class Reader(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 6, batch_first=True)
            self.head = nn.Linear(6, 2)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    rng = numpy.random.default_rng(0)
    X = rng.normal(size=(64, 12, 3)).astype(numpy.float32)
    y = (X[:, :, 0].sum(axis=1) > 0).astype(numpy.int64)
    aino.manual_seed(0)
    trace = fit(Reader(), X, y, epochs=4, batch_size=16, lr=0.01, seed=0, trace=True, probe=X[:8], verbose=False).trace
    return trace, Path(export_html(trace, tmp_path_factory.mktemp("lstm") / "lstm.html"))


def test_the_digits_cnn_draws_new_steps_and_layers_quickly(browser, cnn_run):
    trace, path = cnn_run
    for page in open_offline(browser, path, f"{ROOT}[data-step]"):
        assert page.errors == [] and page.outside == []
        steps = random.Random(1).sample(range(1, trace.n_steps), 2 * FRAME_WINDOW)
        p95, times, windows = frame_p95(lambda window: frame_times(page, ROOT, window), steps, FRAME_P95_MS)
        changes = [layer_change_ms(page, ROOT, layer) for layer in ("0", "3", "1", "7")]
        if artifacts():
            (artifacts() / "cnn_times.json").write_text(json.dumps({"frames_ms": times, "p95_ms": p95,
                                                                     "windows": windows, "layer_changes_ms": changes}))
            page.screenshot(path=str(artifacts() / "cnn.png"), full_page=True)
        assert len(times) == FRAME_WINDOW
        assert p95 <= FRAME_P95_MS, f"95th percentile {p95:.1f} ms over 100 new steps (max {max(times):.1f}, {windows} windows)"
        assert max(changes) <= LAYER_CHANGE_MS, f"layer changes took {changes} ms"
        assert page.errors == []


def test_with_the_lstm_selected_the_update_panel_shows_its_own_parameters(browser, lstm_run):
    trace, path = lstm_run
    for page in open_offline(browser, path, f"{ROOT}[data-step]"):
        assert layer_change_ms(page, ROOT, "lstm") <= LAYER_CHANGE_MS
        names = page.locator(f"{ROOT} .aino-ratio-panel .aino-series-legend .aino-key").all_inner_texts()
        assert names and all(name.startswith("lstm.") for name in names), names
        assert set(names) == {p for p in trace.params if p.startswith("lstm.")}
        assert page.errors == []
        if artifacts():
            page.screenshot(path=str(artifacts() / "lstm.png"), full_page=True)

"""The per-layer-kind panels (visualizer/web/layers*.js) in real Chromium, through Playwright: a page of
our own (the renderer's modules inlined as export.py inlines them) holds the payloads of small recorded
runs (CNNs, an LSTM, an RNN, self-attention, a BatchNorm MLP), built with build_payload. After
layerPanel(...).update, the canvases are compared with the trace: feature-map and filter pixels with the
recorded values' colours, the time bars with numpy's per-step gradient norms, the attention heads with the
recorded weights, the norm bars with the running statistics. Screenshots go to $AINO_BROWSER_ARTIFACTS
(else /tmp) as panels_*.png.
"""

import os
from pathlib import Path

import numpy
import pytest

from offline_page import launched_browser, open_offline, require_browser_pieces
from visualizer.export import _safe_json, renderer_script
from visualizer.payload import build_payload, to_json_with_base64

pytestmark = pytest.mark.browser

NEGATIVE, POSITIVE = (245, 147, 34), (8, 119, 189)   # visualizer/web/colors.js


# --- the runs ---------------------------------------------------------------------------------------

def _record(model, X, y, steps=3, probe=None):
    from aino import nn
    from aino.optim import SGD
    from aino.tensor import Tensor
    from aino.trace import Recorder

    optimizer = SGD(model.parameters(), lr=0.05)
    with Recorder(model, optimizer, probe=X[:6] if probe is None else probe) as recorder:
        for _ in range(steps):
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(model(Tensor(X)), Tensor(y)).backward()
            optimizer.step()
    return recorder.trace


def _traces():
    from aino import nn

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.fc = nn.LSTM(3, 6, batch_first=True), nn.Linear(6, 2)

        def forward(self, x):   # the mean over time: the loss reads the output at every t
            return self.fc(self.rnn(x)[0].mean(axis=1))

    class TimeMajor(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.fc = nn.RNN(3, 4), nn.Linear(4, 2)

        def forward(self, x):   # (T, N, I), PyTorch's default layout; the loss reads the last step only
            return self.fc(self.rnn(x)[0][-1])

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn, self.fc = nn.MultiheadAttention(8, 2, batch_first=True), nn.Linear(8, 2)

        def forward(self, x):
            return self.fc(self.attn(x, x, x)[0].mean(axis=1))

    rng = numpy.random.default_rng(0)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3))
    norm = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    mlp = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2))
    conv1d = nn.Sequential(nn.Conv1d(2, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 14, 2))
    sequences = rng.normal(size=(9, 10, 3)).astype("f4")                            # (T, N, I)
    conv3d = nn.Sequential(nn.Conv3d(1, 2, 3, padding=1), nn.Flatten(), nn.Linear(2 * 4 * 4 * 4, 2))
    return {
        "conv3d": _record(conv3d, rng.normal(size=(10, 1, 4, 4, 4)).astype("f4"), rng.integers(0, 2, 10)),
        "conv1d": _record(conv1d, rng.normal(size=(10, 2, 16)).astype("f4"), rng.integers(0, 2, 10)),
        "rnn": _record(TimeMajor(), sequences, rng.integers(0, 2, 10), probe=sequences[:, :6]),
        "cnn": _record(cnn, rng.normal(size=(10, 1, 8, 8)).astype("f4"), rng.integers(0, 3, 10)),
        "lstm": _record(Sequence(), rng.normal(size=(10, 12, 3)).astype("f4"), rng.integers(0, 2, 10)),
        "attn": _record(Attention(), rng.normal(size=(10, 5, 8)).astype("f4"), rng.integers(0, 2, 10)),
        "norm": _record(norm, rng.normal(size=(10, 4)).astype("f4") * 3 + 1, rng.integers(0, 2, 10)),
        "mlp": _record(mlp, rng.normal(size=(10, 2)).astype("f4"), rng.integers(0, 2, 10)),
    }


def panel_payload(trace, quantize=False):
    """(data, buffers) as the debugger receives them (not quantised unless `quantize`)."""
    return build_payload(trace, quantize=quantize)


PAGE_SCRIPT = """
const payloads = {};
for (const node of document.querySelectorAll("script.aino-payload")) payloads[node.dataset.name] = JSON.parse(node.textContent);
const panels = {}, decoders = {};
window.panelExists = (name) => layerPanel(payloads[name], makeDecoder(payloads[name])) !== null;
window.showPanel = (name, layer, arrayStep, scale) => {
  const data = payloads[name];
  if (!panels[name]) {
    decoders[name] = makeDecoder(data);
    panels[name] = layerPanel(data, decoders[name]);
    document.getElementById("panels").appendChild(panels[name].element);
    panels[name].element.id = "panel-" + name;
  }
  panels[name].update({ step: arrayStep, arrayStep, arrays: data.steps[String(arrayStep)] || null, layer, scale });
};
window.timeUpdates = (jobs) => {
  const times = [];
  for (const [name, layer, arrayStep, scale] of jobs) {
    const started = performance.now();
    window.showPanel(name, layer, arrayStep, scale);
    times.push(performance.now() - started);
  }
  return times;
};
window.pixel = (selector, x, y) => Array.from(document.querySelector(selector).getContext("2d").getImageData(x, y, 1, 1).data);
document.body.setAttribute("data-ready", "1");
"""


@pytest.fixture(scope="module")
def runs():
    require_browser_pieces()
    return _traces()


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


@pytest.fixture(scope="module")
def page(runs, browser, tmp_path_factory):
    blocks = "\n".join(f'<script type="application/json" class="aino-payload" data-name="{name}">'
                       f"{_safe_json(to_json_with_base64(*panel_payload(trace)))}</script>" for name, trace in runs.items())
    blocks += "".join(f'<script type="application/json" class="aino-payload" data-name="{name}_uint8">'
                      f"{_safe_json(to_json_with_base64(*panel_payload(runs[name], quantize=True)))}</script>"
                      for name in ("lstm", "attn"))
    data, buffers = panel_payload(runs["rnn"])   # a trace from before hidden_grads: the direct gradient only
    for arrays in data["steps"].values():
        arrays.pop("hidden_grads", None)
    blocks += (f'<script type="application/json" class="aino-payload" data-name="rnn_direct">'
               f"{_safe_json(to_json_with_base64(data, buffers))}</script>")
    html = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>layer panels</title></head>'
            f'<body style="font-family: sans-serif; font-size: 13px;"><div id="panels" class="aino-debugger" '
            f'style="display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start;"></div>{blocks}'
            f'<script type="module">\n{renderer_script()}\n{PAGE_SCRIPT}</script></body></html>')
    path = tmp_path_factory.mktemp("panels") / "panels.html"
    path.write_text(html, encoding="utf-8")
    yield from open_offline(browser, path, "body[data-ready]")


def _attr(page, selector, name):
    return page.evaluate("([s, n]) => [...document.querySelectorAll(s)].map((c) => c.getAttribute(n))", [selector, name])


def _numbers(text):
    return numpy.array([float(v) for v in text.split(",")]) if text else numpy.zeros(0)


def _diverging(value, top):
    t = max(-1.0, min(1.0, value / top if top > 0 else 0.0))
    end = NEGATIVE if t < 0 else POSITIVE
    return tuple(round(255 + (e - 255) * abs(t)) for e in end)


def _close(drawn, expected, tolerance=1):
    assert max(abs(a - b) for a, b in zip(drawn[:3], expected)) <= tolerance, (drawn, expected)


def test_a_run_without_panel_kinds_gets_no_panel(page):
    assert page.evaluate("() => window.panelExists('mlp')") is False
    assert page.evaluate("() => window.panelExists('cnn')") is True
    assert page.errors == []


def test_conv_filters_feature_maps_and_channel_stats(page, runs):
    trace = runs["cnn"]
    step = trace.steps[-1]
    page.evaluate("(s) => window.showPanel('cnn', '0', s, 'run')", step)
    assert page.errors == []
    panel = "#panel-cnn"
    assert page.locator(f"{panel} canvas.aino-conv-filters").count() == 4
    assert page.locator(f"{panel} canvas.aino-feature-maps").count() == 4
    assert page.locator(f"{panel} canvas.aino-channel-stats").count() == 1
    A = numpy.asarray(trace.activations("0", step), dtype=numpy.float64)            # (6, 4, 8, 8)
    stats = trace.summary("activations", "0")
    top = float(numpy.nanmax(numpy.abs(numpy.concatenate([stats["min"], stats["max"]]))))
    maps = f"{panel} canvas.aino-feature-maps"
    assert float(_attr(page, maps, "data-scale")[0]) == pytest.approx(top, rel=1e-4)  # the run's scale
    for channel, y, x in [(0, 0, 0), (1, 3, 5), (3, 7, 2), (2, 4, 4)]:
        drawn = page.evaluate("([s, x, y]) => window.pixel(s, x, y)", [f'{maps}[data-channel="{channel}"]', x, y])
        _close(drawn, _diverging(A[0, channel, y, x], top))
    W = numpy.asarray(trace.weights("0.weight", step), dtype=numpy.float64)         # (4, 1, 3, 3): input channel 0
    filters = f"{panel} canvas.aino-conv-filters"
    assert set(_attr(page, filters, "data-source")) == {"channel0"}
    ftop = float(_attr(page, filters, "data-scale")[0])
    drawn = page.evaluate("([s]) => window.pixel(s, 2, 1)", [f'{filters}[data-channel="3"]'])
    _close(drawn, _diverging(W[3, 0, 1, 2], ftop))
    bars = f"{panel} canvas.aino-channel-stats"
    numpy.testing.assert_allclose(_numbers(_attr(page, bars, "data-means")[0]), A.mean(axis=(0, 2, 3)), rtol=1e-3, atol=1e-6)
    numpy.testing.assert_allclose(_numbers(_attr(page, bars, "data-stds")[0]), A.std(axis=(0, 2, 3)), rtol=1e-3, atol=1e-6)


def test_a_layer_of_another_kind_shows_the_nearest_panel_layer(page):
    page.evaluate("() => window.showPanel('cnn', '4', 0, 'step')")
    shown = page.evaluate("() => { const p = document.querySelector('#panel-cnn');"
                          " return [p.getAttribute('data-layer'), p.querySelector('.aino-lp-which').textContent]; }")
    assert shown[0] == "0" and "nearest" in shown[1], shown


def test_lstm_hidden_state_and_gradient_per_time_step(page, runs):
    trace = runs["lstm"]
    step = trace.steps[-1]
    page.evaluate("(s) => window.showPanel('lstm', 'rnn', s, 'step')", step)
    assert page.errors == []
    G = numpy.asarray(trace.hidden_grads("rnn", step), dtype=numpy.float64)         # (T, N, H): time-major
    expected = numpy.sqrt((G ** 2).sum(axis=(1, 2)))                                # ||dL/dh_t|| per t, total
    values = _numbers(_attr(page, "#panel-lstm canvas.aino-grad-time", "data-values")[0])
    assert values.shape == (12,) and (values > 0).all()
    numpy.testing.assert_allclose(values, expected, rtol=1e-3)
    assert _attr(page, "#panel-lstm canvas.aino-grad-time", "data-source") == ["hidden_grads"]
    caption = page.evaluate("() => document.querySelector('#panel-lstm .aino-lp-caption').textContent")
    assert "first / last" in caption and "dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t" in caption
    A = numpy.asarray(trace.activations("rnn", step), dtype=numpy.float64)          # (6, 12, 6)
    heat = "#panel-lstm canvas.aino-hidden-time"
    top = float(_attr(page, heat, "data-scale")[0])
    assert top == pytest.approx(numpy.abs(A[0]).max(), rel=1e-4)                     # 'step': this step's sample 0
    H = A.shape[2]
    for t, u in [(0, 0), (11, 5), (6, 2)]:
        drawn = page.evaluate("([s, x, y]) => window.pixel(s, x, y)", [heat, t, H - 1 - u])   # unit 0 at the bottom
        _close(drawn, _diverging(A[0, t, u], top))


def test_without_hidden_grads_the_bars_show_the_output_gradient(page, runs):
    trace = runs["rnn"]
    step = trace.steps[0]
    page.evaluate("(s) => window.showPanel('rnn_direct', 'rnn', s, 'run')", step)
    assert page.errors == []
    G = numpy.asarray(trace.gradients("rnn", step), dtype=numpy.float64)            # (T, N, H)
    values = _numbers(_attr(page, "#panel-rnn_direct canvas.aino-grad-time", "data-values")[0])
    numpy.testing.assert_allclose(values, numpy.sqrt((G ** 2).sum(axis=(1, 2))), rtol=1e-2)
    assert (values[:-1] == 0).all() and values[-1] > 0                               # only t = T - 1 reaches the loss
    assert _attr(page, "#panel-rnn_direct canvas.aino-grad-time", "data-source") == ["gradients"]
    caption = page.evaluate("() => document.querySelector('#panel-rnn_direct .aino-lp-caption').textContent")
    assert "only at t = 8" in caption, caption


def test_time_bars_show_the_total_gradient_through_the_recurrence(page, runs):
    trace = runs["rnn"]
    for step in trace.steps:
        page.evaluate("(s) => window.showPanel('rnn', 'rnn', s, 'run')", step)
        assert page.errors == []
        G = numpy.asarray(trace.hidden_grads("rnn", step), dtype=numpy.float64)    # (T, N, H): the total dL/dh_t
        expected = numpy.sqrt((G ** 2).sum(axis=(1, 2)))
        values = _numbers(_attr(page, "#panel-rnn canvas.aino-grad-time", "data-values")[0])
        assert values.shape == (9,) and (values > 0).all()                           # earlier t get gradient too
        numpy.testing.assert_allclose(values, expected, rtol=1e-3)                   # 4 significant digits
        assert values[-1] == pytest.approx(numpy.linalg.norm(trace.gradients("rnn", step)[-1]), rel=1e-3)
        caption = page.evaluate("() => document.querySelector('#panel-rnn .aino-lp-caption').textContent")
        assert caption.startswith("Total gradient through the recurrence, dL/dh_t = dL/dout_t + dL/dh_{t+1}"), caption
        assert "only at t" not in caption


def test_time_major_rnn_reads_time_from_axis_0(page, runs):
    trace = runs["rnn"]
    step = trace.steps[0]
    page.evaluate("(s) => window.showPanel('rnn', 'rnn', s, 'run')", step)
    assert page.errors == []
    A = numpy.asarray(trace.activations("rnn", step), dtype=numpy.float64)          # (9, 6, 4)
    heat = "#panel-rnn canvas.aino-hidden-time"
    assert page.evaluate("(s) => [document.querySelector(s).width, document.querySelector(s).height]", heat) == [9, 4]
    top = float(_attr(page, heat, "data-scale")[0])
    drawn = page.evaluate("([s, x, y]) => window.pixel(s, x, y)", [heat, 5, 4 - 1 - 2])
    _close(drawn, _diverging(A[5, 0, 2], top))


def test_conv1d_feature_maps_are_strips(page, runs):
    trace = runs["conv1d"]
    step = trace.steps[-1]
    page.evaluate("(s) => window.showPanel('conv1d', '0', s, 'step')", step)
    assert page.errors == []
    maps = "#panel-conv1d canvas.aino-feature-maps"
    sizes = page.evaluate("(s) => [...document.querySelectorAll(s)].map((c) => [c.width, c.height])", maps)
    assert sizes == [[14, 1]] * 3
    A = numpy.asarray(trace.activations("0", step), dtype=numpy.float64)            # (6, 3, 14)
    top = float(_attr(page, maps, "data-scale")[0])
    assert top == pytest.approx(numpy.abs(A[0]).max(), rel=1e-4)
    drawn = page.evaluate("([s, x, y]) => window.pixel(s, x, y)", [f'{maps}[data-channel="2"]', 9, 0])
    _close(drawn, _diverging(A[0, 2, 9], top))
    assert set(_attr(page, "#panel-conv1d canvas.aino-conv-filters", "data-source")) == {"mean"}   # 2 input channels


def test_conv3d_shows_the_middle_depth_slice(page, runs):
    trace = runs["conv3d"]
    step = trace.steps[-1]
    page.evaluate("(s) => window.showPanel('conv3d', '0', s, 'step')", step)
    assert page.errors == []
    maps = "#panel-conv3d canvas.aino-feature-maps"
    A = numpy.asarray(trace.activations("0", step), dtype=numpy.float64)            # (6, 2, 4, 4, 4)
    top = float(_attr(page, maps, "data-scale")[0])
    drawn = page.evaluate("([s, x, y]) => window.pixel(s, x, y)", [f'{maps}[data-channel="1"]', 3, 1])
    _close(drawn, _diverging(A[0, 1, 2, 1, 3], top))                                # depth 4 // 2 = 2
    W = numpy.asarray(trace.weights("0.weight", step), dtype=numpy.float64)         # (2, 1, 3, 3, 3)
    filters = "#panel-conv3d canvas.aino-conv-filters"
    drawn = page.evaluate("([s, x, y]) => window.pixel(s, x, y)", [f'{filters}[data-channel="0"]', 0, 2])
    _close(drawn, _diverging(W[0, 0, 1, 2, 0], float(_attr(page, filters, "data-scale")[0])))


def test_attention_heads_show_the_recorded_weights(page, runs):
    trace = runs["attn"]
    step = trace.steps[-1]
    page.evaluate("(s) => window.showPanel('attn', 'attn.out_proj', s, 'run')", step)
    assert page.errors == []
    heads = "#panel-attn canvas.aino-attention-head"
    assert page.locator(heads).count() == 2
    weights = numpy.asarray(trace.attention("attn", step), dtype=numpy.float64)     # (6, 2, 5, 5)
    for h in range(2):
        values = _numbers(_attr(page, f'{heads}[data-head="{h}"]', "data-values")[0])
        numpy.testing.assert_allclose(values, weights[0, h].ravel(), rtol=1e-3, atol=1e-6)
        assert float(_attr(page, f'{heads}[data-head="{h}"]', "data-max")[0]) == pytest.approx(weights[0, h].max(), rel=1e-4)
        q, k = 3, 1
        drawn = page.evaluate("([s, x, y]) => window.pixel(s, x, y)", [f'{heads}[data-head="{h}"]', k, q])
        a = weights[0, h, q, k]                                                     # 'run': 0 white .. 1 blue
        _close(drawn, tuple(round(255 + (p - 255) * a) for p in POSITIVE))


def test_a_quantised_payload_draws_the_same_numbers(page, runs):
    """The export's payload is uint8 (each value within scale / 2): the time bars and the heads still agree."""
    lstm, attn = runs["lstm"], runs["attn"]
    page.evaluate("([a, b]) => { window.showPanel('lstm_uint8', 'rnn', a, 'run'); window.showPanel('attn_uint8', "
                  "'attn.out_proj', b, 'run'); }", [lstm.steps[-1], attn.steps[-1]])
    assert page.errors == []
    G = numpy.asarray(lstm.hidden_grads("rnn", lstm.steps[-1]), dtype=numpy.float64)
    values = _numbers(_attr(page, "#panel-lstm_uint8 canvas.aino-grad-time", "data-values")[0])
    numpy.testing.assert_allclose(values, numpy.sqrt((G ** 2).sum(axis=(1, 2))), rtol=1e-2)
    weights = numpy.asarray(attn.attention("attn", attn.steps[-1]), dtype=numpy.float64)
    for h in range(2):
        values = _numbers(_attr(page, f'#panel-attn_uint8 canvas.aino-attention-head[data-head="{h}"]', "data-values")[0])
        numpy.testing.assert_allclose(values, weights[0, h].ravel(), atol=1 / 255)


def test_norm_running_statistics_and_gamma_beta(page, runs):
    trace = runs["norm"]
    step = trace.steps[-1]
    page.evaluate("(s) => window.showPanel('norm', '1', s, 'run')", step)
    assert page.errors == []
    stats = {name: _numbers(_attr(page, f'#panel-norm canvas.aino-norm-stats[data-stat="{name}"]', "data-values")[0])
             for name in ("running_mean", "running_var", "weight", "bias")}
    numpy.testing.assert_allclose(stats["running_mean"], trace.buffer("1.running_mean", step), rtol=1e-3, atol=1e-6)
    numpy.testing.assert_allclose(stats["running_var"], trace.buffer("1.running_var", step), rtol=1e-3, atol=1e-6)
    numpy.testing.assert_allclose(stats["weight"], trace.weights("1.weight", step), rtol=1e-3, atol=1e-6)
    numpy.testing.assert_allclose(stats["bias"], trace.weights("1.bias", step), rtol=1e-3, atol=1e-6)


def test_update_time_and_screenshot(page, runs):
    jobs = []
    for i in range(50):
        name, layer = [("cnn", "0"), ("lstm", "rnn"), ("attn", "attn.out_proj"), ("norm", "1")][i % 4]
        steps = runs[name].steps
        jobs.append([name, layer, steps[(i // 4) % len(steps)], "run" if i % 3 else "step"])
    times = page.evaluate("(jobs) => window.timeUpdates(jobs)", jobs)
    assert page.errors == []
    print(f"layer panel update: p95 {numpy.percentile(times, 95):.2f} ms, max {max(times):.2f} ms over {len(times)} calls")
    for name, layer in [("cnn", "0"), ("lstm", "rnn"), ("attn", "attn.out_proj"), ("norm", "1"), ("rnn", "rnn"),
                        ("conv1d", "0")]:
        page.evaluate("([n, l, s]) => window.showPanel(n, l, s, 'run')", [name, layer, runs[name].steps[-1]])
    folder = Path(os.environ.get("AINO_BROWSER_ARTIFACTS") or "/tmp")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "panels_all.png"), full_page=True)
    for name in ("cnn", "lstm", "attn", "norm", "rnn", "conv1d"):
        page.locator(f"#panel-{name}").screenshot(path=str(folder / f"panels_{name}.png"))

"""The input-plane panel (visualizer/web/plane.js) in a real browser: Debian's chromium, through Playwright,
opens a minimal page that inlines decode.js, colors.js and plane.js with a recorded run's payload, and
the panel's picture is checked against the trace's numbers:

  * the predictions it reports for the probe points are numpy's argmax of the recorded last-layer
    activations, and its count of misclassified points is numpy's count;
  * the plane's pixel under a probe point has the tint of the class the model predicts in that cell
    (the cell's centre run through visualizer/network.py's forward);
  * one heatmap per unit of the first hidden layer, and the same for a classic-path network;
  * a model without two inputs gets no panel.

The 95th percentile of 50 update() calls on steps not drawn before is printed (not asserted).
Set AINO_BROWSER_ARTIFACTS=/some/dir to keep the screenshots there (also written to /tmp/plane*.png).
"""

import base64
import json
import os
from pathlib import Path

import numpy
import pytest

from offline_page import launched_browser
from visualizer.export import renderer_script

pytestmark = pytest.mark.browser

STEPS = 60


def _data_set():
    from aino.datasets import spirals

    ds = spirals(150, n_classes=3, noise=0.04, seed=0)
    return numpy.asarray(ds.data, dtype=numpy.float64), numpy.asarray(ds.target)


def _nn_trace(X, y):
    import aino.nn as nn
    import aino.optim as optim
    from aino.tensor import Tensor
    from aino.trace import Recorder

    numpy.random.seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
    opt = optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    with Recorder(model, opt, probe=X, probe_labels=y) as recorder:
        for _ in range(STEPS):
            opt.zero_grad()
            loss = loss_fn(model(Tensor(X)), Tensor(y))
            loss.backward()
            opt.step()
    return recorder.trace


def _classic_trace(X, y):
    from aino.classic import NeuralNetwork

    network = NeuralNetwork([2, 6, 3], activation_type="tanh", loss="cross_entropy")
    network.fit(X, y, epochs=STEPS, n=0.5, trace=True, probe=X, probe_labels=y)
    return network.trace_


def _payload(trace):
    """The payload as the debugger receives it (not quantised), the buffers inside it as base64."""
    from visualizer.payload import build_payload

    data, buffers = build_payload(trace, quantize=False)
    data["buffers_b64"] = [base64.b64encode(b).decode("ascii") for b in buffers]
    return data


def _page_html(data):
    script = renderer_script()
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>plane</title>
<style>body {{ font-family: sans-serif; margin: 10px; }}</style></head><body>
<div id="root"></div>
<script type="application/json" id="data">{payload}</script>
<script type="module">
{script}
const data = JSON.parse(document.getElementById("data").textContent);
const decoder = makeDecoder(data);
const panel = planePanel(data, decoder);
if (panel) document.getElementById("root").appendChild(panel.element);
const kept = data.kept_steps;
window.planeTest = {{
  data, panel, made: !!panel, model: planeModel, forward: planeForward,
  show(step, layer, scale) {{
    panel.update({{ step, arrayStep: step, arrays: data.steps[String(step)] || null, layer: layer || null,
                   scale: scale || "run" }});
  }},
  time(steps) {{
    const times = [];
    for (const step of steps) {{
      const started = performance.now();
      this.show(step, null, "run");
      times.push(performance.now() - started);
    }}
    return times;
  }},
}};
document.body.setAttribute("data-ready", "1");
</script></body></html>"""


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


@pytest.fixture(scope="module")
def runs():
    X, y = _data_set()
    return {"nn": (_nn_trace(X, y), X, y, "2"), "classic": (_classic_trace(X, y), X, y, "layers.1")}


def _open(browser, tmp_path, data, name="plane"):
    context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    path = tmp_path / f"{name}.html"
    path.write_text(_page_html(data), encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=15000)
    page.errors = errors
    return context, page


def _attrs(page):
    return page.evaluate("""() => {
        const c = document.querySelector("canvas.aino-plane");
        const out = {};
        for (const a of c.getAttributeNames()) out[a] = c.getAttribute(a);
        out.caption = document.querySelector(".aino-plane-caption").textContent;
        out.units = [...document.querySelectorAll("canvas.aino-plane-unit")].map((u) =>
            ({layer: u.dataset.layer, unit: +u.dataset.unit, scale: +u.dataset.scale,
              title: u.previousElementSibling.textContent}));
        return out;
    }""")


def _pixels_at_points(page, X):
    """The decision canvas's pixel under each point of X, and the cell (i, j) it lies in."""
    return page.evaluate("""(points) => {
        const c = document.querySelector("canvas.aino-plane");
        const [x0, x1, y0, y1] = c.dataset.extent.split(",").map(Number);
        const [left, top, w, h] = c.dataset.plot.split(",").map(Number);
        const G = +c.dataset.grid;
        const ctx = c.getContext("2d");
        return points.map(([x, y]) => {
            const px = Math.min(w - 1, Math.floor((x - x0) / (x1 - x0) * w));
            const py = Math.min(h - 1, Math.floor((y1 - y) / (y1 - y0) * h));
            const rgb = Array.from(ctx.getImageData(left + px, top + py, 1, 1).data.slice(0, 3));
            return {rgb, i: Math.floor(px * G / w), j: Math.floor(py * G / h)};
        });
    }""", [list(map(float, p)) for p in X])


def _check_run(browser, tmp_path, trace, X, y, last_layer, name):
    from visualizer import network as net

    data = _payload(trace)
    context, page = _open(browser, tmp_path, data, name)
    try:
        assert page.evaluate("() => window.planeTest.made"), "planePanel returned null for a 2-input MLP"
        step = trace.steps[-1]
        page.evaluate("(step) => window.planeTest.show(step)", step)
        shown = _attrs(page)
        assert page.errors == []
        recorded = numpy.asarray(trace.activations(last_layer, step)).argmax(axis=1)
        predictions = numpy.array([int(v) for v in shown["data-predictions"].split(",")])
        numpy.testing.assert_array_equal(predictions, recorded)
        mistakes = int((recorded != y).sum())
        assert int(shown["data-misclassified"]) == mistakes
        assert shown["caption"].startswith(f"{mistakes} of {len(X)} probe points misclassified at step {step}")
        assert shown["data-step"] == str(step)

        # the pixel under each probe point: the tint of the class predicted in its cell
        tints = [tuple(int(v) for v in t.split(",")) for t in shown["data-tints"].split(";")]
        x0, x1, y0, y1 = (float(v) for v in shown["data-extent"].split(","))
        G = int(shown["data-grid"])
        pixels = _pixels_at_points(page, X)
        centres = numpy.array([[x0 + (p["i"] + 0.5) * (x1 - x0) / G, y1 - (p["j"] + 0.5) * (y1 - y0) / G]
                               for p in pixels])
        cell_class = net.forward(trace, net.mlp_columns(trace), step, centres)[-1].argmax(axis=1)
        drawn = [tuple(p["rgb"]) for p in pixels]
        assert drawn == [tints[c] for c in cell_class]
        same = numpy.mean([d == tints[c] for d, c in zip(drawn, recorded)])
        assert same >= 0.85, f"only {same:.0%} of the points lie on their predicted class's region"

        # the first hidden layer's units, fixed over the run
        units = shown["units"]
        first_hidden = trace.layers[1]
        assert [u["unit"] for u in units] == list(range(trace.meta["layers"][0]["out_features"]))
        assert all(u["layer"] == first_hidden for u in units)
        assert all(u["title"].endswith(f"unit {u['unit']}") for u in units)
        run_scale = units[0]["scale"]
        page.evaluate("(step) => window.planeTest.show(step, null, 'step')", trace.steps[1])
        assert _attrs(page)["units"][0]["scale"] != pytest.approx(run_scale)
        page.evaluate("(step) => window.planeTest.show(step, null, 'run')", trace.steps[1])
        assert _attrs(page)["units"][0]["scale"] == pytest.approx(run_scale)

        # 50 steps not drawn before
        fresh = [s for s in trace.steps[1:-1]][:50]
        times = page.evaluate("(steps) => window.planeTest.time(steps)", fresh)
        print(f"\n{name}: update() on {len(times)} new steps: p95 {numpy.percentile(times, 95):.2f} ms, "
              f"median {numpy.median(times):.2f} ms, max {max(times):.2f} ms (first pass, JIT warming up)")
        times = page.evaluate("(steps) => { window.planeTest.panel.cache.clear(); return window.planeTest.time(steps); }",
                              fresh)
        print(f"{name}: again with the cache emptied: p95 {numpy.percentile(times, 95):.2f} ms, "
              f"median {numpy.median(times):.2f} ms, max {max(times):.2f} ms")
        page.evaluate("(step) => window.planeTest.show(step)", step)
        assert page.errors == []
        shot = f"/tmp/{name}.png"
        page.locator(".aino-plane-panel").screenshot(path=shot)
        folder = os.environ.get("AINO_BROWSER_ARTIFACTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.locator(".aino-plane-panel").screenshot(path=str(Path(folder) / f"{name}.png"))
    finally:
        context.close()


def test_the_plane_of_an_nn_mlp_matches_the_trace(browser, runs, tmp_path):
    trace, X, y, last = runs["nn"]
    assert trace.layers == ["0", "1", "2"]
    _check_run(browser, tmp_path, trace, X, y, last, "plane")


def test_the_plane_of_a_classic_network_matches_the_trace(browser, runs, tmp_path):
    trace, X, y, last = runs["classic"]
    assert trace.layers == ["layers.0.z", "layers.0", "layers.1.z", "layers.1"]
    _check_run(browser, tmp_path, trace, X, y, last, "plane_classic")


def test_a_selected_layer_shows_its_own_units(browser, runs, tmp_path):
    trace, X, y, _ = runs["nn"]
    context, page = _open(browser, tmp_path, _payload(trace), "plane_layer")
    try:
        page.evaluate("(step) => window.planeTest.show(step, '2')", trace.steps[-1])
        units = _attrs(page)["units"]
        assert [u["layer"] for u in units] == ["2"] * 3
        page.evaluate("(step) => window.planeTest.show(step, '0')", trace.steps[-1])
        assert [u["layer"] for u in _attrs(page)["units"]] == ["0"] * 8
        assert page.errors == []
    finally:
        context.close()


def test_a_single_sigmoid_output_uses_the_half_threshold(browser, tmp_path):
    import aino.nn as nn
    import aino.optim as optim
    from aino.tensor import Tensor
    from aino.trace import Recorder

    rng = numpy.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(numpy.float64)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
    opt = optim.Adam(model.parameters(), lr=0.05)
    with Recorder(model, opt, probe=X, probe_labels=y) as recorder:
        for _ in range(10):
            opt.zero_grad()
            loss = nn.BCELoss()(model(Tensor(X)), Tensor(y.reshape(-1, 1)))
            loss.backward()
            opt.step()
    trace = recorder.trace
    context, page = _open(browser, tmp_path, _payload(trace), "plane_sigmoid")
    try:
        step = trace.steps[-1]
        page.evaluate("(step) => window.planeTest.show(step)", step)
        shown = _attrs(page)
        assert shown["data-output"] == "single"
        expected = (numpy.asarray(trace.activations("3", step))[:, 0] > 0.5).astype(int)
        assert [int(v) for v in shown["data-predictions"].split(",")] == expected.tolist()
        assert int(shown["data-misclassified"]) == int((expected != y).sum())
        assert page.errors == []
        page.locator(".aino-plane-panel").screenshot(path="/tmp/plane_sigmoid.png")
    finally:
        context.close()


def test_no_panel_without_two_inputs(browser, tmp_path):
    import aino.nn as nn
    import aino.optim as optim
    from aino.tensor import Tensor
    from aino.trace import Recorder

    X = numpy.random.default_rng(2).normal(size=(20, 3))
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.1)
    with Recorder(model, opt, probe=X) as recorder:
        for _ in range(2):
            opt.zero_grad()
            model(Tensor(X)).sum().backward()
            opt.step()
    context, page = _open(browser, tmp_path, _payload(recorder.trace), "plane_none")
    try:
        assert page.evaluate("() => window.planeTest.made") is False
        assert page.errors == []
    finally:
        context.close()


def test_a_step_without_weights_says_so(browser, runs, tmp_path):
    trace, X, y, _ = runs["nn"]
    context, page = _open(browser, tmp_path, _payload(trace), "plane_empty")
    try:
        caption = page.evaluate("""() => { window.planeTest.panel.update({step: 3, arrayStep: null, arrays: null,
            layer: null, scale: "run"}); return document.querySelector(".aino-plane-caption").textContent; }""")
        assert caption == "no weights kept in this run"
        caption = page.evaluate("""(kept) => { const t = window.planeTest; t.panel.update({step: kept + 1, arrayStep: kept,
            arrays: t.data.steps[String(kept)], layer: null, scale: "step"});
            return document.querySelector(".aino-plane-caption").textContent; }""", trace.steps[5])
        assert caption.endswith(f"at step {trace.steps[5]} (the nearest kept step to {trace.steps[5] + 1})")
        assert page.errors == []
    finally:
        context.close()


ACTIVATION_CASES = [("identity", {}), ("sigmoid", {}), ("tanh", {}), ("relu", {}), ("leaky_relu", {}),
                    ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}),
                    ("gelu", {}), ("softplus", {}), ("softmax", {}), ("log_softmax", {})]


def test_the_browser_activations_match_aino(browser, runs, tmp_path):
    """planeForward's activations against visualizer/network.py's (aino.activations) on the same z."""
    from visualizer.network import apply_activation

    trace, X, y, _ = runs["nn"]
    context, page = _open(browser, tmp_path, _payload(trace), "plane_activations")
    W = numpy.array([[1.5, -2.0], [-3.0, 0.5], [0.25, 4.0]])
    b = numpy.array([0.1, -0.2, 0.3])
    points = numpy.random.default_rng(3).normal(scale=2.0, size=(40, 2))
    try:
        for name, options in ACTIVATION_CASES:
            got = page.evaluate("""([name, options, W, b, X]) => {
                const data = {params: [{name: "w", shape: [3, 2]}, {name: "b", shape: [3]}], layers: [
                    {name: "fc", kind: "dense", units: 3, weight: "w", bias: "b"},
                    {name: "act", kind: "activation", activation: name, options}]};
                const ops = window.planeTest.model(data);
                if (!ops) return null;
                const outs = window.planeTest.forward(ops, {w: Float32Array.from(W.flat()), b: Float32Array.from(b)},
                    Float64Array.from(X.flat()), X.length);
                return Array.from(outs[1]);
            }""", [name, options, W.tolist(), b.tolist(), points.tolist()])
            assert got is not None, f"planeModel refused {name}"
            z = points @ W.astype(numpy.float32).T + b.astype(numpy.float32)
            expected = apply_activation(name, z, options)
            numpy.testing.assert_allclose(numpy.array(got).reshape(-1, 3), expected, rtol=1e-5, atol=2e-6, err_msg=name)
        refused = page.evaluate("""() => window.planeTest.model({params: [{name: "w", shape: [3, 2]}], layers: [
            {name: "fc", kind: "dense", units: 3, weight: "w"}, {name: "act", kind: "activation", activation: "mystery"}]})""")
        assert refused is None
        assert page.errors == []
    finally:
        context.close()

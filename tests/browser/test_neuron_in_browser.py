"""One neuron's chain rule in a real browser: Debian's chromium, through Playwright, opens the offline file
export_html writes (file://, networking off), a neuron of the network is clicked, and the chain-rule
panel's numbers are read against Python's (aino/trace/neuron.py), for a fast-path network, a classic one
with a softmax output, and the Debugger widget's payload of the fast one drawn by the same renderer;
scrubbing and the sample menu change them as they should."""

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from offline_page import launched_browser, open_offline, require_browser_pieces

pytestmark = pytest.mark.browser

ROOT = "#aino-debugger"
PANEL = f"{ROOT} .aino-neuron-panel"


def _fast_trace():
    import aino
    from aino import nn, optim
    from aino.trace import Recorder

    aino.manual_seed(0)
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((12, 3)).astype(np.float32), rng.integers(0, 2, 12)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    with Recorder(model, opt, probe=X[:4]) as rec:
        for _ in range(30):
            opt.zero_grad()
            nn.CrossEntropyLoss()(model(aino.tensor(X)), aino.tensor(y)).backward()
            opt.step()
    return rec.trace


def _classic_trace():
    from aino.classic import NeuralNetwork

    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((20, 2)), rng.integers(0, 3, 20)
    net = NeuralNetwork([2, 4, 3], activation_type="sigmoid", loss="cross_entropy", seed=0)
    net.fit(X, y, epochs=3, n=0.5, batch_size=8, trace=True)
    return net.trace_


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


def _widget_page(trace, path):
    """An offline page drawing what the Debugger widget sends (its payload and its buffers, built step by
    step as a live view builds them) with the same renderer; returns the path."""
    pytest.importorskip("anywidget")
    from visualizer import Debugger
    from visualizer.export import html_page

    view = Debugger(trace)
    data = dict(view.data, buffers_b64=[base64.b64encode(bytes(b)).decode("ascii") for b in view.buffers])
    path.write_text(html_page(json.dumps(data), "the Debugger's payload"), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["fast", "classic", "widget"])
def opened(request, browser, tmp_path_factory):
    require_browser_pieces(("playwright", "matplotlib"))
    from visualizer import export_html

    trace = _classic_trace() if request.param == "classic" else _fast_trace()
    path = tmp_path_factory.mktemp("neuron") / "run.html"
    path = _widget_page(trace, path) if request.param == "widget" else Path(export_html(trace, path))
    for page in open_offline(browser, path, f"{ROOT}[data-step]"):
        yield trace, page


def _panel(page):
    """{name: value} of every number the panel shows, with its step, layer, unit and sample."""
    return page.evaluate(f"""() => {{
        const panel = document.querySelector("{PANEL}");
        const out = {{}};
        for (const cell of panel.querySelectorAll("[data-q]")) out[cell.getAttribute("data-q")] = Number(cell.getAttribute("data-value"));
        return {{values: out, step: Number(panel.getAttribute("data-chain-step")), layer: panel.getAttribute("data-layer"),
                 unit: Number(panel.getAttribute("data-unit")), sample: Number(panel.getAttribute("data-sample")),
                 text: panel.textContent}};
    }}""")


def _check_against_python(trace, shown):
    rule = trace.chain_rule(shown["layer"], shown["unit"], shown["step"], sample=shown["sample"])
    s, v = rule.sample, shown["values"]
    close = {"rtol": 2e-5, "atol": 1e-7}
    np.testing.assert_allclose([v["z"], v["a"], v["dlda"], v["dldz"], v["dldb"]],
                               [rule.z[s], rule.a[s], rule.dL_da[s], rule.dL_dz[s], rule.dL_db[s]], **close)
    if rule.df is not None:
        np.testing.assert_allclose(v["df"], rule.df[s], **close)
    else:
        assert "df" not in v and "softmax couples the neurons" in shown["text"]
    for i in range(len(rule.w)):
        np.testing.assert_allclose([v[f"x-{i}"], v[f"dw-{i}"], v[f"gw-{i}"], v[f"uw-{i}"]],
                                   [rule.x[s, i], rule.dL_dw[s, i], rule.grad_w[i], rule.update_w[i]], **close)
    np.testing.assert_allclose([v["gb"], v["ub"]], [rule.grad_b, rule.update_b], **close)
    assert v["lr"] == pytest.approx(rule.lr, rel=1e-6)
    return rule


def test_a_clicked_neuron_shows_its_chain_rule_with_the_traces_numbers(opened):
    trace, page = opened
    assert page.errors == [] and page.outside == []
    assert "Click a neuron" in _panel(page)["text"]
    last = trace.steps[-1]
    page.evaluate(f"""() => document.querySelector("{ROOT}").aino.setStep({last})""")
    page.click(f"{ROOT} circle.aino-neuron[data-column='1'][data-unit='2']")
    page.wait_for_function(f"""() => document.querySelector("{PANEL}").getAttribute("data-unit") === "2" """)
    shown = _panel(page)
    dense = trace.layers[0]
    assert shown["layer"] == dense and shown["step"] == last and shown["sample"] == 0
    rule = _check_against_python(trace, shown)
    assert "Neuron 2 of" in shown["text"] and rule.optimizer in shown["text"]
    # a neuron of the next dense layer, another sample, then another step: the panel follows each
    page.click(f"{ROOT} circle.aino-neuron[data-column='2'][data-unit='1']")
    page.select_option(f"{PANEL} select.aino-neuron-sample", "3")
    page.evaluate(f"""() => document.querySelector("{ROOT}").aino.setStep(1)""")
    page.wait_for_function(f"""() => document.querySelector("{PANEL}").getAttribute("data-chain-step") !== "{last}" """)
    shown = _panel(page)
    assert shown["unit"] == 1 and shown["sample"] == 3 and shown["layer"] != dense
    assert shown["step"] in trace.steps and abs(shown["step"] - 1) <= 1
    _check_against_python(trace, shown)
    assert page.errors == []

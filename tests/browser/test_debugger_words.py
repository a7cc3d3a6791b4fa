"""The debugger's words and pictures in a real browser (Chromium, from file://, networking off): layer
names from the model, feature and class names beside the network, labels that never overlap (their
bounding boxes are compared), a legend naming every layer of the gradient chart, whole-number step
ticks, the colour scale switched from the run's to this step's, and the op log of the step.
"""

import numpy
import pytest

from offline_page import launched_browser, open_offline, require_browser_pieces

pytestmark = pytest.mark.browser

ROOT = "#aino-debugger"
FEATURES = ["petal length in centimetres", "sepal width in centimetres"]
CLASSES = ["a very long class name", "another long class name"]


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


@pytest.fixture(scope="module")
def named_run(tmp_path_factory):
    """A model with two hidden layers under long attribute names, on moons, with named inputs and classes."""
    require_browser_pieces()
    from aino import fit, nn
    from aino.datasets import moons
    from visualizer import export_html

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.first_hidden_layer_with_a_long_name = nn.Linear(2, 7)
            self.first_activation = nn.Tanh()
            self.second_hidden_layer_with_a_long_name = nn.Linear(7, 5)
            self.second_activation = nn.ReLU()
            self.output_layer = nn.Linear(5, 2)

        def forward(self, x):
            x = self.first_activation(self.first_hidden_layer_with_a_long_name(x))
            x = self.second_activation(self.second_hidden_layer_with_a_long_name(x))
            return self.output_layer(x)

    data = moons(60, noise=0.1, seed=1)
    model = Classifier()
    trace = fit(model, data.data, data.target.astype(numpy.int64), epochs=8, batch_size=20, lr=0.05, seed=0,
                trace={"record_ops": True}, probe=data.data, verbose=False).trace
    trace.meta.update(feature_names=FEATURES, class_names=CLASSES)
    path = export_html(trace, tmp_path_factory.mktemp("words") / "named.html")
    return trace, path


@pytest.fixture(scope="module")
def page(browser, named_run):
    from pathlib import Path

    yield from open_offline(browser, Path(named_run[1]), f"{ROOT}[data-step]")


def test_the_network_names_layers_features_and_classes_without_overlap(page):
    assert page.errors == [] and page.outside == []
    texts = page.evaluate(f"""() => [...document.querySelectorAll("{ROOT} svg.aino-network > text")].map((t) => {{
        const r = t.getBoundingClientRect();
        const title = t.querySelector("title");
        return {{text: t.textContent.replace(title ? title.textContent : "", ""), full: title ? title.textContent : null,
                 box: [r.left, r.top, r.right, r.bottom]}};
    }})""")
    fulls = [t["full"] for t in texts if t["full"]]
    for name in ["first_activation (Tanh)", "second_activation (ReLU)", "output_layer (Linear)", *FEATURES, *CLASSES]:
        assert name in fulls, (name, fulls)
    assert any(t["text"].startswith("first_activation") for t in texts)
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            ax0, ay0, ax1, ay1 = a["box"]
            bx0, by0, bx1, by1 = b["box"]
            overlap = min(ax1, bx1) - max(ax0, bx0) > 0.5 and min(ay1, by1) - max(ay0, by0) > 0.5
            assert not overlap, (a, b)
    svg = page.evaluate(f"""() => {{ const r = document.querySelector("{ROOT} svg.aino-network").getBoundingClientRect();
                                    return [r.left, r.top, r.right, r.bottom]; }}""")
    for t in texts:  # nothing is cut off at the picture's edges either
        assert svg[0] - 0.5 <= t["box"][0] and t["box"][2] <= svg[2] + 0.5, t


def test_the_gradient_legend_names_every_layer(named_run, page):
    trace, _ = named_run
    legend = page.locator(f"{ROOT} .aino-grad-panel .aino-series-legend .aino-key").all_inner_texts()
    labels = page.evaluate("() => JSON.parse(document.getElementById('aino-data').textContent).layers.map((l) => l.label)")
    assert legend == labels and len(legend) == len(trace.layers)


def test_step_ticks_are_whole_numbers(named_run, page):
    trace, _ = named_run
    for cls in ("aino-loss", "aino-grad", "aino-ratio", "aino-hist"):
        ticks = page.get_attribute(f"{ROOT} canvas.{cls}", "data-step-ticks").split(",")
        values = [float(t) for t in ticks]
        assert values and all(v == int(v) and 0 <= v <= trace.n_steps - 1 for v in values), (cls, ticks)
        assert len(values) >= 2


def test_the_colour_scale_is_the_runs_or_this_steps(named_run, page):
    trace, _ = named_run
    step = trace.steps[len(trace.steps) // 2]
    neuron = f"{ROOT} circle.aino-neuron[data-column='1'][data-unit='0']"
    layer = page.get_attribute(neuron, "data-layer")
    page.evaluate(f"(step) => document.querySelector('{ROOT}').aino.setStep(step)", step)
    page.wait_for_function(f"(s) => document.querySelector('{ROOT}').getAttribute('data-step') === String(s)", arg=step)
    stats = trace.summary("activations", layer)
    run_top = float(numpy.nanmax(numpy.abs(numpy.concatenate([stats["min"], stats["max"]]))))
    assert float(page.get_attribute(neuron, "data-scale")) == pytest.approx(run_top, rel=1e-4)
    page.select_option(f"{ROOT} select.aino-scale", "step")
    page.wait_for_timeout(100)
    step_top = float(numpy.abs(numpy.asarray(trace.activations(layer, step)).mean(axis=0)).max())
    assert float(page.get_attribute(neuron, "data-scale")) == pytest.approx(step_top, abs=0.01 * run_top)
    page.select_option(f"{ROOT} select.aino-scale", "run")


def test_the_op_log_lists_the_steps_ops(named_run, page):
    trace, _ = named_run
    step = trace.steps[3]
    page.evaluate(f"(step) => document.querySelector('{ROOT}').aino.setStep(step)", step)
    page.wait_for_function(f"(s) => document.querySelector('{ROOT}').getAttribute('data-step') === String(s)", arg=step)
    shown = page.locator(f"{ROOT} .aino-ops li").all_inner_texts()
    assert shown == list(trace.ops[step]) and len(shown) > 10
    assert page.inner_text(f"{ROOT} .aino-ops-panel .aino-panel-title").startswith(f"Op log of step {step} (")

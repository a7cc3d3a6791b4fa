"""The offline export in a real browser: Debian's chromium, through Playwright, opens the file that
export_html writes for the demo's iris run (1,400 steps) from file:// with networking disabled, and the
page is measured and checked against the trace's numbers:

  * frame times, measured in the page with performance.now() from the slider's input event to the end
    of the draw, over 100 steps never drawn before: 95th percentile within 50 ms (the better of two such
    windows, where the first is over: offline_page.frame_p95);
  * Play for 2 s, then Pause: the slider, the step label and the drawn step agree, and at least 20
    steps a second went by;
  * a layer change drawn within 100 ms;
  * a picked neuron's fill is the colour of its recorded activation (mean over the probe), and a step
    without arrays says which kept step the network shows.

Set AINO_BROWSER_ARTIFACTS=/some/dir to keep a screenshot and the measured times there.
"""

import json
import random
import time
from pathlib import Path

import numpy
import pytest

from offline_page import FRAME_WINDOW, artifacts, frame_p95, frame_times, launched_browser, layer_change_ms, open_offline, require_browser_pieces

pytestmark = pytest.mark.browser

ROOT = "#aino-debugger"
FRAME_P95_MS = 50
LAYER_CHANGE_MS = 100
MIN_PLAY_RATE = 20           # steps per second
NEGATIVE, POSITIVE = (245, 147, 34), (8, 119, 189)   # visualizer/web/colors.js


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """(trace, path of the exported file, seconds export_html took) for the demo's iris run."""
    require_browser_pieces(("playwright", "matplotlib"))
    from aino.demo import train_iris
    from visualizer import export_html

    folder = tmp_path_factory.mktemp("export")
    trace = train_iris(output=str(folder / "iris.dit"), progress=False).network.trace_   # traced, as `aino demo`
    started = time.perf_counter()
    path = export_html(trace, folder / "iris.html")
    return trace, Path(path), time.perf_counter() - started


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


@pytest.fixture(scope="module")
def page(browser, report):
    yield from _open(browser, report[1])


def _open(browser, path):
    return open_offline(browser, path, f"{ROOT}[data-step]")


def _shown(page):
    return page.evaluate(f"""() => {{
        const root = document.querySelector("{ROOT}");
        return {{slider: root.querySelector(".aino-slider").value, label: root.querySelector(".aino-label").textContent,
                 drawn: root.getAttribute("data-step"), layer: root.getAttribute("data-layer"),
                 note: root.querySelector(".aino-note").textContent}};
    }}""")


def _diverging(value, top):
    t = max(-1.0, min(1.0, value / top if top > 0 else 0.0))
    end = NEGATIVE if t < 0 else POSITIVE
    return tuple(round(255 + (e - 255) * abs(t)) for e in end)


def test_the_file_opens_offline_and_is_small_and_quick(report, page):
    trace, path, seconds = report
    assert page.errors == [] and page.outside == []
    assert path.stat().st_size <= 5 * 2**20, f"{path.stat().st_size} bytes"
    kept = page.evaluate("() => JSON.parse(document.getElementById('aino-data').textContent).kept_steps")
    assert kept == list(trace.steps) and len(kept) == trace.n_steps == 1400  # every step's arrays are in
    assert seconds < 3, f"export_html took {seconds:.2f} s"


def test_new_steps_are_drawn_within_50_ms(report, page):
    trace, _, _ = report
    steps = random.Random(0).sample(range(1, trace.n_steps), 2 * FRAME_WINDOW)
    p95, times, windows = frame_p95(lambda window: frame_times(page, ROOT, window), steps, FRAME_P95_MS)
    if artifacts():
        (artifacts() / "frame_times.json").write_text(json.dumps({"times_ms": times, "p95_ms": p95, "windows": windows}))
    assert p95 <= FRAME_P95_MS, f"95th percentile {p95:.1f} ms over 100 new steps (max {max(times):.1f}, {windows} windows)"


def test_play_then_pause_shows_one_step_everywhere(page):
    page.evaluate(f"""() => document.querySelector("{ROOT}").aino.setStep(0)""")
    page.wait_for_timeout(100)
    page.click(f"{ROOT} .aino-play")
    page.wait_for_timeout(2000)
    page.click(f"{ROOT} .aino-play")
    page.wait_for_timeout(200)
    shown = _shown(page)
    assert shown["slider"] == shown["drawn"], shown
    assert shown["label"].startswith(f"Step {shown['drawn']} "), shown
    assert int(shown["drawn"]) >= MIN_PLAY_RATE * 2 * 0.9, f"only {shown['drawn']} steps in 2 s of Play"
    page.wait_for_timeout(300)
    assert _shown(page) == shown  # paused means paused


def test_a_layer_change_is_drawn_within_100_ms(page):
    ms = layer_change_ms(page, ROOT)
    assert ms <= LAYER_CHANGE_MS, f"layer change took {ms:.1f} ms"


def test_a_neuron_has_the_colour_of_its_recorded_activation(report, page):
    trace, _, _ = report
    kept = page.evaluate("() => JSON.parse(document.getElementById('aino-data').textContent).kept_steps")
    step = kept[len(kept) // 2]
    page.evaluate(f"""(step) => document.querySelector("{ROOT}").aino.setStep(step)""", step)
    page.wait_for_function(f"""(step) => document.querySelector("{ROOT}").getAttribute("data-step") === String(step)""",
                           arg=step)
    neuron = page.evaluate(f"""() => {{
        const c = document.querySelector('{ROOT} circle.aino-neuron[data-column="1"][data-unit="2"]');
        return {{layer: c.getAttribute("data-layer"), fill: c.getAttribute("fill"), value: +c.getAttribute("data-value"),
                 scale: +c.getAttribute("data-scale")}};
    }}""")
    recorded = float(numpy.asarray(trace.activations(neuron["layer"], step))[:, 2].mean())
    stats = trace.summary("activations", neuron["layer"])
    top = float(numpy.nanmax(numpy.abs(numpy.concatenate([stats["min"], stats["max"]]))))
    assert neuron["scale"] == pytest.approx(top, rel=1e-4)
    assert neuron["value"] == pytest.approx(recorded, abs=0.01)  # uint8 quantisation: within scale / 2
    drawn = tuple(int(v) for v in neuron["fill"].removeprefix("rgb(").removesuffix(")").split(","))
    expected = _diverging(recorded, top)
    assert max(abs(a - b) for a, b in zip(drawn, expected)) <= 3, (drawn, expected)
    if artifacts():
        page.screenshot(path=str(artifacts() / "export.png"), full_page=True)


@pytest.fixture(scope="module")
def nn_report(tmp_path_factory):
    """An aino.nn Sequential on moons, trained too fast (diagnose() finds problems), exported with
    the arrays of only every fifth kept step."""
    require_browser_pieces(("playwright", "matplotlib"))
    from aino import fit, nn
    from aino.datasets import moons
    from visualizer import export_html

    data = moons(60, noise=0.1, seed=0)
    numpy.random.seed(0)
    model = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 2))
    trace = fit(model, data.data, data.target.astype(numpy.int64), epochs=30, batch_size=20, lr=5.0, seed=0,
                trace=True, probe=data.data, verbose=False).trace
    path = export_html(trace, tmp_path_factory.mktemp("nn") / "nn.html", steps=trace.steps[::5])
    return trace, Path(path)


def test_nn_export_draws_the_network_and_findings_jump_to_their_step_and_layer(browser, nn_report):
    trace, path = nn_report
    findings = trace.diagnose()
    assert findings, "this run was meant to go wrong"
    for page in _open(browser, path):
        assert page.errors == [] and page.outside == []
        assert page.locator(f"{ROOT} circle.aino-neuron").count() == 2 + 6 + 2
        buttons = page.locator(f"{ROOT} .aino-findings button")
        assert buttons.count() == len(findings)
        for i, finding in enumerate(findings):
            buttons.nth(i).click()
            page.wait_for_function(f"""(step) => document.querySelector("{ROOT}").getAttribute("data-step") === String(step)""",
                                   arg=finding.step)
            shown = _shown(page)
            assert shown["slider"] == shown["drawn"] == str(finding.step)
            assert shown["layer"] == finding.layer


def test_a_step_without_arrays_names_the_nearest_kept_step(browser, nn_report):
    trace, path = nn_report  # exported with the arrays of every fifth kept step only
    for page in _open(browser, path):
        kept = page.evaluate("() => JSON.parse(document.getElementById('aino-data').textContent).kept_steps")
        assert kept == list(trace.steps[::5])
        step = next(s for s in range(trace.n_steps) if s not in set(kept) and s > kept[1])
        page.evaluate(f"""(step) => document.querySelector("{ROOT}").aino.setStep(step)""", step)
        page.wait_for_function(f"""(step) => document.querySelector("{ROOT}").getAttribute("data-step") === String(step)""",
                               arg=step)
        nearest = min(kept, key=lambda s: (abs(s - step), s))
        assert f"no arrays kept at this step; nearest kept: {nearest}" in _shown(page)["note"]
        drawn = page.get_attribute(f"{ROOT} svg.aino-network", "data-array-step")
        assert drawn == str(nearest)

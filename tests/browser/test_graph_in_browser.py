"""The graph view in a real browser: Debian's chromium, through Playwright, opens the offline files that
export_graph_html writes (from file://, networking off) for an MLP's loss and a small CNN's loss, and checks
the drawing against the payload (aino/trace/graph_payload.py), worked out here independently:

  * the boxes drawn are the units the open groups leave (a closed module group is one box; opening it by a
    click shows its nodes in a frame; clicking the frame's title closes it), nested groups included, and
    every parameter has a box labelled with its named_parameters() name once its groups are open;
  * first / next walk the backward pass: the outlined node (or the closed group holding it) follows
    payload.backward in order, the edges from its inputs are lit, the op's formula is beside it;
  * Save SVG downloads one standalone SVG document of the drawing;
  * a graph of about 300 ops (a deep MLP, every group open) lays out within 1 s, measured in the page.

Set AINO_BROWSER_ARTIFACTS=/some/dir to keep screenshots and the measured times there.
"""

import json
from pathlib import Path
from xml.etree import ElementTree

import numpy
import pytest

from offline_page import artifacts, launched_browser, open_offline, require_browser_pieces

pytestmark = pytest.mark.browser

ROOT = "#aino-graph"
LAYOUT_MS = 1000
API = "document.querySelector('#aino-graph').ainoGraph"


def _loss_graph(model, X, y):
    import aino
    from aino import nn
    from aino.trace.graph import Graph

    loss = nn.CrossEntropyLoss()(model(aino.tensor(X)), aino.tensor(y))
    graph = Graph(loss, model)
    loss.backward()
    return graph


def _export(graph, folder, name):
    from visualizer import export_graph_html

    path = Path(export_graph_html(graph, folder / f"{name}.html"))
    return path, json.loads(json.dumps(graph.to_payload()))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """{name: (path, payload)} for an MLP with a nested block, a small CNN, the MLP before backward, and a
    deep MLP of about 300 ops, with its model (150 groups) and without."""
    require_browser_pieces()
    import aino
    from aino import nn
    from aino.nn import functional as F
    from aino.trace.graph import Graph

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 5))
            self.act, self.head = nn.Tanh(), nn.Linear(5, 2)

        def forward(self, x):
            return self.head(self.act(self.block(x)))

    folder = tmp_path_factory.mktemp("graphs")
    rng = numpy.random.default_rng(0)
    numpy.random.seed(0)
    out = {}
    X, y = rng.normal(size=(6, 3)).astype(numpy.float32), numpy.array([0, 1, 1, 0, 1, 0])
    out["mlp"] = _export(_loss_graph(Net(), X, y), folder, "mlp")
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
    images = rng.normal(size=(4, 1, 6, 6)).astype(numpy.float32)
    out["cnn"] = _export(_loss_graph(cnn, images, numpy.array([0, 1, 2, 1])), folder, "cnn")
    net = Net()
    out["before"] = _export(Graph(nn.CrossEntropyLoss()(net(aino.tensor(X)), aino.tensor(y)), net), folder, "before")
    layers = []
    for _ in range(150):
        layers += [nn.Linear(4, 4), nn.Tanh()]
    deep = nn.Sequential(*layers)
    deep_X = rng.normal(size=(8, 4)).astype(numpy.float32)
    out["deep"] = _export(_loss_graph(deep, deep_X, numpy.zeros(8, int)), folder, "deep")
    h = aino.tensor(deep_X)  # the same chain written with plain tensors, no Module: no groups, every node a box
    for linear in deep.layers[::2]:
        weight, bias = (aino.tensor(p.numpy(), requires_grad=True) for p in (linear.weight, linear.bias))
        h = F.linear(h, weight, bias).tanh()
    loss = nn.CrossEntropyLoss()(h, aino.tensor(numpy.zeros(8, int)))
    out["plain"] = _export(Graph(loss), folder, "plain")
    return out


@pytest.fixture(scope="module")
def browser():
    yield from launched_browser()


def _open(browser, path):
    return open_offline(browser, path, f"{ROOT}[data-step]")


def _unit(data, opened, node_id):
    """The key of the box showing node `node_id`: its outermost closed group's ("g:name"), else its own."""
    groups = {g["name"]: g for g in data["groups"]}
    chain, name = [], data["nodes"][node_id]["group"]
    while name is not None:
        chain.append(name)
        name = groups[name]["parent"]
    closed = [name for name in chain if name not in opened]
    return "g:" + closed[-1] if closed else f"n{node_id}"


def _drawn(page):
    return page.evaluate(f"""() => ({{
        boxes: [...document.querySelectorAll("{ROOT} .aino-g-box")].map((b) => b.getAttribute("data-key")).sort(),
        frames: [...document.querySelectorAll("{ROOT} .aino-g-frame")].map((f) => f.getAttribute("data-frame")).sort(),
        labels: Object.fromEntries([...document.querySelectorAll("{ROOT} .aino-g-box[data-node]")].map(
            (b) => [b.getAttribute("data-node"), b.querySelector(".aino-g-label").textContent]))}})""")


def _overlaps(page):
    """Pairs of drawn boxes that overlap, and pairs of (box or frame, frame) that cross (neither holds the
    other, yet they meet): a layout draws none."""
    return page.evaluate(f"""() => {{
        const rect = (el) => el.querySelector(".aino-g-outline").getBoundingClientRect();
        const boxes = [...document.querySelectorAll("{ROOT} .aino-g-box")].map((b) => [b.getAttribute("data-key"), rect(b)]);
        const frames = [...document.querySelectorAll("{ROOT} .aino-g-frame")].map((f) => [f.getAttribute("data-frame"), rect(f)]);
        const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
                               a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
        const holds = (a, b) => a.left <= b.left + 0.5 && a.top <= b.top + 0.5 &&
                                b.right <= a.right + 0.5 && b.bottom <= a.bottom + 0.5;
        const faults = [];
        boxes.forEach(([k, a], i) => boxes.slice(i + 1).forEach(([m, b]) => meet(a, b) && faults.push(k + " on " + m)));
        for (const [name, f] of frames) {{
            for (const [k, b] of boxes.concat(frames)) {{
                if (k !== name && meet(f, b) && !holds(f, b) && !holds(b, f)) faults.push(k + " across frame " + name);
            }}
        }}
        return faults;
    }}""")


def _walk(page):
    """Step from the first node of the backward walk to the last with the buttons: what each step lit."""
    return page.evaluate(f"""() => {{
        const root = document.querySelector("{ROOT}"), seen = [];
        const n = JSON.parse(document.getElementById("aino-graph-data").textContent).backward.length;
        root.querySelector(".aino-g-first").click();
        for (let k = 1; k <= n; k++) {{
            if (k > 1) root.querySelector(".aino-g-next").click();
            seen.push({{node: +root.getAttribute("data-current-node"), key: root.getAttribute("data-current-key"),
                current: [...root.querySelectorAll(".aino-g-current")].map((b) => b.getAttribute("data-key")),
                hot: [...root.querySelectorAll(".aino-g-hot")].map((e) => e.getAttribute("data-from") + ">" +
                                                                     e.getAttribute("data-to")).sort(),
                receiving: [...root.querySelectorAll(".aino-g-receiving")].map((b) => b.getAttribute("data-key")).sort(),
                counter: root.querySelector(".aino-g-counter").textContent,
                formula: (root.querySelector(".aino-g-formula") || {{}}).textContent || null,
                passes: root.querySelectorAll(".aino-g-pass").length}});
        }}
        root.querySelector(".aino-g-next").click();   // past the last: it stays there
        seen.push({{step: +root.getAttribute("data-step")}});
        return seen;
    }}""")


def _check_walk(page, data, opened):
    seen = _walk(page)
    steps = data["backward"]
    assert seen.pop() == {"step": len(steps)}
    assert [s["node"] for s in seen] == [s["node"] for s in steps]   # autograd's order, one node a click
    for k, (shown, step) in enumerate(zip(seen, steps), start=1):
        key = _unit(data, opened, step["node"])
        assert shown["key"] == key and shown["current"] == [key], (k, shown)
        inputs = sorted({_unit(data, opened, p["to"]) for p in step["passes"]} - {key})
        assert shown["receiving"] == inputs and shown["hot"] == sorted(f"{i}>{key}" for i in inputs), (k, shown)
        assert shown["counter"] == f"backward step {k} of {len(steps)}"
        node = data["nodes"][step["node"]]
        assert shown["formula"] == (node["formula"] if node["kind"] == "op" else None)
        assert shown["passes"] == (len(step["passes"]) if node["kind"] == "op" else 0)


def test_an_mlps_graph_draws_one_box_per_closed_group_and_opens_nested_groups(browser, pages):
    path, data = pages["mlp"]
    assert [(g["name"], g["parent"]) for g in data["groups"]] == [
        ("block", None), ("head", None), ("block.0", "block"), ("block.2", "block")]
    for page in _open(browser, path):
        assert page.errors == [] and page.outside == []
        for opened, click in ((set(), None), ({"block"}, '.aino-g-group[data-group="block"]'),
                              ({"block", "block.0"}, '.aino-g-group[data-group="block.0"]'),
                              ({"block", "block.0", "block.2"}, '.aino-g-group[data-group="block.2"]'),
                              ({"block", "block.0", "block.2", "head"}, '.aino-g-group[data-group="head"]')):
            if click:
                page.click(f"{ROOT} {click}")
            drawn = _drawn(page)
            assert drawn["boxes"] == sorted({_unit(data, opened, n["id"]) for n in data["nodes"]}), opened
            assert drawn["frames"] == sorted(opened)
            assert _overlaps(page) == []
        labels = {n["label"] for n in data["nodes"] if n["kind"] == "param"}
        assert labels == {"block.0.weight", "block.0.bias", "block.2.weight", "block.2.bias", "head.weight", "head.bias"}
        assert sorted(v for v in drawn["labels"].values() if "." in v) == sorted(labels)  # every box once open
        page.click(f'{ROOT} .aino-g-frame[data-frame="block"] .aino-g-frame-title')   # close the outer one
        assert _drawn(page)["boxes"] == sorted({_unit(data, {"block.0", "block.2", "head"}, n["id"]) for n in data["nodes"]})
        if artifacts():
            page.screenshot(path=str(artifacts() / "graph_mlp.png"), full_page=True)


def test_the_backward_walk_follows_autograds_order_with_groups_closed_and_open(browser, pages):
    path, data = pages["mlp"]
    for page in _open(browser, path):
        assert page.locator(f"{ROOT} .aino-g-counter").text_content() == f"backward step 0 of {len(data['backward'])}"
        _check_walk(page, data, set())
        root = data["nodes"][data["root"]]
        page.click(f"{ROOT} .aino-g-first")
        assert page.locator(f"{ROOT} .aino-g-received").text_content() == f"receives dL/d({root['label']}): 1"
        for name in ("block", "block.0", "block.2", "head"):
            page.evaluate(f"(name) => {API}.open(name)", name)
        _check_walk(page, data, {"block", "block.0", "block.2", "head"})
        n = len(data["backward"])
        page.click(f"{ROOT} .aino-g-prev")
        assert page.get_attribute(ROOT, "data-step") == str(n - 1)
        for key, step in (("Home", 1), ("ArrowRight", 2), ("ArrowRight", 3), ("ArrowLeft", 2), ("End", n)):
            page.keyboard.press(key)                      # the view has the focus since the click
            assert page.get_attribute(ROOT, "data-step") == str(step), key
        assert page.errors == []


def test_before_backward_the_walk_asks_for_it(browser, pages):
    path, data = pages["before"]
    assert data["backward"] == [] and not data["backward_ran"]
    for page in _open(browser, path):
        assert page.locator(f"{ROOT} .aino-g-counter").text_content() == "run loss.backward() to see gradients"
        assert page.locator(f"{ROOT} .aino-g-next").is_disabled()
        assert page.locator(f"{ROOT} .aino-g-grad").count() == 0 and page.errors == []


def test_a_cnns_graph_draws_its_layers_and_walks_backward_to_the_end(browser, pages):
    path, data = pages["cnn"]
    assert [(g["name"], g["type"]) for g in data["groups"]] == [("0", "Conv2d"), ("4", "Linear")]
    ops = [n["label"] for n in data["nodes"] if n["kind"] == "op"]
    for page in _open(browser, path):
        assert page.errors == [] and page.outside == []
        drawn = _drawn(page)
        assert drawn["boxes"] == sorted({_unit(data, set(), n["id"]) for n in data["nodes"]})
        assert {"relu", "max_pool", "flatten", "cross_entropy"} <= set(drawn["labels"].values())
        title = page.locator(f'{ROOT} .aino-g-group[data-group="0"] .aino-g-label').text_content()
        assert title.endswith("0: Conv2d")
        page.click(f'{ROOT} .aino-g-group[data-group="0"]')
        drawn = _drawn(page)
        assert {"0.weight", "0.bias", "conv"} <= set(drawn["labels"].values()) and drawn["frames"] == ["0"]
        _check_walk(page, data, {"0"})
        loss = data["nodes"][data["root"]]["value"]["scalar"]
        shown = page.locator(f'{ROOT} .aino-g-box[data-node="{data["root"]}"] .aino-g-value').text_content()
        assert float(shown) == pytest.approx(loss, rel=1e-4) and len(ops) == 6
        if artifacts():
            page.screenshot(path=str(artifacts() / "graph_cnn.png"), full_page=True)


def test_save_svg_downloads_a_standalone_drawing(browser, pages):
    path, data = pages["cnn"]
    for page in _open(browser, path):
        with page.expect_download() as info:
            page.click(f"{ROOT} .aino-g-save")
        text = Path(info.value.path()).read_text(encoding="utf-8")
        assert info.value.suggested_filename == "graph.svg"
        svg = ElementTree.fromstring(text)
        assert svg.tag.endswith("svg") and float(svg.get("width")) > 100
        boxes = [g for g in svg.iter() if g.tag.endswith("}g") and "aino-g-box" in (g.get("class") or "")]
        assert len(boxes) == len({_unit(data, set(), n["id"]) for n in data["nodes"]})
        assert "<style" not in text and "href" not in text   # its looks are attributes; it links nowhere
        assert page.errors == []


def test_a_graph_of_300_ops_lays_out_in_under_a_second(browser, pages):
    path, data = pages["deep"]
    ops = sum(n["kind"] == "op" for n in data["nodes"])
    assert ops >= 300 and len(data["groups"]) == 150
    for page in _open(browser, path):
        first = page.evaluate(f"() => {API}.timings.layout[0]")     # all 150 groups closed
        times = page.evaluate(f"""() => {{
            const api = {API};
            const data = JSON.parse(document.getElementById("aino-graph-data").textContent);
            for (const g of data.groups) api.state.open.add(g.name);
            const started = performance.now(), layout = api.relayout();
            return {{layout, total: performance.now() - started}};
        }}""")
        assert page.locator(f"{ROOT} .aino-g-box").count() == len(data["nodes"]) and _overlaps(page) == []
        if artifacts():
            (artifacts() / "graph_layout_ms.json").write_text(json.dumps({"closed": first, "open": times, "ops": ops}))
        assert first < LAYOUT_MS and times["layout"] < LAYOUT_MS, (first, times)
        assert page.errors == []


# The widget's own module (GraphView._esm) on a page, with a stand-in for anywidget's model: what the
# kernel sends (payload, backward_step) goes in through `change` handlers, what the view sends is kept.
WIDGET_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><div id="el"></div>
<script type="module">
%s
const values = %s, handlers = {};
window.model = { values, saved: 0,
  get: (k) => values[k], set: (k, v) => { values[k] = v; },
  on: (event, f) => { (handlers[event] = handlers[event] || []).push(f); },
  save_changes() { this.saved++; },
  send(k, v) { values[k] = v; for (const f of handlers["change:" + k] || []) f(); } };
aino_widget.render({ model: window.model, el: document.getElementById("el") });
</script></body></html>"""


def test_the_widget_redraws_after_backward_follows_backward_step_and_sends_its_svg(browser, tmp_path):
    pytest.importorskip("anywidget")
    import aino
    from aino import nn
    from visualizer import graph

    numpy.random.seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    loss = nn.CrossEntropyLoss()(model(aino.tensor(numpy.ones((2, 3), numpy.float32))), aino.tensor(numpy.array([0, 1])))
    view = graph(loss, model)
    module = view._esm.replace("export default {", "const aino_widget = {")
    start = json.dumps({"payload": view.payload, "backward_step": view.backward_step, "svg": ""})
    (tmp_path / "widget.html").write_text(WIDGET_PAGE % (module, start), encoding="utf-8")
    for page in open_offline(browser, tmp_path / "widget.html", ".aino-graph[data-step]"):
        counter = page.locator(".aino-graph .aino-g-counter")
        assert counter.text_content() == "run loss.backward() to see gradients"
        page.click('.aino-graph .aino-g-group[data-group="0"]')          # opened before backward...
        loss.backward()                                                  # ...the kernel refreshes the payload
        page.evaluate("(text) => window.model.send('payload', text)", view.payload)
        n = len(view.graph.backward_steps)
        assert counter.text_content() == f"backward step 0 of {n}"
        assert page.locator('.aino-graph .aino-g-frame[data-frame="0"]').count() == 1   # ...stays open
        assert page.locator(".aino-graph .aino-g-grad").count() > 0
        view.backward_step = 2                                           # Python moves the walk
        page.evaluate("(k) => window.model.send('backward_step', k)", view.backward_step)
        assert page.get_attribute(".aino-graph", "data-current-node") == str(view.graph.backward_steps[1].node)
        page.click(".aino-graph .aino-g-next")                           # the browser moves it
        assert page.evaluate("() => [window.model.values.backward_step, window.model.saved > 0]") == [3, True]
        page.wait_for_function("() => window.model.values.svg.startsWith('<svg')", timeout=5000)
        view.svg = page.evaluate("() => window.model.values.svg")
        saved = ElementTree.parse(view.save_svg(tmp_path / "graph.svg")).getroot()
        assert sum("aino-g-current" in (g.get("class") or "") for g in saved.iter()) == 1
        assert page.errors == []


def test_without_groups_300_ops_lay_out_in_under_a_second_with_each_weight_beside_its_op(browser, pages):
    path, data = pages["plain"]
    assert data["groups"] == [] and sum(n["kind"] == "op" for n in data["nodes"]) >= 300
    for page in _open(browser, path):
        layout = page.evaluate(f"() => {API}.timings.layout[0]")
        rows = page.evaluate(f"""() => {{
            const top = (b) => Math.round(b.querySelector(".aino-g-outline").getBoundingClientRect().top);
            const boxes = [...document.querySelectorAll("{ROOT} .aino-g-box")];
            const first = Math.min(...boxes.map(top));
            const row = boxes.filter((b) => top(b) === first).map((b) => +b.getAttribute("data-node"));
            return {{boxes: boxes.length, top: row.sort((a, b) => a - b)}};
        }}""")
        # the input, the first weight and the first bias: the other 298 leaves sit lower, beside their ops
        assert rows == {"boxes": len(data["nodes"]), "top": [0, 1, 2]}
        assert layout < LAYOUT_MS and _overlaps(page) == [] and page.errors == []
        if artifacts():
            (artifacts() / "graph_plain_layout_ms.json").write_text(json.dumps({"layout": layout}))

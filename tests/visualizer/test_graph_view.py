"""The graph view (visualizer/graph_view.py) and its offline file (visualizer/graph_export.py), headless: the
payload the widget holds, its refresh when backward runs after it, the backward_step traitlet, the file's
contents and safety, and the refusals. The browser side is tests/browser/test_graph_in_browser.py.

Expected numbers come from the tensors themselves (.data, and the parameters' .grad after backward) and
from NumPy; outside CI a missing anywidget skips the widget tests (with CI=true it fails them)."""

import json
import math
import os
import re

import numpy
import pytest

import aino
import visualizer
from aino import nn
from aino.trace.graph import Graph
from visualizer.export import renderer_script
from visualizer.page import WEB
from visualizer.graph_export import GRAPH_WEB_FILES, export_graph_html, graph_script

URL = re.compile(r"https?:|(src|href|url)\s*[=(]\s*[\"']?//", flags=re.IGNORECASE)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def mlp_loss():
    numpy.random.seed(0)
    model = MLP()
    X = aino.tensor(numpy.random.randn(5, 3).astype(numpy.float32))
    y = aino.tensor(numpy.array([0, 1, 1, 0, 1]))
    return model, nn.CrossEntropyLoss()(model(X), y)


def widget():
    try:
        import anywidget  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the installation
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip('the graph view needs anywidget: pip install "anywidget>=0.9"')
    return visualizer.graph


def page_payload(text):
    """The payload inside an exported page, read back as the browser reads it (JSON.parse)."""
    found = re.search(r'<script type="application/json" id="aino-graph-data">(.*?)</script>', text, flags=re.DOTALL)
    return json.loads(found.group(1))


# --- the widget ---------------------------------------------------------------------------------------


def test_the_view_holds_the_graphs_payload_before_backward():
    graph = widget()
    model, loss = mlp_loss()
    view = graph(loss, model)
    assert isinstance(view, visualizer.GraphView) and isinstance(view.graph, Graph)
    data = view.data
    assert data == json.loads(json.dumps(view.graph.to_payload()))
    assert data["format"] == "aino-graph" and data["backward"] == [] and not data["backward_ran"]
    labels = [n["label"] for n in data["nodes"]]
    assert [name for name, _ in model.named_parameters()] == [l for l in labels if "." in l]
    assert [(g["name"], g["type"]) for g in data["groups"]] == [("fc1", "Linear"), ("fc2", "Linear")]
    root = data["nodes"][data["root"]]
    assert root["value"]["scalar"] == pytest.approx(float(loss.data), rel=1e-5)
    assert all(n["grad"] is None for n in data["nodes"])
    assert "renderGraph" in view._esm and "export default" in view._esm


def test_backward_after_the_view_refreshes_it_with_the_gradients():
    graph = widget()
    model, loss = mlp_loss()
    view = graph(loss, model)
    before = view.refreshes
    loss.backward()
    assert view.refreshes == before + 1
    data = view.data
    assert data["backward_ran"] and data["backward"]
    by_label = {n["label"]: n for n in data["nodes"]}
    for name, p in model.named_parameters():
        grad = numpy.asarray(p.grad.data, dtype=numpy.float64)
        summary = by_label[name]["grad"]
        assert summary["shape"] == list(grad.shape)
        assert summary["mean"] == pytest.approx(grad.mean(), rel=1e-4, abs=1e-7)
        assert summary["norm"] == pytest.approx(math.sqrt((grad ** 2).sum()), rel=1e-4)
    assert [s["node"] for s in data["backward"]] == [s.node for s in view.graph.backward_steps]
    assert data["backward"][0]["node"] == data["root"] and data["backward"][0]["grad"]["scalar"] == 1.0


def test_backward_step_is_checked_and_set_both_ways():
    graph = widget()
    model, loss = mlp_loss()
    view = graph(loss, model)
    with pytest.raises(ValueError, match=r"from 0 .* to 0 .*got 1 \(loss.backward\(\) has not run"):
        view.backward_step = 1
    loss.backward()
    n = len(view.graph.backward_steps)
    view.backward_step = numpy.int64(n)
    assert view.backward_step == n and type(view.backward_step) is int
    with pytest.raises(ValueError, match=f"to {n} .*got {n + 1}"):
        view.backward_step = n + 1
    with pytest.raises(ValueError, match="got -1"):
        view.backward_step = -1
    for wrong, name in (("2", "str"), (True, "bool"), (1.0, "float")):
        with pytest.raises(TypeError, match=f"backward_step must be an integer, got {name}"):
            view.backward_step = wrong
    assert view.backward_step == n


def test_the_view_refuses_what_is_no_graph_and_a_freed_one():
    graph = widget()
    model, loss = mlp_loss()
    with pytest.raises(TypeError, match="expected an aino Tensor .*got int"):
        graph(3)
    with pytest.raises(TypeError, match="model must be an aino.nn Module .*got str"):
        graph(loss, "fc1")
    with pytest.raises(TypeError, match="model= and names= are for a Tensor; a Graph has"):
        graph(Graph(loss, model), model)
    with pytest.raises(TypeError, match="model= and names= are for a Tensor; a Graph has"):
        export_graph_html(Graph(loss, model), "unused.html", names={"x": loss})
    assert visualizer.GraphView(Graph(loss, model)).graph.nodes[1].label == "fc1.weight"
    loss.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        graph(loss, model)


def test_save_svg_writes_the_browsers_drawing(tmp_path):
    graph = widget()
    model, loss = mlp_loss()
    view = graph(loss, model)
    with pytest.raises(RuntimeError, match="nothing drawn yet"):
        view.save_svg(tmp_path / "graph.svg")
    view.svg = '<svg xmlns="x"><rect width="3"/></svg>'  # as the browser writes it
    assert view.save_svg(tmp_path / "graph.svg") == tmp_path / "graph.svg"
    assert (tmp_path / "graph.svg").read_text() == view.svg
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]  # no temporary left behind


def test_the_names_are_lazy_visualizer_names():
    for name in ("graph", "GraphView", "export_graph_html"):
        assert name in visualizer.__all__ and name in dir(visualizer)
    assert visualizer.export_graph_html is export_graph_html


# --- the offline file ---------------------------------------------------------------------------------


def test_the_file_holds_the_payload_and_the_renderer_and_links_nowhere(tmp_path):
    model, loss = mlp_loss()
    g = Graph(loss, model)
    loss.backward()
    path = export_graph_html(g, tmp_path / "graph.html")
    assert path == os.fspath(tmp_path / "graph.html")
    text = (tmp_path / "graph.html").read_text(encoding="utf-8")
    assert page_payload(text) == json.loads(json.dumps(g.to_payload()))
    assert "http" not in text.lower() and not URL.search(text)
    assert "renderGraph(document.getElementById(\"aino-graph\")" in text
    # linear, relu, linear, cross_entropy; the input and the four parameters (the target is no tensor input)
    assert "<h1>aino graph: cross_entropy, 4 ops, 5 leaves</h1>" in text
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]


def test_a_tensor_or_a_view_exports_too_and_odd_labels_stay_inside_the_script(tmp_path):
    x = aino.tensor([1.0, -2.0, 0.0], requires_grad=True)
    with numpy.errstate(divide="ignore"):
        y = (x * x).sum() / aino.tensor(0.0)   # 5 / 0: infinity, which JSON cannot write as a number
    export_graph_html(y, tmp_path / "t.html", names={"</script><b>http://x": x})
    text = (tmp_path / "t.html").read_text(encoding="utf-8")
    data = page_payload(text)
    assert data["nodes"][data["root"]]["value"]["scalar"] == "Infinity"
    assert data["nodes"][0]["label"] == "</script><b>http://x"
    assert "</script><b>" not in text and "http" not in text.lower()
    graph = widget()
    model, loss = mlp_loss()
    view = graph(loss, model)
    export_graph_html(view, tmp_path / "v.html")
    assert page_payload((tmp_path / "v.html").read_text(encoding="utf-8")) == view.data


def test_export_refusals_name_what_came(tmp_path):
    _, loss = mlp_loss()
    with pytest.raises(TypeError, match="export_graph_html: expected an aino Tensor .*got list"):
        export_graph_html([loss], tmp_path / "g.html")
    with pytest.raises(TypeError, match="path must be a file name .*got int"):
        export_graph_html(loss, 7)
    with pytest.raises(ValueError, match="is a folder"):
        export_graph_html(loss, tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_graph_html(loss, tmp_path / "missing" / "g.html")


def test_the_graph_renderer_is_inlined_without_imports_and_with_distinct_names():
    script = graph_script()
    assert not re.search(r"^\s*(import|export)\b", script, flags=re.MULTILINE)
    names = re.findall(r"^(?:const|let|function|class)\s+(\w+)", script, flags=re.MULTILINE)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    for i, name in enumerate(GRAPH_WEB_FILES):
        source = (WEB / name).read_text(encoding="utf-8")
        assert f"visualizer/web/{name}" in script and len(source.splitlines()) < 400
        imported = re.findall(r'^import\s*\{[^}]*\}\s*from\s*"\./([\w.-]+\.js)";', source, flags=re.MULTILINE)
        assert all(GRAPH_WEB_FILES.index(f) < i for f in imported), (name, imported)
    # its own files (graph*.js) declare no name the debugger's renderer declares, so the two can share a page
    debugger = set(re.findall(r"^(?:const|let|function|class)\s+(\w+)", renderer_script(), flags=re.MULTILINE))
    own = "\n".join((WEB / f).read_text(encoding="utf-8") for f in GRAPH_WEB_FILES if f.startswith("graph"))
    assert not debugger & set(re.findall(r"^(?:export\s+)?(?:const|let|function|class)\s+(\w+)", own, flags=re.MULTILINE))


def test_export_html_writes_a_graph_as_export_graph_html_does(tmp_path):
    model, loss = mlp_loss()
    g = Graph(loss, model)
    loss.backward()
    visualizer.export_html(g, tmp_path / "a.html")
    export_graph_html(g, tmp_path / "b.html")
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == (tmp_path / "b.html").read_text(encoding="utf-8")

"""The computation graph behind a tensor as one offline HTML file (the graph view of visualizer/web/graph.js).

    from visualizer import export_graph_html
    g = Graph(loss, model); loss.backward()       # or view = visualizer.graph(loss, model)
    export_graph_html(g, "graph.html")            # the graph, its values and gradients, the backward walk

The file holds the graph's renderer (the ES modules of GRAPH_WEB_FILES, inlined as one <script type="module">)
and the graph's payload (aino/trace/graph_payload.py) as JSON, made safe inside <script> and free of anything
that reads as a link as the trace report's file is (visualizer/page.py): it opens with no server and no
network. A Tensor is drawn as it stands: make the Graph (or the view) before backward to see gradients.
"""

import json

from aino.files import atomic_write
from aino.tensor import Tensor
from aino.trace.graph import Graph
from visualizer.page import check_path, inline_modules, safe_json, safe_text

# The graph renderer's modules, each after the ones it imports; graph.js (renderGraph) comes last.
GRAPH_WEB_FILES = ("colors.js", "dom.js", "graph_layout.js", "graph_box.js", "graph.js")


def graph_script():
    """The graph renderer's modules as the text of one inline module (visualizer/page.py)."""
    return inline_modules(GRAPH_WEB_FILES)


def to_graph(source, owner, model=None, names=None):
    """The Graph behind `source`: a Graph, a GraphView (its graph) or a Tensor (a new Graph of it, with
    `model` naming its parameters, `names` other tensors); anything else is a TypeError naming what came."""
    if (model is not None or names is not None) and not isinstance(source, Tensor):
        raise TypeError(f"{owner}: model= and names= are for a Tensor; a {type(source).__name__} has its "
                        f"names already")
    if isinstance(source, Graph):
        return source
    if isinstance(getattr(source, "graph", None), Graph):
        return source.graph
    if isinstance(source, Tensor):
        return Graph(source, model, names)
    raise TypeError(f"{owner}: expected an aino Tensor (such as a loss), a Graph or a GraphView, "
                    f"got {type(source).__name__}")


def payload_json(graph):
    """The graph's payload as compact JSON text (its non-finite numbers are strings already)."""
    return json.dumps(graph.to_payload(), separators=(",", ":"), allow_nan=False)


def export_graph_html(source, path, model=None, names=None):
    """Write one self-contained HTML file drawing the graph behind `source` (a Graph, a GraphView, or a
    Tensor with optionally its `model` and `names`); returns the path. Written to a temporary, then renamed."""
    graph = to_graph(source, "export_graph_html", model, names)
    path = check_path(path, "export_graph_html", "graph.html")
    with atomic_write(path) as file:
        file.write(graph_page(graph).encode("utf-8"))
    return path


def graph_page(graph):
    """The whole page: a heading, the payload and the renderer."""
    root = graph.nodes[graph.root]
    ops = sum(node.kind == "op" for node in graph.nodes)
    title = f"aino graph: {root.label}, {ops} ops, {len(graph.nodes) - ops} leaves"
    state = ("with the gradients of its backward pass" if graph.backward_ran else
             "before backward: make the graph before loss.backward() to see gradients")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{safe_text(title)}</title>
<style>body {{ font-family: sans-serif; margin: 1em 2em; color: #222; }} .note {{ color: #666; }}</style>
</head>
<body>
<h1>{safe_text(title)}</h1>
<p class="note">The computation graph {safe_text(state)}. Click a module's box to open it, its frame's title to
close it; first / previous / next / last (or the arrow keys) walk the backward pass node by node.</p>
<div id="aino-graph"><noscript>This page draws with JavaScript; please enable it.</noscript></div>
<script type="application/json" id="aino-graph-data">{safe_json(payload_json(graph))}</script>
<script type="module">
{graph_script()}
// ---- the page ----
renderGraph(document.getElementById("aino-graph"), JSON.parse(document.getElementById("aino-graph-data").textContent));
</script>
</body>
</html>
"""

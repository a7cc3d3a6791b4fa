"""One offline HTML file for a trace: a student opens it in any browser, with no server and no network.

The file holds the browser renderer (the ES modules of visualizer/web/, inlined as one
<script type="module">) and the trace's data once (visualizer/payload.py: JSON, the arrays as base64
buffers, quantised, one buffer per array name and shape holding all its steps: stacked=True). Every recorded step can be scrubbed: the summaries of all steps are there, the
full arrays of the kept steps. The file links to nothing outside itself.
"""

import json

import numpy

from aino.files import atomic_write
from aino.trace.graph import Graph
from aino.validation import check_bool
from visualizer import arguments
from visualizer.checks import check_trace
from visualizer.graph_export import export_graph_html
from visualizer.page import check_path, inline_modules
from visualizer.page import safe_json as _safe_json
from visualizer.page import safe_text as _text
from visualizer.payload import build_payload, to_json_with_base64

# The renderer's modules, each after the ones it imports; debugger.js (render) comes last.
MAX_ARRAY_STEPS = 2000  # kept steps whose arrays go in by default (the demo's iris run keeps 1,400: 3.8 MB)
WEB_FILES = ("decode.js", "colors.js", "dom.js", "charts.js", "lists.js", "network.js", "neuron.js", "plane_model.js", "plane.js",
             "layers_conv.js", "layers_sequence.js", "layers.js", "debugger.js")


def export_steps(trace, steps=None, limit=None):
    """The kept steps whose arrays go in the file: those nearest to `steps` (default: every kept step),
    at most `limit` of them evenly spread, always the first and the last. Returns (steps, note)."""
    check_trace(trace)
    if steps is None:
        steps = list(trace.steps)
    elif isinstance(steps, (str, bytes)) or not hasattr(steps, "__iter__"):
        raise TypeError(f"export_html: steps must be a list of step numbers, got {type(steps).__name__}")
    else:
        steps = [arguments.check_step(trace, s) for s in steps]
        if not steps:
            raise ValueError("export_html: no steps to export")
        steps = [arguments.kept_step(trace, s) for s in steps]
    steps = sorted({int(s) for s in steps if s is not None})
    note = ""
    if limit is not None and len(steps) > limit:
        picks = numpy.unique(numpy.round(numpy.linspace(0, len(steps) - 1, limit)).astype(int))
        note = (f"Full arrays for {len(picks)} of the {len(steps)} kept steps, evenly spread (always the first "
                f"and the last); every step's summaries are there.")
        steps = [steps[i] for i in picks]
    return steps, note


def export_html(trace, path, steps=None, layer=None, progress=False):
    """Write one self-contained HTML file showing `trace` step by step; returns the path.

    Every recorded step can be scrubbed (its loss, gradient norms, update ratios and histograms); the
    full arrays (the network's neurons and weights) are there for the kept steps nearest to `steps`
    (default: every kept step, trace.steps). `layer`: the layer selected when the file opens.
    `progress=True` shows a progress bar. The file is written to a temporary name, then renamed.
    A Graph (or a GraphView) is written by export_graph_html: its computation graph.
    """
    from tqdm.auto import tqdm

    if isinstance(trace, Graph) or isinstance(getattr(trace, "graph", None), Graph):
        return export_graph_html(trace, path)
    check_trace(trace)
    path = check_path(path, "export_html", "report.html")
    layer = arguments.check_layer(trace, layer)
    steps, note = export_steps(trace, steps, limit=MAX_ARRAY_STEPS if steps is None else None)
    progress = check_bool(progress, "progress", "export_html")
    with tqdm(total=3, desc="drawing the report", unit="part", disable=not progress) as bar:
        data, buffers = build_payload(trace, steps=steps, stacked=True)
        bar.update()
        payload = to_json_with_base64(data, buffers)
        bar.update()
        title = f"aino trace: {trace.meta.get('model_type') or 'model'}, {trace.n_steps} steps"
        page = html_page(payload, title, str(trace.meta.get("model") or ""), layer, note)
        with atomic_write(path) as file:
            file.write(page.encode("utf-8"))
        bar.update()
    return path


def renderer_script():
    """The debugger's modules as the text of one inline module (visualizer/page.py)."""
    return inline_modules(WEB_FILES)


def html_page(payload_json, title, subtitle="", layer=None, note=""):
    """The whole page: a heading, the payload (JSON text as to_json_with_base64 writes it) and the renderer."""
    e = _text
    options = _safe_json(json.dumps({"layer": layer}))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(title)}</title>
<style>body {{ font-family: sans-serif; margin: 1em 2em; color: #222; }} .note {{ color: #666; }}</style>
</head>
<body>
<h1>{e(title)}</h1>
<p class="note">{e(subtitle[:300])}</p>
<p>Drag the slider (or use the arrow keys on it), or press Play, to move through every step of the run;
pick a layer; click a finding to jump to it; click a neuron for its chain rule at the step.{f' {e(note)}' if note else ''}</p>
<div id="aino-debugger"><noscript>This report draws with JavaScript; please enable it.</noscript></div>
<script type="application/json" id="aino-data">{_safe_json(payload_json)}</script>
<script type="module">
{renderer_script()}
// ---- the report ----
render(document.getElementById("aino-debugger"),
       JSON.parse(document.getElementById("aino-data").textContent), {options});
</script>
</body>
</html>
"""


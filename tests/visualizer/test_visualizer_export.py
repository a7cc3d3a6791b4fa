"""export_html writes one offline file: the browser renderer and the trace's data (JSON with base64
buffers), every step scrubbable, no links, no temporary left behind. (tests/browser/test_export_in_browser.py
opens it in chromium.)"""

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from visualizer import export_html
from visualizer.export import WEB_FILES, export_steps, renderer_script
from visualizer.page import WEB
from visualizer.graph_export import GRAPH_WEB_FILES

URL = re.compile(r"https?:|(src|href|url)\s*[=(]\s*[\"']?//", flags=re.IGNORECASE)


def _payload(text):
    return json.loads(re.search(r'<script type="application/json" id="aino-data">(.*?)</script>', text, re.DOTALL).group(1))


def test_export_html_is_one_offline_file(trace, tmp_path):
    path = export_html(trace, tmp_path / "report.html")
    text = Path(path).read_text(encoding="utf-8")
    assert URL.search(text) is None
    assert "http" not in text.lower()
    assert "<script src" not in text and "<link" not in text and "<img" not in text
    assert text.count('<script type="module">') == 1 and "render(document.getElementById" in text
    assert "Findings" in text
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left behind
    data = _payload(text)
    assert data["format"] == "aino.debugger/1" and data["n_steps"] == trace.n_steps
    # every step scrubbable: the summaries cover all steps, the arrays are there for the kept steps
    assert data["series"]["loss"]["shape"] == [trace.n_steps]
    assert data["kept_steps"] == list(trace.steps)
    assert "steps" not in data  # one stacked reference per array name and shape holds all the kept steps
    for kind, named in data["stacks"].items():
        for name, stacks in named.items():
            assert sorted(s for stack in stacks for s in stack["steps"]) == list(trace.steps), (kind, name)
    assert len(data["buffers_b64"]) > max(ref["buffer"] for ref in _refs(data))


def _refs(value):
    if isinstance(value, dict):
        if "buffer" in value and "dtype" in value:
            yield value
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_steps_choose_the_kept_steps_whose_arrays_go_in(fast_trace, tmp_path):
    kept = fast_trace.steps
    path = export_html(fast_trace, tmp_path / "report.html", steps=[kept[0], kept[-1]])
    data = _payload(Path(path).read_text(encoding="utf-8"))
    assert data["kept_steps"] == [kept[0], kept[-1]] and data["n_steps"] == fast_trace.n_steps
    # any recorded step stands for its nearest kept step (the earlier on a tie)
    every = list(range(fast_trace.n_steps))
    steps, note = export_steps(fast_trace, every)
    assert steps == sorted({min(kept, key=lambda k: (abs(k - s), k)) for s in every}) and note == ""


def test_long_traces_are_thinned_evenly_keeping_first_and_last(classic_trace):
    steps, note = export_steps(classic_trace, list(range(classic_trace.n_steps)), limit=5)
    assert len(steps) == 5 and steps[0] == classic_trace.steps[0] and steps[-1] == classic_trace.steps[-1]
    assert "5 of the" in note
    first, last = classic_trace.steps[0], classic_trace.steps[-1]
    assert export_steps(classic_trace, [first, last]) == ([first, last], "")


def test_the_renderer_is_inlined_from_the_web_files_without_imports():
    script = renderer_script()
    assert not re.search(r"^\s*(import|export)\b", script, flags=re.MULTILINE)
    for name in WEB_FILES:
        assert (WEB / name).is_file() and f"visualizer/web/{name}" in script
    # the files share one scope once inlined: no top-level name may be declared twice
    names = re.findall(r"^(?:const|let|function|class)\s+(\w+)", script, flags=re.MULTILINE)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert "function render(" in script
    # every file of visualizer/web/ goes in the debugger's renderer or the graph's, each after the files it imports
    assert sorted(set(WEB_FILES) | set(GRAPH_WEB_FILES)) == sorted(path.name for path in WEB.glob("*.js"))
    for i, name in enumerate(WEB_FILES):
        imported = re.findall(r'^import\s*\{[^}]*\}\s*from\s*"\./([\w.-]+\.js)";', (WEB / name).read_text(encoding="utf-8"),
                              flags=re.MULTILINE)
        assert all(WEB_FILES.index(source) < i for source in imported), (name, imported)

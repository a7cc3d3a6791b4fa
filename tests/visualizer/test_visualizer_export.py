"""export_html writes one offline file: one embedded PNG per exported step, a range input, no links."""

import re

import pytest

pytest.importorskip("matplotlib")

from visualizer import export_html  # noqa: E402
from visualizer.export import export_steps  # noqa: E402


def test_export_html_is_one_offline_file(fast_trace, tmp_path):
    steps = [fast_trace.steps[0], fast_trace.steps[-1]]
    path = export_html(fast_trace, tmp_path / "report.html", steps=steps)
    text = open(path, encoding="utf-8").read()
    assert text.count("data:image/png;base64,") == len(steps)
    assert '<input type="range"' in text
    assert f'max="{len(steps) - 1}"' in text
    assert re.search(r"https?:|(src|href|url)\s*[=(]\s*[\"']?//", text, flags=re.IGNORECASE) is None
    assert "http" not in text.lower()
    assert "<script src" not in text and "<link" not in text
    assert "Findings" in text
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left behind


def test_long_traces_are_thinned_evenly_keeping_first_and_last(classic_trace):
    steps, note = export_steps(classic_trace, list(range(classic_trace.n_steps)), limit=5)
    assert len(steps) == 5 and steps[0] == 0 and steps[-1] == classic_trace.n_steps - 1
    assert "5 of the" in note
    steps, note = export_steps(classic_trace, [0, 2])
    assert steps == [0, 2] and note == ""

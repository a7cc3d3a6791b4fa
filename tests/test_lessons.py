"""The course's shape: every lesson in lessons/ opens with its objectives, time and prerequisites, shows the
student's network in the Debugger, closes with nbgrader-marked exercises built on aino.exercises and a
"what to try next", is stored without outputs, and is on the course map of lessons/README.md. (nbmake runs
each lesson top to bottom; this file checks what a run cannot see.)"""

import json
import re
from pathlib import Path

import nbformat  # with nbmake, in the test extra
import pytest

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(cell):
    return "".join(cell["source"])


def test_the_course_has_ten_lessons_in_order():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{n:02d}" for n in range(1, 11)], [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_lesson_opens_with_its_objectives_time_and_prerequisites(path):
    cells = _cells(path)
    assert cells[0]["cell_type"] == "markdown" and _text(cells[0]).startswith("# Lesson ")
    opening = next(_text(c) for c in cells[:3] if _text(c).startswith("## What you will learn"))
    assert len(re.findall(r"^- ", opening, flags=re.MULTILINE)) >= 3, "at least three objectives, as a list"
    assert re.search(r"^Time: about \d+ minutes\.", opening, flags=re.MULTILINE), "Time: about N minutes."
    assert re.search(r"^Before: ", opening, flags=re.MULTILINE), "Before: what to know first"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_lesson_closes_with_graded_exercises_and_what_to_try_next(path):
    cells = _cells(path)
    headings = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and _text(c).startswith("## ")]
    titles = [_text(cells[i]).split("\n")[0] for i in headings]
    assert titles[-2:] == ["## Exercises", "## What to try next"], titles
    exercises = cells[headings[-2]: headings[-1]]
    solutions = [c for c in exercises if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
    tests = [c for c in exercises if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    assert len(solutions) >= 2 and len(tests) >= len(solutions)
    for cell in solutions:
        assert "### BEGIN SOLUTION" in _text(cell) and "### END SOLUTION" in _text(cell)
    for cell in tests:
        meta = cell["metadata"]["nbgrader"]
        assert meta["locked"] and meta["points"] > 0 and meta["grade_id"].startswith("test_")
        assert re.search(r'check\("\w+", ', _text(cell)) and "### BEGIN HIDDEN TESTS" in _text(cell)
    assert len(re.findall(r"^\d+\. ", _text(cells[headings[-1]]), flags=re.MULTILINE)) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_lesson_shows_the_students_network_in_the_debugger(path):
    shown = [c for c in _cells(path) if c["cell_type"] == "code" and
             re.search(r"^Debugger\(.+\)\s*(#.*)?$", _text(c).strip().split("\n")[-1])]
    assert shown, "a code cell whose last line is Debugger(trace)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_lesson_is_stored_without_outputs(path):
    for cell in _cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, _text(cell)[:80]


def test_every_lesson_is_on_the_course_map():
    readme = (LESSONS / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"({path.name})" in readme, f"{path.name} is missing from lessons/README.md"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_lesson_is_a_valid_notebook(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)  # cell ids included (nbformat 4.5)
    assert len({cell["id"] for cell in notebook.cells}) == len(notebook.cells)

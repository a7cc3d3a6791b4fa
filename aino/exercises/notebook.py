"""Run an exercise notebook without Jupyter and collect the results of its checks (`aino check NOTEBOOK`).

    run = run_notebook("01_perceptron_and_backprop.ipynb")
    run.results     # every Result that check() returned while the notebook ran, in order
    run.error       # None, or the CellError of the cell that stopped the run

The .ipynb file is read with the json module (a file that is not a notebook is a ValueError saying what
is wrong with it). Its code cells run in order, in this process, in one fresh namespace, with the
notebook's folder as the working directory and first on sys.path, as Jupyter runs them. IPython's own
lines (`%magic`, `!shell`) are not Python and are skipped, and so is a cell that starts with a cell magic
(`%%bash`). What the cells print is captured (`run.output`), so that the report is the checks' results.

A cell that raises stops the run, as `Run All` stops in Jupyter, with one exception: the AssertionError
of a test cell that asserts on a check which failed in that cell. That check's result already says what
is wrong, so the run goes on to the next exercise and the report lists every exercise's result.
"""

import contextlib
import io
import json
import linecache
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from aino.exercises.checker import RESULTS


@dataclass
class CodeCell:
    """A code cell: its number among all the notebook's cells (from 1, as a reader counts) and its source."""

    number: int
    source: str


@dataclass
class CellError:
    """What stopped the run: the cell, the error, and the traceback through the notebook's code."""

    cell: int
    error: BaseException
    traceback: str

    def __str__(self):
        return f"cell {self.cell} raised {type(self.error).__name__}: {self.error}"


@dataclass
class NotebookRun:
    """The outcome of run_notebook: the checks' results, what the cells printed, and the stopping error."""

    path: Path
    results: list = field(default_factory=list)
    output: str = ""
    error: CellError = None
    cells_run: int = 0
    skipped: list = field(default_factory=list)  # numbers of the cells skipped as cell magics

    @property
    def passed(self):
        """True when the notebook ran to its end, at least one check ran, and every check passed."""
        return self.error is None and bool(self.results) and all(self.results)


def read_code_cells(path):
    """The code cells of the .ipynb file at `path`; a ValueError says what is wrong with a bad file."""
    path = Path(path)
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a notebook: the file is not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not a notebook: invalid JSON at line {error.lineno}, column {error.colno} "
                         f"({error.msg})") from None
    if not isinstance(notebook, dict):
        raise ValueError(f"{path}: not a notebook: the JSON is a {type(notebook).__name__}, not an object")
    if "worksheets" in notebook or notebook.get("nbformat", 4) != 4:
        raise ValueError(f"{path}: notebook format {notebook.get('nbformat')!r} is not supported: save it "
                         "as nbformat 4 (any Jupyter of the last ten years does)")
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ValueError(f"{path}: not a notebook: no list of 'cells'")
    code = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise ValueError(f"{path}: cell {number} is not a cell: an object with a 'cell_type' is expected")
        if cell["cell_type"] == "code":
            code.append(CodeCell(number, _source(cell.get("source"), path, number)))
    return code


def _source(source, path, number):
    """A cell's source, stored as one string or as a list of lines."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise ValueError(f"{path}: cell {number} has no valid 'source': a string or a list of strings is expected")


def python_of(source):
    """The cell's Python, or None for a cell-magic cell: `%` and `!` lines become `pass` at their
    indentation, so that a block keeps a body and the line numbers of tracebacks stay the cell's."""
    if source.lstrip().startswith("%%"):
        return None
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(line[: len(line) - len(stripped)] + "pass" if stripped[:1] in ("%", "!") else line)
    return "\n".join(lines) + "\n"


def run_notebook(path):
    """Run the notebook at `path` (see the module docstring); returns a NotebookRun."""
    path = Path(path).resolve()
    cells = read_code_cells(path)
    run = NotebookRun(path)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "display": _display}
    first_result, captured = len(RESULTS), io.StringIO()
    old_directory = os.getcwd()
    sys.path.insert(0, str(path.parent))
    os.chdir(path.parent)
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            for cell in cells:
                python = python_of(cell.source)
                if python is None:
                    run.skipped.append(cell.number)
                    continue
                before = len(RESULTS)
                error = _run_cell(cell.number, python, namespace)
                run.cells_run += 1
                if error is not None and not _reports_a_failed_check(error.error, RESULTS[before:]):
                    run.error = error
                    break
    finally:
        os.chdir(old_directory)
        if str(path.parent) in sys.path:  # unless a cell took it out itself
            sys.path.remove(str(path.parent))
    run.results, run.output = RESULTS[first_result:], captured.getvalue()
    return run


def _run_cell(number, python, namespace):
    """Run one cell's Python in `namespace`; None, or the CellError it raised."""
    filename = f"<cell {number}>"
    linecache.cache[filename] = (len(python), None, python.splitlines(keepends=True), filename)
    try:
        exec(compile(python, filename, "exec"), namespace)
    except (Exception, SystemExit) as error:  # the student's code: any error is reported, not raised
        frames = error.__traceback__.tb_next  # from the cell's first line on, not this function's
        text = "".join(traceback.format_exception(type(error), error, frames))
        return CellError(number, error, text)
    return None


def _reports_a_failed_check(error, results):
    """Whether `error` is a test cell's assert on a check that failed in that cell."""
    return isinstance(error, AssertionError) and any(not result for result in results)


def _display(*objects):
    """IPython's display(), as text: a test cell shows its Result with it."""
    for shown in objects:
        print(shown)

"""`aino check NOTEBOOK.ipynb` runs a student's notebook and prints every exercise's result."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aino.cli import main
from aino.exercises import check
from aino.exercises.notebook import python_of, read_code_cells, run_notebook

EXERCISES = Path(__file__).resolve().parents[2] / "lessons" / "exercises"

IMPORTS = "import numpy as np\nfrom aino.exercises import check\n"
RIGHT = "def sigmoid_backward(z, grad_output):\n    s = 1 / (1 + np.exp(-z))\n    return grad_output * s * (1 - s)\n"
SIGMOID_ITSELF = "def sigmoid_backward(z, grad_output):\n    return grad_output / (1 + np.exp(-z))\n"
RELU_RIGHT = "def relu_backward(z, grad_output):\n    return grad_output * (z > 0)\n"
RELU_WITHOUT_GRAD = "def relu_backward(z, grad_output):\n    return (z > 0) * 1.0\n"


def checking_cell(name):
    """A test cell as the exercise notebooks write it: show the result, then assert on it."""
    return f"result = check({name!r}, {name})\ndisplay(result)\nassert result, 'see the hint above'\n"


def write_notebook(path, *sources, markdown="# An exercise notebook"):
    """An nbformat-4 notebook at `path`: a markdown cell, then one code cell per source."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": markdown}]
    cells += [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
               "source": source.splitlines(keepends=True)} for source in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_planted_mistakes_print_their_hints_and_fail(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "student.ipynb", IMPORTS, SIGMOID_ITSELF, checking_cell("sigmoid_backward"),
                              RELU_WITHOUT_GRAD, checking_cell("relu_backward"))
    assert main(["check", str(notebook)]) == 1
    out = capsys.readouterr().out
    for name, wrong in (("sigmoid_backward", SIGMOID_ITSELF), ("relu_backward", RELU_WITHOUT_GRAD)):
        namespace = {"np": __import__("numpy")}
        exec(wrong, namespace)
        expected = check(name, namespace[name])
        assert not expected and expected.hint and f"hint: {expected.hint}" in out  # both run: one assert stops nothing
    assert "0 of 2 checks passed, 2 failed (student.ipynb, 5 code cells run)" in out


def test_right_answers_pass(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "student.ipynb", IMPORTS, RIGHT, checking_cell("sigmoid_backward"),
                              RELU_RIGHT, checking_cell("relu_backward"))
    assert main(["check", str(notebook)]) == 0
    out = capsys.readouterr().out
    assert out.count("\u2713") == 2 and "2 of 2 checks passed (student.ipynb" in out and "failed" not in out


def test_one_wrong_answer_among_right_ones(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "student.ipynb", IMPORTS, RIGHT, checking_cell("sigmoid_backward"),
                              RELU_WITHOUT_GRAD, checking_cell("relu_backward"))
    assert main(["check", str(notebook)]) == 1
    assert "1 of 2 checks passed, 1 failed" in capsys.readouterr().out


def test_a_cell_that_raises_stops_the_run_and_is_named(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "student.ipynb", IMPORTS, RIGHT, checking_cell("sigmoid_backward"),
                              "x = 1\ny = undefined_name + x\n", RELU_RIGHT, checking_cell("relu_backward"))
    assert main(["check", str(notebook)]) == 1
    captured = capsys.readouterr()
    assert "cell 5 raised NameError: name 'undefined_name' is not defined" in captured.err
    assert "the cells after it did not run" in captured.err
    assert '<cell 5>", line 2' in captured.err and "y = undefined_name + x" in captured.err
    assert "1 of 1 checks passed (student.ipynb, 4 code cells run; stopped by an error in cell 5)" in captured.out
    assert "relu" not in captured.out.lower()


def test_an_unfilled_stub_is_a_failed_check_not_a_crash(tmp_path, capsys):
    stub = "def relu_backward(z, grad_output):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    notebook = write_notebook(tmp_path / "student.ipynb", IMPORTS, stub, checking_cell("relu_backward"))
    assert main(["check", str(notebook)]) == 1
    assert "your code raised NotImplementedError" in capsys.readouterr().out


def test_a_notebook_without_checks_is_not_a_pass(tmp_path, capsys):
    assert main(["check", str(write_notebook(tmp_path / "empty.ipynb", "x = 1\n"))]) == 1
    assert "no check() ran in empty.ipynb" in capsys.readouterr().out


def test_magics_are_skipped_and_output_is_captured(tmp_path, capsys):
    notebook = write_notebook(tmp_path / "student.ipynb", "%matplotlib inline\n!pip install aino\n" + IMPORTS,
                              "%%bash\necho hello\n", "if True:\n    %time x = 1\nprint('printed by a cell')\n",
                              RIGHT, checking_cell("sigmoid_backward"))
    assert main(["check", str(notebook)]) == 0
    out = capsys.readouterr().out
    assert "printed by a cell" not in out and "cell 3 was skipped: a cell magic" in out
    assert main(["check", "--verbose", str(notebook)]) == 0
    assert "printed by a cell" in capsys.readouterr().out
    assert python_of("  %time f()\nx = 1") == "  pass\nx = 1\n" and python_of("%%timeit\nf()") is None


def test_cells_run_in_the_notebooks_folder_in_one_fresh_namespace(tmp_path, monkeypatch):
    (tmp_path / "data.txt").write_text("42")
    (tmp_path / "helper_for_check.py").write_text("VALUE = 7\n")
    notebook = write_notebook(tmp_path / "nb.ipynb", "value = int(open('data.txt').read())\n",
                              "import helper_for_check\nassert value == 42 and helper_for_check.VALUE == 7\n",
                              "assert 'RIGHT' not in globals()\n")
    monkeypatch.chdir(Path(__file__).parent)
    run = run_notebook(notebook)
    assert run.error is None and run.cells_run == 3 and Path.cwd() == Path(__file__).parent
    assert str(tmp_path) not in sys.path


@pytest.mark.parametrize("text, says", [
    ("{not json", "invalid JSON at line 1, column 2"),
    ("[1, 2]", "the JSON is a list, not an object"),
    ('{"nbformat": 4}', "no list of 'cells'"),
    ('{"nbformat": 3, "worksheets": []}', "notebook format 3 is not supported"),
    ('{"nbformat": 4, "cells": [{"source": "x"}]}', "cell 1 is not a cell"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5}]}', "cell 1 has no valid 'source'"),
])
def test_a_bad_file_is_a_clear_error(tmp_path, capsys, text, says):
    bad = tmp_path / "bad.ipynb"
    bad.write_text(text)
    with pytest.raises(ValueError, match="bad.ipynb") as error:
        read_code_cells(bad)
    assert says in str(error.value)
    assert main(["check", str(bad)]) == 2
    assert f"aino check: {bad}" in capsys.readouterr().err


def test_a_missing_or_binary_file_is_reported(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere.ipynb")]) == 2
    assert "No such file" in capsys.readouterr().err
    (tmp_path / "binary.ipynb").write_bytes(b"\xff\xfe\x00garbage")
    assert main(["check", str(tmp_path / "binary.ipynb")]) == 2
    assert "not UTF-8 text" in capsys.readouterr().err


@pytest.mark.parametrize("notebook", sorted(EXERCISES.glob("*.ipynb")), ids=lambda path: path.name)
def test_the_teachers_notebooks_pass_from_the_console_script(notebook):
    done = subprocess.run([sys.executable, "-m", "aino", "check", str(notebook)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " checks passed (" in done.stdout and "failed" not in done.stdout

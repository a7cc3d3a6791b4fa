"""The exercise notebooks go through nbgrader as a course would use them, offline, in a temporary course.

generate_assignment makes the student versions (no solution, no hidden test left in them); autograde
grades two submissions made from them: one with the teacher's solutions (full marks) and one with planted
mistakes (partial marks); generate_feedback writes what the students get back, where the hints of the
planted mistakes must appear. nbgrader runs as its command line does, in a subprocess, with a Jupyter
kernel on 127.0.0.1.
"""

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aino.exercises import check
from aino.ops.function import Function, unbroadcast

pytest.importorskip("nbgrader")
from nbgrader.api import Gradebook  # noqa: E402  (after the skip: nbgrader is a test dependency)

EXERCISES = Path(__file__).resolve().parents[2] / "lessons" / "exercises"
NOTEBOOKS = sorted(EXERCISES.glob("*.ipynb"))
ASSIGNMENT = "exercises"
CONFIG = """c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "aino-exercises"
c.CourseDirectory.db_url = "sqlite:///" + {root!r} + "/gradebook.db"
c.KernelManager.ip = "127.0.0.1"
c.Execute.timeout = 120
"""

# For each notebook, the exercises the planted submission gets wrong, with the code written there.
PLANTED = {
    "01_perceptron_and_backprop": {
        "sigmoid_backward": "def sigmoid_backward(z, grad_output):\n    return grad_output / (1 + np.exp(-z))\n",
        "layer_backward": ("def layer_backward(X, W, b, grad_output, activation):\n"
                           "    dZ = grad_output * activation.df(X @ W.T + b)\n"
                           "    return X.T @ dZ, dZ.sum(axis=0), dZ @ W\n"),
        "relu_backward": "def relu_backward(z, grad_output):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n",
    },
    "02_fast_path_and_autograd": {
        "mul_function": ("class Mul(Function):\n"
                         "    def forward(self, a, b):\n"
                         "        self.a, self.b = a, b\n"
                         "        return a * b\n\n"
                         "    def backward(self, grad):\n"
                         "        return (unbroadcast(grad * self.a, self.a.shape),\n"
                         "                unbroadcast(grad * self.b, self.b.shape))\n"),
        "linear_backward": ("def linear_backward(x, W, b, grad_output):\n"
                            "    return grad_output @ W, grad_output.T @ x, grad_output\n"),
    },
    "03_training_and_debugging": {
        "mse": "def mse(prediction, target):\n    return np.mean((prediction - target) ** 2), prediction - target\n",
        "training_loop": ("def training_step(model, x, y, loss_fn, optimizer):\n"
                          "    loss = loss_fn(model(x), y)\n"
                          "    loss.backward()\n"
                          "    optimizer.step()\n"
                          "    return loss\n"),
        "adam_step": ("def adam_step(w, grad, m, v, t, lr=0.001, betas=(0.9, 0.999), eps=1e-8):\n"
                      "    # YOUR CODE HERE\n    raise NotImplementedError()\n"),
    },
}


def nbgrader(course, *args):
    """Run `nbgrader ARGS` in the course directory; its log when it fails."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(course / ".jupyter")}  # no user-wide nbgrader config
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def read(path):
    """A notebook's JSON."""
    return json.loads(Path(path).read_text())


def source(cell):
    """A cell's source as one string."""
    return "".join(cell["source"])


def grade_id(cell):
    """A cell's nbgrader grade id, or None for a cell nbgrader does not grade or clear."""
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def region(text, name):
    """The lines between `### BEGIN {name}` and `### END {name}`, stripped, of every such region."""
    inside, found = False, []
    for line in text.splitlines():
        if line.strip() in (f"### BEGIN {name}", f"### END {name}"):
            inside = line.strip().startswith("### BEGIN")
        elif inside and line.strip():
            found.append(line.strip())
    return found


def submit(course, student, answers):
    """Hand in every student version with each solution cell's code replaced by `answers(notebook, grade_id)`."""
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    for released in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb")):
        notebook = read(released)
        for cell in notebook["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("solution"):
                cell["source"] = answers(released.stem, grade_id(cell)).splitlines(keepends=True)
        (folder / released.name).write_text(json.dumps(notebook))


def teachers_answer(notebook, cell_id):
    """The teacher's solution, as a student would type it: without the solution markers."""
    cell = next(cell for cell in read(EXERCISES / f"{notebook}.ipynb")["cells"] if grade_id(cell) == cell_id)
    return "".join(line for line in cell["source"] if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def planted_answer(notebook, cell_id):
    """The planted mistake where there is one, else the teacher's solution."""
    planted = PLANTED[notebook]
    return planted[cell_id] if cell_id in planted else teachers_answer(notebook, cell_id)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory after generate_assignment, autograde (two students) and generate_feedback."""
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(CONFIG.format(root=str(root)))
    shutil.copytree(EXERCISES, root / "source" / ASSIGNMENT, ignore=shutil.ignore_patterns("*.md"))
    nbgrader(root, "generate_assignment", ASSIGNMENT)
    submit(root, "teacher", teachers_answer)
    submit(root, "planted", planted_answer)
    nbgrader(root, "autograde", ASSIGNMENT)
    nbgrader(root, "generate_feedback", ASSIGNMENT)
    return root


def test_every_notebook_has_planted_mistakes():
    assert NOTEBOOKS and set(PLANTED) == {path.stem for path in NOTEBOOKS}


def test_the_student_versions_hold_no_solution_and_no_hidden_test(course):
    for path in NOTEBOOKS:
        teachers = read(path)
        released = read(course / "release" / ASSIGNMENT / path.name)
        text = "\n".join(source(cell) for cell in released["cells"])
        assert "### BEGIN" not in text and "### END" not in text
        hidden = region("\n".join(source(cell) for cell in teachers["cells"]), "HIDDEN TESTS")
        assert len(hidden) >= 4
        for line in hidden:
            assert line not in text, f"{path.name}: a hidden test is in the student version: {line}"
        handed_out = {grade_id(cell): source(cell) for cell in released["cells"]}
        solutions = [cell for cell in teachers["cells"] if cell["metadata"].get("nbgrader", {}).get("solution")]
        assert len(solutions) >= 4
        for cell in solutions:
            stub = handed_out[grade_id(cell)]
            assert "raise NotImplementedError()" in stub
            assert not [line for line in region(source(cell), "SOLUTION") if line in stub]
        assert not any(cell.get("outputs") for cell in released["cells"])


def scores(course, student):
    """{notebook: (score, max score, {grade id of a test cell: score})} from the gradebook."""
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {notebook.name: (notebook.score, notebook.max_score,
                                {grade.name: grade.score for grade in notebook.grades})
                for notebook in submission.notebooks}


def test_the_teachers_solutions_get_full_marks(course):
    marks = scores(course, "teacher")
    assert set(marks) == {path.stem for path in NOTEBOOKS}
    for notebook, (score, max_score, _) in marks.items():
        assert max_score > 0 and score == max_score, notebook


def test_planted_mistakes_lose_their_points_and_get_their_hints(course):
    for notebook, (score, max_score, grades) in scores(course, "planted").items():
        assert 0 < score < max_score, notebook
        lost = {name for name, points in grades.items() if points == 0}
        assert lost == {f"test_{name}" for name in PLANTED[notebook]}, notebook
        feedback = html.unescape((course / "feedback" / "planted" / ASSIGNMENT / f"{notebook}.html").read_text())
        for name, planted in PLANTED[notebook].items():
            expected = check(name, as_function(planted))
            assert not expected and f"hint: {expected.hint}" in feedback, (notebook, name)
            if "NotImplementedError" in planted:  # left unanswered: the stub's error is the feedback
                assert "your code raised NotImplementedError" in str(expected)
            else:  # a known mistake: the hint names it
                assert expected.mistake, (notebook, name)


def as_function(planted):
    """The function or class that the planted code defines, run here with the names the notebooks import."""
    namespace = {"np": np, "Function": Function, "unbroadcast": unbroadcast}
    exec(planted, namespace)
    return list(namespace.values())[-1]

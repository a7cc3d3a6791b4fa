"""Classroom exercises: students write the derivatives, aino checks them and names the likely mistake.

    from aino.exercises import check, show
    show("sigmoid_backward")                 # the task and the signature
    def sigmoid_backward(z, grad_output):
        ...
    check("sigmoid_backward", sigmoid_backward)

A result says pass or fail; on a failure it shows the smallest failing case (inputs, expected, got, the
entries that differ) and a hint: the known mistake the code reproduces, or the kind of error it shows.
It never shows the reference's code. `aino check NOTEBOOK.ipynb` runs a notebook and lists its results.
"""

from aino.exercises.catalogue import CATALOGUE
from aino.exercises.checker import RESULTS, check, check_exercise, get
from aino.exercises.result import Result


def names():
    """The names of every exercise, in the catalogue's order."""
    return list(CATALOGUE)


def show(name):
    """The exercise's title, lesson, signature and task, as text."""
    exercise = get(name)
    return f"{exercise.title} (lesson {exercise.lesson})\n  write: {exercise.signature}\n  {exercise.task}"


__all__ = ["CATALOGUE", "RESULTS", "Result", "check", "check_exercise", "get", "names", "show"]

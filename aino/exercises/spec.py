"""What an exercise is: a task, random cases, a reference kept out of sight, and the known mistakes.

An Exercise says what the student writes (`signature`, `task`), how to make test cases (`make_cases`,
given a random generator: several shapes, batch 1, broadcasting where it applies, float64), how to run
an implementation on a case (`call`: by default `implementation(*case.args, **case.kwargs)`), and, for a
derivative, how to get the answer by central differences instead (`numerical`), so that a student's code
is checked against two oracles that do not share a line. Each known mistake is the reference with one
well-known slip made on purpose (a mutation), and the hint that names it in the words of the lessons.
"""

import copy
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy


@dataclass(frozen=True)
class Case:
    """One test case: the arguments an implementation is called with, and a label ("batch 1")."""

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A well-known slip: `apply` is the reference with it made (called as the reference is), and
    `hint` names it for the student ("you used f'(a) where f'(z) was meant")."""

    name: str
    hint: str
    apply: Any


def call_function(implementation, case):
    """Run a function exercise: the implementation called with copies of the case's arrays (so code that
    updates an argument in place cannot change the case for the next comparison)."""
    args = [_copied(value) for value in case.args]
    return implementation(*args, **{name: _copied(value) for name, value in case.kwargs.items()})


def _copied(value):
    """Arrays, and dicts, lists and tuples of them, copied; anything else as it is."""
    return copy.deepcopy(value) if isinstance(value, (numpy.ndarray, dict, list, tuple)) else value


@dataclass(frozen=True)
class Exercise:
    """One exercise of the catalogue (see the module docstring). `reference` and the mistakes' `apply`
    are never shown to the student: feedback prints values only."""

    name: str
    title: str
    lesson: str
    signature: str
    task: str
    make_cases: Callable
    reference: Any
    mistakes: tuple = ()
    call: Callable = call_function
    numerical: Callable = None  # case -> the expected output by central differences, or None
    rtol: float = 1e-6
    atol: float = 1e-9

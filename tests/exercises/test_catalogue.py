"""Every exercise of the catalogue, checked the way a teacher needs it to behave.

- the reference passes its own check;
- code that does nothing, or returns noise, fails every exercise;
- every known mistake, applied to the reference, is rejected and named by its own hint;
- generic slips (noise, a scaled output, swapped arguments) are rejected, never passed.
"""

import dataclasses

import numpy as np
import pytest

from aino.exercises import CATALOGUE, check_exercise
from aino.exercises.compare import flatten

EXERCISES = sorted(CATALOGUE)
MISTAKES = [(name, mistake.name) for name in EXERCISES for mistake in CATALOGUE[name].mistakes]


class DoesNothing:
    """A student class that was left empty: it builds, and every method returns None."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def does_nothing(*args, **kwargs):
    return None


def nothing_like(reference):
    return DoesNothing if isinstance(reference, type) else does_nothing


def with_changed_outputs(exercise, change):
    """(the exercise, a student) where the student's outputs are the reference's passed through `change`."""
    student = object()

    def call(implementation, case):
        outputs = flatten(exercise.call(exercise.reference if implementation is student else implementation, case))
        return [change(value) if implementation is student else value for _, value in outputs]

    return dataclasses.replace(exercise, call=call), student


@pytest.mark.parametrize("name", EXERCISES)
def test_the_reference_passes(name):
    result = check_exercise(CATALOGUE[name], CATALOGUE[name].reference)
    assert result.passed, str(result)
    assert result.n_cases >= 3 and result.n_passed == result.n_cases


@pytest.mark.parametrize("name", EXERCISES)
def test_code_that_does_nothing_fails(name):
    exercise = CATALOGUE[name]
    result = check_exercise(exercise, nothing_like(exercise.reference))
    assert not result.passed and result.n_passed == 0, str(result)
    assert result.hint


@pytest.mark.parametrize("name, mistake", MISTAKES)
def test_every_known_mistake_is_rejected_and_named(name, mistake):
    exercise = CATALOGUE[name]
    wrong = next(m for m in exercise.mistakes if m.name == mistake)
    result = check_exercise(exercise, wrong.apply)
    assert not result.passed, f"{name}: the mistake {mistake!r} passed"
    assert result.mistake == mistake and result.hint == wrong.hint, str(result)


def test_every_exercise_lists_known_mistakes():
    assert all(CATALOGUE[name].mistakes for name in EXERCISES)


def arrays_only(change):
    return lambda value: change(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("change", [
    arrays_only(lambda value: value + np.random.default_rng(1).normal(scale=1e-3, size=value.shape)),
    arrays_only(lambda value: value * 1.01),
    arrays_only(lambda value: -value),
    arrays_only(lambda value: np.random.default_rng(2).normal(size=value.shape)),
], ids=["noise", "scaled by 1.01", "sign flipped", "random"])
@pytest.mark.parametrize("name", EXERCISES)
def test_a_perturbed_output_never_passes(name, change):
    exercise, student = with_changed_outputs(CATALOGUE[name], change)
    result = check_exercise(exercise, student)
    assert not result.passed, f"{name}: a perturbed output passed"
    assert result.n_passed < result.n_cases


def _swappable(exercise):
    """Whether the exercise is a function whose first two arguments have one shape in every case."""
    if isinstance(exercise.reference, type):
        return False
    cases = exercise.make_cases(np.random.default_rng(0))
    return all(len(c.args) >= 2 and isinstance(c.args[0], np.ndarray) and isinstance(c.args[1], np.ndarray)
               and c.args[0].shape == c.args[1].shape for c in cases)


SWAPPABLE = [name for name in EXERCISES if _swappable(CATALOGUE[name])]


@pytest.mark.parametrize("name", SWAPPABLE)
def test_swapped_arguments_never_pass_where_they_change_the_answer(name):
    exercise = CATALOGUE[name]
    cases = exercise.make_cases(np.random.default_rng(0))

    def swapped(first, second, *rest, **kwargs):
        return exercise.reference(second, first, *rest, **kwargs)

    def same(first, second):
        return [np.shape(v) for _, v in first] == [np.shape(v) for _, v in second] and all(
            np.allclose(a, b) for (_, a), (_, b) in zip(first, second))

    changes = any(not same(flatten(exercise.call(swapped, c)), flatten(exercise.call(exercise.reference, c)))
                  for c in cases)
    if changes:
        assert not check_exercise(exercise, swapped).passed
    else:  # a symmetric function (a * b): swapped arguments are right, and must pass
        assert check_exercise(exercise, swapped).passed

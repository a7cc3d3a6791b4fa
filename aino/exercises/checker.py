"""check(name, student): run an exercise's cases on the student's code and say what is wrong.

For every case the student's output is compared with the reference's and, for a derivative, with
central differences (two oracles that share no code). On the first failing case (the smallest one, so
that the worked case is short) the checker looks for a known mistake whose output the student's code
reproduces, and names it; otherwise it says what kind of error it sees (aino/exercises/compare.py).
"""

import numpy

from aino.exercises import compare
from aino.exercises.catalogue import CATALOGUE
from aino.exercises.result import Failure, Result, differing_entries

RESULTS = []  # every Result of this process, in order (`aino check NOTEBOOK` reads them)


def get(name):
    """The Exercise called `name`."""
    if not isinstance(name, str):
        raise TypeError(f"exercises: expected an exercise name such as 'sigmoid_backward', got {type(name).__name__}")
    if name not in CATALOGUE:
        raise ValueError(f"exercises: no exercise {name!r}; the catalogue has {sorted(CATALOGUE)}")
    return CATALOGUE[name]


def check(name, student, seed=0):
    """Check `student` (the function or class the exercise asks for) on every case; returns a Result."""
    result = check_exercise(get(name), student, seed)
    RESULTS.append(result)
    return result


def check_exercise(exercise, student, seed=0):
    """As `check`, for an Exercise object (the tests use it on modified exercises)."""
    cases = exercise.make_cases(numpy.random.default_rng(seed))
    failures = []
    for case in cases:
        failure = _run_case(exercise, student, case)
        if failure is not None:
            failures.append((case, failure))
    if not failures:
        return Result(exercise.name, exercise.title, True, len(cases), len(cases))
    case, (failure, got) = min(failures, key=lambda item: _size(item[0]))
    mistake = _matching_mistake(exercise, case, got)
    hint = mistake.hint if mistake else (_kind_of_error(failure, case) or _generic_hint(failure))
    return Result(exercise.name, exercise.title, False, len(cases), len(cases) - len(failures), failure, hint,
                  mistake.name if mistake else None)


def _run_case(exercise, student, case):
    """None when the student's code is right on `case`, else (Failure, its flattened output or None)."""
    inputs = list(zip(_parameter_names(exercise, len(case.args)), case.args)) + list(case.kwargs.items())
    expected = compare.flatten(exercise.call(exercise.reference, case))
    try:
        got = compare.flatten(exercise.call(student, case))
    except Exception as error:  # the student's code: any error is feedback, not a crash of the checker
        return Failure(case.label, inputs, f"your code raised {type(error).__name__}: {error}"), None
    difference = compare.first_difference(got, expected, exercise.rtol, exercise.atol)
    if difference is None and exercise.numerical is not None:
        numeric = compare.flatten(exercise.numerical(case))
        difference = compare.first_difference(got, numeric, **compare.NUMERIC_TOLERANCE)
        if difference is not None:
            difference = (*difference[:3], difference[3] + " (against central differences)")
    if difference is None:
        return None
    name, mine, theirs, why = difference
    differ = (differing_entries(mine, theirs, exercise.rtol, exercise.atol)
              if isinstance(mine, numpy.ndarray) and isinstance(theirs, numpy.ndarray) and mine.shape == theirs.shape
              else "")
    return Failure(case.label, inputs, f"{name} {why}", mine, theirs, differ), got


def _matching_mistake(exercise, case, got):
    """The first known mistake whose output on `case` the student's output reproduces (and that differs
    there from the reference, so the match means something), or None."""
    if got is None:
        return None
    expected = compare.flatten(exercise.call(exercise.reference, case))
    for mistake in exercise.mistakes:
        try:
            theirs = compare.flatten(exercise.call(mistake.apply, case))
        except Exception:  # a mutation that cannot run on this case names nothing here
            continue
        if (compare.agrees(got, theirs, exercise.rtol, exercise.atol)
                and not compare.agrees(theirs, expected, exercise.rtol, exercise.atol)):
            return mistake
    return None


def _kind_of_error(failure, case):
    batch = next((numpy.shape(a)[0] for a in case.args if numpy.ndim(a) >= 1 and not callable(a)), None)
    return compare.kind_of_error(failure.got, failure.expected, case.args, batch)


def _generic_hint(failure):
    if failure.got is None and failure.expected is not None:
        return "Your code returns nothing: end it with `return` and the result."
    if failure.what.startswith("your code raised NotImplementedError"):
        return "Not written yet: replace `raise NotImplementedError()` with your code."
    if failure.what.startswith("your code raised"):
        return "Run it on the case above by hand: the error message says which line fails."
    return "Work the small case above by hand, one step at a time, and compare each step with your code."


def _parameter_names(exercise, n):
    """The names in the exercise's signature ("f(z, grad_output)" gives z, grad_output), for n arguments."""
    inside = exercise.signature.partition("(")[2].rpartition(")")[0]
    names = [part.split("=")[0].strip().lstrip("*") for part in inside.split(",") if part.strip()]
    return (names + [f"argument {i + 1}" for i in range(len(names), n)])[:n]


def _size(case):
    values = list(case.args) + list(case.kwargs.values())
    return sum(numpy.size(a) for a in values if isinstance(a, (numpy.ndarray, int, float)))

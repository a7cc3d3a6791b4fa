"""The positional_encoding exercise (aino/exercises/catalogue/sequences.py), checked as test_catalogue.py
checks every exercise, and against the formula written out a second time: the reference (aino's sinusoid
table) passes, each known mistake is rejected and named, a float32 table passes, a wrong shape fails."""

import numpy as np
import pytest

from aino.exercises import CATALOGUE, check, check_exercise, show
from aino.exercises.catalogue.sequences import encoding_cases, positional_encoding

EXERCISE = CATALOGUE["positional_encoding"]
MISTAKES = [mistake.name for mistake in EXERCISE.mistakes]


def by_loops(n_positions, d):
    """The table entry by entry, straight from PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...)."""
    table = np.zeros((n_positions, d))
    for pos in range(n_positions):
        for column in range(d):
            angle = pos / 10000 ** ((column - column % 2) / d)
            table[pos, column] = np.sin(angle) if column % 2 == 0 else np.cos(angle)
    return table


def test_the_exercise_is_in_the_catalogue_and_shows_its_task():
    assert EXERCISE.lesson == "08 Attention"
    assert "positional_encoding(n_positions, d)" in show("positional_encoding")


@pytest.mark.parametrize("seed", [0, 7])
def test_the_reference_passes(seed):
    result = check_exercise(EXERCISE, EXERCISE.reference, seed)
    assert result.passed, str(result)
    assert result.n_cases >= 5 and result.n_passed == result.n_cases


def test_the_cases_have_odd_and_even_sizes_and_the_seed_draws_one():
    sizes = [case.args for case in encoding_cases(np.random.default_rng(0))]
    assert any(d % 2 for _, d in sizes) and any(d % 2 == 0 and d > 2 for _, d in sizes) and (4, 1) in sizes
    assert sizes != [case.args for case in encoding_cases(np.random.default_rng(7))]


@pytest.mark.parametrize("seed", [0, 7])
def test_the_reference_and_the_formula_agree_with_a_loop_over_entries(seed):
    for case in encoding_cases(np.random.default_rng(seed)):
        expected = by_loops(*case.args)
        np.testing.assert_allclose(EXERCISE.reference(*case.args), expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(positional_encoding(*case.args), expected, rtol=1e-12, atol=1e-12)


def test_the_first_row_is_0_1_0_1():
    np.testing.assert_array_equal(EXERCISE.reference(3, 5)[0], [0, 1, 0, 1, 0])


@pytest.mark.parametrize("name", MISTAKES)
def test_every_known_mistake_is_rejected_and_named(name):
    wrong = next(m for m in EXERCISE.mistakes if m.name == name)
    for seed in (0, 7):
        result = check_exercise(EXERCISE, wrong.apply, seed)
        assert not result.passed, f"the mistake {name!r} passed"
        assert result.mistake == name and result.hint == wrong.hint, str(result)


def test_the_mistakes_are_the_ones_the_lesson_names():
    assert set(MISTAKES) == {"sin and cos swapped", "exponent i/d", "cosine with its own index",
                             "positions counted from 1", "base 1000"}


def test_a_student_solution_passes_and_so_does_float32():
    def student(n_positions, d):
        pos = np.arange(n_positions)[:, None]
        pairs = np.arange(0, d, 2)
        table = np.zeros((n_positions, d))
        table[:, 0::2] = np.sin(pos / 10000 ** (pairs / d))
        table[:, 1::2] = np.cos(pos / 10000 ** (pairs[: d // 2] / d))
        return table

    assert check("positional_encoding", student)
    assert check("positional_encoding", student, seed=7)
    assert check("positional_encoding", lambda n, d: student(n, d).astype(np.float32))


def test_wrong_shapes_and_nothing_fail_with_a_hint():
    transposed = check_exercise(EXERCISE, lambda n, d: EXERCISE.reference(n, d).T)
    assert not transposed.passed and "transposed" in transposed.hint
    even_only = check_exercise(EXERCISE, lambda n, d: EXERCISE.reference(n, d + d % 2))
    assert not even_only.passed and even_only.hint
    nothing = check_exercise(EXERCISE, lambda n, d: None)
    assert not nothing.passed and nothing.n_passed == 0 and "return" in nothing.hint

"""The validation_loop exercise (lesson 05): the reference passes, each known slip is named, and the
check watches what a validation loop leaves behind (the model's mode, gradients, a graph) without
changing the cases or aino's random generator."""

import numpy as np
import pytest

import aino
from aino import Tensor
from aino.exercises import CATALOGUE, check, check_exercise
from aino.tensor import get_rng

EXERCISE = CATALOGUE["validation_loop"]


def students_validate(model, X, y, loss_fn, batch_size):
    """A student's right answer, written differently from the reference (a sum of per-batch sums)."""
    model.eval()
    total = 0.0
    with aino.no_grad():
        for rows in np.array_split(np.arange(len(X)), range(batch_size, len(X), batch_size)):
            loss = loss_fn(model(Tensor(X[rows])), Tensor(y[rows]))
            total = total + loss * len(rows)
    model.train()
    return total / len(X)


def without_eval_or_no_grad(model, X, y, loss_fn, batch_size):
    """Two slips at once: still in training mode, and a graph built."""
    total = 0.0
    for start in range(0, len(X), batch_size):
        total += float(loss_fn(model(Tensor(X[start:start + batch_size])), Tensor(y[start:start + batch_size])).data
                       ) * len(X[start:start + batch_size])
    return total / len(X)


@pytest.mark.parametrize("seed", [0, 7, 123])
def test_the_reference_passes_on_every_seed(seed):
    result = check_exercise(EXERCISE, EXERCISE.reference, seed=seed)
    assert result.passed and result.n_cases == 3, str(result)


def test_a_right_answer_written_differently_passes():
    assert check("validation_loop", students_validate), str(check("validation_loop", students_validate))


@pytest.mark.parametrize("mistake", [m.name for m in EXERCISE.mistakes])
def test_each_known_mistake_is_rejected_and_named(mistake):
    wrong = next(m for m in EXERCISE.mistakes if m.name == mistake)
    for seed in (0, 7):
        result = check_exercise(EXERCISE, wrong.apply, seed=seed)
        assert not result.passed
        assert result.mistake == mistake and result.hint == wrong.hint, str(result)


def test_the_mistakes_cover_the_slips_the_lesson_names():
    assert {m.name for m in EXERCISE.mistakes} == {
        "eval() forgotten", "backward in validation", "no_grad forgotten", "batch losses not weighted",
        "train mode not restored"}


def test_forgetting_eval_shows_only_where_a_layer_behaves_differently_in_training():
    result = check_exercise(EXERCISE, EXERCISE.mistakes[0].apply)
    assert result.n_passed == 1  # the plain Linear model: eval() changes nothing there
    assert "Dropout" in result.failure.case


def test_two_slips_at_once_fail_and_the_smallest_case_names_one():
    result = check_exercise(EXERCISE, without_eval_or_no_grad)
    assert not result.passed and result.n_passed == 0
    assert result.mistake == "no_grad forgotten"  # on the plain Linear model the graph is the only slip seen


def test_code_that_does_nothing_fails_every_case():
    result = check_exercise(EXERCISE, lambda model, X, y, loss_fn, batch_size: None)
    assert not result.passed and result.n_passed == 0 and result.hint


def test_the_check_leaves_the_cases_and_aino_random_generator_as_they_were():
    cases = EXERCISE.make_cases(np.random.default_rng(0))
    state = get_rng().bit_generator.state
    for case in cases:
        EXERCISE.call(EXERCISE.mistakes[1].apply, case)  # backward: would leave gradients in a shared model
        model = case.args[0]
        assert all(module.training for module in model.modules())
        assert all(p.grad is None for p in model.parameters())
    assert get_rng().bit_generator.state == state


def test_the_dropout_masks_are_the_same_on_every_run():
    case = EXERCISE.make_cases(np.random.default_rng(0))[1]
    no_eval = EXERCISE.mistakes[0].apply
    first, second = EXERCISE.call(no_eval, case), EXERCISE.call(no_eval, case)
    assert first["loss"] == second["loss"] != EXERCISE.call(EXERCISE.reference, case)["loss"]

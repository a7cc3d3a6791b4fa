"""What a student sees from check(): the verdict, the smallest failing case worked, and a hint."""

import numpy as np
import pytest

from aino.exercises import RESULTS, check, get, names, show


def sigmoid_times_grad(z, grad_output):
    return grad_output / (1 + np.exp(-z))  # sigmoid itself, not its derivative


def test_a_failure_shows_the_smallest_case_expected_got_and_the_named_mistake():
    result = check("sigmoid_backward", sigmoid_times_grad)
    text = str(result)
    assert not result and result.mistake == "sigmoid instead of its derivative"
    assert "failing case: values close to 0" in text  # the smallest of the cases
    assert "z = [[-0.3" in text and "expected:" in text and "got:" in text and "4 of 4 entries differ" in text
    assert "hint: You multiplied by sigmoid(z) itself" in text
    assert result is RESULTS[-1]


def test_an_unknown_mistake_gets_the_kind_of_error():
    result = check("tanh_backward", lambda z, g: 2 * g * (1 - np.tanh(z) ** 2))
    assert result.mistake is None and "off by a constant factor: every entry is 2 times" in result.hint


def test_an_error_in_the_students_code_is_feedback_not_a_crash():
    def broken(z, grad_output):
        raise ZeroDivisionError("division by zero")

    result = check("relu_backward", broken)
    assert not result and "your code raised ZeroDivisionError: division by zero" in str(result)


def test_a_pass_renders_in_text_and_html():
    result = check("relu_backward", lambda z, g: g * (z > 0))
    assert result and str(result).startswith("\u2713") and "all 4 cases right" in str(result)
    assert "#1b7a3d" in result._repr_html_()


def test_the_failure_block_in_html_escapes_and_keeps_the_lines():
    html = check("relu_backward", lambda z, g: None)._repr_html_()
    assert "#b3261e" in html and "<pre" in html and "missing `return`" in html


def test_feedback_never_shows_the_reference_code():
    text = str(check("softmax_backward", lambda z, g: g))
    assert "SOFTMAX" not in text and "backprop" not in text and "def " not in text


def test_the_catalogue_can_be_listed_and_read():
    assert "softmax_backward" in names()
    assert "write: softmax_backward(z, grad_output)" in show("softmax_backward")


@pytest.mark.parametrize("name, error", [("no_such_exercise", ValueError), (3, TypeError)])
def test_an_unknown_exercise_is_refused_by_name(name, error):
    with pytest.raises(error, match="exercise"):
        get(name)

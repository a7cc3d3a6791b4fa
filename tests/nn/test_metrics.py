"""Accuracy, as documents 003 and 004 use it: class indices or one-hot targets, logits or probabilities,
one output column with 0/1 targets; always a Python float in [0, 1]."""

import numpy as np
import pytest

from aino.nn.metrics import Accuracy, accuracy
from aino.tensor import Tensor

LOGITS = np.array([[2.0, 0.1, -1.0], [0.0, 3.0, 1.0], [0.5, 0.2, 4.0], [1.0, 2.0, 0.0], [-1.0, -2.0, -0.5]])
LABELS = np.array([0, 1, 1, 1, 2])  # rows 0, 1, 3, 4 are right: 4 of 5
EXPECTED = 0.8


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("predictions", [LOGITS, _softmax(LOGITS)], ids=["logits", "probabilities"])
@pytest.mark.parametrize("targets", [LABELS, np.eye(3)[LABELS], LABELS.reshape(-1, 1)], ids=["indices", "one-hot", "index-column"])
def test_accuracy_counts_the_argmax_matches_for_every_target_form(device, predictions, targets):
    result = accuracy(Tensor(predictions, device=device), Tensor(targets, device=device))

    assert type(result) is float
    assert result == pytest.approx(EXPECTED)


def test_accuracy_object_of_document_004_gives_the_same_number_and_takes_plain_arrays():
    metric = Accuracy()

    assert metric(LOGITS, LABELS) == accuracy(LOGITS, LABELS) == pytest.approx(EXPECTED)
    assert metric(LOGITS.tolist(), np.eye(3)[LABELS].tolist()) == pytest.approx(EXPECTED)


def test_accuracy_over_any_leading_shape_compares_every_position(device):
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((4, 6, 5)), rng.integers(0, 5, (4, 6))

    expected = np.mean(logits.argmax(-1) == labels)
    assert accuracy(Tensor(logits, device=device), Tensor(labels, device=device)) == pytest.approx(expected)


def test_document_003_single_column_of_probabilities_is_thresholded_at_one_half(device):
    predictions = Tensor(np.array([[0.2], [0.7], [0.51], [0.6]], dtype=np.float32), device=device)
    y_train = np.array([[0], [1], [1], [0]], dtype=np.float32)

    acc = accuracy(predictions, y_train)

    assert acc == pytest.approx(0.75)
    assert f"{acc:.4f}" == "0.7500"


@pytest.mark.parametrize("shape", [(6,), (6, 1)])
@pytest.mark.parametrize("target_shape", [(6,), (6, 1)])
def test_binary_predictions_and_targets_as_vectors_or_columns(shape, target_shape, device):
    probabilities = Tensor(np.array([0.9, 0.1, 0.4, 0.6, 0.8, 0.3]).reshape(shape), device=device)
    targets = Tensor(np.array([1, 0, 1, 1, 0, 0]).reshape(target_shape), device=device)  # rows 2 and 4 are wrong

    assert accuracy(probabilities, targets) == pytest.approx(4 / 6)


def test_a_single_column_of_logits_is_thresholded_at_zero(device):
    logits = Tensor(np.array([[3.0], [-2.0], [0.4], [-0.1]]), device=device)

    assert accuracy(logits, Tensor(np.array([1, 0, 0, 0]), device=device)) == pytest.approx(0.75)


def test_accuracy_is_between_zero_and_one(device):
    logits = Tensor(LOGITS, device=device)
    assert accuracy(logits, Tensor(LOGITS.argmax(axis=1), device=device)) == 1.0
    assert accuracy(logits, Tensor((LOGITS.argmax(axis=1) + 1) % 3, device=device)) == 0.0


@pytest.mark.parametrize("predictions, targets, words", [
    (LOGITS, LABELS[:4], ["(5, 3)", "(5,)", "(4,)"]),
    (LOGITS, np.eye(4)[[0, 1, 2, 3, 0]], ["(5, 3)", "(5, 4)"]),
    (np.array([[0.2], [0.9]]), np.array([0, 2]), ["0/1", "2"]),
    (np.array([[0.2], [0.9]]), np.array([0, 1, 1]), ["(2, 1)", "(3,)"]),
    (np.zeros((0, 3)), np.zeros(0), ["(0, 3)"]),
])
def test_mismatched_inputs_raise_a_value_error_with_the_shapes(predictions, targets, words):
    with pytest.raises(ValueError, match="accuracy") as error:
        accuracy(predictions, targets)
    for word in words:
        assert word in str(error.value)

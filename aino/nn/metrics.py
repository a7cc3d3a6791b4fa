"""Metrics: how often a classifier is right. Plain numbers for printing, no gradients.

    acc = accuracy(predictions, targets)        # a Python float in [0, 1]
    accuracy_metric = Accuracy(); acc = accuracy_metric(predictions, targets)

Predictions with several classes on the last axis, (N, C) or (..., C), logits or probabilities, are
read by their argmax. A single column, (N, 1) or (N,), holds the probability of class 1: it predicts 1
above 0.5 (logits, recognised by values outside [0, 1], predict 1 above 0, which is the same thing
after a sigmoid). Targets are class indices (N,) (also as a column (N, 1)) or one-hot rows (N, C);
for a single column they are the 0/1 labels.
"""

import numpy

from aino.backend import array_module, device_of, move_array
from aino.nn.checks import as_numbers


def accuracy(predictions, targets):
    """The fraction of predictions that match their targets: (number right) / N, a float in [0, 1]."""
    predictions, targets = as_numbers(predictions, "predictions", "accuracy"), as_numbers(targets, "targets", "accuracy")
    targets = move_array(targets, device_of(predictions))
    xp = array_module(predictions)
    if predictions.ndim == 0 or predictions.size == 0:
        raise ValueError(f"accuracy: expected predictions of shape (N, C), (N, 1) or (N,), got shape {predictions.shape}")
    if predictions.ndim >= 2 and predictions.shape[-1] > 1:
        predicted, truth = predictions.argmax(axis=-1), _class_indices(targets, predictions.shape)
    else:
        predicted, truth = _binary(xp, predictions, targets)
    return float((predicted == truth).mean())


class Accuracy:
    """Document 004's metric object: Accuracy()(predictions, targets) is accuracy(predictions, targets)."""

    def __call__(self, predictions, targets):
        return accuracy(predictions, targets)

    def __repr__(self):
        return "Accuracy()"


def _class_indices(targets, shape):
    """Targets for predictions of `shape` (..., C) as class indices of shape (...)."""
    leading = shape[:-1]
    if targets.shape == shape:  # one-hot rows
        return targets.argmax(axis=-1)
    if targets.shape == leading + (1,):  # a column of class indices
        targets = targets.reshape(leading)
    if targets.shape != leading:
        raise ValueError(
            f"accuracy: for predictions of shape {shape}, expected targets of shape {leading} (class indices) "
            f"or {shape} (one-hot rows), got shape {targets.shape}"
        )
    xp = array_module(targets)
    if targets.size and not bool(xp.all((targets == xp.round(targets)) & (targets >= 0) & (targets < shape[-1]))):
        raise ValueError(f"accuracy: expected class indices in [0, {shape[-1]}) (whole numbers), got values {_some(targets)}")
    return targets


def _binary(xp, predictions, targets):
    """(predicted 0/1, target 0/1) for a single column of probabilities (or logits)."""
    if targets.size != predictions.size or targets.ndim > 2 or (targets.ndim == 2 and targets.shape[1] != 1):
        raise ValueError(
            f"accuracy: for predictions of shape {predictions.shape}, expected 0/1 targets of shape "
            f"{predictions.shape} or ({predictions.shape[0]},), got shape {targets.shape}"
        )
    targets = targets.reshape(-1)
    if not bool(xp.all((targets == 0) | (targets == 1))):
        raise ValueError(f"accuracy: a single column of predictions needs 0/1 targets, got values {_some(targets)}")
    probabilities = bool(xp.all((predictions >= 0) & (predictions <= 1)))
    threshold = 0.5 if probabilities else 0.0  # logits: sigmoid(x) > 0.5 exactly when x > 0
    return predictions.reshape(-1) > threshold, targets == 1


def _some(array):
    """A few distinct values of an array, for an error message."""
    values = numpy.unique(move_array(array, "cpu"))
    return values[:5].tolist()

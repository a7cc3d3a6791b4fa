"""Targets and scores: one-hot encoding of labels, accuracy and R^2."""

import numpy

from aino.validation import check_finite

OWNER = "NeuralNetwork"


def target_matrix(y, n_outputs):
    """y as a float matrix (samples, n_outputs), and whether it came as 1-D integer class labels.

    Labels 0..k-1 are one-hot encoded for a network with k > 1 outputs; for one output they
    become a column of 0s and 1s.
    """
    y = numpy.asarray(y)
    if y.dtype.kind not in "biuf":  # text, objects, complex numbers
        raise ValueError(f"{OWNER}: y must be numeric (real numbers), got an array of {y.dtype}")
    labelled = y.ndim == 1 and (numpy.issubdtype(y.dtype, numpy.integer) or y.dtype == bool)
    y = y.astype(numpy.float64)
    check_finite(y, "y", OWNER)
    if y.ndim == 1 and n_outputs > 1:
        return one_hot(y, n_outputs), labelled
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != n_outputs:
        raise ValueError(f"{OWNER}: expected y with {n_outputs} output columns, got shape {y.shape}")
    return y, labelled


def one_hot(labels, n_classes):
    """Rows of zeros with a 1 in the column of each label: shape (samples, n_classes)."""
    if not numpy.all(labels == numpy.round(labels)) or labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"{OWNER}: 1-D y must hold class labels 0..{n_classes - 1} for {n_classes} outputs, "
            f"got values from {labels.min()} to {labels.max()}"
        )
    encoded = numpy.zeros((len(labels), n_classes))
    encoded[numpy.arange(len(labels)), labels.astype(int)] = 1.0
    return encoded


def classes_from_outputs(outputs):
    """The predicted class of each row: argmax of several outputs, or output >= 0.5 for one."""
    if outputs.shape[1] == 1:
        return (outputs[:, 0] >= 0.5).astype(int)
    return outputs.argmax(axis=1)


def accuracy(outputs, Y):
    """The fraction of samples whose predicted class equals the target class."""
    return float(numpy.mean(classes_from_outputs(outputs) == classes_from_outputs(Y)))


def r2_score(outputs, Y):
    """R^2 = 1 - sum((y - a)**2) / sum((y - mean(y))**2), averaged over the output columns."""
    residual = ((Y - outputs) ** 2).sum(axis=0)
    spread = ((Y - Y.mean(axis=0)) ** 2).sum(axis=0)
    scores = numpy.where(spread > 0, 1 - residual / numpy.where(spread > 0, spread, 1), 0.0)
    return float(scores.mean())

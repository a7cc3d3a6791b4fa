"""Loss functions of the classic path, each with its derivative written by hand.

`value(a, y)` is the mean loss of outputs `a` against targets `y` (both shaped (samples, outputs));
`gradient(a, y)` is dL/da, the first factor of the chain rule that backprop carries to the inputs.
`check_targets(y, owner)` refuses targets outside the loss's domain (a BCE target of 2 would make the
loss negative and training chase it), as scikit-learn and PyTorch refuse them.
"""

import numpy

EPSILON = 1e-12  # keeps log() and divisions finite when an output reaches exactly 0 or 1
ROW_SUM_TOLERANCE = 1e-6  # a row of probabilities may sum to 1 give or take rounding


class MeanSquaredError:
    """L = mean((a - y)**2) over every output of every sample; dL/da = 2 * (a - y) / a.size."""

    name = "mse"

    def value(self, a, y):
        return float(numpy.mean((a - y) ** 2))

    def gradient(self, a, y):
        return 2 * (a - y) / a.size

    def check_targets(self, y, owner):
        """Any finite real number is a target (the network checked for NaN and inf)."""


class BinaryCrossEntropy:
    """L = -mean(y * log(a) + (1 - y) * log(1 - a)); dL/da = (a - y) / (a * (1 - a)) / a.size.

    Outputs must lie in (0, 1), so it pairs with a sigmoid (or softmax) output layer.
    """

    name = "bce"

    def value(self, a, y):
        a = numpy.clip(a, EPSILON, 1 - EPSILON)
        return float(-numpy.mean(y * numpy.log(a) + (1 - y) * numpy.log(1 - a)))

    def gradient(self, a, y):
        a = numpy.clip(a, EPSILON, 1 - EPSILON)
        return (a - y) / (a * (1 - a)) / a.size

    def check_targets(self, y, owner):
        """Each target is a probability: 0, 1, or in between."""
        if y.min() < 0 or y.max() > 1:
            raise ValueError(f"{owner}: loss 'bce' needs targets between 0 and 1 (labels 0/1 or probabilities), "
                             f"got values from {y.min():g} to {y.max():g}")


class CrossEntropy:
    """L = -mean over samples of sum_k y_k * log(a_k); dL/da = -y / a / samples.

    `a` are probabilities from a softmax output layer, `y` one-hot rows. Through the softmax the
    chain rule simplifies to the well-known dL/dz = (a - y) / samples.
    """

    name = "cross_entropy"

    def value(self, a, y):
        return float(-numpy.sum(y * numpy.log(numpy.maximum(a, EPSILON))) / len(a))

    def gradient(self, a, y):
        return -y / numpy.maximum(a, EPSILON) / len(a)

    def check_targets(self, y, owner):
        """Each row is a distribution over the classes: one-hot (what class labels become) or probabilities."""
        sums = y.sum(axis=1)
        bad = numpy.flatnonzero((y < 0).any(axis=1) | (y > 1).any(axis=1) | (numpy.abs(sums - 1) > ROW_SUM_TOLERANCE))
        if bad.size:
            raise ValueError(f"{owner}: loss 'cross_entropy' needs class labels 0..{y.shape[1] - 1}, or rows of "
                             f"probabilities (each between 0 and 1, summing to 1); row {bad[0]} holds values from "
                             f"{y[bad[0]].min():g} to {y[bad[0]].max():g} summing to {sums[bad[0]]:g}")


LOSSES = {cls.name: cls for cls in (MeanSquaredError, BinaryCrossEntropy, CrossEntropy)}
ALIASES = {"mean_squared_error": "mse", "binary_cross_entropy": "bce", "crossentropy": "cross_entropy",
           "categorical_cross_entropy": "cross_entropy", "ce": "cross_entropy"}


def get_loss(name):
    """The classic loss called `name`: "mse", "bce" or "cross_entropy"."""
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name such as 'mse', got {type(name).__name__}")
    key = ALIASES.get(name.lower(), name.lower())
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[key]()

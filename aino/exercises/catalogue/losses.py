"""Exercises: the losses and their gradients, the first factor of every backward pass.

Each asks for a loss of (prediction, target) returning `(value, gradient)`: the mean loss and the gradient
with respect to the prediction (probabilities for BCE, logits for cross-entropy).
The references use aino/classic/losses.py (MSE, BCE) and aino's softmax (cross-entropy from logits). The
second oracle starts from the loss's definition, written here on its own: its value, and central
differences of it for the gradient, so that a gradient is checked against the very number it differentiates.
"""

import functools

import numpy

from aino import activations
from aino.classic import losses
from aino.exercises.spec import Case, Exercise, Mistake
from aino.gradcheck import numerical_gradient

LESSON = "04 Losses and gradient descent"
MSE, BCE, SOFTMAX = losses.MeanSquaredError(), losses.BinaryCrossEntropy(), activations.Softmax()


def by_definition(loss):
    """The second oracle for `loss(prediction, target, *rest)` (a number): (its value, central differences)."""
    def numerical(case):
        prediction, *rest = case.args
        return loss(prediction, *rest), numerical_gradient(lambda p: loss(p, *rest), prediction)
    return numerical


# ---- mean squared error ---------------------------------------------------------------------------

def mse_cases(rng):
    """Predictions and targets: a batch, batch 1, one output per sample, and a number as every target (the
    gradient keeps the prediction's shape)."""
    shapes = [("a batch of 4 samples, 3 outputs", (4, 3)), ("batch 1, one output", (1, 1)),
              ("5 samples, one output each", (5, 1))]
    cases = [Case(label, (rng.normal(size=shape), rng.normal(size=shape))) for label, shape in shapes]
    return cases + [Case("a number as the target of every entry (it broadcasts)", (rng.normal(size=(3, 2)), 0.5))]


def mse(prediction, target):
    """(value, gradient) by aino's classic MSE loss."""
    return MSE.value(prediction, target), MSE.gradient(prediction, target)


def mse_definition(prediction, target):
    """The MSE by its definition: the mean of the squared differences."""
    return float(numpy.mean((prediction - target) ** 2))


# ---- binary cross-entropy -------------------------------------------------------------------------

def bce_cases(rng):
    """Probabilities in (0.05, 0.95) against 0/1 labels (both in every case), and soft targets."""
    shapes = [("4 samples, one output", (4, 1)), ("batch 1, 3 outputs", (1, 3)), ("5 samples, 2 outputs", (5, 2))]
    cases = []
    for label, shape in shapes:
        labels = (rng.random(shape) < 0.5).astype(numpy.float64)
        labels.flat[:2] = 1.0, 0.0
        cases.append(Case(label, (rng.uniform(0.05, 0.95, size=shape), labels)))
    soft = ("soft targets (probabilities, not labels)", (rng.uniform(0.05, 0.95, size=(3, 2)), rng.random((3, 2))))
    return cases + [Case(*soft)]


def bce(probability, target):
    """(value, gradient) by aino's classic BCE loss."""
    return BCE.value(probability, target), BCE.gradient(probability, target)


def bce_definition(probability, target):
    """BCE by its definition (no clipping: the cases keep p inside (0, 1))."""
    return float(-numpy.mean(target * numpy.log(probability) + (1 - target) * numpy.log(1 - probability)))


# ---- cross-entropy from logits --------------------------------------------------------------------

def cross_entropy_cases(rng):
    """Logits and integer labels: a batch, batch 1, two classes, and logits so large that exp overflows."""
    shapes = [("a batch of 4 samples, 3 classes", 4, 3, 0), ("batch 1, 3 classes", 1, 3, 0),
              ("6 samples, 2 classes", 6, 2, 0),
              ("logits near 1000 (exp overflows unless you subtract each row's max)", 3, 4, 1000)]
    return [Case(label, (shift + 2 * rng.normal(size=(n, k)), rng.integers(0, k, size=n)))
            for label, n, k, shift in shapes]


def one_hot(labels, k):
    """Rows of k zeros with a 1 in each label's column."""
    return numpy.eye(k)[labels]


def cross_entropy(logits, labels):
    """(value, gradient) from aino's softmax: -mean log s[label], and (s - one_hot) / samples."""
    s = SOFTMAX.f(logits)
    rows = numpy.arange(len(labels))
    return float(-numpy.mean(numpy.log(s[rows, labels]))), (s - one_hot(labels, logits.shape[1])) / len(labels)


def cross_entropy_with(logits, labels, slip):
    """Cross-entropy in NumPy with one known slip."""
    n, k = logits.shape
    s = SOFTMAX.f(logits, axis=0 if slip == "softmax over the batch" else -1)
    mean_over = n * k if slip == "mean over classes too" else n
    gradient = (logits if slip == "softmax forgotten" else s) - one_hot(labels, k)
    return (float(-numpy.log(s[numpy.arange(n), labels]).sum() / mean_over),
            gradient / (1 if slip == "not divided by the batch" else mean_over))


def cross_entropy_definition(logits, labels):
    """-mean over samples of log softmax(logits)[label], with log-sum-exp shifted by each row's max."""
    top = logits.max(axis=1, keepdims=True)
    log_sum = (top + numpy.log(numpy.exp(logits - top).sum(axis=1, keepdims=True)))[:, 0]
    return float(numpy.mean(log_sum - logits[numpy.arange(len(labels)), labels]))


SUM_NOT_MEAN = ("The loss is the mean over every entry, not the sum: divide the value and the gradient by the "
                "number of entries (the array's .size).")

EXERCISES = (
    Exercise(
        "mse", "Mean squared error and its gradient", LESSON, "mse(prediction, target)",
        "Return (L, dL/dprediction) for L = mean((prediction - target)**2), the mean over every entry. The "
        "gradient has the shape of prediction.",
        mse_cases, mse,
        mistakes=(
            Mistake("factor 2 dropped", "The derivative of (p - t)**2 is 2 * (p - t): keep the factor 2.",
                    lambda p, t: (mse(p, t)[0], mse(p, t)[1] / 2)),
            Mistake("sum where mean", SUM_NOT_MEAN,
                    lambda p, t: (mse(p, t)[0] * numpy.size(p), mse(p, t)[1] * numpy.size(p))),
            Mistake("mean over samples", "You divided by the number of samples; the mean runs over every entry "
                    "(samples times outputs), so divide by prediction.size.",
                    lambda p, t: (mse(p, t)[0] * p.shape[-1], mse(p, t)[1] * p.shape[-1])),
            Mistake("sign flipped", "The gradient is 2 * (prediction - target) / N, prediction first: "
                    "(target - prediction) points uphill, the other way.",
                    lambda p, t: (mse(p, t)[0], -mse(p, t)[1])),
        ),
        numerical=by_definition(mse_definition)),
    Exercise(
        "bce", "Binary cross-entropy and its gradient", LESSON, "bce(probability, target)",
        "Return (L, dL/dprobability) for L = -mean(t * log(p) + (1 - t) * log(1 - p)) over every entry, where "
        "p = probability lies in (0, 1) and t = target is a label 0 or 1 (or a probability).",
        bce_cases, bce,
        mistakes=(
            Mistake("minus sign forgotten", "The logs of probabilities are negative: BCE is -mean(...), with the "
                    "minus sign, so that the loss is positive and its gradient points uphill.",
                    lambda p, t: (-bce(p, t)[0], -bce(p, t)[1])),
            Mistake("gradient of the logit", "(p - t) / N is the gradient with respect to the sigmoid's input z; "
                    "with respect to the probability p, divide it by p * (1 - p) as well.",
                    lambda p, t: (bce(p, t)[0], (p - t) / p.size)),
            Mistake("(1 - t) term dropped", "You kept only t * log(p): the entries whose target is 0 count too, "
                    "through (1 - t) * log(1 - p).",
                    lambda p, t: (-numpy.mean(t * numpy.log(p)), -t / p / p.size)),
            Mistake("sum where mean", SUM_NOT_MEAN, lambda p, t: (bce(p, t)[0] * p.size, bce(p, t)[1] * p.size)),
        ),
        numerical=by_definition(bce_definition)),
    Exercise(
        "cross_entropy", "Cross-entropy from logits and its gradient", LESSON, "cross_entropy(logits, labels)",
        "logits has shape (samples, classes), labels holds each sample's class (integers 0..classes-1). Return "
        "(L, dL/dlogits) for L = -mean over samples of log(softmax(logits)[label]), softmax along each row; the "
        "gradient is (softmax(logits) - one_hot(labels)) / samples.",
        cross_entropy_cases, cross_entropy,
        mistakes=(
            Mistake("not divided by the batch", "The loss is a mean over the samples, so its gradient is divided "
                    "by their number too: (softmax - one_hot) / samples.",
                    functools.partial(cross_entropy_with, slip="not divided by the batch")),
            Mistake("softmax forgotten", "You subtracted the one-hot from the logits themselves: apply softmax "
                    "first, the gradient is softmax(logits) - one_hot.",
                    functools.partial(cross_entropy_with, slip="softmax forgotten")),
            Mistake("softmax over the batch", "Your softmax normalised each column (over the samples); each "
                    "sample's classes sum to 1, so normalise along each row (axis=1, keepdims=True).",
                    functools.partial(cross_entropy_with, slip="softmax over the batch")),
            Mistake("mean over classes too", "You averaged over every entry, the classes included: sum over the "
                    "classes, then divide by the number of samples only.",
                    functools.partial(cross_entropy_with, slip="mean over classes too")),
        ),
        numerical=by_definition(cross_entropy_definition)),
)

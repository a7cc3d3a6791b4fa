"""The output activation and the loss it pairs with, as scikit-learn's MLPClassifier and MLPRegressor use them.

The network ends with the output layer's weighted sums z; the estimator turns them into predictions
with the output activation a = out(z), and trains on the loss of a against the targets y (n samples):

    task                  out_activation_   a                          L (the data term)
    regression            identity          z                          1/2 * mean over samples and outputs of (a - y)**2
    binary, multilabel    logistic          1 / (1 + exp(-z))          -1/n * sum of y log(a) + (1 - y) log(1 - a)
    multiclass            softmax           exp(z_k) / sum_j exp(z_j)  -1/n * sum of y log(a)

In all three, dL/dz = (a - y) / n: the prediction less the target, per sample. That is the well-known
simplification when an output activation meets its matching loss (the a(1 - a) of the logistic cancels
the 1 / (a(1 - a)) of its loss), and why the loss takes z, not a: the gradient stays exact where a
rounds to 0 or 1. The logs take a clipped to [eps, 1 - eps] (eps of a's dtype), as scikit-learn's do,
so a loss stays finite.

One quirk kept from scikit-learn: for several regression outputs the reported loss is the mean over the
outputs, while the gradient, (a - y) / n, is that of their sum. (With one output the two agree.)

L2 regularisation adds alpha/2 * (sum of every squared weight, not the biases) / n to the loss, and
alpha * W / n to each weight's gradient: `add_l2_penalty`.

Each loss also speaks the classic path's loss protocol (`name`, `value(z, Y)`, `gradient(z, Y)`,
`check_targets`), so a classic NeuralNetwork can train on it: its output layer then computes z
(activation "identity") and the loss applies out_activation_.
"""

import numpy

from aino.activations import Identity, Sigmoid, Softmax
from aino.backend import array_module
from aino.ops.function import Function


class OutputLoss:
    """An output activation (`out_activation`, `output(z)`) and its loss (`value_of(a, Y)`), with
    dL/dz = (a - Y) / n (`gradient_of(a, Y)`)."""

    name = out_activation = "output"
    activation = Identity()

    def output(self, z):
        """The predictions a = out(z)."""
        return self.activation.f(z)

    def value_of(self, a, Y):
        """The loss of predictions a against targets Y (both (samples, outputs)), a float."""
        return float(self.value_array(a, Y))

    def value_array(self, a, Y):
        """The loss as a 0-d array of a's module (on a's device: reading it is a copy to the host)."""
        raise NotImplementedError

    def gradient_of(self, a, Y):
        """dL/dz = (a - Y) / n, from the predictions a."""
        return (a - Y) / len(Y)

    # the classic path's loss protocol (aino/classic/losses.py), on the output layer's weighted sums z
    def value(self, z, Y):
        return self.value_of(self.output(z), Y)

    def gradient(self, z, Y):
        return self.gradient_of(self.output(z), Y)

    def check_targets(self, Y, owner):
        """The estimator made Y itself (0s and 1s, or checked numbers): nothing left to refuse."""


class SquaredError(OutputLoss):
    """L = 1/2 * mean((a - Y)**2) with a = z."""

    name, out_activation = "squared_error", "identity"

    def value_array(self, a, Y):
        return 0.5 * array_module(a).mean((a - Y) ** 2)


class BinaryLogLoss(OutputLoss):
    """L = -1/n * sum of Y log(a) + (1 - Y) log(1 - a), a = logistic(z), one independent yes/no per output.

    With Y 0 or 1, each term is log(a) where Y = 1 and log(1 - a) where Y = 0: one log per entry."""

    name, out_activation = "binary_log_loss", "logistic"
    activation = Sigmoid()

    def value_array(self, a, Y):
        xp = array_module(a)
        a = xp.clip(a, *_open_unit(a))
        return -xp.log(xp.where(Y > 0.5, a, 1 - a)).sum().astype(numpy.float64) / len(Y)  # / n in float64


class LogLoss(OutputLoss):
    """L = -1/n * sum of Y log(a), a = softmax(z): minus the mean log-probability of each sample's class."""

    name, out_activation = "log_loss", "softmax"
    activation = Softmax()

    def value_array(self, a, Y):
        xp = array_module(a)
        return -(Y * xp.log(xp.clip(a, *_open_unit(a)))).sum().astype(numpy.float64) / len(Y)  # / n in float64


class LossOp(Function):
    """The loss as an op of the fast path's autograd: L of z against the targets Y, as a one-element
    tensor (so that backward starts from it, and aino.trace records it); dL/dz = (a - Y) / n."""

    name = "mlp_loss"

    def __init__(self, loss, Y):
        self.loss, self.Y = loss, Y

    def forward(self, z):
        a = self.loss.output(z)
        self.dz = self.loss.gradient_of(a, self.Y)
        return self.xp.asarray(self.loss.value_array(a, self.Y), dtype=z.dtype)  # stays on z's device

    def backward(self, grad):
        return grad * self.dz


def classification_loss(n_outputs, multilabel):
    """scikit-learn's loss for a classifier: log-loss with a softmax over several classes; binary log-loss,
    logistic outputs, for two classes (one output) or multilabel targets."""
    return BinaryLogLoss() if multilabel or n_outputs == 1 else LogLoss()


def _open_unit(a):
    """(eps, 1 - eps) for a's dtype: the range the logs see."""
    eps = numpy.finfo(a.dtype).eps
    return eps, 1 - eps


def add_l2_penalty(weights, gradients, alpha, n):
    """The L2 term for a batch of n samples: adds alpha * W / n to each weight gradient (in place) and
    returns the term's value alpha/2 * sum ||W||**2 / n, a float64 0-d array on the weights' device (the
    caller reads it with the loss: one copy to the host per step, not one per weight)."""
    if alpha == 0:
        return 0.0
    squares = 0.0
    for W, grad in zip(weights, gradients):
        squares = squares + array_module(W).vdot(W, W).astype(numpy.float64)  # summed in float64
        grad += (alpha / n) * W
    return 0.5 * alpha * squares / n

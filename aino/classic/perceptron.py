"""One artificial neuron: a weighted sum of its inputs, passed through an activation."""

import numpy

from aino.activations import Softmax, get_activation
from aino.validation import as_float_array, as_float_matrix, check_positive_int, check_positive_number, random_generator

RELU_FAMILY = ("relu", "leaky_relu", "elu", "selu", "gelu")


class Perceptron:
    """A neuron computing a = f(z) with z = w . x + b.

    `weights` has shape (n_inputs,), `bias` is a float. After `forward` it remembers its inputs and
    z, which `backward` needs for the chain rule.
    """

    def __init__(self, n_inputs, activation="sigmoid", seed=None, rng=None):
        self.n_inputs = check_positive_int(n_inputs, "n_inputs", "Perceptron")
        self.activation = get_activation(activation)
        if isinstance(self.activation, Softmax):
            raise ValueError(
                "Perceptron: softmax normalises across neurons, so it belongs to a Layer; "
                "give the Layer activation='softmax' instead"
            )
        rng = random_generator(seed, rng, "Perceptron")
        self.weights = initial_weights(rng, self.n_inputs, self.activation.name)
        self.bias = 0.0
        self.grad_weights = numpy.zeros(self.n_inputs)
        self.grad_bias = 0.0
        self.inputs = self.z = self.output = None
        self.one_sample = False

    def forward(self, x):
        """a = f(w . x + b) for one sample (shape (n_inputs,)) or a batch (shape (n, n_inputs))."""
        self.one_sample = numpy.ndim(x) == 1
        self.inputs = as_float_matrix(x, "x", repr(self), self.n_inputs, finite=False)
        self.z = self.inputs @ self.weights + self.bias
        self.output = self.activation.f(self.z)
        return self.output[0] if self.one_sample else self.output

    def backward(self, delta):
        """Given delta = dL/da for each sample, store dL/dw and dL/db and return dL/dx.

        The chain rule, one factor at a time:
            dL/dz = dL/da * f'(z)
            dL/dw = sum over samples of dL/dz * x      (because dz/dw = x)
            dL/db = sum over samples of dL/dz          (because dz/db = 1)
            dL/dx = dL/dz * w                          (because dz/dx = w)
        """
        if self.z is None:
            raise RuntimeError(f"{self!r}: call forward() before backward()")
        delta = as_float_array(delta, "delta", repr(self)).reshape(-1)
        if delta.size not in (1, self.z.size):
            raise ValueError(f"{self!r}: expected delta with one value per sample ({self.z.size}), got {delta.size}")
        delta = numpy.broadcast_to(delta, self.z.shape)
        dz = self.activation.backprop(self.z, delta)
        self.grad_weights = self.inputs.T @ dz
        self.grad_bias = float(dz.sum())
        grad_inputs = numpy.outer(dz, self.weights)
        return grad_inputs[0] if self.one_sample else grad_inputs

    def update_weight(self, n):
        """One step of gradient descent with learning rate n: w <- w - n * dL/dw, b <- b - n * dL/db."""
        n = check_positive_number(n, "learning rate n", repr(self))
        self.weights -= n * self.grad_weights
        self.bias -= n * self.grad_bias

    def __repr__(self):
        return f"Perceptron(n_inputs={self.n_inputs}, activation={self.activation.name!r})"


def initial_weights(rng, n_inputs, activation_name):
    """Uniform random weights whose spread keeps the weighted sum z near unit variance.

    He initialisation (limit sqrt(6 / n_inputs)) for the ReLU family, which zeroes half its inputs;
    LeCun initialisation (limit sqrt(3 / n_inputs)) for the others.
    """
    limit = numpy.sqrt((6.0 if activation_name in RELU_FAMILY else 3.0) / n_inputs)
    return rng.uniform(-limit, limit, size=n_inputs)

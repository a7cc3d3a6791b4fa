"""A layer: a row of perceptrons that all read the same inputs."""

import numpy

from aino.activations import Softmax, get_activation
from aino.classic.perceptron import Perceptron
from aino.validation import as_float_array, as_float_matrix, check_positive_int, random_generator


class Layer:
    """`n_neurons` perceptrons, each with `n_inputs` weights; the output has one column per neuron.

    Softmax normalises across the neurons, so in a softmax layer each perceptron outputs its
    weighted sum z and the layer applies softmax to the row of z's.
    """

    def __init__(self, n_inputs, n_neurons, activation="sigmoid", seed=None, rng=None):
        check_positive_int(n_inputs, "n_inputs", "Layer")
        check_positive_int(n_neurons, "n_neurons", "Layer")
        self.activation = get_activation(activation)
        self.layer_wide = isinstance(self.activation, Softmax)
        neuron_activation = "identity" if self.layer_wide else self.activation
        rng = random_generator(seed, rng, "Layer")
        self.perceptrons = [Perceptron(n_inputs, neuron_activation, rng=rng) for _ in range(n_neurons)]
        self.z = self.output = None

    @property
    def n_inputs(self):
        return self.perceptrons[0].n_inputs

    @property
    def n_neurons(self):
        return len(self.perceptrons)

    def forward(self, x):
        """Each perceptron's output, side by side: shape (samples, n_neurons)."""
        x = as_float_matrix(x, "x", repr(self), self.n_inputs, finite=False)
        outputs = numpy.column_stack([p.forward(x) for p in self.perceptrons])
        if self.layer_wide:
            self.z = outputs
            outputs = self.activation.f(outputs)
        self.output = outputs
        return outputs

    def backward(self, grad_output):
        """Given dL/da (samples, n_neurons), let each perceptron take its column; return dL/dx.

        Every input feeds every perceptron, so the input gradient is the sum of their
        contributions. In a softmax layer dL/da first goes through the softmax Jacobian.
        """
        if self.output is None:
            raise RuntimeError(f"{self!r}: call forward() before backward()")
        grad_output = as_float_array(grad_output, "grad_output", repr(self))
        if grad_output.shape != self.output.shape:
            raise ValueError(f"{self!r}: expected a gradient of shape {self.output.shape}, got {grad_output.shape}")
        if self.layer_wide:
            grad_output = self.activation.backprop(self.z, grad_output)
        return sum(p.backward(grad_output[:, j]) for j, p in enumerate(self.perceptrons))

    def update_weights(self, n):
        """Every perceptron takes its gradient-descent step with learning rate n."""
        for perceptron in self.perceptrons:
            perceptron.update_weight(n)

    def weight_matrix(self):
        """The perceptrons' weights stacked as rows: W of shape (n_neurons, n_inputs), so z = x @ W.T + b."""
        return numpy.stack([p.weights for p in self.perceptrons])

    def bias_vector(self):
        """The perceptrons' biases: b of shape (n_neurons,)."""
        return numpy.array([p.bias for p in self.perceptrons])

    def gradient_matrices(self):
        """The last backward pass's (dL/dW (n_neurons, n_inputs), dL/db (n_neurons,))."""
        grad_w = numpy.stack([p.grad_weights for p in self.perceptrons])
        grad_b = numpy.array([p.grad_bias for p in self.perceptrons])
        return grad_w, grad_b

    def set_weights(self, W, b):
        """Give each perceptron its row of W (n_neurons, n_inputs) and its entry of b (n_neurons,)."""
        self.assign_weights(*self.check_weights(W, b))

    def check_weights(self, W, b):
        """(W, b) as float64 copies of the right shapes, else a ValueError naming the layer. NaN and inf are
        kept, as PyTorch's load_state_dict keeps them: a network that diverged saves and loads as it was."""
        W, b = as_float_array(W, "W", repr(self)).copy(), as_float_array(b, "b", repr(self)).copy()
        if b.ndim == 2 and 1 in b.shape:  # a column or row of biases
            b = b.reshape(-1)
        if W.shape != (self.n_neurons, self.n_inputs) or b.shape != (self.n_neurons,):
            raise ValueError(
                f"{self!r}: expected W of shape {(self.n_neurons, self.n_inputs)} and b of shape "
                f"{(self.n_neurons,)}, got {W.shape} and {b.shape}"
            )
        return W, b

    def assign_weights(self, W, b):
        """Set the weights from arrays `check_weights` returned."""
        for perceptron, row, bias in zip(self.perceptrons, W, b):
            perceptron.weights = row.copy()
            perceptron.bias = float(bias)

    def __repr__(self):
        return f"Layer({self.n_inputs} -> {self.n_neurons}, activation={self.activation.name!r})"

"""The two engines an MLP estimator trains with: the same network and the same steps, on either path of aino.

    engine="fast"     an aino.nn.Sequential of Linear and activation layers; autograd computes the gradients
    engine="classic"  an aino.classic.NeuralNetwork (Perceptron -> Layer -> NeuralNetwork); its own
                      hand-written backward computes them

Both hold the weights in scikit-learn's layout too: `coefs()` are (n_in, n_out) matrices, so a layer
computes z = a_previous @ W + b, and `intercepts()` the vectors b. (aino's Linear keeps W transposed, as
PyTorch does: (n_out, n_in), z = a @ W.T + b; the fast engine's coefs are views of those arrays.) The
network's last layer outputs z, the weighted sums; the estimator's loss applies out_activation_
(see losses.py). `train_step` is one minibatch: forward, loss, backward, L2 term, the solver's update.
With trace=True, aino.trace records each step, with the loss's data term (the L2 term is in loss_curve_).

The fast engine computes on `device` ("cpu", or a GPU: "cuda"): the weights live there, `to_device` copies the
training data there once, and each step brings back one number, its loss; `forward`, `coefs` and
`intercepts` answer with host (NumPy) arrays, as scikit-learn expects. The classic engine is the CPU's.
"""

import numpy

from aino import hooks, nn
from aino.backend import CPU, move_array
from aino.classic import NeuralNetwork
from aino.estimators.losses import LossOp, add_l2_penalty
from aino.nn.parameter import Parameter
from aino.tensor import Tensor, no_grad

HIDDEN_LAYERS = {"identity": nn.Identity, "logistic": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
CLASSIC_NAMES = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
GLOROT_FACTOR = {"logistic": 2.0}  # scikit-learn's: 6 for the others


def initial_weights(layer_units, activation, rng):
    """scikit-learn's start, drawn from the numpy RandomState `rng` in its order: for each layer, W of shape
    (n_in, n_out), then b, both uniform in [-bound, bound], bound = sqrt(factor / (n_in + n_out)), with
    factor 2 for logistic hidden layers and 6 otherwise (Glorot and Bengio's uniform start). float64."""
    coefs, intercepts = [], []
    for n_in, n_out in zip(layer_units[:-1], layer_units[1:]):
        bound = numpy.sqrt(GLOROT_FACTOR.get(activation, 6.0) / (n_in + n_out))
        coefs.append(rng.uniform(-bound, bound, (n_in, n_out)))
        intercepts.append(rng.uniform(-bound, bound, n_out))
    return coefs, intercepts


class FastEngine:
    """The network as an aino.nn.Sequential: Linear, activation, Linear, ..., Linear (float32 or float64), on
    `device`."""

    name = "fast"

    def __init__(self, coefs, intercepts, activation, dtype, device=CPU):
        layers = []
        for i, (W, b) in enumerate(zip(coefs, intercepts)):
            if i:
                layers.append(HIDDEN_LAYERS[activation]())
            linear = nn.Linear(*W.shape, dtype=dtype)
            linear.weight.data[...] = W.T
            linear.bias.data[...] = b
            layers.append(linear)
        self.model = nn.Sequential(*layers).to(device)
        self.linears = layers[::2]
        self.dtype, self.activation, self.device = numpy.dtype(dtype), activation, device

    def to_device(self, array):
        """`array` (host) where the network computes: itself on the CPU, else copied there."""
        return array if self.device == CPU else move_array(array, self.device)

    def parameters(self):
        """The weights, then the biases (scikit-learn's order of coefs_ and intercepts_)."""
        return [linear.weight for linear in self.linears] + [linear.bias for linear in self.linears]

    def coefs(self):
        """(n_in, n_out) host arrays: views of the weights on the CPU, copies from a GPU."""
        return [move_array(linear.weight.data, "cpu").T for linear in self.linears]

    def intercepts(self):
        return [move_array(linear.bias.data, "cpu") for linear in self.linears]

    def set_weights(self, coefs, intercepts):
        """Copy host coefs (n_in, n_out) and intercepts into the weights, in place (onto the device)."""
        for linear, W, b in zip(self.linears, coefs, intercepts):
            linear.weight.data[...] = self.to_device(W.T)
            linear.bias.data[...] = self.to_device(b)

    def forward(self, X):
        """The output layer's weighted sums z for host X (a host array), without recording a graph (in float64
        for float64 X)."""
        with no_grad():
            return move_array(self.model(Tensor(self.to_device(X))).data, "cpu")

    def train_step(self, X, Y, loss, solver, alpha):
        """One minibatch (X, Y on the engine's device); returns its loss (data term + L2 term), a float: the
        step's one copy to the host."""
        data_term = LossOp.apply(self.model(Tensor(X)), loss=loss, Y=Y)
        data_term.backward()  # autograd: dL/dW and dL/db of every Linear
        penalty = add_l2_penalty([linear.weight.data for linear in self.linears],
                                 [linear.weight.grad.data for linear in self.linears], alpha, len(X))
        value = float(data_term.data.astype(numpy.float64) + penalty)
        solver.step()
        solver.zero_grad()
        return value


class ClassicEngine:
    """The network as a classic NeuralNetwork, float64, its output layer computing z (activation "identity")
    and the estimator's loss as its loss_function, so its backward starts from dL/dz = (a - y) / n.

    The solver works on one Parameter per weight matrix (n_out, n_in) and bias vector, copied into the
    perceptrons after each update (a perceptron holds its own row of weights and its bias)."""

    name = "classic"

    def __init__(self, coefs, intercepts, activation, loss):
        sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
        self.model = NeuralNetwork(sizes, activation_type=CLASSIC_NAMES[activation], output_activation="identity")
        self.model.loss_function = loss
        self.weights = [Parameter(numpy.array(W.T, dtype=numpy.float64)) for W in coefs]
        self.biases = [Parameter(numpy.array(b, dtype=numpy.float64)) for b in intercepts]
        self._copy_to_perceptrons()
        self.dtype, self.activation = numpy.dtype(numpy.float64), activation

    def parameters(self):
        return self.weights + self.biases

    def coefs(self):
        return [W.data.T for W in self.weights]

    def intercepts(self):
        return [b.data for b in self.biases]

    def set_weights(self, coefs, intercepts):
        for W, b, coef, intercept in zip(self.weights, self.biases, coefs, intercepts):
            W.data[...] = coef.T
            b.data[...] = intercept
        self._copy_to_perceptrons()

    def to_device(self, array):
        """The classic path computes on the host."""
        return array

    def forward(self, X):
        return self.model.forward(X)

    def train_step(self, X, Y, loss, solver, alpha):
        network = self.model
        output = network.forward(X)
        data_term = loss.value(output, Y)
        network.backward(output, Y)  # each perceptron's dL/dw and dL/db, by hand
        for W, b, layer in zip(self.weights, self.biases, network.layers):
            grad_W, grad_b = layer.gradient_matrices()
            W.grad, b.grad = Tensor(grad_W), Tensor(grad_b)
        value = data_term + float(add_l2_penalty([W.data for W in self.weights], [W.grad.data for W in self.weights],
                                                 alpha, len(X)))
        if hooks.active: hooks.classic_before_update(network, X, Y, output, data_term)  # noqa: E701  (aino.trace)
        solver.step()
        self._copy_to_perceptrons()
        if hooks.active: hooks.classic_after_update(network)  # noqa: E701  (aino.trace)
        return value

    def _copy_to_perceptrons(self):
        for layer, W, b in zip(self.model.layers, self.weights, self.biases):
            layer.assign_weights(W.data, b.data)

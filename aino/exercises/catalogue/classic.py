"""Exercises: the classic path, from one perceptron to a network's backprop.

A perceptron computes a = f(z) with z = x . w + b; a Layer is a row of perceptrons (W of shape
(n_out, n_in), one row per perceptron, so z = X @ W.T + b); a NeuralNetwork is a stack of layers. The
activation arrives as an aino activation object: `activation(z)` is f(z), `activation.df(z)` is f'(z).
The references are aino's own Perceptron, Layer and NeuralNetwork (aino/classic); central differences
check them independently. The known mistakes are written in NumPy, each with one slip made on purpose.
"""

import functools
import itertools

import numpy

from aino import activations
from aino.classic import Layer, NeuralNetwork, Perceptron
from aino.exercises.spec import Case, Exercise, Mistake
from aino.gradcheck import numerical_gradient

LESSON = "01 Perceptron to network"
SIGMOID, TANH, RELU = activations.Sigmoid(), activations.Tanh(), activations.ReLU()


def slipped(function, slip):
    """`function` (written with a `slip` keyword) with that one known mistake made."""
    return functools.partial(function, slip=slip)


# ---- one perceptron -------------------------------------------------------------------------------

def perceptron_cases(rng, with_gradient):
    """(x, w, b[, grad_output], activation): a batch, batch 1, one input, and a ReLU that cuts some samples."""
    shapes = [("a batch of 4 samples, 3 inputs, sigmoid", 4, 3, SIGMOID), ("batch 1, 2 inputs, tanh", 1, 2, TANH),
              ("6 samples, 1 input, relu", 6, 1, RELU), ("5 samples, 4 inputs, tanh", 5, 4, TANH)]
    cases = []
    for label, n, n_in, activation in shapes:
        b = float(numpy.round(rng.choice([-1, 1]) * rng.uniform(0.3, 1), 2))  # never near 0: a slip with b shows
        x, w = rng.normal(size=(n, n_in)), rng.normal(size=n_in)
        gradient = (rng.normal(size=n),) if with_gradient else ()
        cases.append(Case(label, (x, w, b, *gradient, activation)))
    return cases


def perceptron(w, b, activation):
    """An aino Perceptron with weights w and bias b."""
    unit = Perceptron(len(w), activation, seed=0)
    unit.weights, unit.bias = numpy.array(w, dtype=numpy.float64), float(b)
    return unit


def perceptron_forward(x, w, b, activation):
    """a = f(x . w + b) by aino's Perceptron."""
    return perceptron(w, b, activation).forward(x)


def perceptron_forward_with(x, w, b, activation, slip):
    """The forward pass in NumPy with one known slip."""
    if slip == "no sum":
        return activation.f(x * w + b)
    z = x @ w + (0 if slip in ("bias forgotten", "bias after f") else b)
    return z if slip == "activation forgotten" else activation.f(z) + (b if slip == "bias after f" else 0)


def perceptron_backward(x, w, b, grad_output, activation):
    """(dL/dw, dL/db, dL/dx) by aino's Perceptron.backward."""
    unit = perceptron(w, b, activation)
    unit.forward(x)
    grad_x = unit.backward(grad_output)
    return unit.grad_weights, unit.grad_bias, grad_x


def perceptron_backward_with(x, w, b, grad_output, activation, slip):
    """The backward pass in NumPy with one known slip."""
    z = x @ w + b
    dz = grad_output if slip == "derivative forgotten" else grad_output * activation.df(
        activation.f(z) if slip == "f'(a)" else z)
    grad_b = dz if slip == "bias not summed" else dz.sum()
    return x.T @ dz, grad_b, dz if slip == "not through the weights" else numpy.outer(dz, w)


def perceptron_numerically(case):
    """(dL/dw, dL/db, dL/dx) by central differences, with L = sum(grad_output * f(x . w + b))."""
    x, w, b, g, activation = case.args

    def loss(x, w, b):
        return float(numpy.sum(g * activation.f(x @ w + b)))

    return (numerical_gradient(lambda v: loss(x, v, b), w), numerical_gradient(lambda v: loss(x, w, v), b),
            numerical_gradient(lambda v: loss(v, w, b), x))


# ---- a layer --------------------------------------------------------------------------------------

def layer_cases(rng):
    """(X, W, b, grad_output, activation): several sizes, batch 1, a square W, a single neuron."""
    shapes = [("a batch of 4 samples, 3 inputs -> 2 neurons, sigmoid", 4, 3, 2, SIGMOID),
              ("batch 1, 2 inputs -> 3 neurons, tanh", 1, 2, 3, TANH),
              ("5 samples, 3 inputs -> 3 neurons, relu", 5, 3, 3, RELU),
              ("6 samples, 4 inputs -> 1 neuron, tanh", 6, 4, 1, TANH)]
    return [Case(label, (rng.normal(size=(n, n_in)), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out),
                         rng.normal(size=(n, n_out)), activation))
            for label, n, n_in, n_out, activation in shapes]


def layer_backward(X, W, b, grad_output, activation):
    """(dL/dW, dL/db, dL/dX) by aino's Layer.backward."""
    layer = Layer(W.shape[1], W.shape[0], activation, seed=0)
    layer.set_weights(W, b)
    layer.forward(X)
    grad_X = layer.backward(grad_output)
    return (*layer.gradient_matrices(), grad_X)


def layer_backward_with(X, W, b, grad_output, activation, slip):
    """The layer's backward in NumPy with one known slip."""
    Z = X @ W.T + b
    dZ = grad_output if slip == "derivative forgotten" else grad_output * activation.df(
        activation.f(Z) if slip == "f'(a)" else Z)
    grad_W = X.T @ dZ if slip == "weights transposed" else dZ.T @ X
    return grad_W, dZ if slip == "bias not summed" else dZ.sum(axis=0), dZ @ W


def layer_numerically(case):
    """(dL/dW, dL/db, dL/dX) by central differences, with L = sum(grad_output * f(X @ W.T + b))."""
    X, W, b, g, activation = case.args

    def loss(X, W, b):
        return float(numpy.sum(g * activation.f(X @ W.T + b)))

    return (numerical_gradient(lambda v: loss(X, v, b), W), numerical_gradient(lambda v: loss(X, W, v), b),
            numerical_gradient(lambda v: loss(v, W, b), X))


# ---- a network ------------------------------------------------------------------------------------

def network_cases(rng):
    """(X, Y, weights, activation) for networks of 2 and 3 layers; weights {"W1": ..., "b1": ..., ...}."""
    shapes = [("a batch of 4 samples, layer sizes [3, 4, 2], sigmoid", 4, [3, 4, 2], SIGMOID),
              ("batch 1, layer sizes [2, 3, 1], tanh", 1, [2, 3, 1], TANH),
              ("5 samples, layer sizes [2, 3, 3, 2] (three layers), tanh", 5, [2, 3, 3, 2], TANH),
              ("6 samples, layer sizes [3, 2, 2], relu", 6, [3, 2, 2], RELU)]
    cases = []
    for label, n, sizes, activation in shapes:
        weights = {}
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes), start=1):
            weights[f"W{i}"], weights[f"b{i}"] = rng.normal(size=(n_out, n_in)), rng.normal(size=n_out) * 0.5
        cases.append(Case(label, (rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1])), weights,
                                  activation)))
    return cases


def as_pairs(weights):
    """[(W1, b1), (W2, b2), ...] from {"W1": W1, "b1": b1, ...}."""
    return [(weights[f"W{i}"], weights[f"b{i}"]) for i in range(1, len(weights) // 2 + 1)]


def as_named(pairs):
    """{"W1": W1, "b1": b1, ...} from [(W1, b1), ...]."""
    return {f"{name}{i}": value for i, pair in enumerate(pairs, start=1) for name, value in zip("Wb", pair)}


def network_backprop(X, Y, weights, activation):
    """Every layer's gradients by aino's NeuralNetwork.gradients (the MSE loss)."""
    pairs = as_pairs(weights)
    network = NeuralNetwork([pairs[0][0].shape[1]] + [W.shape[0] for W, _ in pairs], activation_type=activation,
                            loss="mse", seed=0)
    network.set_weights(pairs)
    return as_named(network.gradients(X, Y))


def forward_pass(X, pairs, activation):
    """The input each layer reads (X first, the network's output last) and each layer's z."""
    inputs, zs = [X], []
    for W, b in pairs:
        zs.append(inputs[-1] @ W.T + b)
        inputs.append(activation.f(zs[-1]))
    return inputs, zs


def network_backprop_with(X, Y, weights, activation, slip):
    """Backprop in NumPy for the MSE loss, with one known slip."""
    pairs = as_pairs(weights)
    inputs, zs = forward_pass(X, pairs, activation)
    grad = 2 * (inputs[-1] - Y) / (len(Y) if slip == "mean over samples" else Y.size)
    grads = []
    for i in reversed(range(len(pairs))):
        last = i == len(pairs) - 1
        dz = grad if last and slip == "output derivative forgotten" else grad * activation.df(zs[i])
        grads.append((dz.T @ inputs[i + 1 if slip == "own output" else i], dz.sum(axis=0)))
        grad = (grad if slip == "dL/da passed down" else dz) @ pairs[i][0]
    return as_named(grads[::-1])


def network_numerically(case):
    """Every layer's dL/dW and dL/db by central differences of the MSE loss."""
    X, Y, weights, activation = case.args

    def loss_with(name, value):
        output = forward_pass(X, as_pairs({**weights, name: value}), activation)[0][-1]
        return float(numpy.mean((output - Y) ** 2))

    return {name: numerical_gradient(functools.partial(loss_with, name), value) for name, value in weights.items()}


FORGOT_DERIVATIVE = ("You left out the activation's derivative: first dL/dz = grad_output * f'(z), then use "
                     "dL/dz (not dL/da) for every gradient.")
AT_OUTPUT = ("You took f' of the output a = f(z) where f'(z) was meant: call activation.df on the weighted sum z "
             "(or, writing the formula in a, do not apply f twice).")
BIAS_NOT_SUMMED = ("The bias is shared by every sample of the batch, so its gradient is dL/dz summed over the "
                   "samples (axis 0): one number per neuron, not one per sample.")

EXERCISES = (
    Exercise(
        "perceptron_forward", "A perceptron's forward pass", LESSON, "perceptron_forward(x, w, b, activation)",
        "Return a = f(z) with z = x . w + b for each sample: x has shape (samples, n_inputs), w (n_inputs,), "
        "b is a number, and activation(z) computes f(z). The result has shape (samples,).",
        functools.partial(perceptron_cases, with_gradient=False), perceptron_forward,
        mistakes=(
            Mistake("activation forgotten", "You returned the weighted sum z: pass it through the activation, "
                    "a = activation(z).", slipped(perceptron_forward_with, "activation forgotten")),
            Mistake("bias forgotten", "You left out the bias: z = x . w + b.",
                    slipped(perceptron_forward_with, "bias forgotten")),
            Mistake("bias after f", "You added the bias after the activation; it belongs inside: a = f(x . w + b).",
                    slipped(perceptron_forward_with, "bias after f")),
            Mistake("no sum", "x * w multiplies entry by entry; the weighted sum also adds those products up: "
                    "x @ w gives one number per sample.", slipped(perceptron_forward_with, "no sum")),
        )),
    Exercise(
        "perceptron_backward", "A perceptron's backward pass", LESSON,
        "perceptron_backward(x, w, b, grad_output, activation)",
        "x (samples, n_inputs), w (n_inputs,) and b (a number) made a = f(x . w + b); grad_output is dL/da, one "
        "value per sample. Return (dL/dw, dL/db, dL/dx): shapes (n_inputs,), a number, and (samples, n_inputs). "
        "activation.df(z) computes f'(z).",
        functools.partial(perceptron_cases, with_gradient=True), perceptron_backward,
        mistakes=(
            Mistake("derivative forgotten", FORGOT_DERIVATIVE,
                    slipped(perceptron_backward_with, "derivative forgotten")),
            Mistake("f'(a)", AT_OUTPUT, slipped(perceptron_backward_with, "f'(a)")),
            Mistake("bias not summed", BIAS_NOT_SUMMED, slipped(perceptron_backward_with, "bias not summed")),
            Mistake("not through the weights", "For dL/dx you returned dL/dz: since dz/dx = w, multiply each "
                    "sample's dL/dz by w (numpy.outer(dz, w)).",
                    slipped(perceptron_backward_with, "not through the weights")),
        ),
        numerical=perceptron_numerically),
    Exercise(
        "layer_backward", "A layer's backward pass", LESSON, "layer_backward(X, W, b, grad_output, activation)",
        "A classic Layer: W has one row per perceptron (n_out, n_in), b (n_out,), and the layer computed "
        "A = f(X @ W.T + b) for X (samples, n_in). Given grad_output = dL/dA (samples, n_out), return "
        "(dL/dW, dL/db, dL/dX), shaped like W, b and X. activation.df(z) computes f'(z).",
        layer_cases, layer_backward,
        mistakes=(
            Mistake("weights transposed", "dL/dW must have the shape of W, (n_out, n_in): compute dZ.T @ X, "
                    "not X.T @ dZ.", slipped(layer_backward_with, "weights transposed")),
            Mistake("bias not summed", BIAS_NOT_SUMMED, slipped(layer_backward_with, "bias not summed")),
            Mistake("derivative forgotten", FORGOT_DERIVATIVE, slipped(layer_backward_with, "derivative forgotten")),
            Mistake("f'(a)", AT_OUTPUT, slipped(layer_backward_with, "f'(a)")),
        ),
        numerical=layer_numerically),
    Exercise(
        "network_backprop", "Backpropagation through a network", LESSON,
        "network_backprop(X, Y, weights, activation)",
        "A NeuralNetwork whose layers all use `activation`, with the MSE loss L = mean((output - Y)**2) over "
        "every entry. weights = {\"W1\": W1, \"b1\": b1, \"W2\": ...}, layer i computing "
        "A_i = f(A_(i-1) @ Wi.T + bi) from A_0 = X (Wi of shape (n_out, n_in), as get_weights() gives it). "
        "Return the gradients under the same names: {\"W1\": dL/dW1, \"b1\": dL/db1, ...}.",
        network_cases, network_backprop,
        mistakes=(
            Mistake("own output", "You paired each layer with its own output where its input was meant: the list "
                    "of activations starts with X, so layer i reads activations[i - 1], not activations[i].",
                    slipped(network_backprop_with, "own output")),
            Mistake("dL/da passed down", "You passed dL/da down to the layer below; pass dL/dz @ W: multiply by "
                    "f'(z) first, then by the weights.", slipped(network_backprop_with, "dL/da passed down")),
            Mistake("mean over samples", "You divided by the number of samples; the loss is the mean over every "
                    "entry (samples times outputs), so its gradient is 2 * (output - Y) / Y.size.",
                    slipped(network_backprop_with, "mean over samples")),
            Mistake("output derivative forgotten", "You used dL/da as the output layer's dL/dz: the output "
                    "layer has an activation too, so multiply by its f'(z) before anything else.",
                    slipped(network_backprop_with, "output derivative forgotten")),
        ),
        numerical=network_numerically),
)

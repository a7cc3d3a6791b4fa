"""Exercises: the derivatives of the activations, as backward functions.

Each asks for `f_backward(z, grad_output)`: dL/dz = f'(z) * dL/da, where a = f(z) is what forward
returned (softmax asks for its Jacobian-vector product). The references use aino/activations.py, the
one source of these formulas; central differences check them independently.
"""

import numpy

from aino import activations
from aino.exercises.spec import Case, Exercise, Mistake
from aino.gradcheck import numerical_jacobian_product

LESSON = "01 Perceptron to network"


def activation_cases(rng):
    """z and dL/da: a batch, batch 1, a single row vector, and values near 0 on both sides."""
    shapes = [("a batch of 4 samples, 3 units", (4, 3)), ("batch 1", (1, 5)), ("one unit per sample", (6, 1))]
    cases = [Case(label, (rng.normal(size=shape) * 2, rng.normal(size=shape))) for label, shape in shapes]
    near_zero = numpy.array([[-0.3, -0.01, 0.02, 0.4]])
    return cases + [Case("values close to 0", (near_zero, rng.normal(size=near_zero.shape)))]


def numerically(f):
    """The backward of elementwise `f` by central differences: J^T grad_output."""
    return lambda case: numerical_jacobian_product(f, case.args[0], case.args[1])


SIGMOID, TANH, RELU = activations.Sigmoid(), activations.Tanh(), activations.ReLU()
LEAKY = activations.LeakyReLU(negative_slope=0.01)
SOFTMAX = activations.Softmax()


def leaky_relu_backward(z, grad_output, negative_slope=0.01):
    return activations.LeakyReLU(negative_slope=negative_slope).backprop(z, grad_output)


FORGOT_CHAIN = "You returned f'(z) alone: multiply it by grad_output, the gradient arriving from above (the chain rule)."
AT_OUTPUT = ("You applied the derivative's formula to z where it is written in the output a = f(z): compute "
             "a = f(z) first, then use it (or write f'(z) in z).")

EXERCISES = (
    Exercise(
        "sigmoid_backward", "The sigmoid's derivative", LESSON, "sigmoid_backward(z, grad_output)",
        "Return dL/dz for a = sigmoid(z) = 1 / (1 + exp(-z)), given dL/da = grad_output (same shape as z).",
        activation_cases, SIGMOID.backprop,
        mistakes=(
            Mistake("derivative alone", FORGOT_CHAIN, lambda z, g: SIGMOID.df(z)),
            Mistake("formula applied to z", AT_OUTPUT, lambda z, g: g * z * (1 - z)),
            Mistake("sigmoid instead of its derivative",
                    "You multiplied by sigmoid(z) itself; its derivative is sigmoid(z) * (1 - sigmoid(z)).",
                    lambda z, g: g * SIGMOID.f(z)),
        ),
        numerical=numerically(SIGMOID.f)),
    Exercise(
        "tanh_backward", "tanh's derivative", LESSON, "tanh_backward(z, grad_output)",
        "Return dL/dz for a = tanh(z), given dL/da = grad_output.",
        activation_cases, TANH.backprop,
        mistakes=(
            Mistake("derivative alone", FORGOT_CHAIN, lambda z, g: TANH.df(z)),
            Mistake("formula applied to z", AT_OUTPUT, lambda z, g: g * (1 - z * z)),
            Mistake("not squared", "The derivative of tanh is 1 - tanh(z)**2: the tanh is squared.",
                    lambda z, g: g * (1 - numpy.tanh(z))),
        ),
        numerical=numerically(TANH.f)),
    Exercise(
        "relu_backward", "ReLU's derivative", LESSON, "relu_backward(z, grad_output)",
        "Return dL/dz for a = max(z, 0), given dL/da = grad_output (take the derivative at 0 to be 0).",
        activation_cases, RELU.backprop,
        mistakes=(
            Mistake("derivative alone", FORGOT_CHAIN, lambda z, g: (z > 0).astype(z.dtype)),
            Mistake("relu of the gradient",
                    "You applied ReLU to grad_output; the gradient passes where z > 0, whatever its own sign.",
                    lambda z, g: numpy.maximum(g, 0)),
            Mistake("times z", "ReLU's derivative is 1 where z > 0 (and 0 elsewhere), not z itself.",
                    lambda z, g: g * numpy.maximum(z, 0)),
        ),
        numerical=numerically(RELU.f)),
    Exercise(
        "leaky_relu_backward", "Leaky ReLU's derivative", LESSON,
        "leaky_relu_backward(z, grad_output, negative_slope=0.01)",
        "Return dL/dz for a = z if z > 0 else negative_slope * z, given dL/da = grad_output.",
        activation_cases, leaky_relu_backward,
        mistakes=(
            Mistake("plain relu", "Where z < 0 the gradient is not 0 but negative_slope times grad_output.",
                    lambda z, g, negative_slope=0.01: g * (z > 0)),
            Mistake("derivative alone", FORGOT_CHAIN,
                    lambda z, g, negative_slope=0.01: numpy.where(z > 0, 1.0, negative_slope)),
        ),
        numerical=numerically(LEAKY.f)),
    Exercise(
        "softmax_backward", "Softmax's Jacobian-vector product", LESSON, "softmax_backward(z, grad_output)",
        "Return dL/dz for s = softmax(z) over each row (the last axis), given dL/ds = grad_output: "
        "dL/dz_i = s_i * (grad_i - sum_j grad_j * s_j).",
        activation_cases, SOFTMAX.backprop,
        mistakes=(
            Mistake("diagonal only",
                    "You used only the Jacobian's diagonal s_i * (1 - s_i); every output depends on every input, "
                    "so subtract sum_j grad_j * s_j inside the bracket.",
                    lambda z, g: g * SOFTMAX.f(z) * (1 - SOFTMAX.f(z))),
            Mistake("sum over the batch",
                    "The sum over j runs along each row (keepdims=True), not over the whole batch.",
                    lambda z, g: SOFTMAX.f(z) * (g - (g * SOFTMAX.f(z)).sum())),
        ),
        numerical=lambda case: numerical_jacobian_product(SOFTMAX.f, case.args[0], case.args[1])),
)

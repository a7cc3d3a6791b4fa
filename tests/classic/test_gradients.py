"""Backprop written by hand must agree with central differences of the loss, for every combination."""

import numpy as np
import pytest

from aino import NeuralNetwork
from aino.activations import ACTIVATIONS
from aino.gradcheck import numerical_gradient

ALL = list(ACTIVATIONS)
ELEMENTWISE = [name for name in ALL if name != "softmax"]


def make_data(n_outputs, loss, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(7, 3))
    if loss == "cross_entropy":
        return X, rng.integers(0, n_outputs, size=7)
    if loss == "bce":
        return X, rng.integers(0, 2, size=(7, n_outputs)).astype(float)
    return X, rng.normal(size=(7, n_outputs))


def assert_backprop_matches_differences(network, X, y):
    # Biases start at 0; random ones keep ReLU's z away from its kink at exactly 0.
    rng = np.random.default_rng(99)
    network.set_weights([(W, rng.normal(scale=0.3, size=b.shape)) for W, b in network.get_weights()])
    analytic = network.gradients(X, y)
    weights = network.get_weights()
    for i, (W, b) in enumerate(weights):

        def loss_with(W_new=W, b_new=b, i=i):
            trial = list(weights)
            trial[i] = (W_new, b_new)
            network.set_weights(trial)
            return network.loss(X, y)

        numeric_W = numerical_gradient(lambda W_new: loss_with(W_new=W_new), W)
        numeric_b = numerical_gradient(lambda b_new: loss_with(b_new=b_new), b)
        network.set_weights(weights)
        np.testing.assert_allclose(analytic[i][0], numeric_W, rtol=1e-5, atol=1e-8, err_msg=f"layer {i} weights")
        np.testing.assert_allclose(analytic[i][1], numeric_b, rtol=1e-5, atol=1e-8, err_msg=f"layer {i} biases")


@pytest.mark.parametrize("activation", ALL)
def test_mse_with_activation_everywhere(activation):
    network = NeuralNetwork([3, 4, 2], activation_type=activation, loss="mse", seed=1)
    assert_backprop_matches_differences(network, *make_data(2, "mse"))


@pytest.mark.parametrize("hidden", ALL)
@pytest.mark.parametrize("loss, output", [("bce", "sigmoid"), ("bce", "softmax"), ("cross_entropy", "softmax")])
def test_probability_losses_under_every_hidden_activation(hidden, loss, output):
    network = NeuralNetwork([3, 5, 3], activation_type=hidden, output_activation=output, loss=loss, seed=2)
    assert_backprop_matches_differences(network, *make_data(3, loss))


@pytest.mark.parametrize("activation", ELEMENTWISE)
def test_deep_network_single_output(activation):
    network = NeuralNetwork([3, 4, 4, 1], activation_type=activation, output_activation="identity", seed=3)
    assert_backprop_matches_differences(network, *make_data(1, "mse"))


def test_gradients_have_the_shapes_of_the_weights():
    network = NeuralNetwork([3, 6, 2], seed=0)
    grads = network.gradients(*make_data(2, "mse"))
    assert [(gW.shape, gb.shape) for gW, gb in grads] == [((6, 3), (6,)), ((2, 6), (2,))]


def test_gradients_do_not_change_the_weights():
    network = NeuralNetwork([3, 4, 2], seed=0)
    before = network.get_weights()
    network.gradients(*make_data(2, "mse"))
    for (W0, b0), (W1, b1) in zip(before, network.get_weights()):
        np.testing.assert_array_equal(W0, W1)
        np.testing.assert_array_equal(b0, b1)

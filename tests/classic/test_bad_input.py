"""Wrong input gets a ValueError that says what was expected and what came."""

import numpy as np
import pytest

from aino import NeuralNetwork


@pytest.fixture
def network():
    return NeuralNetwork([3, 4, 2], seed=0)


def test_wrong_number_of_features(network):
    with pytest.raises(ValueError, match=r"expected X with 3 features, got shape \(5, 7\)"):
        network.predict(np.zeros((5, 7)))
    with pytest.raises(ValueError, match=r"expected X with 3 features, got shape \(4, 2\)"):
        network.fit(np.zeros((4, 2)), np.zeros((4, 2)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_X_or_y(network, bad):
    X, y = np.zeros((4, 3)), np.zeros((4, 2))
    X_bad, y_bad = X.copy(), y.copy()
    X_bad[2, 1] = bad
    y_bad[1, 0] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or infinity \(first at index \(2, 1\)\)"):
        network.fit(X_bad, y)
    with pytest.raises(ValueError, match=r"y contains NaN or infinity \(first at index \(1, 0\)\)"):
        network.fit(X, y_bad)
    with pytest.raises(ValueError, match="NaN or infinity"):
        network.predict(X_bad)


def test_mismatched_lengths(network):
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        network.fit(np.zeros((4, 3)), np.zeros((3, 2)))


def test_wrong_target_width_or_labels(network):
    with pytest.raises(ValueError, match=r"expected y with 2 output columns, got shape \(4, 3\)"):
        network.fit(np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"class labels 0..1 for 2 outputs, got values from 0.0 to 5.0"):
        network.fit(np.zeros((4, 3)), np.array([0, 1, 5, 1]))
    with pytest.raises(ValueError, match="must be numeric"):
        network.fit(np.zeros((2, 3)), np.array(["a", "b"]))


def test_unknown_activation_or_loss():
    with pytest.raises(ValueError, match="unknown activation 'sigmod'"):
        NeuralNetwork([2, 2, 1], activation_type="sigmod")
    with pytest.raises(ValueError, match="unknown activation 'softmaxx'"):
        NeuralNetwork([2, 2, 1], output_activation="softmaxx")
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*bce.*cross_entropy.*mse"):
        NeuralNetwork([2, 2, 1], loss="hinge")


def test_loss_and_output_must_fit_together():
    with pytest.raises(ValueError, match="'cross_entropy' needs output_activation='softmax'"):
        NeuralNetwork([2, 3, 3], output_activation="sigmoid", loss="cross_entropy")
    with pytest.raises(ValueError, match="'bce' needs outputs between 0 and 1"):
        NeuralNetwork([2, 3, 1], activation_type="tanh", loss="bce")
    with pytest.raises(ValueError, match="softmax output needs at least 2"):
        NeuralNetwork([2, 3, 1], output_activation="softmax")


@pytest.mark.parametrize("sizes", [[3], [], [3, 0, 1], [3, -2], [2.5, 1], "23", None])
def test_bad_layer_sizes(sizes):
    with pytest.raises(ValueError, match="layer"):
        NeuralNetwork(sizes)


@pytest.mark.parametrize("option", [{"epochs": 0}, {"epochs": 2.5}, {"n": 0}, {"n": float("nan")}, {"batch_size": 0}])
def test_bad_training_options(network, option):
    with pytest.raises(ValueError):
        network.fit(np.zeros((4, 3)), np.zeros((4, 2)), **option)


def test_set_weights_checks_the_architecture(network):
    with pytest.raises(ValueError, match="expected 2 \\(W, b\\) pairs, got 1"):
        network.set_weights(network.get_weights()[:1])

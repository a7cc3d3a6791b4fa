"""The classic network learns what it should: logic, flowers, curves, rockets."""

import numpy as np
import pytest

from aino import NeuralNetwork
from aino.datasets import StandardScaler, load_iris, moons, rocket_trajectory, train_test_split, xor


def test_learns_xor():
    X, y = xor()
    network = NeuralNetwork([2, 4, 1], activation_type="tanh", output_activation="sigmoid", loss="bce", seed=0)
    network.fit(X, y, epochs=1500, n=0.5)
    np.testing.assert_array_equal(network.predict_classes(X), y)
    assert network.score(X, y) == 1.0
    assert network.history_[-1] < 0.05 < network.history_[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iris_held_out_accuracy(seed):
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, seed=seed)
    scaler = StandardScaler().fit(X_train)
    network = NeuralNetwork([4, 8, 3], activation_type="tanh", loss="cross_entropy", seed=seed)
    network.fit(scaler.transform(X_train), y_train, epochs=200, n=0.1, batch_size=16)
    assert network.score(scaler.transform(X_test), y_test) >= 0.93


def test_regression_of_a_sine_wave():
    rng = np.random.default_rng(0)
    X = rng.uniform(-np.pi, np.pi, size=(200, 1))
    y = np.sin(X)
    network = NeuralNetwork([1, 16, 1], activation_type="tanh", output_activation="identity", seed=0)
    network.fit(X, y, epochs=1000, n=0.05, batch_size=20)
    grid = np.linspace(-np.pi, np.pi, 50).reshape(-1, 1)
    assert np.max(np.abs(network.predict(grid) - np.sin(grid))) < 0.15
    assert network.score(X, y) > 0.99  # R^2 for a regression network


def test_regression_of_rocket_trajectories():
    X, y = rocket_trajectory(n_samples=400, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    x_scale, y_scale = StandardScaler().fit(X_train), StandardScaler().fit(y_train)
    network = NeuralNetwork([2, 16, 2], activation_type="tanh", output_activation="identity", seed=0)
    network.fit(x_scale.transform(X_train), y_scale.transform(y_train), epochs=300, n=0.05, batch_size=16)
    predicted = y_scale.inverse_transform(network.predict(x_scale.transform(X_test)))
    relative_error = np.abs(predicted - y_test) / y_test.max(axis=0)
    assert relative_error.mean() < 0.02
    assert network.score(x_scale.transform(X_test), y_scale.transform(y_test)) > 0.99


def test_moons_with_relu_and_mini_batches():
    X, y = moons(n_samples=300, noise=0.1, seed=0)
    network = NeuralNetwork([2, 16, 2], activation_type="relu", loss="cross_entropy", seed=0)
    network.fit(X, y, epochs=300, n=0.1, batch_size=32)
    assert network.score(X, y) > 0.95


def test_same_seed_same_training():
    X, y = xor()
    runs = [NeuralNetwork([2, 3, 1], seed=5).fit(X, y, epochs=20, n=0.5) for _ in range(2)]
    assert runs[0].history_ == runs[1].history_
    np.testing.assert_array_equal(runs[0].predict(X), runs[1].predict(X))


def test_fit_returns_the_network_and_records_one_loss_per_epoch():
    X, y = xor()
    network = NeuralNetwork([2, 3, 1], seed=0)
    assert network.fit(X, y, epochs=7) is network
    assert len(network.history_) == 7
    assert network.history_[-1] == pytest.approx(network.loss(X, y), rel=0.05)


def test_a_diverging_run_stops_with_a_warning():
    X = np.array([[1e3, -1e3], [2e3, 5e2]])
    y = np.array([[1e3], [-1e3]])
    network = NeuralNetwork([2, 8, 1], activation_type="tanh", output_activation="identity", seed=0)
    with pytest.warns(RuntimeWarning, match="smaller learning rate"), np.errstate(all="ignore"):
        network.fit(X, y, epochs=500, n=10.0)
    assert len(network.history_) < 500
    assert not np.isfinite(network.history_[-1])


def test_reference_signature_defaults():
    network = NeuralNetwork([2, 3, 1], activation_type="sigmoid")
    assert network.output_activation == "sigmoid"
    assert network.loss_function.name == "mse"
    assert NeuralNetwork([2, 3, 3], loss="cross_entropy").output_activation == "softmax"

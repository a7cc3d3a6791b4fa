import numpy as np
import pytest

from aino import Layer, Perceptron
from aino.activations import get_activation


def test_perceptron_forward_is_activation_of_weighted_sum():
    p = Perceptron(3, activation="tanh", seed=0)
    p.bias = 0.25
    x = np.array([0.5, -1.0, 2.0])
    assert p.weights.shape == (3,)
    assert p.forward(x) == pytest.approx(np.tanh(x @ p.weights + 0.25))
    batch = np.stack([x, -x])
    np.testing.assert_allclose(p.forward(batch), np.tanh(batch @ p.weights + 0.25))


def test_perceptron_backward_applies_each_chain_rule_factor():
    p = Perceptron(2, activation="sigmoid", seed=1)
    X = np.array([[1.0, 2.0], [-0.5, 0.3]])
    a = p.forward(X)
    delta = np.array([0.7, -0.2])  # dL/da for each sample
    grad_x = p.backward(delta)
    dz = delta * a * (1 - a)  # sigmoid'(z) = a (1 - a)
    np.testing.assert_allclose(p.grad_weights, X.T @ dz)
    assert p.grad_bias == pytest.approx(dz.sum())
    np.testing.assert_allclose(grad_x, np.outer(dz, p.weights))


def test_perceptron_single_sample_backward_returns_a_vector():
    p = Perceptron(3, activation="identity", seed=2)
    p.forward([1.0, 2.0, 3.0])
    grad_x = p.backward(2.0)
    np.testing.assert_allclose(grad_x, 2.0 * p.weights)
    np.testing.assert_allclose(p.grad_weights, [2.0, 4.0, 6.0])


def test_update_weight_steps_against_the_gradient():
    p = Perceptron(2, activation="identity", seed=3)
    w0, b0 = p.weights.copy(), p.bias
    p.forward(np.array([[1.0, -1.0]]))
    p.backward(np.array([1.0]))
    p.update_weight(0.5)
    np.testing.assert_allclose(p.weights, w0 - 0.5 * np.array([1.0, -1.0]))
    assert p.bias == pytest.approx(b0 - 0.5)


def test_perceptron_refuses_misuse():
    with pytest.raises(ValueError, match="softmax"):
        Perceptron(3, activation="softmax")
    with pytest.raises(ValueError, match="n_inputs"):
        Perceptron(0)
    p = Perceptron(3)
    with pytest.raises(RuntimeError, match="forward"):
        p.backward([1.0])
    with pytest.raises(ValueError, match="expected x with 3 features, got shape \\(1, 2\\)"):
        p.forward([1.0, 2.0])
    with pytest.raises(ValueError, match="learning rate"):
        p.update_weight(-1)


def test_same_seed_same_weights():
    np.testing.assert_array_equal(Perceptron(5, seed=7).weights, Perceptron(5, seed=7).weights)
    assert not np.array_equal(Perceptron(5, seed=7).weights, Perceptron(5, seed=8).weights)


def test_layer_weight_matrix_stacks_perceptron_rows():
    layer = Layer(3, 4, "relu", seed=0)
    W = layer.weight_matrix()
    assert W.shape == (4, 3)
    for row, perceptron in zip(W, layer.perceptrons):
        np.testing.assert_array_equal(row, perceptron.weights)
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(layer.forward(X), np.maximum(X @ W.T + layer.bias_vector(), 0))


def test_layer_backward_sums_the_perceptrons_input_gradients():
    layer = Layer(3, 2, "tanh", seed=1)
    X = np.random.default_rng(1).normal(size=(4, 3))
    a = layer.forward(X)
    grad_out = np.random.default_rng(2).normal(size=(4, 2))
    grad_x = layer.backward(grad_out)
    dz = grad_out * (1 - a**2)
    np.testing.assert_allclose(grad_x, dz @ layer.weight_matrix())
    grad_W, grad_b = layer.gradient_matrices()
    np.testing.assert_allclose(grad_W, dz.T @ X)
    np.testing.assert_allclose(grad_b, dz.sum(axis=0))


def test_softmax_layer_normalises_across_its_perceptrons():
    layer = Layer(3, 4, "softmax", seed=2)
    X = np.random.default_rng(3).normal(size=(5, 3))
    out = layer.forward(X)
    z = X @ layer.weight_matrix().T + layer.bias_vector()
    np.testing.assert_allclose(out, get_activation("softmax").f(z))
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_layer_set_weights_checks_shapes():
    layer = Layer(3, 2, seed=0)
    layer.set_weights(np.ones((2, 3)), [0.5, -0.5])
    np.testing.assert_array_equal(layer.weight_matrix(), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected W of shape \(2, 3\)"):
        layer.set_weights(np.ones((3, 2)), [0, 0])
    with pytest.raises(ValueError, match="expected a gradient of shape"):
        layer.forward(np.ones((4, 3)))
        layer.backward(np.ones((4, 5)))

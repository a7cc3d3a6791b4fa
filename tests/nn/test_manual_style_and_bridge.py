"""Every Module also works by hand (reference document 003), and a classic network crosses to the fast path."""

import numpy as np
import pytest

import aino
from aino import nn
from aino.tensor import Tensor


def on(device, array):
    """`array` as an array of `device` (NumPy on the CPU, the device's own array elsewhere), as a user of the
    manual style passes it."""
    return Tensor(array, device=device).data


def host(array):
    """A NumPy copy of an array from any device."""
    return Tensor(array).numpy()


def test_linear_backward_returns_the_input_gradient_and_fills_grad_arrays(device):
    layer = nn.Linear(3, 2, nn.Sigmoid(), dtype="float64", device=device)
    x = np.random.default_rng(0).normal(size=(4, 3))
    a = layer(on(device, x)).numpy()
    grad_out = np.random.default_rng(1).normal(size=(4, 2))
    grad_x = layer.backward(on(device, grad_out))
    assert type(grad_x) is type(on(device, x))  # the input gradient is an array of the layer's device
    dz = grad_out * a * (1 - a)
    W = layer.weight.numpy()
    np.testing.assert_allclose(host(grad_x), dz @ W)
    np.testing.assert_allclose(host(layer.grad_weights), dz.T @ x)
    np.testing.assert_allclose(host(layer.grad_biases), dz.sum(axis=0))


def test_backward_stays_inside_one_layer_when_layers_are_chained(device):
    first = nn.Linear(3, 4, nn.ReLU(), dtype="float64", device=device)
    second = nn.Linear(4, 1, dtype="float64", device=device)
    x = np.random.default_rng(2).normal(size=(5, 3))
    out = second(first(on(device, x)))
    grad_hidden = second.backward(on(device, np.ones((5, 1))))
    assert first.weight.grad is None  # not reached yet: only `second` was backpropagated
    first.backward(grad_hidden)
    # the same gradients as one autograd pass through both layers, on the CPU
    reference = [nn.Linear(3, 4, nn.ReLU(), dtype="float64"), nn.Linear(4, 1, dtype="float64")]
    for ours, theirs in zip((first, second), reference):
        theirs.load_state_dict(ours.state_dict())
    reference[1](reference[0](Tensor(x))).sum().backward()
    for ours, theirs in zip((first, second), reference):
        np.testing.assert_allclose(host(ours.grad_weights), theirs.weight.grad.numpy())
        np.testing.assert_allclose(host(ours.grad_biases), theirs.bias.grad.numpy())
    assert out.shape == (5, 1)


def test_update_weights_and_zeroing_the_grad_arrays(device):
    layer = nn.Linear(2, 2, dtype="float64", device=device)
    before = layer.weight.numpy().copy()
    layer(on(device, np.array([[1.0, 2.0]])))
    layer.backward(on(device, np.array([[1.0, -1.0]])))
    step = host(layer.grad_weights)
    layer.update_weights(0.1)
    np.testing.assert_allclose(layer.weight.numpy(), before - 0.1 * step)
    assert layer.weight.device == device
    layer.grad_weights.fill(0)
    layer.grad_biases.fill(0)
    assert not layer.weight.grad.numpy().any() and not layer.bias.grad.numpy().any()


def test_backward_before_a_call_is_a_clear_error():
    with pytest.raises(RuntimeError, match="call the module before backward"):
        nn.Linear(2, 2).backward(np.ones((1, 2)))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "softplus", "identity"])
@pytest.mark.parametrize("loss, output", [("mse", None), ("bce", "sigmoid"), ("cross_entropy", "softmax")])
def test_to_module_gives_the_classic_outputs_and_gradients(activation, loss, output, device):
    network = aino.NeuralNetwork([3, 5, 4, 2], activation_type=activation, output_activation=output, loss=loss, seed=0)
    rng = np.random.default_rng(1)
    network.set_weights([(W, rng.normal(scale=0.3, size=b.shape)) for W, b in network.get_weights()])
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=(6, 2)).astype(float) if loss != "cross_entropy" else rng.integers(0, 2, size=6)
    model = network.to_module().to(device)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    outputs = model(Tensor(X, device=device))
    np.testing.assert_allclose(outputs.numpy(), network.predict(X), rtol=1e-12, atol=1e-15)

    target = Tensor(y, device=device)
    if loss == "mse":
        value = ((outputs - target) ** 2).mean()
    elif loss == "bce":
        value = nn.BCELoss()(outputs, target)
    else:
        value = nn.NLLLoss()(outputs.log(), target)
    value.backward()
    assert value.item() == pytest.approx(network.loss(X, y), rel=1e-12)
    linear_layers = [m for m in model if isinstance(m, nn.Linear)]
    for layer, (grad_W, grad_b) in zip(linear_layers, network.gradients(X, y)):
        np.testing.assert_allclose(layer.weight.grad.numpy(), grad_W, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(layer.bias.grad.numpy(), grad_b, rtol=1e-9, atol=1e-14)

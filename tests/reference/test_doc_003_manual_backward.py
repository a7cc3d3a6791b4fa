"""Reference document 003 (layer-level manual backward): its Model class and usage example, run as
written with only the imports added (`Module`, `Linear`, `ReLU`, `Sigmoid`, `BinaryCrossEntropy`,
`accuracy` from aino; `NDArray` from numpy.typing), then checked.

The document shows the class in pieces ("Sample Model Definition", then the methods under "Key Methods");
here they are put together into the one class they describe.
"""

import numpy as np
import pytest
import torch
from numpy.typing import NDArray

import aino
from aino import BinaryCrossEntropy, Linear, Module, ReLU, Sigmoid, accuracy


# --- "Sample Model Definition" + "Key Methods" (Forward / Backward / Weight Updates / Gradient Reset) ---
class Model(Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc_0 = Linear(3, 4, ReLU())
        self.fc_1 = Linear(4, 4, ReLU())
        self.fc_output = Linear(4, 1, Sigmoid())
        self.layers = [self.fc_0, self.fc_1, self.fc_output]

    def forward(self, x: NDArray) -> NDArray:
        x = self.fc_0(x)
        x = self.fc_1(x)
        x = self.fc_output(x)
        return x

    def backward(self, grad_output: NDArray):
        """Backpropagate gradients through all layers"""
        grad = grad_output
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def update_weights(self, learning_rate: float):
        """Update weights for all layers"""
        for layer in self.layers:
            layer.update_weights(learning_rate)

    def zero_gradients(self):
        """Reset gradients to zero"""
        for layer in self.layers:
            layer.grad_weights.fill(0)
            layer.grad_biases.fill(0)
# --- end of the class ---


@pytest.fixture(autouse=True)
def _seeded():
    aino.manual_seed(0)


def _data():
    # "2. Prepare Training Data", as written
    # Example XOR-like problem
    X_train = np.array([[0, 0, 1],
                        [0, 1, 0],
                        [1, 0, 0],
                        [1, 1, 1]], dtype=np.float32)
    y_train = np.array([[0], [1], [1], [0]], dtype=np.float32)
    return X_train, y_train


def test_sample_model_definition():
    # "1. Create Model Instance"
    model = Model()

    assert [type(layer.activation) for layer in model.layers] == [ReLU, ReLU, Sigmoid]
    assert [tuple(layer.weight.shape) for layer in model.layers] == [(4, 3), (4, 4), (1, 4)]
    assert all(layer.bias is not None for layer in model.layers)
    X_train, _ = _data()
    predictions = model(X_train)
    assert predictions.shape == (4, 1)
    hidden = X_train
    for layer, act in zip(model.layers, (lambda z: np.maximum(z, 0),) * 2 + (lambda z: 1 / (1 + np.exp(-z)),)):
        hidden = act(hidden @ layer.weight.numpy().T + layer.bias.numpy())
    np.testing.assert_allclose(predictions.numpy(), hidden, rtol=1e-5, atol=1e-6)


def test_manual_backward_matches_torch_autograd():
    """One pass of the document's zero_gradients / backward / update_weights, checked against torch."""
    model = Model()
    X_train, y_train = _data()
    criterion = BinaryCrossEntropy()
    learning_rate = 0.1

    # torch's copy of the same network
    weights = [(torch.tensor(l.weight.numpy(), requires_grad=True), torch.tensor(l.bias.numpy(), requires_grad=True))
               for l in model.layers]
    h = torch.from_numpy(X_train)
    for i, (W, b) in enumerate(weights):
        z = h @ W.T + b
        h = torch.sigmoid(z) if i == 2 else torch.relu(z)
    h.retain_grad()
    torch_loss = torch.nn.functional.binary_cross_entropy(h, torch.from_numpy(y_train))
    torch_loss.backward()

    # the document's steps
    model.zero_gradients()
    predictions = model(X_train)
    loss = criterion(predictions, y_train)
    loss_gradient = criterion.backward()
    input_gradient = model.backward(loss_gradient)

    assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-5)
    p = predictions.numpy()
    np.testing.assert_allclose(loss_gradient, (p - y_train) / (p * (1 - p)) / p.size, rtol=1e-5)
    np.testing.assert_allclose(loss_gradient, h.grad.numpy(), rtol=1e-4)
    for layer, (W, b) in zip(model.layers, weights):
        np.testing.assert_allclose(layer.grad_weights, W.grad.numpy(), rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(layer.grad_biases, b.grad.numpy(), rtol=1e-4, atol=1e-7)
    assert input_gradient.shape == X_train.shape  # dL/dx comes out of the first layer

    before = [(l.weight.numpy().copy(), l.bias.numpy().copy()) for l in model.layers]
    model.update_weights(learning_rate)
    for layer, (W, b), (W0, b0) in zip(model.layers, weights, before):
        np.testing.assert_allclose(layer.weight.numpy(), W0 - learning_rate * W.grad.numpy(), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(layer.bias.numpy(), b0 - learning_rate * b.grad.numpy(), rtol=1e-5, atol=1e-7)

    # "Gradient Reset": zero_gradients empties every gradient
    model.zero_gradients()
    assert all(not l.grad_weights.any() and not l.grad_biases.any() for l in model.layers)


def test_usage_example_learns_the_xor_like_data(capsys):
    # --- the document's usage example, steps 1-5, as written ---
    # 1. Create Model Instance
    model = Model()

    # 2. Prepare Training Data
    # Example XOR-like problem
    X_train = np.array([[0, 0, 1],
                        [0, 1, 0],
                        [1, 0, 0],
                        [1, 1, 1]], dtype=np.float32)
    y_train = np.array([[0], [1], [1], [0]], dtype=np.float32)

    # 3. Set Training Parameters
    learning_rate = 0.1
    epochs = 1000
    criterion = BinaryCrossEntropy()

    # 4. Training Loop
    for epoch in range(epochs):
        # Reset gradients
        model.zero_gradients()

        # Forward pass
        predictions = model(X_train)

        # Compute loss
        loss = criterion(predictions, y_train)

        # Compute loss gradient
        loss_gradient = criterion.backward()

        # Backward pass
        model.backward(loss_gradient)

        # Update weights
        model.update_weights(learning_rate)

        # Calculate accuracy
        acc = accuracy(predictions, y_train)

        # Print progress every 100 epochs
        if epoch % 100 == 0:
            print(f"Epoch {epoch}, Loss: {loss:.4f}, Accuracy: {acc:.4f}")

    # 5. Make Predictions
    # Test the trained model
    final_predictions = model(X_train)
    for i, (input_val, pred, true) in enumerate(zip(X_train, final_predictions, y_train)):
        print(f"Input: {input_val}, Predicted: {pred[0]:.4f}, True: {true[0]}")
    # --- end of the example ---

    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if line.startswith("Epoch ")]
    assert len(lines) == 10 and lines[0].startswith("Epoch 0, Loss: ") and lines[-1].startswith("Epoch 900, ")
    losses = [float(line.split("Loss: ")[1].split(",")[0]) for line in lines]
    assert losses[-1] < losses[0] / 4, losses  # "decreasing loss and increasing accuracy"
    assert sum(b <= a for a, b in zip(losses, losses[1:])) >= 8, losses
    assert printed.count("Input: ") == 4 and "True: 1.0" in printed

    # it learned the XOR-like data: the last accuracy printed by the loop, and the final predictions
    assert acc == 1.0
    assert accuracy(final_predictions, y_train) == 1.0
    np.testing.assert_array_equal((final_predictions.numpy() > 0.5).astype(np.float32), y_train)
    assert 0 <= float(final_predictions.numpy().min()) and float(final_predictions.numpy().max()) <= 1

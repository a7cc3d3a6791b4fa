"""Reference document 004 (NumPy/CuPy autograd framework): every example, run as written with only the
imports pointed at aino (`from tensor import Tensor` -> `from aino import Tensor`, `from dense import Dense`
-> `from aino import Dense`, ...), then checked.

Where an example uses a name it does not define (`input_tensor`, `linear_output`, `model`, `test_data`,
`token_indices`, ...), the test defines it first. The models of section 6 (SimpleCNN, ResidualBlock, ResNet,
SiameseNetwork) are defined once, below, exactly as written, and the later snippets that use them take them
from there. Their `Dense(... * 7 * 7, ...)  # Adjust size based on input` layers fix the input size: 28x28 for
SimpleCNN and SiameseNetwork (two 2x2 poolings: 28 -> 14 -> 7), 29x29 to 32x32 for ResNet (the stride-2
convolution and the 3x3/2 pooling take 32 -> 16 -> 7; 28x28 would give 14 -> 6); the tests use 32x32 there.
"""

import pickle
import re

import numpy as np
import pytest
import torch

import aino
from aino import (
    ELU,
    SGD,
    Accuracy,
    Adam,
    BaseModel,
    BCELoss,
    Conv2D,
    CrossEntropy,
    Decoder,
    Dense,
    Embedding,
    Encoder,
    Flatten,
    LeakyReLU,
    MaxPool2D,
    MSELoss,
    MultiHeadAttention,
    PositionalEncoding,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropyLoss,
    Tanh,
    Tensor,
    Transformer,
    has_cupy,
    load_state_dict_from_file,
    save_model_parameters,
)
from aino.tensor import get_rng


@pytest.fixture(autouse=True)
def _seeded():
    aino.manual_seed(0)
    np.random.seed(0)


class MLP(BaseModel):
    """A small BaseModel for the optimizer snippets (their `model`), whose updates the tests work out by hand."""

    def __init__(self):
        super().__init__()
        self.fc1 = Dense(8, 16)
        self.relu = ReLU()
        self.fc2 = Dense(16, 3)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def _with_gradients(model, x):
    """Run a backward pass so every parameter of `model` has a gradient; returns the gradients (copies)."""
    model(x).sum().backward()
    return [p.grad.numpy().copy() for p in model.parameters()]


def _torch(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def _images(n, channels=1, size=28):
    return Tensor(np.random.randn(n, channels, size, size).astype(np.float32))


# --- 6. the document's models, exactly as written (used by the tests of sections 6, 9 and 12) --------------

# --- the document's example (Basic Example: Simple CNN) ---
class SimpleCNN(BaseModel):
    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        # Define layers (automatically registered)
        self.conv1 = Conv2D(in_channels, 16, kernel_size=3, padding=1)
        self.relu = ReLU()
        self.pool = MaxPool2D(kernel_size=2, stride=2)
        self.conv2 = Conv2D(16, 32, kernel_size=3, padding=1)
        self.flatten = Flatten()
        self.fc = Dense(32 * 7 * 7, num_classes)  # Adjust size based on input

    def forward(self, x):
        # Define computation flow
        x = self.conv1(x)
        x = self.relu(x)
        x = self.pool(x)
        x = self.conv2(x)
        x = self.relu(x)
        x = self.pool(x)
        x = self.flatten(x)
        x = self.fc(x)
        return x
# --- end of the example ---


# --- the document's example (Advanced Example: Residual Network) ---
class ResidualBlock(BaseModel):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = Conv2D(channels, channels, kernel_size=3, padding=1)
        self.relu = ReLU()
        self.conv2 = Conv2D(channels, channels, kernel_size=3, padding=1)

    def forward(self, x):
        # Store input for skip connection
        residual = x

        # Regular convolution path
        out = self.conv1(x)
        out = self.relu(out)
        out = self.conv2(out)

        # Add skip connection
        out = out + residual
        out = self.relu(out)
        return out

class ResNet(BaseModel):
    def __init__(self, in_channels=3, num_blocks=3, num_classes=10):
        super().__init__()
        self.conv1 = Conv2D(in_channels, 64, kernel_size=7, stride=2, padding=3)
        self.relu = ReLU()
        self.pool = MaxPool2D(kernel_size=3, stride=2)

        # Create residual blocks
        self.res_blocks = []
        for i in range(num_blocks):
            self.res_blocks.append(ResidualBlock(64))

        self.flatten = Flatten()
        self.fc = Dense(64 * 7 * 7, num_classes)  # Adjust size based on input

    def forward(self, x):
        x = self.conv1(x)
        x = self.relu(x)
        x = self.pool(x)

        # Pass through residual blocks
        for block in self.res_blocks:
            x = block(x)

        x = self.flatten(x)
        x = self.fc(x)
        return x
# --- end of the example ---


# --- the document's example (Advanced Example: Siamese Network with Parameter Sharing) ---
class SiameseNetwork(BaseModel):
    def __init__(self, in_channels=1):
        super().__init__()
        # Shared encoder - same weights for both inputs
        self.encoder = Sequential([
            Conv2D(in_channels, 64, kernel_size=3, padding=1),
            ReLU(),
            MaxPool2D(kernel_size=2, stride=2),
            Conv2D(64, 128, kernel_size=3, padding=1),
            ReLU(),
            MaxPool2D(kernel_size=2, stride=2),
            Flatten(),
            Dense(128 * 7 * 7, 128)  # Adjust size based on input
        ])

        # Final classification
        self.fc = Dense(128, 1)
        self.sigmoid = Sigmoid()

    def forward(self, x1, x2):
        # Pass both inputs through same encoder (weight sharing)
        feat1 = self.encoder(x1)
        feat2 = self.encoder(x2)

        # Compute absolute difference
        distance = (feat1 - feat2).abs()

        # Final classification
        out = self.fc(distance)
        out = self.sigmoid(out)
        return out

    def __call__(self, x1, x2):
        return self.forward(x1, x2)
# --- end of the example ---


# --- 2. Tensor & Automatic Differentiation: "Example Usage" ------------------------------------------


def test_tensor_autograd_example(capsys):
    # --- the document's example, imports pointed at aino ---
    # Create a tensor with gradient tracking
    a = Tensor([1, 2, 3], device='cpu', dtype=np.float32, requires_grad=True)
    b = Tensor([4, 5, 6], requires_grad=True)

    # Perform operations
    c = a + b  # Addition
    d = a * b  # Element-wise multiplication
    e = a @ b.reshape(3, 1)  # Matrix multiplication
    f = c.mean()  # Reduction operation

    # Compute gradients
    f.backward()

    print("Gradient of a:", a.grad.data)
    print("Gradient of b:", b.grad.data)

    # Device management
    if has_cupy:  # Check if CuPy is available
        a_gpu = a.to('cuda')
        print("Device:", a_gpu.device)
    # --- end of the example ---

    # the values of each op
    np.testing.assert_array_equal(c.numpy(), [5, 7, 9])
    np.testing.assert_array_equal(d.numpy(), [4, 10, 18])
    assert e.shape == (1,) and e.numpy()[0] == 1 * 4 + 2 * 5 + 3 * 6
    assert f.item() == pytest.approx(7.0)
    # by hand: f = ((a1 + b1) + (a2 + b2) + (a3 + b3)) / 3, so df/da_i = df/db_i = 1/3;
    # d and e are not part of f, so they add nothing
    np.testing.assert_allclose(a.grad.data, [1 / 3, 1 / 3, 1 / 3], rtol=1e-6)
    np.testing.assert_allclose(b.grad.data, [1 / 3, 1 / 3, 1 / 3], rtol=1e-6)
    assert a.dtype == np.float32 and b.dtype.kind == "f" and a.grad.data.dtype == np.float32
    assert a.device == "cpu"
    printed = capsys.readouterr().out
    assert "Gradient of a: [0.33333334 0.33333334 0.33333334]" in printed
    assert "Gradient of b: [0.33333334 0.33333334 0.33333334]" in printed
    assert ("Device: cuda" in printed) == has_cupy

    # the same graph through d and e, by hand: sum(a * b + a @ b) = sum_i a_i b_i + 3 (a . b)
    # (the (1,)-shaped matmul result broadcasts over 3 entries), so the gradients are 4b and 4a
    a.zero_grad(), b.zero_grad()
    g = a * b + a @ b.reshape(3, 1)
    g.sum().backward()
    np.testing.assert_allclose(a.grad.data, [4 + 3 * 4, 5 + 3 * 5, 6 + 3 * 6])
    np.testing.assert_allclose(b.grad.data, [1 + 3 * 1, 2 + 3 * 2, 3 + 3 * 3])


# --- 3. Layers & Modules -----------------------------------------------------------------------------


def test_dense_layer_example():
    input_tensor = Tensor(np.random.randn(16, 128).astype(np.float32))  # what the example assumes

    # --- the document's example (Dense Layer) ---
    dense = Dense(128, 10, initialization='xavier', device='cpu', dtype=np.float32)
    output = dense(input_tensor)  # Equivalent to dense.forward(input_tensor)
    # --- end of the example ---

    assert output.shape == (16, 10)
    np.testing.assert_array_equal(output.numpy(), dense.forward(input_tensor).numpy())
    # aino stores the weights PyTorch's way, (out, in): the output is x @ weights.T + bias
    assert dense.weights is dense.weight and dense.weights.shape == (10, 128) and dense.bias.shape == (10,)
    np.testing.assert_allclose(output.numpy(), input_tensor.numpy() @ dense.weights.numpy().T + dense.bias.numpy(),
                               rtol=1e-5, atol=1e-6)
    assert dense.weights.dtype == np.float32 and dense.weights.device == "cpu"
    bound = np.sqrt(6 / (128 + 10))  # Xavier (Glorot) uniform
    assert np.abs(dense.weights.numpy()).max() <= bound and np.abs(dense.weights.numpy()).max() > 0.8 * bound
    # state_dict / load_state_dict, as the section lists
    state = dense.state_dict()
    assert list(state) == ["weight", "bias"]
    other = Dense(128, 10)
    other.load_state_dict(state)
    np.testing.assert_array_equal(other(input_tensor).numpy(), output.numpy())


def test_conv2d_and_maxpool2d_examples():
    image_tensor = _images(4, channels=3)  # what the examples assume: [batch_size, in_channels, height, width]

    # --- the document's example (Conv2D Layer) ---
    conv = Conv2D(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1)
    conv_out = conv(image_tensor)  # Input shape: [batch_size, in_channels, height, width]
    # --- end of the example ---

    # --- the document's example (MaxPool2D) ---
    pool = MaxPool2D(kernel_size=2, stride=2)
    pooled = pool(conv_out)  # Reduces spatial dimensions by factor of stride
    # --- end of the example ---

    assert conv.weight.shape == (16, 3, 3, 3) and conv.bias.shape == (16,)
    assert conv.weight.dtype == np.float32 and conv.weight.device == "cpu"
    bound = np.sqrt(6 / (3 * 9 + 16 * 9))  # "Xavier initialization scaled by kernel dimensions"
    assert 0.8 * bound < np.abs(conv.weight.numpy()).max() <= bound
    assert conv_out.shape == (4, 16, 28, 28)  # padding=1 keeps the size
    assert pooled.shape == (4, 16, 14, 14)  # halved by the stride
    F = torch.nn.functional
    x = _torch(image_tensor.numpy()).requires_grad_()
    weight, bias = _torch(conv.weight.numpy()).requires_grad_(), _torch(conv.bias.numpy()).requires_grad_()
    expected_conv = F.conv2d(x, weight, bias, stride=1, padding=1)
    expected_pool = F.max_pool2d(expected_conv, kernel_size=2, stride=2)
    np.testing.assert_allclose(conv_out.numpy(), expected_conv.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(pooled.numpy(), expected_pool.detach().numpy(), rtol=1e-4, atol=1e-5)
    # each pooled value is the largest of its 2x2 window
    windows = conv_out.numpy().reshape(4, 16, 14, 2, 14, 2)
    np.testing.assert_array_equal(pooled.numpy(), windows.max(axis=(3, 5)))
    # "gradients flow through the maximum values": the same gradients as PyTorch's, zero elsewhere
    upstream = np.random.randn(4, 16, 14, 14).astype(np.float32)
    (pooled * Tensor(upstream)).sum().backward()
    (expected_pool * _torch(upstream)).sum().backward()
    np.testing.assert_allclose(conv.weight.grad.numpy(), weight.grad.numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(conv.bias.grad.numpy(), bias.grad.numpy(), rtol=1e-3, atol=1e-3)
    assert pool.parameters() == [] and dict(pool.state_dict()) == {}
    # the defaults the section lists: MaxPool2D(kernel_size=2, stride=2), Conv2D(stride=1, padding=0)
    np.testing.assert_array_equal(MaxPool2D()(conv_out).numpy(), pooled.numpy())
    assert Conv2D(3, 16, 3)(image_tensor).shape == (4, 16, 26, 26)


def test_flatten_example():
    pooled = Tensor.randn((4, 16, 7, 7))  # what the example assumes: a pooled (batch, C, H, W) tensor

    # --- the document's example (Flatten Layer) ---
    flatten = Flatten()
    flat = flatten(pooled)  # Output shape: [batch_size, flattened_features]
    # --- end of the example ---

    assert flat.shape == (4, 16 * 7 * 7)
    np.testing.assert_array_equal(flat.numpy(), pooled.numpy().reshape(4, -1))


# --- 4. Activation Functions ---------------------------------------------------------------------------


def test_activation_base_class_example():
    # --- the document's example (Activation Base Class), imports pointed at aino ---
    from abc import abstractmethod

    from aino import Base_Layer

    class Activation(Base_Layer):
        def __init__(self, device='cpu'):
            super().__init__()
            self.device = device

        def set_gpu(self):
            self.device = 'cuda'

        def set_cpu(self):
            self.device = 'cpu'

        @abstractmethod
        def forward(self, inputs):
            # Implemented by subclasses
            pass
    # --- end of the example ---

    class Square(Activation):
        def forward(self, inputs):
            return inputs * inputs

    square = Square()
    assert square.device == 'cpu'
    square.set_gpu()
    assert square.device == 'cuda'
    square.set_cpu()
    assert square.device == 'cpu'
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = square(x)
    np.testing.assert_array_equal(y.numpy(), [1, 4, 9])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, -4, 6])
    assert square.state_dict() == {} and square.parameters() == []


def test_available_activations_examples():
    linear_output = Tensor(np.random.randn(5, 6).astype(np.float32) * 3)  # what the examples assume
    logits = Tensor(np.random.randn(5, 6).astype(np.float32) * 3)

    # --- the document's examples (Available Activations), one after another ---
    tanh = Tanh(device='cpu')
    activated = tanh(linear_output)
    tanh_out = activated

    relu = ReLU(device='cpu')
    activated = relu(linear_output)
    relu_out = activated

    sigmoid = Sigmoid(device='cpu')
    activated = sigmoid(linear_output)
    sigmoid_out = activated

    softmax = Softmax(axis=-1, device='cpu')  # Typically applied to last dimension
    probabilities = softmax(logits)

    leaky_relu = LeakyReLU(alpha=0.01, device='cpu')  # alpha controls leak slope
    activated = leaky_relu(linear_output)
    leaky_out = activated

    elu = ELU(alpha=1.0, device='cpu')
    activated = elu(linear_output)
    elu_out = activated
    # --- end of the examples ---

    x, z = linear_output.numpy().astype(np.float64), logits.numpy().astype(np.float64)
    checks = {
        "tanh": (tanh_out, np.tanh(x)),
        "relu": (relu_out, np.maximum(0, x)),
        "sigmoid": (sigmoid_out, 1 / (1 + np.exp(-x))),
        "softmax": (probabilities, np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)),
        "leaky_relu": (leaky_out, np.where(x > 0, x, 0.01 * x)),
        "elu": (elu_out, np.where(x > 0, x, np.exp(x) - 1)),
    }
    for name, (got, expected) in checks.items():
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6, err_msg=name)
        assert got.shape == (5, 6) and got.dtype == np.float32, name
    assert np.all(np.abs(tanh_out.numpy()) <= 1)
    np.testing.assert_allclose(probabilities.numpy().sum(axis=-1), 1, rtol=1e-6)
    # "Each activation class implements the standard forward(), state_dict(), and load_state_dict() methods."
    for layer in (tanh, relu, sigmoid, softmax, leaky_relu, elu):
        np.testing.assert_array_equal(layer.forward(linear_output).numpy(), layer(linear_output).numpy())
        assert dict(layer.state_dict()) == {}
        layer.load_state_dict({})


# --- 5. Sequential Model & Building Models ----------------------------------------------------------------


def _sequential_example(input_tensor, validation_tensor):
    # --- the document's example (Sequential: Example Usage) ---
    # Create a simple feedforward neural network
    model = Sequential([
        Dense(784, 256, initialization='xavier'),
        ReLU(),
        Dense(256, 128),
        ReLU(),
        Dense(128, 10)
    ], device='cpu')

    # Forward pass
    predictions = model(input_tensor)

    # Get trainable parameters for optimizer
    optimizer = Adam(model.parameters, lr=0.001)

    # Reset gradients
    model.zero_grad()

    # Move model to GPU if available
    if has_cupy:
        model.set_device('cuda')

    # Disable gradient tracking
    with model.no_grad():
        validation_predictions = model(validation_tensor)
    # --- end of the example ---
    return model, predictions, optimizer, validation_predictions


def test_sequential_example():
    input_tensor = Tensor(np.random.randn(32, 784).astype(np.float32))  # what the example assumes
    validation_tensor = Tensor(np.random.randn(8, 784).astype(np.float32))

    model, predictions, optimizer, validation_predictions = _sequential_example(input_tensor, validation_tensor)

    assert predictions.shape == (32, 10) and validation_predictions.shape == (8, 10)
    assert predictions.requires_grad
    assert not validation_predictions.requires_grad and validation_predictions.grad_fn is None
    assert len(model.parameters()) == 6
    assert [tuple(p.shape) for p in optimizer.param_groups[0]["params"]] == [
        (256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]
    assert all(p.grad is None for p in model.parameters())  # zero_grad
    # the optimizer updates the model's own parameters
    predictions.sum().backward()
    first = model.parameters()[0].numpy().copy()
    optimizer.step()
    assert not np.array_equal(first, model.parameters()[0].numpy())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_sequential_serialization_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    input_tensor = Tensor(np.random.randn(32, 784).astype(np.float32))
    validation_tensor = Tensor(np.random.randn(8, 784).astype(np.float32))
    model, _, _, _ = _sequential_example(input_tensor, validation_tensor)  # the `model` of the section
    expected = model(validation_tensor).numpy()

    # --- the document's example (Sequential: Serialization Example) ---
    # Save model state
    state = model.state_dict()
    with open('model_state.pkl', 'wb') as f:
        pickle.dump(state, f)

    # Load model state
    with open('model_state.pkl', 'rb') as f:
        state = pickle.load(f)
    model.load_state_dict(state)
    # --- end of the example ---

    np.testing.assert_array_equal(model(validation_tensor).numpy(), expected)
    assert all(isinstance(v, np.ndarray) for v in state.values())  # plain arrays, as pickled
    # the pickled state rebuilds the same network in a fresh model
    fresh, _, _, _ = _sequential_example(input_tensor, validation_tensor)
    assert not np.array_equal(fresh(validation_tensor).numpy(), expected)
    with open('model_state.pkl', 'rb') as f:
        fresh.load_state_dict(pickle.load(f))
    np.testing.assert_array_equal(fresh(validation_tensor).numpy(), expected)


# --- 6. Custom Model Building --------------------------------------------------------------------------------


def _simple_cnn_by_hand(model, x):
    """SimpleCNN's forward pass in PyTorch, with the model's weights."""
    F = torch.nn.functional
    h = F.max_pool2d(F.relu(F.conv2d(x, _torch(model.conv1.weight.numpy()), _torch(model.conv1.bias.numpy()), padding=1)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, _torch(model.conv2.weight.numpy()), _torch(model.conv2.bias.numpy()), padding=1)), 2)
    return h.flatten(1) @ _torch(model.fc.weight.numpy()).T + _torch(model.fc.bias.numpy())


def test_simple_cnn():
    model = SimpleCNN()
    x = _images(4)  # 28x28: two 2x2 poolings leave 7x7, as the Dense(32 * 7 * 7, ...) expects
    out = model(x)

    assert out.shape == (4, 10)
    # automatic registration: the layers assigned in __init__ are the model's parts, in order
    assert [n for n, _ in model.named_parameters()] == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"]
    assert [tuple(p.shape) for p in model.parameters()] == [
        (16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (10, 32 * 7 * 7), (10,)]
    assert [n for n, _ in model.named_children()] == ["conv1", "relu", "pool", "conv2", "flatten", "fc"]
    np.testing.assert_allclose(out.numpy(), _simple_cnn_by_hand(model, _torch(x.numpy())).numpy(), rtol=1e-4, atol=1e-5)
    # gradients reach every parameter (the relu and pool layers are used twice)
    out.sum().backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in model.parameters())
    # the constructor's arguments
    other = SimpleCNN(in_channels=3, num_classes=5)
    assert other(_images(2, channels=3)).shape == (2, 5)
    with pytest.raises(ValueError):  # 32x32 images leave 8x8: not the size the Dense layer was built for
        model(_images(1, size=32))


def test_residual_block_adds_its_input():
    block = ResidualBlock(4)
    x = Tensor(np.random.randn(2, 4, 9, 9).astype(np.float32), requires_grad=True)
    out = block(x)

    # out = relu(conv2(relu(conv1(x))) + x), by PyTorch's functions with the block's weights
    F = torch.nn.functional
    tx = _torch(x.numpy()).requires_grad_()
    params = {n: _torch(p.numpy()).requires_grad_() for n, p in block.named_parameters()}
    path = F.conv2d(F.relu(F.conv2d(tx, params["conv1.weight"], params["conv1.bias"], padding=1)),
                    params["conv2.weight"], params["conv2.bias"], padding=1)
    expected = F.relu(path + tx)
    assert out.shape == (2, 4, 9, 9)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    # gradients as PyTorch's, to the input (through both the skip and the convolutions) and every parameter
    upstream = np.random.randn(2, 4, 9, 9).astype(np.float32)
    (out * Tensor(upstream)).sum().backward()
    (expected * _torch(upstream)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for name, param in block.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), params[name].grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=name)
    # with the convolution path silenced the block is relu(x): the skip connection alone
    block.conv2.weight.data[...] = 0
    block.conv2.bias.data[...] = 0
    np.testing.assert_array_equal(block(x).numpy(), np.maximum(x.numpy(), 0))


def test_resnet():
    model = ResNet()
    x = _images(2, channels=3, size=32)  # 32 -> conv(7, stride 2, padding 3) -> 16 -> pool(3, stride 2) -> 7
    out = model(x)

    assert out.shape == (2, 10)
    # the blocks kept in a plain list are registered too: conv1, three blocks of two convolutions, fc
    names = [n for n, _ in model.named_parameters()]
    assert len(names) == 2 + 3 * 4 + 2
    assert names[:6] == ["conv1.weight", "conv1.bias", "res_blocks.0.conv1.weight", "res_blocks.0.conv1.bias",
                         "res_blocks.0.conv2.weight", "res_blocks.0.conv2.bias"]
    assert names[-2:] == ["fc.weight", "fc.bias"] and "res_blocks.2.conv2.bias" in names
    assert model.fc.weight.shape == (10, 64 * 7 * 7)
    # the layers in order: what goes into fc is the blocks' output on the pooled 7x7 maps
    h = model.pool(model.relu(model.conv1(x)))
    assert h.shape == (2, 64, 7, 7)
    for block in model.res_blocks:
        h = block(h)
    np.testing.assert_allclose(out.numpy(), model.fc(model.flatten(h)).numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in model.parameters())
    # 28x28 images leave 6x6 maps (28 -> 14 -> 6): 64 * 6 * 6 features, not the 64 * 7 * 7 fc expects
    with pytest.raises(ValueError, match="3136 features"):
        model(_images(1, channels=3, size=28))


def test_parameter_collection_example():
    # --- the document's example (Handling Parameters & Submodules: Parameter Collection) ---
    model = SimpleCNN()
    all_trainable_params = model.parameters  # List of all trainable Tensors

    # Use with optimizer
    optimizer = Adam(model.parameters, lr=0.001)
    # --- end of the example ---

    params = model.parameters()
    assert len(params) == 6 and all(p.requires_grad for p in params)
    assert [id(p) for p in optimizer.param_groups[0]["params"]] == [id(p) for p in params]
    # one step moves the model's own parameters
    before = [p.numpy().copy() for p in params]
    model(_images(2)).sum().backward()
    optimizer.step()
    assert all(not np.array_equal(p.numpy(), b) for p, b in zip(params, before))
    # "List of all trainable Tensors": the attribute itself, without calling it, is that list
    assert list(all_trainable_params) == params


def test_basemodel_gradient_zeroing_and_no_grad_examples():
    model = SimpleCNN()  # the snippets' `model`, as the section's first snippet makes it
    test_data = _images(4)
    _with_gradients(model, test_data)
    assert all(p.grad is not None for p in model.parameters())

    # --- the document's example (Handling Parameters & Submodules: Gradient Zeroing) ---
    model.zero_grad()  # Clears gradients from all parameters
    # --- end of the example ---
    assert all(p.grad is None for p in model.parameters())

    # --- the document's example (Handling Parameters & Submodules: No Gradient Context) ---
    with model.no_grad():
        # Operations within this block don't track gradients
        predictions = model(test_data)
    # --- end of the example ---
    assert predictions.shape == (4, 10) and not predictions.requires_grad and predictions.grad_fn is None
    assert aino.is_grad_enabled()  # switched back on after the block
    assert model(test_data).requires_grad
    np.testing.assert_allclose(predictions.numpy(), model(test_data).numpy(), rtol=1e-6)


def test_moving_to_different_device_example():
    test_data = _images(2)

    # --- the document's example (Device & Dtype Management: Moving to Different Device) ---
    model = SimpleCNN()

    # Run on GPU if available
    if has_cupy:
        model.set_device('cuda')

    # Move back to CPU
    model.set_device('cpu')
    # --- end of the example ---

    assert all(p.device == 'cpu' and isinstance(p.data, np.ndarray) for p in model.parameters())
    assert all(p.dtype == np.float32 for p in model.parameters())
    out = model(test_data)
    assert out.shape == (2, 10) and out.device == 'cpu'
    np.testing.assert_allclose(out.numpy(), _simple_cnn_by_hand(model, _torch(test_data.numpy())).numpy(),
                               rtol=1e-4, atol=1e-5)


def test_basemodel_changing_data_type_example():
    model = SimpleCNN()  # the snippet's `model`, from the snippet before it
    x = np.random.randn(3, 1, 28, 28)
    expected = model(x.astype(np.float32)).numpy()

    # --- the document's example (Device & Dtype Management: Changing Data Type) ---
    # Default is usually np.float32
    model.set_dtype(np.float32)

    # Switch to double precision
    model.set_dtype(np.float64)
    # --- end of the example ---

    assert all(p.dtype == np.float64 for p in model.parameters())
    out = model(x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)
    out.sum().backward()
    assert all(p.grad.dtype == np.float64 for p in model.parameters())
    model.set_dtype(np.float32)
    assert all(p.dtype == np.float32 for p in model.parameters())


def _train_a_little(model, steps=3):
    """A few Adam steps on a fixed batch (the snippets' `# ... Train the model ...`); returns the losses."""
    x, labels = _images(16), np.random.randint(0, 10, size=16)
    optimizer, loss_fn, losses = Adam(model.parameters, lr=0.001), SoftmaxCrossEntropyLoss(), []
    for _ in range(steps):
        loss = loss_fn(model(x), labels)
        model.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0], losses
    return losses


def test_basemodel_saving_and_loading_state_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test_data = _images(5)

    # --- the document's example (Serialization: Saving Model State) ---
    model = SimpleCNN()
    # ... Train the model ...
    _train_a_little(model)

    # Get state dictionary
    state_dict = model.state_dict()

    # Save using the utility function
    save_model_parameters(model, 'cnn_model.pkl')

    # Or manually with pickle
    with open('model.pkl', 'wb') as f:
        pickle.dump(state_dict, f)
    # --- end of the example ---

    trained = model
    expected = trained(test_data).numpy()
    assert list(state_dict) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"]

    # --- the document's example (Serialization: Loading Model State) ---
    model = SimpleCNN()  # Create model with same architecture
    untrained = model(test_data).numpy()

    # Load using the utility function
    state_dict = load_state_dict_from_file('cnn_model.pkl')
    model.load_state_dict(state_dict)
    from_file = model(test_data).numpy()

    # Or manually with pickle
    with open('model.pkl', 'rb') as f:
        state_dict = pickle.load(f)
    model.load_state_dict(state_dict)
    # --- end of the example ---

    assert not np.allclose(untrained, expected)
    np.testing.assert_array_equal(from_file, expected)
    np.testing.assert_array_equal(model(test_data).numpy(), expected)
    for name, value in trained.state_dict().items():
        np.testing.assert_array_equal(state_dict[name], value)


def test_siamese_network_shares_its_encoder():
    model = SiameseNetwork()
    x1, x2 = _images(3), _images(3)  # 28x28: two poolings leave 7x7, as Dense(128 * 7 * 7, 128) expects
    out = model(x1, x2)

    assert out.shape == (3, 1) and np.all((out.numpy() > 0) & (out.numpy() < 1))
    # the encoder is one set of weights: counted once, whichever branch uses it
    assert [n for n, _ in model.named_parameters()] == [
        "encoder.0.weight", "encoder.0.bias", "encoder.3.weight", "encoder.3.bias", "encoder.7.weight",
        "encoder.7.bias", "fc.weight", "fc.bias"]
    assert len({id(p) for p in model.parameters()}) == 8
    # out = sigmoid(fc(|encoder(x1) - encoder(x2)|))
    distance = np.abs(model.encoder(x1).numpy() - model.encoder(x2).numpy())
    by_hand = 1 / (1 + np.exp(-(distance @ model.fc.weight.numpy().T + model.fc.bias.numpy())))
    np.testing.assert_allclose(out.numpy(), by_hand, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x2, x1).numpy(), out.numpy(), rtol=1e-6)  # symmetric
    np.testing.assert_allclose(model(x1, x1).numpy(), 1 / (1 + np.exp(-model.fc.bias.numpy())) * np.ones((3, 1)),
                               rtol=1e-6)  # same input twice: distance 0

    # the shared encoder's gradient is the sum of what each branch sends it
    out.sum().backward()
    together = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    # the encoder's last bias cancels in feat1 - feat2, so its gradient is exactly zero; the rest learn
    assert not np.any(together["encoder.7.bias"])
    assert all(np.abs(g).max() > 0 for n, g in together.items() if n != "encoder.7.bias")

    def branch(which):
        """The gradients with only one branch open: the other branch's features held fixed."""
        model.zero_grad()
        feat1, feat2 = model.encoder(x1), model.encoder(x2)
        feat1, feat2 = (feat1, feat2.detach()) if which == 1 else (feat1.detach(), feat2)
        model.sigmoid(model.fc((feat1 - feat2).abs())).sum().backward()
        return {n: p.grad.numpy().copy() for n, p in model.named_parameters() if n.startswith("encoder")}

    first, second = branch(1), branch(2)
    for name in first:
        assert np.abs(first[name]).max() > 0 and np.abs(second[name]).max() > 0, name
        np.testing.assert_allclose(together[name], first[name] + second[name], rtol=1e-4, atol=1e-6, err_msg=name)


# --- 7. Loss Functions & Metrics ----------------------------------------------------------------------


def test_mse_loss_example():
    prediction = Tensor(np.random.randn(6, 3).astype(np.float32), requires_grad=True)
    target = Tensor(np.random.randn(6, 3).astype(np.float32))

    # --- the document's example (MSELoss) ---
    mse_loss = MSELoss()
    loss = mse_loss(prediction, target)  # Compute mean squared difference
    # --- end of the example ---

    p, t = prediction.numpy().astype(np.float64), target.numpy().astype(np.float64)
    assert loss.item() == pytest.approx(np.mean((p - t) ** 2), rel=1e-5)
    loss.backward()
    np.testing.assert_allclose(prediction.grad.numpy(), 2 * (p - t) / p.size, rtol=1e-5)


def test_cross_entropy_example():
    logits = Tensor(np.random.randn(5, 4).astype(np.float32), requires_grad=True)
    labels = np.array([0, 3, 1, 1, 2])
    one_hot_target = Tensor(np.eye(4, dtype=np.float32)[labels])

    # --- the document's example (CrossEntropy) ---
    ce_loss = CrossEntropy()
    # target should be one-hot encoded
    loss = ce_loss(logits, one_hot_target)
    # --- end of the example ---

    z = logits.numpy().astype(np.float64)
    softmax = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert loss.item() == pytest.approx(-np.mean(np.log(softmax[np.arange(5), labels])), rel=1e-5)
    loss.backward()
    np.testing.assert_allclose(logits.grad.numpy(), (softmax - np.eye(4)[labels]) / 5, rtol=1e-4, atol=1e-7)


def test_softmax_cross_entropy_example():
    logits = Tensor(np.random.randn(5, 4).astype(np.float32))
    class_indices = Tensor(np.array([2, 0, 3, 3, 1]))

    # --- the document's example (SoftmaxCrossEntropyLoss) ---
    sce_loss = SoftmaxCrossEntropyLoss()
    # Works with class indices or one-hot vectors
    loss = sce_loss(logits, class_indices)
    # --- end of the example ---

    z = logits.numpy().astype(np.float64)
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -log_softmax[np.arange(5), class_indices.numpy()].mean()
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    one_hot = np.eye(4)[class_indices.numpy()]
    assert sce_loss(logits, one_hot).item() == pytest.approx(expected, rel=1e-5)  # "or one-hot vectors"
    # torch agrees
    assert loss.item() == pytest.approx(
        torch.nn.functional.cross_entropy(torch.from_numpy(z), torch.from_numpy(class_indices.numpy())).item(), rel=1e-5)


def test_bce_loss_example():
    predictions = Tensor(np.array([0.9, 0.2, 0.6, 0.05], dtype=np.float32))
    binary_targets = Tensor(np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32))

    # --- the document's example (BCELoss) ---
    bce_loss = BCELoss()
    # Target should be in range [0, 1]
    loss = bce_loss(predictions, binary_targets)
    # --- end of the example ---

    expected = -np.mean([np.log(0.9), np.log(0.8), np.log(0.4), np.log(0.95)])
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_accuracy_example():
    predictions = Tensor(np.array([[2.0, 0.1, 0.3], [0.1, 0.2, 3.0], [1.0, 2.0, 0.0], [0.5, 0.1, 0.2]]))
    class_targets = np.array([0, 2, 0, 0])  # right, right, wrong, right

    for targets in (class_targets, np.eye(3)[class_targets]):  # "class indices or one-hot"
        # --- the document's example (Accuracy) ---
        accuracy_metric = Accuracy()
        # Works with one-hot encoded targets or class indices
        acc = accuracy_metric(predictions, targets)  # Returns value between 0 and 1
        # --- end of the example ---
        assert acc == 0.75 and isinstance(acc, float)


# --- 8. Optimizers ---------------------------------------------------------------------------------------


def test_sgd_example():
    model = MLP()  # the snippet's `model`
    x = Tensor.randn((4, 8))
    grads = _with_gradients(model, x)
    before = [p.numpy().copy() for p in model.parameters()]

    # --- the document's example (SGD Optimizer) ---
    optimizer = SGD(model.parameters,
                    lr=0.01,            # Learning rate
                    momentum=0.9,       # Momentum factor
                    decay=0.0001)       # Learning rate decay

    # In training loop
    optimizer.step()         # Update parameters based on gradients
    optimizer.decay_lr()     # Optionally apply learning rate decay
    # --- end of the example ---

    # first step with momentum: the buffer is the gradient itself, p <- p - lr * g
    for p, p0, g in zip(model.parameters(), before, grads):
        np.testing.assert_allclose(p.numpy(), p0 - 0.01 * g, rtol=1e-6, atol=1e-8)
    # time-based decay after one step: lr = 0.01 / (1 + 0.0001 * 1)
    assert optimizer.lr == pytest.approx(0.01 / (1 + 0.0001))
    # second step (same gradients kept): buffer b = 0.9 g + g, p <- p - lr * b with the decayed lr
    middle = [p.numpy().copy() for p in model.parameters()]
    optimizer.step()
    for p, p1, g in zip(model.parameters(), middle, grads):
        np.testing.assert_allclose(p.numpy(), p1 - optimizer.lr * 1.9 * g, rtol=1e-5, atol=1e-8)


def test_adam_example():
    model = MLP()  # the snippet's `model`
    x = Tensor.randn((4, 8))
    grads = _with_gradients(model, x)
    before = [p.numpy().copy() for p in model.parameters()]

    # --- the document's example (Adam Optimizer) ---
    optimizer = Adam(model.parameters,
                     lr=0.001,          # Learning rate
                     beta1=0.9,         # First moment decay rate
                     beta2=0.999,       # Second moment decay rate
                     epsilon=1e-8,      # Small constant for numerical stability
                     decay=0.0)         # Learning rate decay

    # In training loop
    optimizer.step()         # Update parameters based on adaptive moments
    # --- end of the example ---

    # by hand, first step: m_hat = g, v_hat = g**2, so p <- p - lr * g / (|g| + eps)
    for p, p0, g in zip(model.parameters(), before, grads):
        g = g.astype(np.float64)
        np.testing.assert_allclose(p.numpy(), p0 - 0.001 * g / (np.abs(g) + 1e-8), rtol=1e-5, atol=1e-7)
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.999) and optimizer.param_groups[0]["eps"] == 1e-8
    assert optimizer.decay_lr() == 0.001  # decay=0.0: the rate stays


# --- 9. Device & DataType Management ------------------------------------------------------------------


def test_checking_cupy_availability_example():
    # --- the document's example (Checking CuPy Availability) ---
    if has_cupy:
        # GPU operations available
        device = 'cuda'
    else:
        device = 'cpu'
    # --- end of the example ---
    assert isinstance(has_cupy, bool)
    assert device == ('cuda' if has_cupy else 'cpu')
    if not has_cupy:
        assert aino.get_available_devices() == [aino.Device("cpu")]


def test_tensor_device_movement_example():
    # --- the document's example (Tensor Device Movement) ---
    cpu_tensor = Tensor([1, 2, 3], device='cpu')

    # Move to GPU if available
    if has_cupy:
        gpu_tensor = cpu_tensor.to('cuda')
        print(gpu_tensor.device)  # 'cuda'

        # Move back to CPU
        cpu_tensor_again = gpu_tensor.to('cpu')
    # --- end of the example ---

    assert cpu_tensor.device == 'cpu' and isinstance(cpu_tensor.data, np.ndarray)
    np.testing.assert_array_equal(cpu_tensor.numpy(), [1, 2, 3])
    if has_cupy:
        assert gpu_tensor.device == 'cuda' and cpu_tensor_again.device == 'cpu'
        np.testing.assert_array_equal(cpu_tensor_again.numpy(), [1, 2, 3])
    else:  # without CuPy, asking for the GPU says what is missing
        with pytest.raises(RuntimeError, match="CuPy"):
            cpu_tensor.to('cuda')


def test_layer_and_model_device_examples():
    # --- the document's example (Layer Device Settings) ---
    dense = Dense(10, 5, device='cpu')

    # Move to GPU
    if has_cupy:
        dense.set_device('cuda')
    # --- end of the example ---

    # --- the document's example (Model Device Management); its `[...]` stands for the layers ---
    model = Sequential([Dense(10, 8), ReLU(), Dense(8, 5)])  # or BaseModel subclass

    # Move entire model
    if has_cupy:
        model.set_device('cuda')
    # --- end of the example ---

    expected = 'cuda' if has_cupy else 'cpu'
    assert all(p.device == expected for p in dense.parameters() + model.parameters())
    # set_device takes effect: move to the CPU explicitly and compute there
    model.set_device('cpu')
    assert all(p.device == 'cpu' and isinstance(p.data, np.ndarray) for p in model.parameters())
    assert model(Tensor.randn((2, 10))).shape == (2, 5)


def test_dtype_examples():
    # --- the document's example (Specifying dtypes) ---
    # Create tensor with specific dtype
    tensor = Tensor([1.0, 2.0], dtype=np.float32)

    # Convert dtype
    double_tensor = tensor.astype(np.float64)
    # --- end of the example ---

    assert tensor.dtype == np.float32 and double_tensor.dtype == np.float64
    np.testing.assert_array_equal(double_tensor.numpy(), [1.0, 2.0])

    # --- the document's example (Layer dtype Settings) ---
    # Create layer with specific dtype
    dense = Dense(10, 5, dtype=np.float32)
    # --- end of the example ---

    assert dense.weights.dtype == np.float32 and dense.bias.dtype == np.float32
    assert dense(Tensor.randn((3, 10))).dtype == np.float32


def test_model_dtype_management_example():
    x = np.random.randn(2, 1, 28, 28)

    # --- the document's example (Model dtype Management) ---
    model = SimpleCNN()  # BaseModel subclass

    # Change dtype for all parameters
    model.set_dtype(np.float64)
    # --- end of the example ---

    assert all(p.dtype == np.float64 for p in model.parameters())
    assert all(v.dtype == np.float64 for v in model.state_dict().values())
    out = model(x)
    assert out.dtype == np.float64 and out.shape == (2, 10)
    # in float64 the model matches PyTorch's float64 computation closely
    np.testing.assert_allclose(out.numpy(), _simple_cnn_by_hand(model, _torch(x)).numpy(), rtol=1e-10, atol=1e-12)


def test_parse_dtype_example():
    # --- the document's example (Parsing dtype Strings), imports pointed at aino ---
    from aino import parse_dtype

    # Convert string to NumPy dtype
    dtype = parse_dtype("float32")  # Returns np.float32
    first = dtype
    dtype = parse_dtype("<class 'numpy.float64'>")  # Returns np.float64
    # --- end of the example ---

    assert first == np.float32 and np.dtype(first) == np.dtype(np.float32)
    assert dtype == np.float64
    assert parse_dtype(str(np.float32)) == np.float32  # the string form a saved config holds
    assert Tensor([1, 2], dtype=parse_dtype("float64")).dtype == np.float64


# --- 10. Training Examples: "Basic Classification Example" ---------------------------------------------


def test_basic_classification_example(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    # --- the document's example, imports pointed at aino ---
    import numpy as np
    from aino import Tensor, has_cupy
    from aino import Dense
    from aino import ReLU, Softmax
    from aino import Sequential
    from aino import SoftmaxCrossEntropyLoss, Accuracy
    from aino import Adam

    # Set device
    device = 'cuda' if has_cupy else 'cpu'

    # Generate dummy data
    X = np.random.randn(100, 784).astype(np.float32)  # 100 samples of 784 features (e.g., MNIST flattened)
    y = np.random.randint(0, 10, size=(100,))         # 10 classes
    y_one_hot = np.eye(10)[y]                         # Convert to one-hot encoding

    # Convert to Tensors
    X_tensor = Tensor(X, device=device)
    y_tensor = Tensor(y_one_hot, device=device)

    # Create model
    model = Sequential([
        Dense(784, 128, device=device),
        ReLU(),
        Dense(128, 64, device=device),
        ReLU(),
        Dense(64, 10, device=device)
    ], device=device)

    # Setup loss, optimizer, and metrics
    loss_fn = SoftmaxCrossEntropyLoss()
    optimizer = Adam(model.parameters, lr=0.001)
    accuracy = Accuracy()

    # Training loop
    num_epochs = 50
    batch_size = 32

    for epoch in range(num_epochs):
        total_loss = 0
        total_acc = 0

        # Mini-batch training
        num_batches = len(X) // batch_size
        for i in range(num_batches):
            start_idx = i * batch_size
            end_idx = start_idx + batch_size

            # Get batch
            X_batch = X_tensor[start_idx:end_idx]
            y_batch = y_tensor[start_idx:end_idx]

            # Forward pass
            predictions = model(X_batch)
            loss = loss_fn(predictions, y_batch)
            acc = accuracy(predictions, y_batch)

            # Backward pass and optimization
            model.zero_grad()
            loss.backward()
            optimizer.step()

            total_loss += loss.data
            total_acc += acc

        # Print epoch statistics
        avg_loss = total_loss / num_batches
        avg_acc = total_acc / num_batches
        print(f"Epoch {epoch+1}/{num_epochs}, Loss: {avg_loss:.4f}, Accuracy: {avg_acc:.4f}")

    # Save the trained model
    from aino import save_model_parameters
    save_model_parameters(model, 'trained_mlp.pkl')

    print("Training complete!")
    # --- end of the example ---

    printed = capsys.readouterr().out
    rows = re.findall(r"Epoch (\d+)/50, Loss: ([\d.]+), Accuracy: ([\d.]+)", printed)
    assert [int(r[0]) for r in rows] == list(range(1, 51))
    losses = [float(r[1]) for r in rows]
    accs = [float(r[2]) for r in rows]
    assert printed.rstrip().endswith("Training complete!")
    # the network memorises its 96 training samples: the loss falls, the accuracy climbs
    assert losses[0] > 2.0  # about log(10) at the start
    assert losses[-1] < losses[0] / 10, losses
    assert accs[-1] == 1.0 and accs[0] < 0.5, accs
    assert all(b < a for a, b in zip(losses[:20], losses[1:20])), losses[:20]

    # the saved file loads back into a fresh model with identical predictions
    restored = Sequential([Dense(784, 128), ReLU(), Dense(128, 64), ReLU(), Dense(64, 10)])
    state_dict = load_state_dict_from_file('trained_mlp.pkl')
    assert sorted(state_dict) == sorted(model.state_dict())
    restored.load_state_dict(state_dict)
    np.testing.assert_array_equal(restored(X_tensor).numpy(), model(X_tensor).numpy())
    assert Accuracy()(restored(X_tensor[:96]), y_tensor[:96]) == 1.0


# --- 10. Training Examples: "CNN for Image Classification" -------------------------------------------------


def test_cnn_for_image_classification_example(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)

    # --- the document's example, imports pointed at aino ---
    import numpy as np
    from aino import Tensor, has_cupy
    from aino import BaseModel
    from aino import Dense
    from aino import Conv2D, MaxPool2D, Flatten
    from aino import ReLU
    from aino import SoftmaxCrossEntropyLoss, Accuracy
    from aino import Adam
    from aino import save_model_parameters

    # Set device
    device = 'cuda' if has_cupy else 'cpu'

    # Create a custom CNN model
    class ConvNet(BaseModel):
        def __init__(self):
            super().__init__()
            self.conv1 = Conv2D(1, 32, kernel_size=3, padding=1, device=device)
            self.relu = ReLU(device=device)
            self.pool = MaxPool2D(kernel_size=2, stride=2)
            self.conv2 = Conv2D(32, 64, kernel_size=3, padding=1, device=device)
            self.flatten = Flatten()
            self.fc1 = Dense(64 * 7 * 7, 128, device=device)  # For 28x28 input images
            self.fc2 = Dense(128, 10, device=device)

        def forward(self, x):
            x = self.conv1(x)
            x = self.relu(x)
            x = self.pool(x)
            x = self.conv2(x)
            x = self.relu(x)
            x = self.pool(x)
            x = self.flatten(x)
            x = self.fc1(x)
            x = self.relu(x)
            x = self.fc2(x)
            return x

    # Generate dummy MNIST-like data
    X = np.random.randn(200, 1, 28, 28).astype(np.float32)
    y = np.random.randint(0, 10, size=(200,))
    y_one_hot = np.eye(10)[y]

    # Convert to tensors
    X_tensor = Tensor(X, device=device)
    y_tensor = Tensor(y_one_hot, device=device)

    # Initialize model, loss, and optimizer
    model = ConvNet()
    loss_fn = SoftmaxCrossEntropyLoss()
    optimizer = Adam(model.parameters, lr=0.001)
    accuracy = Accuracy()

    # Training loop
    num_epochs = 10
    batch_size = 32

    for epoch in range(num_epochs):
        total_loss = 0
        total_acc = 0

        # Mini-batch training
        indices = np.random.permutation(len(X))
        num_batches = len(X) // batch_size

        for i in range(num_batches):
            batch_indices = indices[i * batch_size:(i + 1) * batch_size]

            # Get batch
            X_batch = X_tensor[batch_indices]
            y_batch = y_tensor[batch_indices]

            # Forward pass
            predictions = model(X_batch)
            loss = loss_fn(predictions, y_batch)
            acc = accuracy(predictions, y_batch)

            # Backward pass and optimization
            model.zero_grad()
            loss.backward()
            optimizer.step()

            total_loss += loss.data
            total_acc += acc

        # Print epoch statistics
        avg_loss = total_loss / num_batches
        avg_acc = total_acc / num_batches
        print(f"Epoch {epoch+1}/{num_epochs}, Loss: {avg_loss:.4f}, Accuracy: {avg_acc:.4f}")

    # Save the trained model
    save_model_parameters(model, 'trained_cnn.pkl')
    # --- end of the example ---

    rows = re.findall(r"Epoch (\d+)/10, Loss: ([\d.]+), Accuracy: ([\d.]+)", capsys.readouterr().out)
    assert [int(r[0]) for r in rows] == list(range(1, 11))
    losses, accs = [float(r[1]) for r in rows], [float(r[2]) for r in rows]
    # 200 random images with random labels, 6 batches of 32 per epoch: the network starts near chance
    # (loss about log(10)) and begins to memorise them
    assert 2.0 < losses[0] < 3.0, losses
    assert losses[-1] < losses[0] - 0.3 and losses[-1] == min(losses), losses
    assert accs[-1] > accs[0] + 0.2, accs
    assert X_batch.shape == (32, 1, 28, 28) and predictions.shape == (32, 10)
    assert [n for n, _ in model.named_parameters()] == [
        "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in model.parameters())
    # the saved file loads back into a fresh ConvNet with identical predictions
    restored = ConvNet()
    restored.load_state_dict(load_state_dict_from_file('trained_cnn.pkl'))
    sample = X_tensor[:50]
    np.testing.assert_array_equal(restored(sample).numpy(), model(sample).numpy())


# --- 11. Transformer Architecture Implementation -----------------------------------------------------------


def _tokens(vocab_size, batch, length):
    return Tensor(np.random.randint(0, vocab_size, size=(batch, length)))


def _changed_at(tokens, position, vocab_size):
    """A copy of `tokens` (a Tensor of indices) with the token at `position` of every row replaced."""
    changed = tokens.numpy().copy()
    changed[:, position] = (changed[:, position] + 1) % vocab_size
    return Tensor(changed)


def test_embedding_and_positional_encoding_examples():
    token_indices = Tensor(np.array([[5, 17, 5, 9999, 0, 17], [3, 3, 3, 42, 7, 8]]))  # repeats on purpose

    # --- the document's example (Embedding Layer) ---
    embedding = Embedding(vocab_size=10000, d_model=512)
    embedded = embedding(token_indices)  # token_indices shape: [batch_size, seq_len]
    # --- end of the example ---

    # --- the document's example (Positional Encoding) ---
    positional_encoding = PositionalEncoding(d_model=512, max_seq_len=1000)
    embedded_with_positions = positional_encoding(embedded)
    # --- end of the example ---

    # the embedding is a lookup: row i of the weight for token i
    assert embedding.weight.shape == (10000, 512) and embedded.shape == (2, 6, 512)
    np.testing.assert_array_equal(embedded.numpy(), embedding.weight.numpy()[token_indices.numpy()])
    # the positions: pe[pos, 2i] = sin(pos / 10000^(2i/512)), pe[pos, 2i+1] = cos(...), added to every row
    assert embedded_with_positions.shape == (2, 6, 512)
    position, two_i = np.arange(6)[:, None], np.arange(0, 512, 2)[None, :]
    angle = position / 10000 ** (two_i / 512)
    pe = np.zeros((6, 512))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    np.testing.assert_allclose(embedded_with_positions.numpy() - embedded.numpy(), np.broadcast_to(pe, (2, 6, 512)),
                               atol=1e-5)
    assert positional_encoding.parameters() == []  # fixed, not learned
    # the gradient of a token's row is the sum over every place the token appears (and nothing for the others)
    upstream = np.random.randn(2, 6, 512).astype(np.float32)
    (embedded_with_positions * Tensor(upstream)).sum().backward()
    grad = embedding.weight.grad.numpy()
    np.testing.assert_allclose(grad[5], upstream[0, 0] + upstream[0, 2], rtol=1e-6)
    np.testing.assert_allclose(grad[3], upstream[1, :3].sum(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad[9999], upstream[0, 3], rtol=1e-6)
    assert np.count_nonzero(np.abs(grad).sum(axis=1)) == 8  # 8 distinct tokens
    np.testing.assert_allclose(grad.sum(axis=0), upstream.sum(axis=(0, 1)), rtol=1e-4, atol=1e-4)


def test_multi_head_attention_example():
    # what the example assumes: batch-first queries (2, 5, 512), keys and values (2, 7, 512)
    query = Tensor(np.random.randn(2, 5, 512).astype(np.float32))
    key = Tensor(np.random.randn(2, 7, 512).astype(np.float32))
    value = Tensor(np.random.randn(2, 7, 512).astype(np.float32))

    # --- the document's example (Multi-Head Attention) ---
    attention = MultiHeadAttention(d_model=512, num_heads=8)
    output = attention(query, key, value, mask=None)
    # --- end of the example ---

    assert output.shape == (2, 5, 512)
    # PyTorch's multi-head attention with the same projections computes the same
    twin = torch.nn.MultiheadAttention(512, 8, batch_first=True)
    with torch.no_grad():
        twin.in_proj_weight.copy_(_torch(np.concatenate([attention.w_q.weight.numpy(), attention.w_k.weight.numpy(),
                                                         attention.w_v.weight.numpy()])))
        twin.in_proj_bias.copy_(_torch(np.concatenate([attention.w_q.bias.numpy(), attention.w_k.bias.numpy(),
                                                       attention.w_v.bias.numpy()])))
        twin.out_proj.weight.copy_(_torch(attention.w_o.weight.numpy()))
        twin.out_proj.bias.copy_(_torch(attention.w_o.bias.numpy()))
    q, k, v = (_torch(t.numpy()) for t in (query, key, value))
    expected, _ = twin(q, k, v, need_weights=False)
    np.testing.assert_allclose(output.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    # "support for attention masking": 1 where a query may attend, 0 where it may not (PyTorch: True = blocked)
    mask = np.tril(np.ones((5, 7), dtype=np.int64), k=2)
    masked = attention(query, key, value, mask=mask)
    expected_masked, _ = twin(q, k, v, attn_mask=_torch(mask == 0), need_weights=False)
    np.testing.assert_allclose(masked.numpy(), expected_masked.detach().numpy(), rtol=1e-4, atol=1e-5)
    # a blocked key changes nothing: query 0 sees keys 0..2 only
    changed_value = value.numpy().copy()
    changed_value[:, 3:] += 1.0
    again = attention(query, key, Tensor(changed_value), mask=mask).numpy()
    np.testing.assert_array_equal(again[:, 0], masked.numpy()[:, 0])
    assert not np.allclose(again[:, 4], masked.numpy()[:, 4])
    # every projection learns
    output.sum().backward()
    assert len(attention.parameters()) == 8
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in attention.parameters())


def test_encoder_and_decoder_examples():
    src_tokens = _tokens(10000, 2, 7)  # what the examples assume
    tgt_tokens = _tokens(10000, 2, 5)

    # --- the document's example (Encoder Block) ---
    encoder = Encoder(vocab_size=10000, d_model=512, num_heads=8)
    encoder_output = encoder(src_tokens)  # src_tokens: [batch_size, src_len]
    # --- end of the example ---

    # --- the document's example (Decoder Block) ---
    decoder = Decoder(vocab_size=10000, d_model=512, num_heads=8)
    decoder_output = decoder(tgt_tokens, encoder_output)  # tgt_tokens: [batch_size, tgt_len]
    # --- end of the example ---

    assert encoder_output.shape == (2, 7, 512) and decoder_output.shape == (2, 5, 512)
    # gradients reach every parameter of both (the decoder's through its cross-attention to the encoder)
    decoder_output.sum().backward()
    for name, param in encoder.named_parameters() + decoder.named_parameters():
        assert param.grad is not None and np.abs(param.grad.numpy()).max() > 0, name

    encoder.eval(), decoder.eval()
    with aino.no_grad():
        memory = encoder(src_tokens).numpy()
        np.testing.assert_array_equal(encoder(src_tokens).numpy(), memory)  # no dropout in eval mode
        # the encoder attends both ways: the last source token changes the first position's output
        assert not np.allclose(encoder(_changed_at(src_tokens, 6, 10000)).numpy()[:, 0], memory[:, 0])
        out = decoder(tgt_tokens, Tensor(memory)).numpy()
        # the decoder's self-attention is causal: changing target token 3 leaves positions 0-2 as they were
        later = decoder(_changed_at(tgt_tokens, 3, 10000), Tensor(memory)).numpy()
        np.testing.assert_allclose(later[:, :3], out[:, :3], rtol=1e-5, atol=1e-5)
        assert not np.allclose(later[:, 3], out[:, 3])
        # and every position sees the whole source through the cross-attention
        other_memory = decoder(tgt_tokens, encoder(_changed_at(src_tokens, 6, 10000))).numpy()
        assert all(not np.allclose(other_memory[:, t], out[:, t]) for t in range(5))


def test_complete_transformer_example():
    src_tokens, tgt_tokens = _tokens(10000, 2, 7), _tokens(10000, 2, 5)  # what the example assumes

    # --- the document's example (Complete Transformer Model) ---
    transformer = Transformer(
        src_vocab_size=10000,  # Source vocabulary size
        tgt_vocab_size=10000,  # Target vocabulary size
        d_model=512,           # Model dimension
        num_heads=8            # Number of attention heads
    )

    # For sequence-to-sequence tasks
    outputs = transformer(src_tokens, tgt_tokens)  # Shape: [batch_size, tgt_len, tgt_vocab_size]
    # --- end of the example ---

    assert outputs.shape == (2, 5, 10000)
    transformer.eval()
    with aino.no_grad():
        logits = transformer(src_tokens, tgt_tokens).numpy()
        # causal: a later target token does not change the logits of earlier positions
        changed = transformer(src_tokens, _changed_at(tgt_tokens, 2, 10000)).numpy()
        np.testing.assert_allclose(changed[:, :2], logits[:, :2], rtol=1e-5, atol=1e-5)
        assert not np.allclose(changed[:, 2], logits[:, 2])
        # the source reaches every target position
        other_source = transformer(_changed_at(src_tokens, 0, 10000), tgt_tokens).numpy()
        assert all(not np.allclose(other_source[:, t], logits[:, t]) for t in range(5))


def test_language_translation_example(capsys):
    start = get_rng().bit_generator.state  # to rebuild the untrained model afterwards

    # --- the document's example (Example: Language Translation Model), imports pointed at aino ---
    from aino import Tensor
    from aino import BaseModel
    from aino import SoftmaxCrossEntropyLoss
    from aino import Adam

    # Create dummy token data
    src_tokens = Tensor(np.random.randint(0, 1000, size=(32, 20)))  # [batch_size, src_seq_len]
    tgt_tokens = Tensor(np.random.randint(0, 1000, size=(32, 22)))  # [batch_size, tgt_seq_len]
    tgt_labels = Tensor(np.random.randint(0, 1000, size=(32, 22)))  # [batch_size, tgt_seq_len]

    # Create transformer model
    transformer = Transformer(
        src_vocab_size=1000,
        tgt_vocab_size=1000,
        d_model=256,
        num_heads=4
    )

    # Training setup
    loss_fn = SoftmaxCrossEntropyLoss()
    optimizer = Adam(transformer.parameters, lr=0.0001)

    # Single training step
    logits = transformer(src_tokens, tgt_tokens)
    loss = loss_fn(logits, tgt_labels)
    transformer.zero_grad()
    loss.backward()
    optimizer.step()

    print(f"Training loss: {loss.data}")
    # --- end of the example ---

    assert logits.shape == (32, 22, 1000)
    # the loss is the mean over all 32 * 22 positions of -log softmax(logits)[label]; about log(1000) untrained
    z = logits.numpy().astype(np.float64)
    log_softmax = z - z.max(axis=-1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=-1, keepdims=True))
    labels = tgt_labels.numpy()
    expected = -np.take_along_axis(log_softmax, labels[..., None], axis=-1).mean()
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    assert abs(loss.item() - np.log(1000)) < 1.0
    assert f"Training loss: {loss.data}" in capsys.readouterr().out
    # every parameter got a gradient
    for name, param in transformer.named_parameters():
        assert param.grad is not None and np.abs(param.grad.numpy()).max() > 0, name
    # the step went downhill: on this batch, without dropout, the trained model beats the untrained one
    get_rng().bit_generator.state = start
    untrained = Transformer(src_vocab_size=1000, tgt_vocab_size=1000, d_model=256, num_heads=4)
    transformer.eval(), untrained.eval()
    with aino.no_grad():
        after = loss_fn(transformer(src_tokens, tgt_tokens), tgt_labels).item()
        before = loss_fn(untrained(src_tokens, tgt_tokens), tgt_labels).item()
    assert after < before, (before, after)


# --- 12. Saving and Loading Models ---------------------------------------------------------------------------


def test_saving_and_loading_a_model_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test_data = _images(5)  # what the loading example assumes

    # --- the document's example (Saving a Model), imports pointed at aino ---
    from aino import save_model_parameters

    # After training your model
    model = SimpleCNN()
    # ... Train the model ...
    losses = _train_a_little(model)

    # Save to a file
    save_model_parameters(model, 'my_model.pkl')
    # --- end of the example ---

    trained = model
    expected = trained(test_data).numpy()

    # --- the document's example (Loading a Model), imports pointed at aino ---
    from aino import load_state_dict_from_file

    # Create model with the same architecture
    model = SimpleCNN()
    untrained = model(test_data).numpy()

    # Load parameters
    state_dict = load_state_dict_from_file('my_model.pkl')
    model.load_state_dict(state_dict)

    # Model is ready for inference
    predictions = model(test_data)
    # --- end of the example ---

    assert losses[-1] < losses[0]
    assert not np.allclose(untrained, expected)  # a fresh model predicts differently ...
    np.testing.assert_array_equal(predictions.numpy(), expected)  # ... until the saved parameters are loaded
    assert list(state_dict) == list(trained.state_dict())
    for name, value in trained.state_dict().items():
        np.testing.assert_array_equal(state_dict[name], value)
        assert state_dict[name].dtype == value.dtype


def test_direct_serialization_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = SimpleCNN()  # the snippet's `model`, the section's SimpleCNN
    _train_a_little(model)
    test_data = _images(5)
    expected = model(test_data).numpy()

    # --- the document's example (Direct Serialization) ---
    import pickle

    # Save
    state_dict = model.state_dict()
    with open('model.pkl', 'wb') as f:
        pickle.dump(state_dict, f)

    # Load
    with open('model.pkl', 'rb') as f:
        state_dict = pickle.load(f)
    model.load_state_dict(state_dict)
    # --- end of the example ---

    np.testing.assert_array_equal(model(test_data).numpy(), expected)
    fresh = SimpleCNN()
    assert not np.allclose(fresh(test_data).numpy(), expected)
    with open('model.pkl', 'rb') as f:
        fresh.load_state_dict(pickle.load(f))
    np.testing.assert_array_equal(fresh(test_data).numpy(), expected)

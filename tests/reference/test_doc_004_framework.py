"""Reference document 004 (NumPy/CuPy autograd framework): every example that uses layers aino has
today, run as written with only the imports pointed at aino (`from tensor import Tensor` ->
`from aino import Tensor`, `from dense import Dense` -> `from aino import Dense`, ...), then checked.

Where an example uses a name it does not define (`input_tensor`, `linear_output`, `model`, ...), the test
defines it first. The document's snippets about Conv2D, MaxPool2D, SimpleCNN, ResNet, the Siamese network,
the CNN training example and the transformer parts wait for those layers.
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
    CrossEntropy,
    Dense,
    Flatten,
    LeakyReLU,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    SoftmaxCrossEntropyLoss,
    Tanh,
    Tensor,
    has_cupy,
    load_state_dict_from_file,
    save_model_parameters,
)


@pytest.fixture(autouse=True)
def _seeded():
    aino.manual_seed(0)
    np.random.seed(0)


class MLP(BaseModel):
    """A BaseModel made of layers aino has, for the snippets that use a `model` they do not define."""

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


# --- 6. Custom Model Building (snippets that need no convolution) -------------------------------------------


def test_basemodel_gradient_zeroing_and_no_grad_examples():
    model = MLP()  # the snippets' `model` (the document's SimpleCNN needs Conv2D)
    test_data = Tensor.randn((4, 8))
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
    assert predictions.shape == (4, 3) and not predictions.requires_grad
    assert aino.is_grad_enabled()  # switched back on after the block
    assert model(test_data).requires_grad
    # automatic registration: the layers assigned in __init__ are the model's parts
    assert [n for n, _ in model.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]


def test_basemodel_changing_data_type_example():
    model = MLP()  # the snippet's `model`
    x = np.random.randn(4, 8)
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
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    model.set_dtype(np.float32)
    assert all(p.dtype == np.float32 for p in model.parameters())


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


# --- 12. Saving and Loading Models: "Direct Serialization" ---------------------------------------------------


def test_direct_serialization_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = MLP()  # the snippet's `model` (the section's SimpleCNN needs Conv2D)
    test_data = Tensor.randn((5, 8))
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
    fresh = MLP()
    assert not np.array_equal(fresh(test_data).numpy(), expected)
    with open('model.pkl', 'rb') as f:
        fresh.load_state_dict(pickle.load(f))
    np.testing.assert_array_equal(fresh(test_data).numpy(), expected)


def test_save_and_load_functions_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = MLP()
    test_data = Tensor.randn((5, 8))

    # the calls of sections 6 and 12 (Saving a Model / Loading a Model), on an MLP instead of a SimpleCNN
    save_model_parameters(model, 'my_model.pkl')
    loaded = MLP()
    state_dict = load_state_dict_from_file('my_model.pkl')
    loaded.load_state_dict(state_dict)
    predictions = loaded(test_data)

    np.testing.assert_array_equal(predictions.numpy(), model(test_data).numpy())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(state_dict[name], value)
        assert state_dict[name].dtype == value.dtype

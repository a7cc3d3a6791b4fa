"""Reference document 002 (Neurenix nn module): every example, run as written with only the imports pointed
at aino (`import neurenix` -> `import aino as neurenix`, `from neurenix.nn import X` -> `from aino.nn import X`),
then checked. Signature lines are evaluated as code with their names bound to values; convolution and
recurrent layers are compared against PyTorch's with the same weights (aino's state_dict keys are PyTorch's).
"""

import re

import numpy as np
import pytest
import torch

import aino


@pytest.fixture(autouse=True)
def _seeded():
    aino.manual_seed(0)
    np.random.seed(0)


def _losses(printed):
    """The loss values of the example's `print(f"Epoch {n}, Loss: {loss.item()}")` lines."""
    return [float(v) for v in re.findall(r"Epoch \d+, Loss: (\S+)", printed)]


# --- "API Reference / Base Module" -------------------------------------------------------------------


def test_base_module_reference_line():
    import aino as neurenix
    from aino.nn import Module

    # --- the document's reference line (Base Module), as code ---
    base = neurenix.nn.Module
    # --- end ---
    assert base is Module and neurenix.Module is Module
    with pytest.raises(NotImplementedError):
        base()(neurenix.Tensor([1.0]))  # forward must be overridden by subclasses


def test_base_module_example():
    # --- the document's example (Base Module), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Module

    class MyModule(Module):
        def __init__(self):
            super().__init__()
            self.linear = neurenix.nn.Linear(10, 5)
            self.activation = neurenix.nn.ReLU()

        def forward(self, x):
            x = self.linear(x)
            x = self.activation(x)
            return x
    # --- end of the example ---

    module = MyModule()
    # the methods the section lists: parameters, train, eval, is_training
    params = module.parameters()
    assert [tuple(p.shape) for p in params] == [(5, 10), (5,)]
    assert module.is_training()
    module.eval()
    assert not module.is_training() and not module.linear.is_training()
    module.train()
    assert module.is_training() and module.activation.is_training()
    module.train(False)
    assert not module.is_training()

    x = neurenix.Tensor.randn((8, 10))
    out = module(x)
    assert out.shape == (8, 5)
    W, b = module.linear.weight.numpy(), module.linear.bias.numpy()
    np.testing.assert_allclose(out.numpy(), np.maximum(x.numpy() @ W.T + b, 0), rtol=1e-5, atol=1e-6)
    # gradients reach the parameters
    out.sum().backward()
    assert module.linear.weight.grad is not None and module.linear.weight.grad.shape == (5, 10)


# --- "Linear Layers" -----------------------------------------------------------------------------------


def test_linear_signature():
    import aino as neurenix

    in_features, out_features = 10, 5  # the signature's names, given values
    # --- the document's signature line (Linear Layers), as code ---
    layer = neurenix.nn.Linear(in_features, out_features, bias=True, dtype=None, device=None)
    # --- end ---
    assert layer.weight.shape == (5, 10) and layer.bias.shape == (5,)
    assert layer.weight.dtype == np.float32 and layer.weight.device == "cpu"
    no_bias = neurenix.nn.Linear(in_features, out_features, bias=False, dtype=np.float64, device="cpu")
    assert no_bias.bias is None and no_bias.weight.dtype == np.float64


def test_linear_example():
    # --- the document's example (Linear Layers), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Linear

    # Create a linear layer
    linear = Linear(10, 5)

    # Forward pass
    input_tensor = neurenix.Tensor.randn((32, 10))  # Batch of 32 samples, 10 features each
    output = linear(input_tensor)  # Shape: (32, 5)
    # --- end of the example ---

    assert input_tensor.shape == (32, 10)
    assert output.shape == (32, 5)
    # y = x W^T + b, as the section says
    expected = input_tensor.numpy() @ linear.weight.numpy().T + linear.bias.numpy()
    np.testing.assert_allclose(output.numpy(), expected, rtol=1e-5, atol=1e-6)


# --- "Convolutional Layers" ----------------------------------------------------------------------------


def _torch(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def test_convolution_signatures():
    import aino as neurenix

    F = torch.nn.functional
    in_channels, out_channels, kernel_size = 4, 6, 3  # the signatures' names, given values
    # --- the document's signature lines (Convolutional Layers), as code ---
    layers = {
        1: neurenix.nn.Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True),
        2: neurenix.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True),
        3: neurenix.nn.Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True),
    }
    # --- end ---
    convolution = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
    classes = {1: neurenix.nn.Conv1d, 2: neurenix.nn.Conv2d, 3: neurenix.nn.Conv3d}
    rng = np.random.default_rng(4)
    for dims, layer in layers.items():
        assert layer.weight.shape == (6, 4) + (3,) * dims and layer.bias.shape == (6,)
        bound = 1 / np.sqrt(4 * 3 ** dims)  # PyTorch's default start, U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        assert 0.8 * bound < np.abs(layer.weight.numpy()).max() <= bound
        x = rng.normal(size=(2, 4) + (7,) * dims).astype(np.float32)
        out = layer(neurenix.Tensor(x))
        assert out.shape == (2, 6) + (5,) * dims  # no padding: 7 - 3 + 1
        expected = convolution[dims](_torch(x), _torch(layer.weight.numpy()), _torch(layer.bias.numpy()))
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5, err_msg=f"Conv{dims}d")

        # every argument of the signature away from its default: what each one does is PyTorch's
        options = dict(stride=2, padding=1, dilation=2, groups=2)
        other = classes[dims](in_channels, out_channels, kernel_size, bias=False, **options)
        assert other.bias is None and other.weight.shape == (6, 2) + (3,) * dims  # in_channels / groups
        x = rng.normal(size=(2, 4) + (9,) * dims).astype(np.float32)
        expected = convolution[dims](_torch(x), _torch(other.weight.numpy()), None, **options)
        got = other(neurenix.Tensor(x))
        assert got.shape == tuple(expected.shape) == (2, 6) + (4,) * dims
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5, err_msg=f"Conv{dims}d options")


def test_conv2d_example():
    # --- the document's example (Convolutional Layers), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Conv2d

    # Create a 2D convolutional layer
    conv = Conv2d(3, 16, kernel_size=3, stride=1, padding=1)

    # Forward pass
    input_tensor = neurenix.Tensor.randn((32, 3, 28, 28))  # Batch of 32 images, 3 channels, 28x28 pixels
    output = conv(input_tensor)  # Shape: (32, 16, 28, 28)
    # --- end of the example ---

    assert input_tensor.shape == (32, 3, 28, 28)
    assert output.shape == (32, 16, 28, 28)  # padding=1 keeps 28x28
    x = _torch(input_tensor.numpy()).requires_grad_()
    weight = _torch(conv.weight.numpy()).requires_grad_()
    bias = _torch(conv.bias.numpy()).requires_grad_()
    expected = torch.nn.functional.conv2d(x, weight, bias, stride=1, padding=1)
    np.testing.assert_allclose(output.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    # the gradients reaching the kernel and the bias are PyTorch's too
    upstream = np.random.default_rng(5).normal(size=(32, 16, 28, 28)).astype(np.float32)
    (output * neurenix.Tensor(upstream)).sum().backward()
    (expected * _torch(upstream)).sum().backward()
    np.testing.assert_allclose(conv.weight.grad.numpy(), weight.grad.numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(conv.bias.grad.numpy(), bias.grad.numpy(), rtol=1e-3, atol=1e-3)


# --- "Recurrent Layers" ------------------------------------------------------------------------------------


def _torch_twin(layer, torch_class, **options):
    """The PyTorch layer with `layer`'s options and weights (aino's parameter names are PyTorch's)."""
    twin = torch_class(layer.input_size, layer.hidden_size, **options)
    twin.load_state_dict({name: _torch(value) for name, value in layer.state_dict().items()})
    return twin


def test_recurrent_signatures():
    import aino as neurenix

    input_size, hidden_size = 4, 6  # the signatures' names, given values
    # --- the document's signature lines (Recurrent Layers), as code ---
    layers = {
        "RNN": neurenix.nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0, bidirectional=False),
        "LSTM": neurenix.nn.LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False),
        "GRU": neurenix.nn.GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False),
    }
    # --- end ---
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}
    rng = np.random.default_rng(6)
    x = rng.normal(size=(5, 3, 4)).astype(np.float32)  # batch_first=False: (seq, batch, feature)
    for name, layer in layers.items():
        assert [n for n, _ in layer.named_parameters()] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
        assert layer.weight_ih_l0.shape == (gates[name] * 6, 4) and layer.weight_hh_l0.shape == (gates[name] * 6, 6)
        output, state = layer(neurenix.Tensor(x))
        twin = _torch_twin(layer, getattr(torch.nn, name))
        expected, expected_state = twin(_torch(x))
        assert output.shape == (5, 3, 6)
        np.testing.assert_allclose(output.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
        states = state if name == "LSTM" else (state,)
        expected_states = expected_state if name == "LSTM" else (expected_state,)
        for got, want in zip(states, expected_states):
            assert got.shape == (1, 3, 6)
            np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)

    # every option of the signatures away from its default (dropout acts only in training: compared in eval)
    options = dict(num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)
    x = rng.normal(size=(3, 5, 4)).astype(np.float32)  # batch_first=True: (batch, seq, feature)
    for name, extra in (("RNN", dict(nonlinearity='relu')), ("LSTM", {}), ("GRU", {})):
        layer = getattr(neurenix.nn, name)(input_size, hidden_size, **options, **extra).eval()
        twin = _torch_twin(layer, getattr(torch.nn, name), **options, **extra).eval()
        assert all("bias" not in n for n, _ in layer.named_parameters()) and len(layer.parameters()) == 8
        output, _ = layer(neurenix.Tensor(x))
        expected, _ = twin(_torch(x))
        assert output.shape == (3, 5, 12)
        np.testing.assert_allclose(output.numpy(), expected.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_lstm_example():
    # --- the document's example (Recurrent Layers), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import LSTM

    # Create an LSTM layer
    lstm = LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)

    # Forward pass
    input_tensor = neurenix.Tensor.randn((32, 15, 10))  # Batch of 32 sequences, 15 time steps, 10 features each
    output, (h_n, c_n) = lstm(input_tensor)
    # output shape: (32, 15, 40)  # 40 = 20 * 2 (bidirectional)
    # h_n shape: (4, 32, 20)  # 4 = 2 (layers) * 2 (bidirectional)
    # c_n shape: (4, 32, 20)
    # --- end of the example ---

    assert output.shape == (32, 15, 40)
    assert h_n.shape == (4, 32, 20) and c_n.shape == (4, 32, 20)
    # the last layer's forward direction ends at the last step, its backward direction at the first
    np.testing.assert_array_equal(output.numpy()[:, -1, :20], h_n.numpy()[2])
    np.testing.assert_array_equal(output.numpy()[:, 0, 20:], h_n.numpy()[3])
    # PyTorch's LSTM with the same weights computes the same, forward and backward
    twin = _torch_twin(lstm, torch.nn.LSTM, num_layers=2, batch_first=True, bidirectional=True)
    expected, (expected_h, expected_c) = twin(_torch(input_tensor.numpy()))
    for got, want in ((output, expected), (h_n, expected_h), (c_n, expected_c)):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-5)
    rng = np.random.default_rng(7)
    upstream = [rng.normal(size=shape).astype(np.float32) for shape in ((32, 15, 40), (4, 32, 20), (4, 32, 20))]
    sum((t * neurenix.Tensor(u)).sum() for t, u in zip((output, h_n, c_n), upstream)).backward()
    sum((t * _torch(u)).sum() for t, u in zip((expected, expected_h, expected_c), upstream)).backward()
    torch_grads = dict(twin.named_parameters())
    assert len(lstm.parameters()) == 16
    for name, param in lstm.named_parameters():
        assert param.grad is not None and np.abs(param.grad.numpy()).max() > 0, name
        np.testing.assert_allclose(param.grad.numpy(), torch_grads[name].grad.numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=name)


# --- "Activation Functions" ------------------------------------------------------------------------------


def test_activation_signatures_compute_what_the_document_says():
    import aino as neurenix

    # --- the document's signature lines (Activation Functions), as code ---
    layers = {
        "relu": neurenix.nn.ReLU(inplace=False),
        "sigmoid": neurenix.nn.Sigmoid(),
        "tanh": neurenix.nn.Tanh(),
        "leaky_relu": neurenix.nn.LeakyReLU(negative_slope=0.01, inplace=False),
        "elu": neurenix.nn.ELU(alpha=1.0, inplace=False),
        "selu": neurenix.nn.SELU(inplace=False),
        "softmax": neurenix.nn.Softmax(dim=-1),
        "gelu": neurenix.nn.GELU(approximate=False),
    }
    # --- end ---
    x = np.random.default_rng(1).normal(size=(6, 7)).astype(np.float64) * 3
    t = torch.from_numpy(x)
    F = torch.nn.functional
    expected = {
        "relu": np.maximum(0, x),
        "sigmoid": 1 / (1 + np.exp(-x)),
        "tanh": (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
        "leaky_relu": np.maximum(0, x) + 0.01 * np.minimum(0, x),
        "elu": np.maximum(0, x) + np.minimum(0, 1.0 * (np.exp(x) - 1)),
        "selu": F.selu(t).numpy(),
        "softmax": np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True),
        "gelu": F.gelu(t, approximate="none").numpy(),  # x * Phi(x), exact
    }
    for name, layer in layers.items():
        got = layer(neurenix.Tensor(x))
        np.testing.assert_allclose(got.numpy(), expected[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_activation_example():
    # --- the document's example (Activation Functions), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Linear, ReLU, Sigmoid

    # Create a simple neural network with activation functions
    model = neurenix.nn.Sequential(
        Linear(10, 20),
        ReLU(),
        Linear(20, 5),
        Sigmoid()
    )

    # Forward pass
    input_tensor = neurenix.Tensor.randn((32, 10))
    output = model(input_tensor)  # Shape: (32, 5)
    # --- end of the example ---

    assert output.shape == (32, 5)
    values = output.numpy()
    assert np.all((values > 0) & (values < 1))  # a sigmoid at the end
    first, second = model[0], model[2]
    hidden = np.maximum(input_tensor.numpy() @ first.weight.numpy().T + first.bias.numpy(), 0)
    logits = hidden @ second.weight.numpy().T + second.bias.numpy()
    np.testing.assert_allclose(values, 1 / (1 + np.exp(-logits)), rtol=1e-5, atol=1e-6)


# --- "Loss Functions" ------------------------------------------------------------------------------------


def test_loss_signatures():
    import aino as neurenix

    # --- the document's signature lines (Loss Functions), as code ---
    mse = neurenix.nn.MSELoss(reduction='mean')
    l1 = neurenix.nn.L1Loss(reduction='mean')
    ce = neurenix.nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean')
    bce = neurenix.nn.BCELoss(weight=None, reduction='mean')
    bce_logits = neurenix.nn.BCEWithLogitsLoss(weight=None, pos_weight=None, reduction='mean')
    # --- end ---
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 4))
    y = rng.normal(size=(6, 4))
    p = 1 / (1 + np.exp(-x))
    t = (rng.random(size=(6, 4)) > 0.5).astype(np.float64)
    labels = rng.integers(0, 4, size=6)
    assert mse(neurenix.Tensor(x), neurenix.Tensor(y)).item() == pytest.approx(np.mean((x - y) ** 2), rel=1e-12)
    assert l1(neurenix.Tensor(x), neurenix.Tensor(y)).item() == pytest.approx(np.mean(np.abs(x - y)), rel=1e-12)
    log_softmax = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    assert ce(neurenix.Tensor(x), neurenix.Tensor(labels)).item() == pytest.approx(
        -log_softmax[np.arange(6), labels].mean(), rel=1e-12)
    expected_bce = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert bce(neurenix.Tensor(p), neurenix.Tensor(t)).item() == pytest.approx(expected_bce, rel=1e-10)
    assert bce_logits(neurenix.Tensor(x), neurenix.Tensor(t)).item() == pytest.approx(expected_bce, rel=1e-10)


def test_loss_example():
    # --- the document's example (Loss Functions), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Linear, CrossEntropyLoss

    # Create a model and loss function
    model = Linear(10, 5)
    criterion = CrossEntropyLoss()

    # Forward pass and loss calculation
    input_tensor = neurenix.Tensor.randn((32, 10))
    target = neurenix.Tensor.randint(0, 5, (32,))
    output = model(input_tensor)
    loss = criterion(output, target)
    # --- end of the example ---

    assert target.shape == (32,) and target.dtype.kind == "i"
    assert target.numpy().min() >= 0 and target.numpy().max() < 5
    assert output.shape == (32, 5)
    z = output.numpy().astype(np.float64)
    labels = target.numpy()
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert loss.shape == () and loss.item() == pytest.approx(-log_softmax[np.arange(32), labels].mean(), rel=1e-5)
    # the gradient reaching the weights: dL/dz = (softmax(z) - one_hot(y)) / N, dL/dW = dz^T x
    loss.backward()
    dz = (np.exp(log_softmax) - np.eye(5)[labels]) / 32
    np.testing.assert_allclose(model.weight.grad.numpy(), dz.T @ input_tensor.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.bias.grad.numpy(), dz.sum(axis=0), rtol=1e-4, atol=1e-6)


# --- "Sequential Container" -------------------------------------------------------------------------------


def test_sequential_signature():
    import aino as neurenix

    args = (neurenix.nn.Linear(10, 20), neurenix.nn.ReLU(), neurenix.nn.Linear(20, 5))  # the signature's names
    kwargs = {}
    # --- the document's signature line (Sequential Container), as code ---
    model = neurenix.nn.Sequential(*args, **kwargs)
    # --- end ---
    assert len(model) == 3 and model(neurenix.Tensor.randn((4, 10))).shape == (4, 5)


def test_sequential_example():
    # --- the document's example (Sequential Container), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Linear, ReLU, Sequential

    # Using Sequential with a list of modules
    model = Sequential(
        Linear(10, 20),
        ReLU(),
        Linear(20, 5)
    )
    positional = model  # kept to check it below

    # Using Sequential with named modules
    model = Sequential({
        'fc1': Linear(10, 20),
        'relu': ReLU(),
        'fc2': Linear(20, 5)
    })

    # Forward pass
    input_tensor = neurenix.Tensor.randn((32, 10))
    output = model(input_tensor)  # Shape: (32, 5)
    # --- end of the example ---

    assert output.shape == (32, 5)
    assert positional(input_tensor).shape == (32, 5)
    assert list(positional.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(model.state_dict()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    # the modules run in the order given
    fc1, fc2 = model.layers[0], model.layers[2]
    hidden = np.maximum(input_tensor.numpy() @ fc1.weight.numpy().T + fc1.bias.numpy(), 0)
    np.testing.assert_allclose(output.numpy(), hidden @ fc2.weight.numpy().T + fc2.bias.numpy(), rtol=1e-5, atol=1e-6)


# --- "Best Practices / Creating Neural Networks" ----------------------------------------------------------


def test_best_practices_custom_model():
    # --- the document's example (Best Practices: Creating Neural Networks), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Module, Linear, ReLU, Sequential

    # Using Module inheritance for custom architecture
    class MyModel(Module):
        def __init__(self):
            super().__init__()
            self.feature_extractor = Sequential(
                Linear(10, 20),
                ReLU(),
                Linear(20, 20),
                ReLU()
            )
            self.classifier = Linear(20, 5)

        def forward(self, x):
            features = self.feature_extractor(x)
            return self.classifier(features)

    # Create and use the model
    model = MyModel()
    model.train()  # Set to training mode
    # --- end of the example ---

    assert model.is_training() and all(m.is_training() for m in model.modules())
    assert [name for name, _ in model.named_parameters()] == [
        "feature_extractor.0.weight", "feature_extractor.0.bias", "feature_extractor.2.weight",
        "feature_extractor.2.bias", "classifier.weight", "classifier.bias"]
    assert model(neurenix.Tensor.randn((7, 10))).shape == (7, 5)
    model.eval()
    assert not any(m.is_training() for m in model.modules())


# --- "Best Practices / Optimizing for Edge Devices" -----------------------------------------------------------


def test_edge_device_example():
    # --- the document's example (Best Practices: Optimizing for Edge Devices), imports pointed at aino ---
    import aino as neurenix
    from aino import DeviceType, Device
    from aino.nn import Sequential, Linear, ReLU

    # Create a small model for edge devices
    model = Sequential(
        Linear(10, 8),
        ReLU(),
        Linear(8, 5)
    )

    # Use the most efficient available device
    devices = neurenix.get_available_devices()
    edge_device = None

    # Prioritize WebGPU for browser-based edge devices
    for device in devices:
        if device.type == DeviceType.WEBGPU:
            edge_device = device
            break

    # Fall back to CPU if no accelerator is available
    if edge_device is None:
        edge_device = Device(DeviceType.CPU)

    # Move model to the selected device
    for param in model.parameters():
        param.to(edge_device, inplace=True)
    # --- end of the example ---

    assert devices[0] == Device(DeviceType.CPU) and devices[0] == "cpu"
    assert all(isinstance(d, Device) for d in devices)
    assert edge_device == "cpu" and edge_device.type is DeviceType.CPU  # no WebGPU device here
    assert all(param.device == edge_device for param in model.parameters())
    assert isinstance(model[0].weight.data, np.ndarray)
    assert model(neurenix.Tensor.randn((3, 10))).shape == (3, 5)


# --- "Best Practices / Training Neural Networks" ------------------------------------------------------------


def test_training_best_practices_example(capsys):
    import aino as neurenix
    from aino.tensor import get_rng

    # data the example assumes: a learnable regression, 5 outputs from 10 features
    input_data = neurenix.Tensor.randn((64, 10))
    target_data = neurenix.Tensor(np.tanh(input_data.numpy() @ np.random.default_rng(3).normal(size=(10, 5))))
    start = get_rng().bit_generator.state  # to rebuild the untrained model afterwards

    # --- the document's example (Best Practices: Training Neural Networks), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Linear, ReLU, Sequential, MSELoss, Dropout
    from aino.optim import Adam

    # Create a model with dropout for regularization
    model = Sequential(
        Linear(10, 20),
        ReLU(),
        Dropout(0.2),
        Linear(20, 20),
        ReLU(),
        Dropout(0.2),
        Linear(20, 5)
    )

    # Set up loss function and optimizer
    criterion = MSELoss()
    optimizer = Adam(model.parameters(), lr=0.001)

    # Training loop
    model.train()
    for epoch in range(10):
        # Forward pass
        output = model(input_data)
        loss = criterion(output, target_data)

        # Backward pass and optimization
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        print(f"Epoch {epoch+1}, Loss: {loss.item()}")
    # --- end of the example ---

    losses = _losses(capsys.readouterr().out)
    assert len(losses) == 10 and all(np.isfinite(losses))

    # the same model before training, rebuilt from the same random draws
    get_rng().bit_generator.state = start
    untrained = Sequential(Linear(10, 20), ReLU(), Dropout(0.2), Linear(20, 20), ReLU(), Dropout(0.2), Linear(20, 5))
    # every parameter moved, each weight by at most about lr per Adam step
    for old, new in zip(untrained.parameters(), model.parameters()):
        step = np.abs(new.numpy() - old.numpy())
        assert 0 < step.max() <= 10 * 0.001 * 1.01
    # dropout is on in training (two calls differ) and off in eval (two calls agree)
    assert not np.array_equal(model(input_data).numpy(), model(input_data).numpy())
    model.eval()
    untrained.eval()
    np.testing.assert_array_equal(model(input_data).numpy(), model(input_data).numpy())
    # the ten steps went downhill on the training data
    assert criterion(model(input_data), target_data).item() < criterion(untrained(input_data), target_data).item()


# --- "Tutorials / Creating a Simple Neural Network" --------------------------------------------------------------


def test_simple_network_tutorial(capsys):
    # --- the document's example (Tutorials: Creating a Simple Neural Network), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Module, Linear, ReLU, Sequential, MSELoss
    from aino.optim import SGD

    # Create a simple neural network
    model = Sequential(
        Linear(10, 20),
        ReLU(),
        Linear(20, 5)
    )

    # Generate some dummy data
    input_data = neurenix.Tensor.randn((100, 10))
    target_data = neurenix.Tensor.randn((100, 5))

    # Set up loss function and optimizer
    criterion = MSELoss()
    optimizer = SGD(model.parameters(), lr=0.01)

    # Training loop
    model.train()
    for epoch in range(100):
        # Forward pass
        output = model(input_data)
        loss = criterion(output, target_data)

        # Backward pass and optimization
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if (epoch + 1) % 10 == 0:
            print(f"Epoch {epoch+1}, Loss: {loss.item()}")

    # Evaluation
    model.eval()
    with neurenix.no_grad():
        test_input = neurenix.Tensor.randn((20, 10))
        predictions = model(test_input)
        print(f"Predictions shape: {predictions.shape}")
    # --- end of the example ---

    printed = capsys.readouterr().out
    losses = _losses(printed)
    assert len(losses) == 10
    # full-batch gradient descent with a small step: the loss on the training data goes down every time
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert "Predictions shape: (20, 5)" in printed
    assert predictions.shape == (20, 5)
    assert not predictions.requires_grad and predictions.grad_fn is None  # no graph under no_grad
    assert not model.is_training()


# --- "Tutorials / Creating a Convolutional Neural Network" ------------------------------------------------------


class _TorchCNN(torch.nn.Module):
    """The tutorial's CNN in PyTorch, same sub-module names, to check aino's against."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2),
                                      nn.Conv2d(16, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2, 2))
        self.classifier = nn.Sequential(nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def test_cnn_tutorial(capsys):
    # --- the document's example (Tutorials: Creating a Convolutional Neural Network), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Module, Conv2d, Linear, ReLU, MaxPool2d, Sequential, CrossEntropyLoss
    from aino.optim import Adam

    # Create a CNN for image classification
    class CNN(Module):
        def __init__(self):
            super().__init__()
            self.features = Sequential(
                Conv2d(3, 16, kernel_size=3, stride=1, padding=1),
                ReLU(),
                MaxPool2d(kernel_size=2, stride=2),
                Conv2d(16, 32, kernel_size=3, stride=1, padding=1),
                ReLU(),
                MaxPool2d(kernel_size=2, stride=2)
            )
            self.classifier = Sequential(
                Linear(32 * 7 * 7, 128),
                ReLU(),
                Linear(128, 10)
            )

        def forward(self, x):
            x = self.features(x)
            x = x.view(x.shape[0], -1)  # Flatten
            x = self.classifier(x)
            return x

    # Create the model
    model = CNN()

    # Generate some dummy data (28x28 RGB images)
    input_data = neurenix.Tensor.randn((32, 3, 28, 28))
    target_data = neurenix.Tensor.randint(0, 10, (32,))

    # Set up loss function and optimizer
    criterion = CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=0.001)

    # Training loop
    model.train()
    for epoch in range(10):
        # Forward pass
        output = model(input_data)
        loss = criterion(output, target_data)

        # Backward pass and optimization
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        print(f"Epoch {epoch+1}, Loss: {loss.item()}")
    # --- end of the example ---

    losses = _losses(capsys.readouterr().out)
    assert len(losses) == 10
    assert 2.0 < losses[0] < 2.7  # about log(10) for an untrained 10-class classifier
    # full-batch Adam on 32 images it can memorise: the loss falls every epoch
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < losses[0] - 0.3, losses
    assert output.shape == (32, 10)
    assert model.features(input_data).shape == (32, 32, 7, 7)  # 28 -> pool -> 14 -> pool -> 7
    # every parameter got a gradient in the last step
    assert [tuple(p.shape) for p in model.parameters()] == [
        (16, 3, 3, 3), (16,), (32, 16, 3, 3), (32,), (128, 32 * 7 * 7), (128,), (10, 128), (10,)]
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in model.parameters())
    # the trained network computes what PyTorch's computes with its weights
    twin = _TorchCNN()
    twin.load_state_dict({name: _torch(value) for name, value in model.state_dict().items()})
    with torch.no_grad():
        expected = twin(_torch(input_data.numpy()))
    np.testing.assert_allclose(model(input_data).numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)
    # and it has learnt its training images better than chance
    assert criterion(model(input_data), target_data).item() < losses[-1]


# --- "Tutorials / Creating a Recurrent Neural Network" ------------------------------------------------------------


class _TorchRNN(torch.nn.Module):
    """The tutorial's RNN in PyTorch, same sub-module names."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.lstm = torch.nn.LSTM(input_size, hidden_size, num_layers=2, batch_first=True)
        self.fc = torch.nn.Linear(hidden_size, output_size)

    def forward(self, x):
        output, _ = self.lstm(x)
        return self.fc(output[:, -1, :])


def test_rnn_tutorial(capsys):
    # --- the document's example (Tutorials: Creating a Recurrent Neural Network), imports pointed at aino ---
    import aino as neurenix
    from aino.nn import Module, LSTM, Linear, Sequential, MSELoss
    from aino.optim import Adam

    # Create an RNN for sequence prediction
    class RNN(Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.lstm = LSTM(input_size, hidden_size, num_layers=2, batch_first=True)
            self.fc = Linear(hidden_size, output_size)

        def forward(self, x):
            # x shape: (batch_size, seq_length, input_size)
            output, (h_n, c_n) = self.lstm(x)
            # Use the output of the last time step
            last_output = output[:, -1, :]
            return self.fc(last_output)

    # Create the model
    input_size = 10
    hidden_size = 20
    output_size = 5
    model = RNN(input_size, hidden_size, output_size)

    # Generate some dummy data (sequences of length 15)
    batch_size = 32
    seq_length = 15
    input_data = neurenix.Tensor.randn((batch_size, seq_length, input_size))
    target_data = neurenix.Tensor.randn((batch_size, output_size))

    # Set up loss function and optimizer
    criterion = MSELoss()
    optimizer = Adam(model.parameters(), lr=0.001)

    # Training loop
    model.train()
    for epoch in range(10):
        # Forward pass
        output = model(input_data)
        loss = criterion(output, target_data)

        # Backward pass and optimization
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        print(f"Epoch {epoch+1}, Loss: {loss.item()}")
    # --- end of the example ---

    losses = _losses(capsys.readouterr().out)
    assert len(losses) == 10 and all(np.isfinite(losses))
    # full-batch Adam with a small step: the loss on the training data falls every epoch
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert output.shape == (32, 5)
    assert [name for name, _ in model.named_parameters()] == [
        f"lstm.{kind}_l{layer}" for layer in (0, 1) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ] + ["fc.weight", "fc.bias"]
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in model.parameters())
    # the trained network computes what PyTorch's computes with its weights
    twin = _TorchRNN(input_size, hidden_size, output_size)
    twin.load_state_dict({name: _torch(value) for name, value in model.state_dict().items()})
    with torch.no_grad():
        expected = twin(_torch(input_data.numpy()))
    np.testing.assert_allclose(model(input_data).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)
    assert criterion(model(input_data), target_data).item() < losses[-1]

"""Module: parts found automatically, PyTorch's names, state dicts both ways, modes, devices, dtypes."""

import pickle

import numpy as np
import pytest

import aino
from aino import nn
from aino.tensor import Tensor


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = []  # filled after assignment: still found
        for _ in range(2):
            self.blocks.append(nn.Linear(3, 3))
        self.heads = {"a": nn.Linear(3, 1), "b": nn.Linear(3, 2)}
        self.scale = nn.Parameter(np.ones(3, dtype=np.float32))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.heads["a"](x * self.scale)


def test_parts_are_found_with_pytorch_names():
    names = [name for name, _ in Stack().named_parameters()]
    # PyTorch's order: a module's own parameters, then its children's
    assert names == ["scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
                     "heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias"]
    assert [name for name, _ in Block().named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert len(Block().children()) == 3 and len(Stack().modules()) == 5


def test_shared_modules_are_counted_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(model.parameters()) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias"]


def test_state_dict_keys_and_shapes_match_pytorch_both_ways(device):
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(device)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.set_dtype(np.float64).load_state_dict(theirs.state_dict())
    assert all(p.device == device for p in ours.parameters())
    x = np.random.default_rng(0).normal(size=(5, 3))
    xa = Tensor(x, device=device)
    np.testing.assert_allclose(ours(xa).numpy(), theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)
    theirs2 = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    theirs2.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(theirs2(torch.from_numpy(x)).detach().numpy(), ours(xa).numpy(), rtol=1e-12)


def test_load_state_dict_refuses_wrong_keys_and_shapes(device):
    model = Block().to(device)
    state = model.state_dict()
    with pytest.raises(ValueError, match=r"'fc1.weight' expects shape \(4, 3\), got \(3, 4\)"):
        model.load_state_dict({**state, "fc1.weight": np.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"missing keys \['fc2.bias'\], unexpected keys \['extra'\]"):
        model.load_state_dict({**{k: v for k, v in state.items() if k != "fc2.bias"}, "extra": np.zeros(1)})
    result = model.load_state_dict({"fc1.bias": np.ones(4)}, strict=False)
    assert "fc2.weight" in result.missing_keys
    np.testing.assert_array_equal(model.fc1.bias.numpy(), np.ones(4))
    assert model.fc1.bias.device == device


@pytest.mark.parametrize("saved_on", ["cpu", "fake-gpu"])
def test_state_dict_is_plain_arrays_and_pickles(saved_on, device):
    """A state dict is NumPy arrays wherever the model was, and loads onto a model on any device."""
    model = Block().to(saved_on)
    state = pickle.loads(pickle.dumps(model.state_dict()))
    assert all(isinstance(v, np.ndarray) for v in state.values())
    other = Block().to(device)
    other.load_state_dict(state)
    assert all(p.device == device for p in other.parameters())
    x = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_array_equal(other(Tensor(x, device=device)).numpy(), model(Tensor(x, device=saved_on)).numpy())


def test_load_keeps_the_same_arrays_in_place(device):
    model = Block().to(device)
    weight_array = model.fc1.weight.data
    model.load_state_dict(Block().to(device).state_dict())
    assert model.fc1.weight.data is weight_array


def test_train_eval_and_no_grad(device):
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5)).to(device)
    assert model.is_training() and model[1].training
    model.eval()
    assert not model.is_training() and not model[1].training
    x = Tensor(np.ones((4, 3), dtype=np.float32), device=device)
    np.testing.assert_array_equal(model(x).numpy(), model[0](x).numpy())
    with model.no_grad():
        assert not model(x).requires_grad
    assert model.train() is model and model[1].training


def test_zero_grad_clears_gradients(device):
    model = Block().to(device)
    model(Tensor.randn(2, 3).to(device)).sum().backward()
    assert all(p.grad.device == device for p in model.parameters())
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_set_dtype_casts_every_parameter(device):
    model = Stack().to(device).set_dtype("float64")
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float64)}
    assert all(p.device == device for p in model.parameters())
    assert model(Tensor(np.ones((2, 3)), device=device)).dtype == np.float64


def test_sequential_forms():
    a, b = nn.Linear(2, 3), nn.Linear(3, 1)
    for model in (nn.Sequential(a, nn.ReLU(), b), nn.Sequential([a, nn.ReLU(), b], device="cpu")):
        assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
        assert len(model) == 3 and model[2] is b
    named = nn.Sequential({"hidden": a, "act": nn.ReLU(), "out": b})
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(a, "relu")


def test_linear_shape_error_names_the_layer():
    with pytest.raises(ValueError, match=r"Linear\(3 -> 4\) expected input with 3 features, got shape \(5, 7\)"):
        nn.Linear(3, 4)(Tensor.zeros(5, 7))


def test_flat_names_from_aino():
    for name in ("Tensor", "DOtensor", "Module", "BaseModel", "Linear", "Dense", "Sequential", "ReLU", "SGD", "Adam",
                 "no_grad", "save_model_parameters", "load_state_dict_from_file", "Device", "DeviceType",
                 "has_cupy", "parse_dtype", "get_available_devices"):
        assert hasattr(aino, name), name
    assert aino.nn.Linear is aino.Linear and aino.optim.Adam is aino.Adam

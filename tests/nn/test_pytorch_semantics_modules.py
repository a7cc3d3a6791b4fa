"""Issue 15's "wrong today" cases of aino.nn's modules, each a named test: Linear's third argument, Linear's
activation by name, and copying a model (copy.deepcopy, pickle) after a forward pass with gradients on."""

import copy
import pickle

import numpy as np
import pytest

import aino.nn as nn
from aino.tensor import Tensor

from nn_helpers import rand


@pytest.mark.parametrize("third", ["relu", "rleu"])
def test_linear_refuses_text_in_bias_place_naming_its_signature(third):
    with pytest.raises(TypeError, match=r"Linear\(in_features, out_features, bias=True.*bias must be True or False"):
        nn.Linear(3, 4, third)


@pytest.mark.parametrize("bias", [1, 0.0, None, "yes", [True]])
def test_canonical_linear_refuses_a_non_bool_bias(bias):
    from aino.nn.linear import Linear

    with pytest.raises(TypeError, match=r"bias must be True or False"):
        Linear(3, 4, bias)


def test_linear_takes_an_activation_by_name(device):
    layer = nn.Linear(3, 4, activation="relu", dtype="float64", device=device)
    x = rand((5, 3), 1)
    expected = np.maximum(x @ layer.weight.numpy().T + layer.bias.numpy(), 0)
    np.testing.assert_allclose(layer(Tensor(x, device=device)).numpy(), expected, rtol=1e-12)
    assert layer.bias is not None


def test_linear_activation_by_name_is_case_blind_and_takes_sigmoid(device):
    layer = nn.Linear(2, 2, activation="Sigmoid", dtype="float64", device=device)
    x = rand((3, 2), 2)
    expected = 1 / (1 + np.exp(-(x @ layer.weight.numpy().T + layer.bias.numpy())))
    np.testing.assert_allclose(layer(Tensor(x, device=device)).numpy(), expected, rtol=1e-12)


def test_linear_unknown_activation_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown activation 'rleu'; expected one of \[.*'relu'.*\]"):
        nn.Linear(3, 4, activation="rleu")


def test_linear_activation_of_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="activation must be a layer such as ReLU"):
        nn.Linear(3, 4, activation=3)


def test_linear_with_an_activation_layer_in_third_place_still_works():  # document 003's spelling
    layer = nn.Linear(3, 4, nn.ReLU())
    assert layer.bias is not None and isinstance(layer.activation, nn.ReLU)


def _trained_once(device):
    model = nn.Sequential(nn.Linear(3, 5, dtype="float64", device=device), nn.Tanh(),
                          nn.Linear(5, 2, dtype="float64", device=device))
    x = Tensor(rand((4, 3), 3), requires_grad=True, device=device)
    model(x).sum().backward()
    return model, x


def test_deepcopy_after_a_forward_pass_with_gradients_on(device):
    model, x = _trained_once(device)
    twin = copy.deepcopy(model)
    np.testing.assert_array_equal(twin(x).numpy(), model(x).numpy())
    twin[0].weight.data[...] = 0  # the copy owns its own weights
    assert np.abs(model[0].weight.numpy()).sum() > 0
    assert list(twin.state_dict()) == list(model.state_dict())


def test_deepcopy_keeps_gradients_as_pytorch_does(device):
    model, _ = _trained_once(device)
    twin = copy.deepcopy(model)
    assert twin[0].weight.grad.device == device
    np.testing.assert_array_equal(twin[0].weight.grad.numpy(), model[0].weight.grad.numpy())


def test_pickle_after_a_forward_pass(device):
    model, x = _trained_once(device)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored(x).numpy(), model(x).numpy())


def test_manual_backward_still_works_on_the_original_after_a_copy(device):
    layer = nn.Linear(3, 2, dtype="float64", device=device)
    x = Tensor(rand((4, 3), 4), device=device).data  # an array of the layer's device
    layer(x)
    copy.deepcopy(layer)
    grad_input = layer.backward(np.ones((4, 2)))
    np.testing.assert_allclose(Tensor(grad_input).numpy(), np.ones((4, 2)) @ layer.weight.numpy(), rtol=1e-12)


def test_a_copy_has_no_last_call_to_backpropagate():
    layer = nn.Linear(3, 2, dtype="float64")
    layer(rand((4, 3), 5))
    with pytest.raises(RuntimeError, match="call the module before backward"):
        copy.deepcopy(layer).backward(np.ones((4, 2)))


# --- PyTorch's ways of adding parts: register_buffer, register_parameter, add_module, apply -----------------

torch = pytest.importorskip("torch")


def _with_buffers(library, parameter, tensor):
    class Encoding(library.Module):
        def __init__(self):
            super().__init__()
            self.proj = library.Linear(2, 2)
            self.register_buffer("table", tensor(np.arange(4.0)))
            self.register_buffer("scratch", tensor(np.zeros(3)), persistent=False)
            self.register_parameter("scale", parameter(tensor(np.ones(2))))
            self.add_module("head", library.Linear(2, 1))

    return Encoding()


def test_register_buffer_parameter_and_add_module_give_torchs_state_dict(device):
    ours = _with_buffers(nn, nn.Parameter, Tensor).to(device)
    theirs = _with_buffers(torch.nn, torch.nn.Parameter, torch.tensor)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # "scratch" (persistent=False) is left out
    assert sorted(n for n, _ in ours.named_buffers()) == sorted(n for n, _ in theirs.named_buffers())
    assert sorted(n for n, _ in ours.named_parameters()) == sorted(n for n, _ in theirs.named_parameters())
    ours.load_state_dict({k: v.double() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours.table.numpy(), np.arange(4.0))
    assert not ours.table.requires_grad


def test_apply_visits_children_first_as_torch():
    def order(model):
        seen = []
        model.apply(lambda m: seen.append(type(m).__name__))
        return seen

    ours = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 1)))
    assert order(ours) == order(theirs)
    assert ours.apply(lambda m: None) is ours


def test_apply_initialises_weights_as_a_papers_code_does(device):
    def init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.constant_(module.weight, 0.5)
            nn.init.zeros_(module.bias)

    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1), device=device).apply(init_weights)
    np.testing.assert_array_equal(model[2].weight.numpy(), np.full((1, 2), 0.5))
    assert model[2].weight.device == device and model[2].bias.device == device


def test_requires_grad_freezes_and_unfreezes():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    assert model.requires_grad_(False) is model and not any(p.requires_grad for p in model.parameters())
    model[1].requires_grad_()
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]


PART_REFUSED = [
    ("buffer name with a dot", lambda m: m.register_buffer("a.b", None), KeyError, "no '.'"),
    ("buffer name not text", lambda m: m.register_buffer(3, None), TypeError, "must be a string"),
    ("parameter of an array", lambda m: m.register_parameter("w", np.zeros(2)), TypeError,
     "must be a Parameter or None"),
    ("module of text", lambda m: m.add_module("head", "linear"), TypeError, "must be a Module or None"),
    ("persistent text", lambda m: m.register_buffer("t", None, persistent="no"), TypeError, "persistent must be True"),
]


@pytest.mark.parametrize("name, make, error, words", PART_REFUSED, ids=[case[0] for case in PART_REFUSED])
def test_adding_parts_refuses_bad_arguments(name, make, error, words):
    with pytest.raises(error, match=words):
        make(nn.Module())


# --- the names of aino.nn ------------------------------------------------------------------------------------


def test_torch_nn_submodules_are_reachable_as_attributes():
    import aino

    assert callable(nn.utils.clip_grad_norm_) and callable(nn.init.kaiming_uniform_) and callable(nn.functional.relu)
    assert aino.functional is not nn.functional  # `from aino.nn import *` does not shadow aino's own module


@pytest.mark.parametrize("name", ["ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "TransformerEncoder",
                                  "TransformerDecoder", "MixtureOfExperts", "SiLU", "Hardtanh", "Softmin", "ReLU6",
                                  "ConvTranspose1d", "ConvTranspose2d", "Upsample", "MaxUnpool1d", "MaxUnpool2d"])
def test_aino_nn_exports(name):
    assert name in nn.__all__ and isinstance(getattr(nn, name), type)


@pytest.mark.parametrize("method, dtype", [("double", np.float64), ("float", np.float32), ("half", np.float16)])
def test_module_float_double_half_cast_floating_state_and_keep_counters_as_torch(method, dtype, device):
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), device=device)
    theirs = getattr(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)), method)()
    assert getattr(ours, method)() is ours
    for key, value in ours.state_dict().items():
        assert np.asarray(value).dtype == np.dtype(str(theirs.state_dict()[key].dtype).replace("torch.", "")), key
    assert ours[0].weight.dtype == dtype and ours[1].num_batches_tracked.dtype == np.int64
    assert all(tensor.device == device for _, tensor in ours._state_tensors())


def test_module_to_takes_a_dtype_first_and_cpu_keeps_it_on_the_cpu(device):
    model = nn.Linear(2, 3, device=device)
    assert model.to("float64").weight.device == device  # a dtype alone does not move it
    assert model.to("float64").weight.dtype == np.float64 and model.cpu().weight.device == "cpu"
    with pytest.raises(TypeError, match="Linear.to: dtype must be a floating-point type"):
        model.to("int64")

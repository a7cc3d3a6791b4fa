"""nn.ModuleList, ModuleDict, ParameterList, ParameterDict (PyTorch's keys, torch's state_dict loads), the
in-place initialisers of nn.init (statistics and PyTorch's documented bounds) and nn.utils (gradient clipping,
parameters as one vector), against PyTorch."""

import math

import numpy as np
import pytest

import aino.nn as nn
from aino.nn.parameter import Parameter
from aino.tensor import Tensor
from aino.tensor_creation import manual_seed

from nn_helpers import assert_close, rand

torch = pytest.importorskip("torch")


# --- containers ----------------------------------------------------------------------------------------


class Tower(nn.Module):
    """A model that keeps its blocks in a ModuleList and its heads in a ModuleDict, as a paper's code does."""

    def __init__(self, dtype="float64", device=None):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(3, 3, dtype=dtype, device=device) for _ in range(2)])
        self.heads = nn.ModuleDict({"left": nn.Linear(3, 1, dtype=dtype, device=device),
                                    "right": nn.Linear(3, 2, dtype=dtype, device=device)})
        self.scales = nn.ParameterList([Parameter(np.ones(3)), Parameter(np.full(3, 2.0))]).to(device or "cpu")

    def forward(self, x):
        for block, scale in zip(self.blocks, self.scales):
            x = (block(x) * scale).tanh()
        return self.heads["left"](x), self.heads["right"](x)


class TorchTower(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, 3) for _ in range(2)])
        self.heads = torch.nn.ModuleDict({"left": torch.nn.Linear(3, 1), "right": torch.nn.Linear(3, 2)})
        self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.rand(3)) for _ in range(2)])

    def forward(self, x):
        for block, scale in zip(self.blocks, self.scales):
            x = (block(x) * scale).tanh()
        return self.heads["left"](x), self.heads["right"](x)


def test_containers_have_pytorchs_state_dict_keys_and_load_torchs_weights(device):
    theirs = TorchTower().double()
    ours = Tower(device=device)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    x = rand((4, 3), 1)
    for a, b in zip(ours(Tensor(x, device=device)), theirs(torch.from_numpy(x))):
        assert_close(a, b)
    assert len(ours.parameters()) == len(list(theirs.parameters()))


def test_module_list_behaves_as_a_list():
    a, b, c, d = (nn.Linear(2, 2) for _ in range(4))
    layers = nn.ModuleList([a, b])
    layers.append(c)
    layers.extend([d])
    assert len(layers) == 4 and layers[0] is a and layers[-1] is d and list(layers) == [a, b, c, d]
    tail = layers[1:3]
    assert isinstance(tail, nn.ModuleList) and list(tail) == [b, c]
    layers.insert(0, nn.ReLU())
    assert list(layers.state_dict())[:2] == ["1.weight", "1.bias"]  # renumbered after the insert, as torch
    del layers[0]
    assert list(layers.state_dict())[:2] == ["0.weight", "0.bias"] and layers[0] is a
    layers[1] = d
    assert layers[1] is d
    layers += [nn.Tanh()]
    assert len(layers) == 5 and len(nn.ModuleList()) == 0


def test_module_list_matches_torchs_keys_after_insert_and_delete():
    ours, theirs = nn.ModuleList(), torch.nn.ModuleList()
    for container, linear in ((ours, nn.Linear), (theirs, torch.nn.Linear)):
        container.append(linear(1, 2))
        container.append(linear(2, 3))
        container.insert(1, linear(3, 4))
        del container[0]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shapes = [tuple(v.shape) for v in ours.state_dict().values()]
    assert shapes == [tuple(v.shape) for v in theirs.state_dict().values()]


def test_module_dict_behaves_as_a_dict():
    heads = nn.ModuleDict([("b", nn.Linear(1, 1)), ("a", nn.Linear(1, 2))])
    assert list(heads) == ["b", "a"] and "a" in heads and len(heads) == 2
    heads["c"] = nn.ReLU()
    assert list(heads.keys()) == ["b", "a", "c"] and isinstance(heads.pop("c"), nn.ReLU)
    assert [k for k, _ in heads.items()] == ["b", "a"] and len(list(heads.values())) == 2
    heads.update({"d": nn.Linear(2, 2)})
    assert list(heads.state_dict()) == ["b.weight", "b.bias", "a.weight", "a.bias", "d.weight", "d.bias"]
    del heads["b"]
    heads.clear()
    assert len(heads) == 0


def test_parameter_list_and_dict_wrap_tensors_as_parameters():
    plist = nn.ParameterList([Tensor(np.zeros(2)), np.ones(3)])
    plist.append(Parameter(np.ones(1)))
    assert all(isinstance(p, Parameter) and p.requires_grad for p in plist)
    assert list(plist.state_dict()) == ["0", "1", "2"] == list(torch.nn.ParameterList(
        [torch.nn.Parameter(torch.zeros(1)) for _ in range(3)]).state_dict())
    pdict = nn.ParameterDict({"scale": np.ones(2)})
    assert list(pdict.state_dict()) == ["scale"] and isinstance(pdict["scale"], Parameter)


REFUSED = [
    ("ModuleList of text", lambda: nn.ModuleList(["relu"]), TypeError, "ModuleList: layer 0 is a str, not a Module"),
    ("ModuleList.append None", lambda: nn.ModuleList().append(None), TypeError, "not a Module"),
    ("ModuleList.extend a module", lambda: nn.ModuleList().extend(nn.ReLU()), TypeError, "expected an iterable"),
    ("ModuleList index", lambda: nn.ModuleList([nn.ReLU()])[3], IndexError, "index 3 is out of range for 1"),
    ("ModuleList text index", lambda: nn.ModuleList([nn.ReLU()])["0"], TypeError, "index"),
    ("ModuleDict int key", lambda: nn.ModuleDict({1: nn.ReLU()}), TypeError, "keys must be strings"),
    ("ModuleDict dotted key", lambda: nn.ModuleDict({"a.b": nn.ReLU()}), ValueError, "without '.'"),
    ("ModuleDict missing", lambda: nn.ModuleDict({"a": nn.ReLU()})["b"], KeyError, "no part named 'b'"),
    ("ParameterList of text", lambda: nn.ParameterList(["w"]), TypeError, "not a Parameter, Tensor or array"),
]


@pytest.mark.parametrize("name, make, error, words", REFUSED, ids=[case[0] for case in REFUSED])
def test_containers_refuse_bad_parts(name, make, error, words):
    with pytest.raises(error, match=words):
        make()


# --- nn.init -------------------------------------------------------------------------------------------

GAINS = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
         ("leaky_relu", None), ("leaky_relu", 0.2), ("conv_transpose1d", None)]


@pytest.mark.parametrize("nonlinearity, param", GAINS)
def test_calculate_gain_matches_pytorch(nonlinearity, param):
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(expected)


def test_calculate_gain_documented_values():  # PyTorch's table: tanh 5/3, relu sqrt(2), leaky_relu sqrt(2/(1+s^2))
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("leaky_relu", 0.5) == pytest.approx(math.sqrt(2 / 1.25))
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


def big(shape, device):
    """A zero Parameter to initialise, after seeding aino's generator (so each test draws the same)."""
    manual_seed(0)
    return Parameter(np.zeros(shape), device=device)


def initialised(init, options, shape, device):
    """The values that init(tensor, **options) fills a fresh big(shape, device) with, after checking that the
    initialiser works in place and returns the tensor it was given."""
    tensor = big(shape, device)
    assert init(tensor, **options) is tensor
    return tensor.numpy()


def standard_error(values, spread):
    """Five standard errors of the mean of `values` drawn with standard deviation `spread`."""
    return 5 * spread / math.sqrt(values.size)


# (initialiser, options, shape, expected bound of a uniform or std of a normal, from PyTorch's documentation)
# Linear (600, 400): fan_in 400, fan_out 600; conv (64, 32, 3, 3): fan_in 288, fan_out 576.
UNIFORM = {
    "uniform_": (nn.init.uniform_, dict(a=-0.3, b=0.3), (600, 400), 0.3),
    "xavier_uniform_": (nn.init.xavier_uniform_, {}, (600, 400), math.sqrt(6 / 1000)),
    "xavier_uniform_ gain 2": (nn.init.xavier_uniform_, dict(gain=2.0), (600, 400), 2 * math.sqrt(6 / 1000)),
    "kaiming_uniform_": (nn.init.kaiming_uniform_, {}, (600, 400), math.sqrt(6 / 400)),
    "kaiming_uniform_ a=sqrt5": (nn.init.kaiming_uniform_, dict(a=math.sqrt(5)), (600, 400), 1 / math.sqrt(400)),
    "kaiming_uniform_ conv fan_out": (nn.init.kaiming_uniform_, dict(mode="fan_out", nonlinearity="relu"),
                                      (64, 32, 3, 3), math.sqrt(6 / 576)),
    "xavier_uniform_ conv": (nn.init.xavier_uniform_, {}, (64, 32, 3, 3), math.sqrt(6 / (288 + 576))),
}
NORMAL = {
    "normal_": (nn.init.normal_, dict(mean=0.0, std=0.2), (600, 400), 0.2),
    "xavier_normal_": (nn.init.xavier_normal_, {}, (600, 400), math.sqrt(2 / 1000)),
    "kaiming_normal_": (nn.init.kaiming_normal_, {}, (600, 400), math.sqrt(2 / 400)),
    "kaiming_normal_ fan_out tanh": (nn.init.kaiming_normal_, dict(mode="fan_out", nonlinearity="tanh"),
                                     (64, 32, 3, 3), (5 / 3) / math.sqrt(576)),
}


@pytest.mark.parametrize("case", UNIFORM)
def test_uniform_initialisers_fill_within_pytorchs_bound(case, device):
    init, options, shape, bound = UNIFORM[case]
    values = initialised(init, options, shape, device)
    assert values.min() >= -bound and values.max() <= bound
    assert values.max() > 0.99 * bound and values.min() < -0.99 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(values.mean()) < standard_error(values, bound / math.sqrt(3))
    expected = torch.empty(shape)  # PyTorch's own draws have the same spread
    getattr(torch.nn.init, init.__name__)(expected, **options)
    assert values.std() == pytest.approx(float(expected.std()), rel=0.03)


@pytest.mark.parametrize("case", NORMAL)
def test_normal_initialisers_have_pytorchs_spread(case, device):
    init, options, shape, std = NORMAL[case]
    values = initialised(init, options, shape, device)
    assert values.std() == pytest.approx(std, rel=0.02) and abs(values.mean()) < standard_error(values, std)


def test_trunc_normal_stays_within_its_bounds_with_the_truncated_mean(device):
    tensor = nn.init.trunc_normal_(big((300, 300), device), mean=0.5, std=1.0, a=0.0, b=1.5)
    values = tensor.numpy()
    density = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    mean = 0.5 + (density(-0.5) - density(1.0)) / (cdf(1.0) - cdf(-0.5))  # mu + (phi(alpha) - phi(beta)) / Z
    assert values.min() >= 0.0 and values.max() <= 1.5 and values.mean() == pytest.approx(mean, abs=0.01)


def test_constant_ones_zeros_eye(device):
    tensor = big((3, 4), device)
    np.testing.assert_array_equal(nn.init.constant_(tensor, 0.25).numpy(), np.full((3, 4), 0.25))
    np.testing.assert_array_equal(nn.init.ones_(tensor).numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(nn.init.zeros_(tensor).numpy(), np.zeros((3, 4)))
    np.testing.assert_array_equal(nn.init.eye_(tensor).numpy(), np.eye(3, 4))


def test_orthogonal_gives_orthonormal_rows_or_columns(device):
    wide = nn.init.orthogonal_(big((20, 50), device), gain=2.0).numpy()
    np.testing.assert_allclose(wide @ wide.T, 4 * np.eye(20), atol=1e-10)
    tall = nn.init.orthogonal_(big((50, 20), device)).numpy()
    np.testing.assert_allclose(tall.T @ tall, np.eye(20), atol=1e-10)


def test_initialisers_draw_from_aino_seeded_generator_and_record_no_graph(device):
    layer = nn.Linear(5, 4, device=device)
    manual_seed(7)
    first = nn.init.kaiming_uniform_(layer.weight).numpy().copy()
    manual_seed(7)
    second = nn.init.kaiming_uniform_(layer.weight).numpy()
    np.testing.assert_array_equal(first, second)
    assert layer.weight.requires_grad and layer.weight.is_leaf and layer.weight.device == device


@pytest.mark.parametrize("shape", [(3, 4), (8, 2, 3), (4, 3, 2, 5), (6, 2, 1, 1, 3)])
def test_fans_as_pytorch_counts_them(shape):
    from aino.nn.init import _calculate_fan_in_and_fan_out

    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert _calculate_fan_in_and_fan_out(big(shape, "cpu")) == expected


INIT_REFUSED = [
    ("xavier on a vector", lambda: nn.init.xavier_uniform_(big((5,), "cpu")), ValueError, "at least 2 dimensions"),
    ("kaiming mode", lambda: nn.init.kaiming_normal_(big((5, 5), "cpu"), mode="fan"), ValueError,
     "'fan_in' or 'fan_out'"),
    ("kaiming nonlinearity", lambda: nn.init.kaiming_uniform_(big((5, 5), "cpu"), nonlinearity="swish"), ValueError,
     "unknown nonlinearity"),
    ("eye_ on 3-D", lambda: nn.init.eye_(big((2, 2, 2), "cpu")), ValueError, "2-D"),
    ("not a tensor", lambda: nn.init.zeros_(np.zeros(3)), TypeError, "expected a Tensor"),
    ("trunc bounds", lambda: nn.init.trunc_normal_(big((2, 2), "cpu"), a=1.0, b=0.0), ValueError, "a < b"),
]


@pytest.mark.parametrize("name, make, error, words", INIT_REFUSED, ids=[case[0] for case in INIT_REFUSED])
def test_initialisers_refuse_bad_arguments(name, make, error, words):
    with pytest.raises(error, match=words):
        make()


# --- nn.utils ------------------------------------------------------------------------------------------


def pairs_with_grads(device, scale=1.0):
    """Two lists of parameters, ours and torch's, with the same gradients (one parameter has none)."""
    shapes = [(3, 4), (0, 3), (1,), (2, 2, 2), (5,)]  # size-0 and size-1 gradients too
    grads = [scale * rand(shape, 20 + i) for i, shape in enumerate(shapes)]
    ours = [Parameter(np.zeros(shape), device=device) for shape in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(shape, dtype=torch.float64)) for shape in shapes]
    for i, grad in enumerate(grads[:-1]):
        ours[i].grad = Tensor(grad, device=device)
        theirs[i].grad = torch.from_numpy(grad.copy())
    return ours, theirs


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (0.5, 1), (1.0, math.inf), (2.0, 3.0), (100.0, 2.0),
                                                 (1.0, "inf")])
def test_clip_grad_norm_matches_pytorch(max_norm, norm_type, device):
    ours, theirs = pairs_with_grads(device)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    # an empty gradient adds nothing to the norm; PyTorch refuses to take its inf-norm, so it is left out there
    expected = torch.nn.utils.clip_grad_norm_([p for p in theirs if p.numel()], max_norm, float(norm_type))
    assert isinstance(total, Tensor) and total.ndim == 0
    assert_close(total, expected)
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None
        else:
            assert_close(a.grad, b.grad)


def test_clip_grad_norm_takes_one_tensor_and_model_parameters():
    layer = nn.Linear(3, 2, dtype="float64")
    layer(Tensor(rand((4, 3), 9))).sum().backward()
    norm = float(np.sqrt((layer.weight.grad.numpy() ** 2).sum() + (layer.bias.grad.numpy() ** 2).sum()))
    assert float(nn.utils.clip_grad_norm_(layer.parameters(), 0.1).numpy()) == pytest.approx(norm)
    after = np.sqrt((layer.weight.grad.numpy() ** 2).sum() + (layer.bias.grad.numpy() ** 2).sum())
    assert after == pytest.approx(0.1, rel=1e-4)
    assert float(nn.utils.clip_grad_norm_(layer.weight, 10.0).numpy()) > 0
    assert float(nn.utils.clip_grad_norm_([], 1.0).numpy()) == 0.0


def test_clip_grad_norm_refuses_a_non_finite_norm_when_asked():
    ours, _ = pairs_with_grads("cpu")
    ours[0].grad.data[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert ours[0].grad.numpy()[0, 0] == np.inf  # nothing changed


@pytest.mark.parametrize("clip_value", [0.0, 0.3, 5.0])
def test_clip_grad_value_matches_pytorch(clip_value, device):
    ours, theirs = pairs_with_grads(device)
    assert nn.utils.clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for a, b in zip(ours[:-1], theirs[:-1]):
        assert_close(a.grad, b.grad)


def test_parameters_to_vector_and_back_match_pytorch(device):
    ours = [Parameter(rand(shape, i), device=device) for i, shape in enumerate([(2, 3), (3,), (1, 1, 2)])]
    theirs = [torch.nn.Parameter(torch.from_numpy(p.numpy().copy())) for p in ours]
    vector = nn.utils.parameters_to_vector(ours)
    assert_close(vector, torch.nn.utils.parameters_to_vector(theirs))
    vector.sum().backward()  # part of the graph, as torch's
    np.testing.assert_array_equal(ours[0].grad.numpy(), np.ones((2, 3)))
    new = rand((11,), 5)
    nn.utils.vector_to_parameters(Tensor(new, device=device), ours)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(new), theirs)
    for a, b in zip(ours, theirs):
        assert_close(a, b)


UTILS_REFUSED = [
    ("a function", lambda: nn.utils.clip_grad_norm_(len, 1.0), TypeError, "expected a tensor or an iterable"),
    ("not tensors", lambda: nn.utils.clip_grad_norm_([1, 2], 1.0), TypeError, "expected tensors"),
    ("negative clip", lambda: nn.utils.clip_grad_value_([], -1.0), ValueError, "clip_value must be >= 0"),
    ("vector length", lambda: nn.utils.vector_to_parameters(Tensor(np.zeros(3)), [Parameter(np.zeros(4))]), ValueError,
     "vec has 3 entries, the parameters need 4"),
    ("vector 2-D", lambda: nn.utils.vector_to_parameters(Tensor(np.zeros((2, 2))), [Parameter(np.zeros(4))]), TypeError,
     "1-D Tensor"),
]


@pytest.mark.parametrize("name, make, error, words", UTILS_REFUSED, ids=[case[0] for case in UTILS_REFUSED])
def test_utils_refuse_bad_arguments(name, make, error, words):
    with pytest.raises(error, match=words):
        make()

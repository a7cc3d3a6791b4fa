"""The mixture-of-experts neuron of reference document 000, addneuron(kind="moe", experts=..., top_k=...):
y = sum_e g_e(x) (x W_e + b_e) with g(x) = softmax(x W_g + b_g) (over the top_k largest logits), checked on
hand-computed numbers, by central differences, by learning two regimes no single expert fits, and in a model
that is saved and loaded."""

import math

import numpy as np
import pytest

import aino
from aino import CustomAIModel, Dense
from aino.gradcheck import numerical_gradient
from aino.nn.neurons import MixtureOfExperts
from aino.optim import Adam
from aino.tensor import Tensor


@pytest.fixture(autouse=True)
def seeded():
    aino.manual_seed(0)


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def tiny(device="cpu", top_k=None):
    """Width 1, two experts: gate logits (x, -x), experts f_1 = 2x and f_2 = -x + 1."""
    moe = MixtureOfExperts(1, experts=2, top_k=top_k, dtype=np.float64)
    moe.gate_weight.data[...] = [[1.0, -1.0]]
    moe.gate_bias.data[...] = 0.0
    moe.expert_weight.data[...] = np.array([2.0, -1.0]).reshape(2, 1, 1)
    moe.expert_bias.data[...] = [[0.0], [1.0]]
    return moe.to(device)


# x = 0.5: logits (0.5, -0.5), g = (sigmoid(1), sigmoid(-1)); f = (1.0, 0.5); y = g_1 * 1.0 + g_2 * 0.5
# x = -2: logits (-2, 2), g = (sigmoid(-4), sigmoid(4)); f = (-4, 3)
HAND = [
    (0.5, None, sigmoid(1) * 1.0 + sigmoid(-1) * 0.5),
    (-2.0, None, sigmoid(-4) * -4.0 + sigmoid(4) * 3.0),
    (0.0, None, 0.5 * 0.0 + 0.5 * 1.0),
    (0.5, 1, 1.0),  # top-1: expert 1 alone (g_1 = 1)
    (-2.0, 1, 3.0),  # top-1: expert 2 alone
]


@pytest.mark.parametrize("x, top_k, expected", HAND)
def test_the_mixture_on_hand_computed_numbers(x, top_k, expected, device):
    y = tiny(device, top_k)(Tensor(np.array([[x]]), device=device))
    assert float(y.numpy()[0, 0]) == pytest.approx(expected, rel=1e-12)


def test_the_gate_sums_to_one_and_top_k_keeps_k_experts(device):
    moe = MixtureOfExperts(3, experts=5, top_k=2, dtype=np.float64).to(device)
    g = moe.gate(Tensor(np.random.default_rng(1).normal(size=(7, 3)), device=device)).numpy()
    np.testing.assert_allclose(g.sum(axis=-1), np.ones(7), rtol=1e-12)
    assert ((g > 0).sum(axis=-1) == 2).all()


def test_two_dimensional_case_by_hand(device):
    moe = MixtureOfExperts(2, experts=2, dtype=np.float64)
    moe.gate_weight.data[...] = [[1.0, 0.0], [0.0, 1.0]]
    moe.gate_bias.data[...] = [0.0, math.log(2.0)]
    moe.expert_weight.data[...] = [np.eye(2), -np.eye(2)]
    moe.expert_bias.data[...] = [[1.0, 0.0], [0.0, 0.0]]
    moe.to(device)
    x = np.array([[0.0, 0.0]])  # logits (0, log 2): g = (1/3, 2/3); f_1 = (1, 0), f_2 = (0, 0)
    np.testing.assert_allclose(moe(Tensor(x, device=device)).numpy(), [[1 / 3, 0.0]], rtol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3, 3), (1, 3), (0, 3)])
def test_leading_axes_are_rows_of_their_own(shape, device):
    moe = MixtureOfExperts(3, experts=4, top_k=2, dtype=np.float64).to(device)
    x = np.random.default_rng(5).normal(size=shape)
    rows = moe(Tensor(x.reshape(-1, 3), device=device)).numpy()
    np.testing.assert_allclose(moe(Tensor(x, device=device)).numpy(), rows.reshape(shape), rtol=1e-12)


@pytest.mark.parametrize("top_k", [None, 2, 1])
def test_gradients_match_central_differences(top_k, device):
    moe = MixtureOfExperts(3, experts=4, top_k=top_k, dtype=np.float64).to(device)
    x = np.random.default_rng(2).normal(size=(5, 3))
    upstream = np.random.default_rng(3).normal(size=(5, 3))
    xt = Tensor(x, requires_grad=True, device=device)
    (moe(xt) * Tensor(upstream, device=device)).sum().backward()

    def loss_of(param):
        def f(values):
            saved = param.data.copy()
            param.data[...] = values
            out = float((moe(Tensor(x, device=device)).numpy() * upstream).sum())
            param.data[...] = saved
            return out
        return f

    for param in moe.parameters():
        np.testing.assert_allclose(param.grad.numpy(), numerical_gradient(loss_of(param), param.numpy()),
                                   rtol=1e-6, atol=1e-8)
    expected = numerical_gradient(lambda v: float((moe(Tensor(v, device=device)).numpy() * upstream).sum()), x)
    np.testing.assert_allclose(xt.grad.numpy(), expected, rtol=1e-6, atol=1e-8)


def fit(experts, device="cpu", steps=600):
    """Train a width-1 mixture on y = |x| (two regimes: y = -x below 0, y = x above) on `device`; returns the
    final MSE."""
    moe = MixtureOfExperts(1, experts=experts, dtype=np.float64).to(device)
    x = np.linspace(-2, 2, 64).reshape(-1, 1)
    X, Y = Tensor(x, device=device), Tensor(np.abs(x), device=device)
    optimizer = Adam(moe.parameters(), lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((moe(X) - Y) ** 2).mean()
        loss.backward()
        optimizer.step()
    return float(((moe(X) - Y) ** 2).mean().numpy())


def test_two_experts_learn_two_regimes_that_one_expert_cannot(device):
    single, mixture = fit(1, device), fit(2, device)
    # one affine expert can at best fit the mean: Var(|x|) on an even grid over [-2, 2] is about 1/3
    assert single > 0.3
    assert mixture < 0.03 and mixture < 0.1 * single


def test_addneuron_moe_builds_trains_saves_and_loads(tmp_path, device):
    model = CustomAIModel(loss="mse")
    model.add(Dense(2, 4))
    model.addneuron(kind="moe", experts=3, top_k=2)
    model.add(Dense(4, 1))
    model.to(device)
    moe = model.layers[1]
    assert isinstance(moe, MixtureOfExperts) and (moe.width, moe.experts, moe.top_k) == (4, 3, 2)
    assert sorted(k for k in model.state_dict() if k.startswith("layers.1.")) == [
        "layers.1.expert_bias", "layers.1.expert_weight", "layers.1.gate_bias", "layers.1.gate_weight"]
    X = np.random.default_rng(4).normal(size=(16, 2))
    y = np.sign(X[:, :1]) * X[:, 1:]
    losses = model.train(X, y, epochs=20, learning_rate=0.05, verbose=False)
    assert losses[-1] < losses[0]
    model.save_model(str(tmp_path / "moe"))
    loaded = CustomAIModel.load_model(str(tmp_path / "moe"))
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-6)
    assert loaded.layers[1].top_k == 2


REFUSED = [
    ("experts 0", dict(experts=0), ValueError, "experts"),
    ("experts text", dict(experts="4"), TypeError, "experts"),
    ("top_k above experts", dict(experts=2, top_k=3), ValueError, r"top_k \(3\) must be at most experts \(2\)"),
    ("top_k 0", dict(experts=2, top_k=0), ValueError, "top_k"),
]


@pytest.mark.parametrize("name, options, error, words", REFUSED, ids=[case[0] for case in REFUSED])
def test_bad_options_are_refused(name, options, error, words):
    with pytest.raises(error, match=words):
        MixtureOfExperts(3, **options)


def test_input_of_the_wrong_width_names_the_neuron(device):
    with pytest.raises(ValueError, match=r"expected input of shape \(\.\.\., 3\), got \(2, 4\)"):
        MixtureOfExperts(3).to(device)(Tensor(np.zeros((2, 4)), device=device))

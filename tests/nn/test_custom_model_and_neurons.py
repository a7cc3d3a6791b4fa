"""CustomAIModel (reference document 000) and its advanced neurons: formulas, gradients, training, files."""

import json

import numpy as np
import pytest

import aino
from aino import Activation, CustomAIModel, Dense, Dropout, nn
from aino.gradcheck import numerical_gradient
from aino.tensor import Tensor


@pytest.fixture(autouse=True)
def seeded():
    aino.manual_seed(0)


def make_model():
    model = CustomAIModel(loss="mse")
    model.add(Dense(4, 8))
    model.add(Activation("relu"))
    model.add(Dense(8, 2))
    return model


def test_training_lowers_the_loss_and_prints_each_epoch(capsys, device):
    model = make_model().to(device)
    X = np.random.default_rng(0).normal(size=(16, 4))
    y = X[:, :2] * 0.5
    losses = model.train(X, y, epochs=30, learning_rate=0.1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Epoch 1/30, Loss: ") and len(lines) == 30
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.device == device for p in model.parameters())
    assert model.training  # train(X, y) leaves training mode on; train(False) switches it off
    model.train(False)
    assert not model.training


def test_save_and_load_gives_the_same_predictions(tmp_path, device):
    model = make_model()
    model.add(Dropout(0.3))
    for kind, options in [("memory", {"size": 8}), ("attention", {}), ("nalu", {}),
                          ("graph", {"nodes": [1, 2, 3], "edges": [(1, 2), (2, 3)]})]:
        model.addneuron(kind=kind, **options)
    model.to(device)
    X = np.random.default_rng(1).normal(size=(5, 4))
    config, weights = model.save_model(str(tmp_path / "m"))
    assert json.loads(config.read_text())["layers"][0] == {"type": "dense", "input_dim": 4, "output_dim": 8}
    loaded = CustomAIModel.load_model(str(tmp_path / "m"))
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-6)
    np.testing.assert_allclose(loaded.to(device).predict(X), model.predict(X), rtol=1e-6)
    assert list(loaded.state_dict()) == list(model.state_dict())


def test_damaged_files_are_refused(tmp_path):
    make_model().save_model(str(tmp_path / "m"))
    (tmp_path / "m_weights.json").write_text("{not json")
    with pytest.raises(ValueError, match="m_weights.json does not match m_config.json: its SHA-256"):
        CustomAIModel.load_model(str(tmp_path / "m"))
    (tmp_path / "m_weights.json").write_text(json.dumps({"layers.0.weight": [[1.0]]}))
    with pytest.raises(ValueError, match="the two files come from different saves"):
        CustomAIModel.load_model(str(tmp_path / "m"))
    (tmp_path / "m_config.json").write_text(json.dumps({"format": "keras"}))
    with pytest.raises(ValueError, match="not a CustomAIModel configuration"):
        CustomAIModel.load_model(str(tmp_path / "m"))
    with pytest.raises(FileNotFoundError):
        CustomAIModel.load_model(str(tmp_path / "absent"))


def test_bad_calls():
    with pytest.raises(ValueError, match="unknown loss"):
        CustomAIModel(loss="hinge")
    with pytest.raises(ValueError, match="add a Dense layer first"):
        CustomAIModel().addneuron(kind="memory")
    with pytest.raises(ValueError, match="unknown kind 'quantum'"):
        make_model().addneuron(kind="quantum")
    with pytest.raises(ValueError, match="names a node not in"):
        make_model().addneuron(kind="graph", nodes=[1, 2], edges=[(1, 5)])


def float64(module, device="cpu"):
    """`module` in float64 on `device`."""
    return module.set_dtype("float64").to(device)


def test_memory_neuron_reads_its_memory_by_content(device):
    neuron = float64(nn.MemoryNeuron(3, size=5), device)
    x = np.random.default_rng(2).normal(size=(4, 3))
    M = neuron.memory.numpy()
    scores = x @ M.T / np.sqrt(3)
    weights = np.exp(scores - scores.max(1, keepdims=True))
    weights /= weights.sum(1, keepdims=True)
    np.testing.assert_allclose(neuron(Tensor(x, device=device)).numpy(), x + weights @ M)


def test_attention_neuron_weights_the_features(device):
    neuron = float64(nn.AttentionNeuron(3), device)
    x = np.random.default_rng(3).normal(size=(4, 3))
    scores = x @ neuron.weight.numpy() + neuron.bias.numpy()
    a = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
    np.testing.assert_allclose(neuron(Tensor(x, device=device)).numpy(), 3 * a * x)


def test_nalu_adds_when_its_weights_saturate_towards_one(device):
    neuron = float64(nn.NALU(2), device)
    neuron.load_state_dict({"W_hat": np.full((2, 2), 20.0), "M_hat": np.full((2, 2), 20.0), "G": np.full((2, 2), 20.0)})
    x = np.array([[3.0, 4.0], [1.5, 2.5]])
    xa = Tensor(x, device=device)
    np.testing.assert_allclose(neuron(xa).numpy(), np.repeat(x.sum(1, keepdims=True), 2, axis=1), rtol=1e-6)
    neuron.load_state_dict({"W_hat": np.full((2, 2), 20.0), "M_hat": np.full((2, 2), 20.0), "G": np.full((2, 2), -20.0)})
    np.testing.assert_allclose(neuron(xa).numpy(), np.repeat(x.prod(1, keepdims=True), 2, axis=1), rtol=1e-5)


def test_graph_neuron_uses_the_normalised_adjacency(device):
    neuron = float64(nn.GraphNeuron(2, nodes=["a", "b", "c"], edges=[("a", "b")]), device)
    A = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1.0]])
    d = 1 / np.sqrt(A.sum(1))
    np.testing.assert_allclose(neuron.a_hat.numpy(), d[:, None] * A * d[None, :])
    x = np.random.default_rng(4).normal(size=(3, 2))
    h = np.tanh(x[:, None, :] @ neuron.W_in.numpy() + neuron.embedding.numpy())
    h = np.tanh(neuron.a_hat.numpy() @ h @ neuron.W.numpy())
    np.testing.assert_allclose(neuron(Tensor(x, device=device)).numpy(), x + h.mean(1))


def test_spiking_neuron_fires_at_threshold_with_a_surrogate_gradient(device):
    neuron = float64(nn.SpikingNeuron(2, threshold=1.0), device)
    neuron.load_state_dict({"weight": np.eye(2), "bias": np.zeros(2)})
    x = Tensor(np.array([[0.5, 1.5], [1.0, -2.0]]), requires_grad=True, device=device)
    spikes = neuron(x)
    np.testing.assert_array_equal(spikes.numpy(), [[0, 1], [1, 0]])
    spikes.sum().backward()
    s = 1 / (1 + np.exp(-5 * (x.numpy() - 1.0)))
    np.testing.assert_allclose(x.grad.numpy(), 5 * s * (1 - s))


@pytest.mark.parametrize("make", [lambda: nn.MemoryNeuron(3, size=4), lambda: nn.AttentionNeuron(3), lambda: nn.NALU(3),
                                  lambda: nn.GraphNeuron(3, nodes=[0, 1, 2], edges=[(0, 1), (1, 2)])])
def test_neuron_gradients_match_central_differences(make, device):
    neuron = float64(make(), device)
    x = np.random.default_rng(5).normal(size=(2, 3))
    xt = Tensor(x, requires_grad=True, device=device)
    neuron(xt).sum().backward()
    numeric = numerical_gradient(lambda v: float(neuron(Tensor(v, device=device)).numpy().sum()), x)
    np.testing.assert_allclose(xt.grad.numpy(), numeric, rtol=1e-5, atol=1e-7)

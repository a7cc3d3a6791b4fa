"""Reference document 000 ("dearning"), sections 1-4: CustomAIModel, run as written with the imports pointed
at aino (`from dearning import X` -> `from aino import X`), then checked."""

import numpy as np
import pytest

import aino


@pytest.fixture(autouse=True)
def seeded(monkeypatch, tmp_path):
    aino.manual_seed(0)
    monkeypatch.chdir(tmp_path)


def build_model():
    # --- 1.1 CustomAIModel ---
    from aino import CustomAIModel, Dense, Activation
    # Creating a new model
    model = CustomAIModel(loss="mse")

    # Adding Dense and Activation layers
    model.add(Dense(4, 8)) # Layer input=4, output=8
    model.add(Activation("relu")) # ReLU activation function
    model.add(Dense(8, 1)) # Layer Output
    # --- end ---
    return model


def test_sections_1_and_2_build_and_train(capsys):
    model = build_model()
    # --- 2. Model Training ---
    # Example Data
    X = [[0.1, 0.2, 0.3, 0.4],
    [0.4, 0.3, 0.2, 0.1]]
    y = [[0.5], [0.2]]
    # Train the model for 10 epochs
    model.train(X, y, epochs=10, learning_rate=0.01)
    # --- end ---
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == [f"Epoch {i}/10" for i in range(1, 11)]
    losses = [float(line.split("Loss: ")[1]) for line in lines]
    assert losses[-1] < losses[0]
    assert model.predict(X).shape == (2, 1)


def test_sections_1_2_to_1_4_layers():
    from aino import Activation, Dense, Dropout

    model = build_model()
    # --- 1.2, 1.3, 1.4 ---
    model.add(Dense(4, 16))
    model.add(Activation("relu"))
    model.add(Dropout(0.3)) # 30% of neurons will be deactivated during training
    # --- end ---
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "ReLU", "Dense", "Dense", "ReLU", "Dropout"]
    assert model.layers[-1].p == 0.3
    dense = Dense(4, 16)
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(dense(x).numpy(), x @ dense.weight.numpy().T + dense.bias.numpy(), rtol=1e-6)


def test_section_3_save_and_load(tmp_path):
    from aino import CustomAIModel

    model = build_model()
    model.train([[0.1, 0.2, 0.3, 0.4]], [[0.5]], epochs=2, learning_rate=0.01, verbose=False)
    # --- 3. Saving and Loading the Model ---
    model.save_model("mymodel")
    loaded = CustomAIModel.load_model("mymodel")
    # --- end ---
    assert (tmp_path / "mymodel_config.json").is_file() and (tmp_path / "mymodel_weights.json").is_file()
    X = np.random.default_rng(1).normal(size=(5, 4))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_section_4_advanced_neurons():
    model = build_model()
    # --- 4. Adding Advanced Neurons ---
    model.addneuron(kind="memory", size=64)
    model.addneuron(kind="attention")
    model.addneuron(kind="nalu")
    model.addneuron(kind="graph", nodes=[1,2,3], edges=[(1,2),(2,3)])
    model.addneuron(kind="spiking")
    # --- end ---
    kinds = [type(layer).__name__ for layer in model.layers[3:]]
    assert kinds == ["MemoryNeuron", "AttentionNeuron", "NALU", "GraphNeuron", "SpikingNeuron"]
    assert model.layers[3].memory.shape == (64, 1)
    output = model.predict([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]])
    assert output.shape == (2, 1) and set(np.unique(output)) <= {0.0, 1.0}  # spikes


def test_section_1_5_forward_and_backward_run_inside_train(capsys):
    model = build_model()
    X = [[0.1, 0.2, 0.3, 0.4],
    [0.4, 0.3, 0.2, 0.1]]
    y = [[0.5], [0.2]]
    before = [p.numpy().copy() for p in model.parameters()]
    # --- 1.5 Proses Forward dan Backward ---
    model.train(X, y, epochs=20, learning_rate=0.01)
    # --- end ---
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == [f"Epoch {i}/20" for i in range(1, 21)]
    losses = [float(line.split("Loss: ")[1]) for line in lines]
    assert losses[-1] < losses[0]
    # backward ran for every layer: each weight and bias moved
    assert all(not np.array_equal(p.numpy(), b) for p, b in zip(model.parameters(), before))
    # one more epoch is exactly forward, MSE, backward and p -= learning_rate * grad
    import aino
    expected = [p.numpy() - 0.01 * g for p, g in zip(
        model.parameters(), _gradients(model, aino.Tensor(np.asarray(X, np.float32)), aino.Tensor(np.asarray(y, np.float32))))]
    model.train(X, y, epochs=1, learning_rate=0.01, verbose=False)
    for p, e in zip(model.parameters(), expected):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-6, atol=1e-7)


def _gradients(model, x, y):
    model.zero_grad()
    ((model(x) - y) ** 2).mean().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    return grads

"""The trace tells the truth: updates, weights, activations and gradients are what training used, on the CPU
and on a GPU (the `device` fixture: the stand-in "fake-gpu" too, whose arrays refuse NumPy)."""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino.trace import Recorder, classic_names


def _mlp(seed=0, dtype=np.float64, device="cpu"):
    aino.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5, dtype=dtype), nn.Tanh(), nn.Linear(5, 2, dtype=dtype)).to(device)


def _data(seed=1, n=8):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3)), rng.standard_normal((n, 2))


def _train(model, optimizer, X, Y, steps, device="cpu"):
    loss_fn = nn.MSELoss()
    X, Y = aino.Tensor(X).to(device), aino.Tensor(Y).to(device)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize("every", [1, 2])
def test_sgd_updates_are_minus_lr_times_grad_and_the_change_in_weights(device, every):
    model, (X, Y) = _mlp(device=device), _data()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with Recorder(model, optimizer, every=every) as recorder:
        _train(model, optimizer, X, Y, steps=5, device=device)
    trace = recorder.trace
    kept = list(range(0, 5, every))  # every=2: steps 0, 2, 4; the others were on the device only while newest
    assert trace.n_steps == 5 and trace.steps == kept
    assert trace.params == ["0.weight", "0.bias", "2.weight", "2.bias"]
    for name in trace.params:
        for step in kept:
            np.testing.assert_allclose(trace.updates(name, step), -0.1 * trace.weight_grads(name, step), atol=1e-15)
            assert type(trace.weights(name, step)) is np.ndarray  # kept on the host, whatever the device
        for step in range(1, 5) if every == 1 else ():
            np.testing.assert_allclose(trace.updates(name, step),
                                       trace.weights(name, step) - trace.weights(name, step - 1), atol=1e-14)
        ratio = trace.summary("updates", name)["update_ratio"]
        expected = [np.linalg.norm(trace.updates(name, s)) / np.linalg.norm(trace.weights(name, s)) for s in kept]
        np.testing.assert_allclose(ratio[kept], expected, rtol=1e-9)
        assert np.isfinite(ratio).all()  # the steps not kept have theirs too, read on the device
    final = dict(model.named_parameters())
    np.testing.assert_array_equal(trace.weights("2.weight", 4), final["2.weight"].numpy())


def test_activations_and_output_gradients_match_a_hand_computation(device):
    model, (X, Y) = _mlp(device=device), _data(n=4)
    W1, b1 = model.state_dict()["0.weight"], model.state_dict()["0.bias"]
    W2, b2 = model.state_dict()["2.weight"], model.state_dict()["2.bias"]
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    with Recorder(model, optimizer) as recorder:
        _train(model, optimizer, X, Y, steps=1, device=device)
    trace = recorder.trace
    z1 = X @ W1.T + b1
    a1 = np.tanh(z1)
    out = a1 @ W2.T + b2
    d_out = 2 * (out - Y) / out.size  # dL/d(out) of the mean squared error
    d_a1 = d_out @ W2
    d_z1 = d_a1 * (1 - a1 ** 2)
    for layer, value, grad in (("0", z1, d_z1), ("1", a1, d_a1), ("2", out, d_out)):
        np.testing.assert_allclose(trace.activations(layer, 0), value, rtol=1e-12)
        np.testing.assert_allclose(trace.gradients(layer, 0), grad, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(trace.weight_grads("0.weight", 0), d_z1.T @ X, rtol=1e-10)
    np.testing.assert_allclose(trace.loss[0], np.mean((out - Y) ** 2), rtol=1e-12)
    s = trace.summary("activations", "1")
    np.testing.assert_allclose([s["mean"][0], s["std"][0], s["min"][0], s["max"][0], s["norm"][0]],
                               [a1.mean(), a1.std(), a1.min(), a1.max(), np.linalg.norm(a1)], rtol=1e-9)
    assert s["hist"].shape == (1, 32) and s["hist"][0].sum() == pytest.approx(1.0)
    edges = trace.hist_edges("activations", "1")
    np.testing.assert_allclose(s["hist"][0], np.histogram(a1, edges)[0] / a1.size, atol=1e-7)


def test_the_classic_and_fast_paths_give_the_same_trace():
    rng = np.random.default_rng(3)
    X, y = rng.random((12, 2)), rng.random((12, 1))
    network = aino.NeuralNetwork([2, 4, 1], activation_type="tanh", output_activation="sigmoid", seed=2)
    module = network.to_module()
    network.fit(X, y, epochs=4, n=0.5, shuffle=False, trace=True)
    optimizer = optim.SGD(module.parameters(), lr=0.5)
    with Recorder(module, optimizer) as recorder:
        _train(module, optimizer, X, y, steps=4)
    classic, fast = network.trace_, recorder.trace
    names = classic_names(network)
    assert [names[n] for n in classic.layers] == fast.layers
    assert [names[n] for n in classic.params] == fast.params
    np.testing.assert_allclose(classic.loss, fast.loss, rtol=1e-12)
    for step in range(4):
        for name in classic.layers:
            np.testing.assert_allclose(classic.activations(name, step), fast.activations(names[name], step), rtol=1e-12)
            np.testing.assert_allclose(classic.gradients(name, step), fast.gradients(names[name], step),
                                       rtol=1e-9, atol=1e-16)
        for name in classic.params:
            for kind in ("weights", "weight_grads", "updates"):
                np.testing.assert_allclose(getattr(classic, kind)(name, step), getattr(fast, kind)(names[name], step),
                                           rtol=1e-9, atol=1e-15)
    for kind in ("activations", "gradients"):
        for name in classic.layers:
            a, b = classic.summary(kind, name), fast.summary(kind, names[name])
            np.testing.assert_allclose(a["norm"], b["norm"], rtol=1e-9)
    assert classic.meta["layers"][1]["activation"] == "tanh" and fast.meta["layers"][1]["activation"] == "tanh"


@pytest.mark.parametrize("probe", [False, True])
def test_recording_does_not_change_training(probe, device):
    X, Y = _data(n=16)
    results = []
    for record in (False, True):
        aino.manual_seed(5)
        model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Dropout(0.3), nn.Linear(6, 2)).to(device)
        optimizer = optim.Adam(model.parameters(), lr=0.01)
        if record:
            with Recorder(model, optimizer, probe=X[:5] if probe else None, record_ops=True, every=2):
                _train(model, optimizer, X.astype(np.float32), Y.astype(np.float32), steps=6, device=device)
        else:
            _train(model, optimizer, X.astype(np.float32), Y.astype(np.float32), steps=6, device=device)
        results.append(model.state_dict())
    for name in results[0]:
        np.testing.assert_array_equal(results[0][name], results[1][name])


def test_classic_fit_is_identical_with_and_without_a_trace():
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 2)), rng.integers(0, 2, 20)
    a = aino.NeuralNetwork([2, 3, 1], seed=1).fit(X, y, epochs=5, batch_size=6)
    b = aino.NeuralNetwork([2, 3, 1], seed=1).fit(X, y, epochs=5, batch_size=6, trace=True, probe=X[:4])
    for (Wa, ba), (Wb, bb) in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)
    assert b.trace_.n_steps == 5 * 4 and b.trace_.activations("layers.0", 0).shape == (4, 3)

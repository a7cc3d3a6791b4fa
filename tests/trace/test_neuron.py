"""One neuron's chain rule at a recorded step (aino/trace/neuron.py): its numbers equal a hand computation
in NumPy on a tiny network of either path, and the trace's recorded weight gradients and updates."""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino.classic import NeuralNetwork
from aino.trace import Recorder, Trace
from aino.trace.neuron import chain_rule

LR = 0.1
RNG = np.random.default_rng(3)
X = RNG.standard_normal((5, 3)).astype(np.float32)
Y = RNG.random((5, 2)).astype(np.float32)
HAND_ACTIVATIONS = {"sigmoid": (nn.Sigmoid, lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
                    "tanh": (nn.Tanh, np.tanh, lambda a: 1 - a * a)}


def _fast(activation="sigmoid", optimizer=optim.SGD, steps=3, probe=None, **recorder):
    """Sequential(Linear(3, 4), activation, Linear(4, 2)) trained with MSE on X, Y; (trace, weights before step 0)."""
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), HAND_ACTIVATIONS[activation][0](), nn.Linear(4, 2))
    start = {name: p.data.astype(np.float64) for name, p in model.named_parameters()}
    opt = optimizer(model.parameters(), lr=LR)
    with Recorder(model, opt, probe=probe, **recorder) as rec:
        for _ in range(steps):
            opt.zero_grad()
            nn.MSELoss()(model(aino.tensor(X)), aino.tensor(Y)).backward()
            opt.step()
    return rec.trace, start


def _hand_fast(p, activation):
    """The first step by hand, float64: {layer: (x, z, a, f'(z), dL/da)} and {param: gradient}."""
    _, f, df_of_a = HAND_ACTIVATIONS[activation]
    x = X.astype(np.float64)
    z1 = x @ p["0.weight"].T + p["0.bias"]
    a1 = f(z1)
    out = a1 @ p["2.weight"].T + p["2.bias"]
    d_out = 2 * (out - Y) / out.size  # MSE, the mean over every element
    d_a1 = d_out @ p["2.weight"]
    d_z1 = d_a1 * df_of_a(a1)
    grads = {"0.weight": d_z1.T @ x, "0.bias": d_z1.sum(0), "2.weight": d_out.T @ a1, "2.bias": d_out.sum(0)}
    return {"0": (x, z1, a1, df_of_a(a1), d_a1), "2": (a1, out, out, np.ones_like(out), d_out)}, grads


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("layer, neuron", [("0", 2), ("1", 3), ("2", 1)])
def test_fast_path_numbers_equal_a_hand_computation(activation, layer, neuron):
    trace, start = _fast(activation)
    rule = chain_rule(trace, layer, neuron, step=0)
    dense = "2" if layer == "2" else "0"
    hand, grads = _hand_fast(start, activation)
    x, *columns = hand[dense]
    z, a, df, d_a = (v[:, neuron] for v in columns)
    close = {"rtol": 1e-5, "atol": 1e-7}
    assert rule.layer == dense and rule.activation == ("identity" if dense == "2" else activation)
    np.testing.assert_allclose(rule.x, x, **close)
    np.testing.assert_allclose(rule.z, z, **close)
    np.testing.assert_allclose(rule.a, a, **close)
    np.testing.assert_allclose(rule.df, df, **close)
    np.testing.assert_allclose(rule.dL_da, d_a, **close)
    np.testing.assert_allclose(rule.dL_dz, d_a * df, **close)  # dL/dz = dL/da * f'(z)
    np.testing.assert_allclose(rule.dL_dw, (d_a * df)[:, None] * x, **close)  # per sample: dL/dz * x_i
    np.testing.assert_allclose(rule.grad_w, grads[f"{dense}.weight"][neuron], **close)
    np.testing.assert_allclose(rule.grad_b, grads[f"{dense}.bias"][neuron], **close)
    np.testing.assert_allclose(rule.w, start[f"{dense}.weight"][neuron], rtol=1e-6)


def test_fast_path_agrees_with_the_recorded_gradients_and_sgd_updates():
    trace, _ = _fast("tanh", steps=4)
    for step in trace.steps:
        for layer, j in (("0", 0), ("0", 3), ("2", 1)):
            rule = trace.chain_rule(layer, j, step)
            np.testing.assert_allclose(rule.dL_dw.sum(axis=0), trace.weight_grads(f"{layer}.weight", step)[j],
                                       rtol=1e-5, atol=1e-8)
            np.testing.assert_allclose(rule.dL_db.sum(), trace.weight_grads(f"{layer}.bias", step)[j], rtol=1e-5,
                                       atol=1e-8)
            np.testing.assert_allclose(rule.dL_dz, trace.gradients(layer, step)[:, j], rtol=1e-5, atol=1e-8)
            np.testing.assert_allclose(rule.z, trace.activations(layer, step)[:, j], rtol=1e-5, atol=1e-7)
            np.testing.assert_allclose(rule.update_w, -LR * rule.grad_w, rtol=1e-4, atol=1e-8)  # SGD: -lr * dL/dw
            np.testing.assert_allclose(rule.update_b, -LR * rule.grad_b, rtol=1e-4, atol=1e-8)
            assert rule.optimizer == "SGD" and rule.lr == pytest.approx(LR) and "-lr * dL/dw" in rule.update_rule


def test_adam_updates_are_the_recorded_ones():
    trace, _ = _fast("sigmoid", optimizer=optim.Adam, steps=3)
    first = trace.chain_rule("0", 1, 0)
    # Adam's first step, bias-corrected: m/sqrt(v) = g/|g|, so the update is -lr * g / (|g| + eps)
    np.testing.assert_allclose(first.update_w, -LR * first.grad_w / (np.abs(first.grad_w) + 1e-8), rtol=1e-4)
    later = trace.chain_rule("0", 1, 2)
    np.testing.assert_array_equal(later.update_w, trace.updates("0.weight", 2)[1])
    assert not np.allclose(later.update_w, -LR * later.grad_w)
    assert later.optimizer == "Adam" and "its own rule" in later.update_rule


def _classic(probe=None):
    net = NeuralNetwork([3, 4, 2], activation_type="tanh", output_activation="sigmoid", loss="mse", seed=1)
    start = [(layer.weight_matrix().copy(), layer.bias_vector().copy()) for layer in net.layers]
    with Recorder(net, probe=probe) as rec:
        for _ in range(3):
            net.train_step(X.astype(np.float64), Y.astype(np.float64), LR)
    return rec.trace, start


@pytest.mark.parametrize("layer, neuron", [("layers.0", 1), ("layers.1.z", 0)])
def test_classic_path_numbers_equal_a_hand_computation(layer, neuron):
    trace, [(W0, b0), (W1, b1)] = _classic()
    rule = chain_rule(trace, layer, neuron, step=0, sample=2)
    x = X.astype(np.float64)
    a0 = np.tanh(x @ W0.T + b0)
    z1 = a0 @ W1.T + b1
    a1 = 1 / (1 + np.exp(-z1))
    d_a1 = 2 * (a1 - Y) / a1.size
    d_z1 = d_a1 * a1 * (1 - a1)
    d_a0 = d_z1 @ W1
    d_z0 = d_a0 * (1 - a0 ** 2)
    x_in, z, a, d_a, d_z, W = ((x, x @ W0.T + b0, a0, d_a0, d_z0, W0) if layer == "layers.0"
                               else (a0, z1, a1, d_a1, d_z1, W1))
    j = neuron
    for got, want in ((rule.x, x_in), (rule.z, z[:, j]), (rule.a, a[:, j]), (rule.dL_da, d_a[:, j]),
                      (rule.dL_dz, d_z[:, j]), (rule.dL_dw, d_z[:, j, None] * x_in), (rule.grad_w, d_z[:, j] @ x_in),
                      (rule.update_w, -LR * (d_z[:, j] @ x_in)), (rule.w, W[j])):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert rule.lr == pytest.approx(LR) and "read off the update" in rule.lr_source
    np.testing.assert_allclose(rule.grad_w, trace.weight_grads(f"layers.{layer[7]}.weight", 0)[j], rtol=1e-12)


def test_a_probe_trace_gives_the_training_batch_chain_rule():
    """With a probe, activations are the probe's (after the step); the chain rule still uses the batch's inputs."""
    plain, _ = _fast("tanh")
    probed, _ = _fast("tanh", probe=X[:2] + 1)
    assert probed.meta["layer_inputs"] == {} and plain.meta["layer_inputs"] == {"2": "1"}
    for layer, j in (("0", 2), ("2", 0)):
        a, b = plain.chain_rule(layer, j, 1), probed.chain_rule(layer, j, 1)
        for field in ("x", "z", "a", "dL_da", "dL_dz", "dL_dw", "grad_w", "update_w"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    classic, _ = _classic()
    classic_probed, _ = _classic(probe=X[:2].astype(np.float64))
    np.testing.assert_array_equal(classic.chain_rule("layers.1", 1, 2).dL_dw,
                                  classic_probed.chain_rule("layers.1", 1, 2).dL_dw)


def test_the_chain_rule_survives_save_and_load(tmp_path):
    trace, _ = _fast("sigmoid")
    loaded = Trace.load(trace.save(tmp_path / "run.npz"))
    a, b = trace.chain_rule("2", 1, 2), loaded.chain_rule("2", 1, 2)
    np.testing.assert_array_equal(a.dL_dw, b.dL_dw)
    assert a.lr == b.lr and str(a) == str(b)


def test_the_text_writes_one_factor_per_line():
    trace, _ = _fast("tanh")
    rule = trace.chain_rule("1", 0, 1, sample=4)
    text = str(rule)
    for line in ("z = w . x + b", "a = f(z) = tanh(z)", "f'(z) = 1 - a**2", "dL/dz = dL/da * f'(z)",
                 "dL/db = dL/dz", "dL/dw_i = dL/dz * x_i", "update: SGD, lr 0.1"):
        assert line in text
    assert f"{rule.dL_dz[4]:.6g}" in text and "sample 4 of the 5" in text
    assert f"{rule.grad_w[2]:.5g}" in rule.text(sample=0)


def test_clear_errors_name_what_came_and_what_exists():
    trace, _ = _fast("tanh", steps=5, every=2, max_bytes=2**30)
    assert 1 not in trace.steps
    with pytest.raises(ValueError, match=r"step 1 is not a kept step.*nearest recorded steps are 0 and 2"):
        trace.chain_rule("0", 0, 1)
    with pytest.raises(ValueError, match=r"neuron 4 is outside layer '0', which has 4 neurons \(0 to 3\)"):
        trace.chain_rule("0", 4, 0)
    with pytest.raises(ValueError, match=r"sample 5 is outside the training batch, which has 5 samples"):
        trace.chain_rule("0", 0, 0, sample=5)
    with pytest.raises(ValueError, match=r"no layer 'fc9'; the trace has \['0', '1', '2'\]"):
        trace.chain_rule("fc9", 0, 0)
    with pytest.raises(TypeError, match="step must be an integer"):
        trace.chain_rule("0", 0, 1.0)
    aino.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3, 2))
    opt = optim.SGD(model.parameters(), lr=LR)
    with Recorder(model, opt) as rec:
        opt.zero_grad()
        model(aino.tensor(X)).sum().backward()
        opt.step()
    with pytest.raises(ValueError, match=r"layer '0' \(Flatten\) is not a dense layer.*dense layers of this trace are \['1'\]"):
        rec.trace.chain_rule("0", 0, 0)
    assert rec.trace.meta["layer_inputs"] == {"1": "0"}  # the Flatten's output, recorded already
    np.testing.assert_allclose(rec.trace.chain_rule("1", 1, 0).x, X)


@pytest.mark.parametrize("every", [1, 2])
def test_a_model_on_a_device_gives_the_chain_rule_of_the_cpu(device, every):
    """The inputs the chain rule needs come to the host with the step's other kept arrays (every=2: the
    newest step, kept only while newest, brings them when read)."""
    def record(where):
        aino.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(where)
        opt = optim.SGD(model.parameters(), lr=LR)
        with Recorder(model, opt, every=every) as rec:
            for _ in range(3):
                opt.zero_grad()
                nn.MSELoss()(model(aino.tensor(X).to(where)), aino.tensor(Y).to(where)).backward()
                opt.step()
        return rec.trace

    here, there = record("cpu"), record(device)
    assert here.steps == there.steps
    for step in there.steps:
        a, b = here.chain_rule("0", 1, step), there.chain_rule("0", 1, step)
        assert type(b.x) is np.ndarray
        np.testing.assert_allclose(b.dL_dw, a.dL_dw, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(b.update_w, a.update_w, rtol=1e-5, atol=1e-8)

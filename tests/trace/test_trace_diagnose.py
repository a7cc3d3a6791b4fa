"""diagnose() finds planted faults, detect_anomaly() names the op and layer, fit() learns and traces."""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino import fit
from aino.trace import Recorder, detect_anomaly


def _train(model, X, y, steps, lr=0.01, loss_fn=None, optimizer=None, **options):
    optimizer = optimizer or optim.SGD(model.parameters(), lr=lr)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    X, y = aino.Tensor(X), aino.Tensor(y)
    with Recorder(model, optimizer, **options) as recorder:
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
    return recorder.trace


def _moons():
    data = aino.datasets.moons(200, noise=0.1, seed=0)
    return data.data.astype(np.float32), data.target


def _kinds(findings):
    return {f.kind for f in findings}


def test_a_healthy_run_has_no_findings_and_fit_learns_moons():
    X, y = _moons()
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    history = fit(model, X, y, epochs=40, lr=0.02, seed=0, trace=True, probe=X[::10], verbose=False)
    assert history.loss[-1] < 0.5 * history.loss[0]
    accuracy = (model(aino.Tensor(X)).data.argmax(1) == y).mean()
    assert accuracy > 0.9
    trace = history.trace
    assert trace.n_steps == 40 * 7 and trace.activations("1", trace.steps[-1]).shape == (20, 16)
    assert trace.diagnose() == []


def test_too_large_learning_rate_explodes():
    X, y = _moons()
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    with pytest.warns(RuntimeWarning):
        trace = _train(model, X * 50, y, steps=30, lr=50.0)
    findings = trace.diagnose()
    assert "exploding_gradients" in _kinds(findings) or "nan_loss" in _kinds(findings)
    exploding = [f for f in findings if f.kind in ("exploding_gradients", "nan_loss")][0]
    norms = np.array([trace.summary("gradients", name)["norm"] for name in trace.layers])
    assert exploding.step <= int(np.argmax(~np.isfinite(trace.loss))) if not np.isfinite(trace.loss).all() else True
    assert exploding.step >= 1 and exploding.layer in trace.layers + [None]
    assert not np.isfinite(norms).all() or norms.max() > 1e3 * norms[:, 0].min()
    assert "large_updates" in _kinds(findings) or "nan_loss" in _kinds(findings)


def test_a_saturated_sigmoid_stack_is_found():
    X, y = _moons()
    aino.manual_seed(0)
    layers = [nn.Linear(2, 16)]
    for _ in range(5):
        layers += [nn.Sigmoid(), nn.Linear(16, 16)]
    layers += [nn.Sigmoid(), nn.Linear(16, 2)]
    model = nn.Sequential(layers)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.weight.data *= 30
    trace = _train(model, X, y, steps=20, lr=0.1)
    findings = trace.diagnose()
    saturated = [f for f in findings if f.kind == "saturated"]
    assert saturated and saturated[0].step == 0 and saturated[0].layer in ("1", "3", "5", "7", "9", "11")
    fraction = trace.summary("activations", saturated[0].layer)["saturated"]
    assert fraction[0] > 0.5 and "sigmoid" in saturated[0].message


def test_dead_relus_from_a_large_negative_bias():
    X, y = _moons()
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    model._layers["2"].bias.data[:12] = -50.0
    trace = _train(model, X, y, steps=15, lr=0.01)
    dead = [f for f in trace.diagnose() if f.kind == "dead_relu"]
    assert len(dead) == 1 and dead[0].layer == "3" and dead[0].step == 0
    assert (trace.dead_units("3")[:12] == 15).all()  # the 12 pushed units, dead in all 15 steps


def test_a_log_of_zero_gives_a_nan_loss_at_the_right_step():
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
    X = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    y = np.ones((8, 1), dtype=np.float32)
    optimizer = optim.SGD(model.parameters(), lr=0.01)

    def log_loss(output, target):  # -mean(y log p) with no clipping: log(0) = -inf
        return -(target * output.log()).mean()

    Xt, yt = aino.Tensor(X), aino.Tensor(y)
    with Recorder(model, optimizer) as recorder:
        for step in range(6):
            if step == 3:
                model._layers["2"].bias.data[:] = -1e4  # the sigmoid gives exactly 0, its log -inf
            optimizer.zero_grad()
            with np.errstate(all="ignore"):
                log_loss(model(Xt), yt).backward()
                optimizer.step()
    nan = [f for f in recorder.trace.diagnose() if f.kind == "nan_loss"]
    assert len(nan) == 1 and nan[0].step == 3 and nan[0].layer is None and "log" in nan[0].message


def test_detect_anomaly_names_the_op_and_the_layer():
    class Log(nn.Module):
        def forward(self, x):
            return x.log()

    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), Log())
    x = aino.Tensor(np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32) * 10)
    with np.errstate(all="ignore"):
        with pytest.raises(FloatingPointError, match=r"op 'log' in layer '2' \(Log\)"):
            with detect_anomaly(model):
                model(x)
        model(x)  # outside the context nothing is checked
    with pytest.raises(FloatingPointError, match="outside any layer"), np.errstate(all="ignore"):
        with detect_anomaly():
            aino.Tensor([0.0]).log()

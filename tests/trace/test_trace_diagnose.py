"""diagnose() finds planted faults, detect_anomaly() names the op and layer, fit() learns and traces; the
recordings parametrised over `device` are made on a GPU too (the stand-in "fake-gpu"), with every=2 there so
that half the steps are summarised on the device."""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino import fit
from aino.trace import Recorder, detect_anomaly


def _train(model, X, y, steps, lr=0.01, loss_fn=None, optimizer=None, device="cpu", **options):
    model.to(device)
    optimizer = optimizer or optim.SGD(model.parameters(), lr=lr)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    X, y = aino.Tensor(X).to(device), aino.Tensor(y).to(device)
    if device != "cpu":
        options.setdefault("every", 2)
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


def test_a_healthy_run_has_no_findings_and_fit_learns_moons(device):
    X, y = _moons()
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    history = fit(model, X, y, epochs=40, lr=0.02, seed=0, trace={"every": 3}, probe=X[::10], verbose=False,
                  device=device)
    assert history.loss[-1] < 0.5 * history.loss[0]
    accuracy = (model(aino.Tensor(X).to(device)).numpy().argmax(1) == y).mean()
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
    # Expected from the recorded gradient norms alone: the first step at which a layer's norm is over
    # 1000 times its norm at step 0 (or not finite), and of the layers that cross then, the one grown most.
    norms = {name: trace.summary("gradients", name)["norm"] for name in trace.layers}
    crossings = {}
    for name, norm in norms.items():
        with np.errstate(invalid="ignore", over="ignore"):
            bad = ~np.isfinite(norm) | (norm > 1e3 * norm[0])
        if bad.any():
            step = int(np.argmax(bad))
            crossings[name] = (step, norm[step] / norm[0] if np.isfinite(norm[step]) else np.inf)
    first_step = min(step for step, _ in crossings.values())
    grown_most = max((growth, name) for name, (step, growth) in crossings.items() if step == first_step)[1]
    assert first_step == 1  # the first update with lr=50 already throws the network out: step 1 shows it
    assert grown_most in ("0", "1")  # the hidden layer's gradients explode; the output's stays bounded
    exploding = [f for f in findings if f.kind == "exploding_gradients"]
    assert len(exploding) == 1
    assert (exploding[0].step, exploding[0].layer) == (first_step, grown_most)
    assert f"step {first_step}" in exploding[0].message and repr(grown_most) in exploding[0].message
    # the loss overflows a few steps later: the first non-finite loss, outside any layer
    nan = [f for f in findings if f.kind == "nan_loss"]
    assert len(nan) == 1 and nan[0].step == int(np.argmax(~np.isfinite(trace.loss))) > first_step
    large = {f.layer for f in findings if f.kind == "large_updates"}
    assert large == {"0.weight", "2.weight"}


def test_a_deep_sigmoid_stack_with_small_weights_has_vanishing_gradients(device):
    trace = _train_sigmoid_stack(weight_scale=0.3, device=device)
    findings = trace.diagnose()
    # Expected from the summaries: the gradient per value (RMS) reaching each layer, against the last layer's
    last = trace.layers[-1]
    size = {name: trace.gradients(name, 0).size for name in trace.layers}  # the norm of every step, kept or not
    rms = {name: trace.summary("gradients", name)["norm"] / np.sqrt(size[name]) for name in trace.layers}
    ratio = {name: rms[name] / rms[last] for name in trace.layers}
    assert ratio["0"].max() < 1e-4 and ratio["0"].max() < ratio["10"].min()  # orders of magnitude, shrinking back
    late = slice(trace.n_steps - trace.n_steps // 4, trace.n_steps)
    earliest = next(name for name in trace.layers[:-1] if np.median(ratio[name][late]) < 1e-3)
    assert earliest == trace.layers[0] == "0"
    vanishing = [f for f in findings if f.kind == "vanishing_gradients"]
    assert len(vanishing) == 1
    assert vanishing[0].layer == earliest and vanishing[0].step == int(np.argmax(ratio[earliest] < 1e-3)) == 0
    assert repr(last) in vanishing[0].message
    assert not [f for f in findings if f.kind in ("saturated", "exploding_gradients", "nan_loss")]  # small, not saturated


def test_a_saturated_sigmoid_stack_is_found(device):
    trace = _train_sigmoid_stack(weight_scale=30, device=device)
    findings = trace.diagnose()
    saturated = [f for f in findings if f.kind == "saturated"]
    assert saturated and saturated[0].step == 0 and saturated[0].layer in ("1", "3", "5", "7", "9", "11")
    fraction = trace.summary("activations", saturated[0].layer)["saturated"]
    assert fraction[0] > 0.5 and "sigmoid" in saturated[0].message


def test_dead_relus_from_a_large_negative_bias(device):
    X, y = _moons()
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    model._layers["2"].bias.data[:12] = -50.0
    trace = _train(model, X, y, steps=15, lr=0.01, device=device)
    dead = [f for f in trace.diagnose() if f.kind == "dead_relu"]
    assert len(dead) == 1 and dead[0].layer == "3" and dead[0].step == 0
    assert (trace.dead_units("3")[:12] == 15).all()  # the 12 pushed units, dead in all 15 steps


def test_a_log_of_zero_gives_a_nan_loss_at_the_right_step(device):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid()).to(device)
    X = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    y = np.ones((8, 1), dtype=np.float32)
    optimizer = optim.SGD(model.parameters(), lr=0.01)

    def log_loss(output, target):  # -mean(y log p) with no clipping: log(0) = -inf
        return -(target * output.log()).mean()

    Xt, yt = aino.Tensor(X).to(device), aino.Tensor(y).to(device)
    with Recorder(model, optimizer, every=2) as recorder:  # step 3, the NaN, is summarised where it was made
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


def test_fit_is_repeatable_under_manual_seed(device):
    import aino
    from aino import nn
    from aino.datasets import moons

    X, y = moons(n_samples=64, noise=0.1, seed=0)
    runs = []
    for _ in range(2):
        aino.manual_seed(3)
        model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
        runs.append(fit(model, X.astype("float32"), y, epochs=3, batch_size=16, verbose=False, device=device).loss)
    assert runs[0] == runs[1]


def _train_sigmoid_stack(weight_scale, device="cpu"):
    """Six sigmoid layers of 16 units trained 20 steps on moons, every Linear's weights scaled by weight_scale."""
    X, y = _moons()
    aino.manual_seed(0)
    layers = [nn.Linear(2, 16)]
    for _ in range(5):
        layers += [nn.Sigmoid(), nn.Linear(16, 16)]
    layers += [nn.Sigmoid(), nn.Linear(16, 2)]
    model = nn.Sequential(layers)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.weight.data *= weight_scale
    return _train(model, X, y, steps=20, lr=0.1, device=device)

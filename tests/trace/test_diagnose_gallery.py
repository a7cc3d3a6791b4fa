"""The gallery of broken trainings (lesson 9): diagnose() names each planted fault, with its step and layer,
and the healthy runs (and the fixed ones) get no finding at all."""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino.datasets import StandardScaler, load_digits, load_iris, moons
from aino.trace import Recorder

X, Y = moons(n_samples=200, noise=0.1, seed=0)
X = X.astype(np.float32)


def _train(model, steps=40, lr=0.05, loss_fn=None, adam=False, X=X, y=Y, zero_grad=True, probe=None):
    optimizer = (optim.Adam if adam else optim.SGD)(model.parameters(), lr=lr)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    Xt, yt = aino.Tensor(X), aino.Tensor(y)
    with Recorder(model, optimizer, probe=probe) as recorder:
        for _ in range(steps):
            if zero_grad:
                optimizer.zero_grad()
            with np.errstate(all="ignore"):
                loss_fn(model(Xt), yt).backward()
                optimizer.step()
    return recorder.trace


def _mlp(activation=nn.ReLU, outputs=2, last=None):
    aino.manual_seed(0)
    layers = [nn.Linear(2, 16), activation(), nn.Linear(16, 16), activation(), nn.Linear(16, outputs)]
    return nn.Sequential(*(layers + ([last] if last is not None else [])))


def _bce(p, t):  # hand-written, with no clipping: log(0) = -inf
    return -(t * p.log() + (1 - t) * (1 - p).log()).mean()


def _scaled_weights(model, factor):
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.weight.data *= factor
    return model


def _dead():
    model = _mlp()
    model._layers["0"].bias.data[:] = -20.0
    return model


def _unscaled_inputs():
    return X * np.array([1000.0, 1.0], dtype=np.float32)


Y1 = Y.reshape(-1, 1).astype(np.float32)
LOG_ZERO = dict(steps=60, lr=0.05, adam=True, y=Y1)

# name: (make the broken trace, the kind diagnose() must name, its layer, the range of its step)
BROKEN = {
    "learning rate too high": (lambda: _train(_mlp(), lr=20.0), "exploding_gradients", "3", (1, 5)),
    "dead ReLUs": (lambda: _train(_dead()), "dead_relu", "1", (0, 0)),
    "saturated sigmoids": (lambda: _train(_scaled_weights(_mlp(nn.Sigmoid), 30)), "saturated", "1", (0, 0)),
    "zero_grad forgotten": (lambda: _train(_mlp(), steps=80, lr=0.01, zero_grad=False), "accumulating_gradients", "0.weight",
                            (1, 2)),
    "softmax before CrossEntropyLoss": (lambda: _train(_mlp(last=nn.Softmax(dim=1)), steps=60, lr=0.5),
                                        "loss_output_mismatch", "5", (0, 0)),
    "unscaled inputs": (lambda: _train(_mlp(), lr=0.01, adam=True, X=_unscaled_inputs(), probe=_unscaled_inputs()[:64]),
                        "unscaled_inputs", "0", (0, 0)),
    "log of zero": (lambda: _train(_mlp(outputs=1, last=nn.Sigmoid()), loss_fn=_bce, **LOG_ZERO), "nan_loss", None,
                    (20, 59)),
}

FIXED = {
    "learning rate too high": lambda: _train(_mlp(), steps=100, lr=0.1),
    "dead ReLUs": lambda: _train(_mlp(), steps=100, lr=0.1),
    "saturated sigmoids": lambda: _train(_mlp(nn.Sigmoid), steps=60, lr=0.05, adam=True),
    "zero_grad forgotten": lambda: _train(_mlp(), steps=80, lr=0.1),
    "softmax before CrossEntropyLoss": lambda: _train(_mlp(), steps=60, lr=0.5),
    "unscaled inputs": lambda: _train(_mlp(), lr=0.01, adam=True, X=_standardised(), probe=_standardised()[:64]),
    "log of zero": lambda: _train(_mlp(outputs=1), loss_fn=nn.BCEWithLogitsLoss(), **LOG_ZERO),
}


def _standardised():
    return StandardScaler().fit_transform(_unscaled_inputs()).astype(np.float32)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_diagnose_names_the_planted_fault(name):
    make, kind, layer, (first, last) = BROKEN[name]
    trace = make()
    found = [f for f in trace.diagnose() if f.kind == kind]
    assert len(found) >= 1, f"{name}: {kind} not found in {[(f.kind, f.layer) for f in trace.diagnose()]}"
    finding = found[0]
    assert finding.layer == layer and first <= finding.step <= last, finding
    assert f"step {finding.step}" in finding.message or kind in ("loss_output_mismatch", "unscaled_inputs")
    assert layer is None or repr(layer) in finding.message


def test_the_fixed_runs_are_healthy():
    for name, make in FIXED.items():
        trace = make()
        assert trace.diagnose() == [], (name, trace.diagnose())
        assert trace.loss[-1] < 0.7 * trace.loss[0], name


def test_the_planted_faults_leave_what_the_rules_read():
    # zero_grad forgotten: the weight gradient grows about linearly, step after step, at first
    norm = BROKEN["zero_grad forgotten"][0]().summary("weight_grads", "0.weight")["norm"][:12]
    assert (np.diff(norm) > 0).all() and norm[-1] > 6 * norm[0]
    # a Softmax fed to CrossEntropyLoss: the loss never leaves [log(e+1) - 1, log(e+1)] for 2 classes
    loss = BROKEN["softmax before CrossEntropyLoss"][0]().loss
    assert np.log(np.e + 1) - 1 <= loss.min() and loss.max() <= np.log(np.e + 1)
    # log of zero: the sigmoid gives exactly 1.0 (or 0.0) in float32, and the loss turns NaN there
    trace = BROKEN["log of zero"][0]()
    step = int(np.argmax(~np.isfinite(trace.loss)))
    finding = next(f for f in trace.diagnose() if f.kind == "nan_loss")
    assert finding.step == step and "exactly 0 or 1" in finding.message


class _LastStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(1, 8, batch_first=True), nn.Linear(8, 2)

    def forward(self, x):
        output, _ = self.lstm(x)
        return self.head(output[:, -1])


def test_healthy_runs_get_no_finding():
    aino.manual_seed(0)  # an MLP on moons with Adam, in mini-batches
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    history = aino.fit(model, X, Y, epochs=20, lr=0.02, seed=0, trace=True, probe=X[::10], verbose=False)
    assert history.trace.diagnose() == []
    iris = load_iris()  # the classic NeuralNetwork on iris, standardised (unscaled, its tanh layer saturates)
    inputs = StandardScaler().fit_transform(iris.data)
    network = aino.NeuralNetwork([4, 8, 3], activation_type="tanh", loss="cross_entropy", seed=0)
    network.fit(inputs, iris.target, epochs=100, n=0.05, trace=True, probe=inputs[::5])
    assert network.history_[-1] < 0.5 * network.history_[0] and network.trace_.diagnose() == []
    digits = load_digits()  # a small CNN on the 8x8 digits
    images = (digits.data[:300] / 16).astype(np.float32).reshape(-1, 1, 8, 8)
    aino.manual_seed(0)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
    history = aino.fit(cnn, images, digits.target[:300], epochs=5, lr=0.01, seed=0, trace=True, probe=images[:32],
                       verbose=False)
    assert history.loss[-1] < 0.5 * history.loss[0] and history.trace.diagnose() == []
    rng = np.random.default_rng(0)  # an LSTM: is the sum of a sequence positive?
    sequences = rng.standard_normal((128, 6, 1)).astype(np.float32)
    labels = (sequences.sum(axis=(1, 2)) > 0).astype(np.int64)
    aino.manual_seed(0)
    history = aino.fit(_LastStep(), sequences, labels, epochs=15, lr=0.01, seed=0, trace=True, probe=sequences[:16],
                       verbose=False)
    assert history.loss[-1] < 0.7 * history.loss[0] and history.trace.diagnose() == []
    aino.manual_seed(0)  # a Sigmoid output with BCELoss on probabilities: a right pair, no mismatch
    trace = _train(_mlp(outputs=1, last=nn.Sigmoid()), steps=60, lr=0.02, adam=True, y=Y1, loss_fn=nn.BCELoss())
    assert trace.diagnose() == []


def test_the_mismatch_rule_finds_a_sigmoid_before_bce_with_logits_and_leaves_right_pairs_alone():
    trace = _train(_mlp(outputs=1, last=nn.Sigmoid()), steps=60, lr=0.5, y=Y1, loss_fn=nn.BCEWithLogitsLoss())
    found = [f for f in trace.diagnose() if f.kind == "loss_output_mismatch"]
    assert len(found) == 1 and (found[0].step, found[0].layer) == (0, "5") and "BCEWithLogitsLoss" in found[0].message
    one_hot = np.eye(2, dtype=np.float32)[Y]

    def nll_of_probabilities(p, t):  # -mean log p[label]: the right loss for a Softmax output
        return -(p.log() * aino.Tensor(one_hot)).sum() / len(Y)

    for last, loss_fn, targets, steps in ((nn.Softmax(dim=1), nll_of_probabilities, Y, 10),
                                          (nn.Softmax(dim=1), nll_of_probabilities, Y, 60),
                                          (nn.Softmax(dim=1), nn.MSELoss(), one_hot, 60),
                                          (nn.LogSoftmax(dim=1), nn.NLLLoss(), Y, 60)):
        trace = _train(_mlp(last=last), steps=steps, lr=0.05 if steps == 10 else 0.5, loss_fn=loss_fn, y=targets)
        assert "loss_output_mismatch" not in {f.kind for f in trace.diagnose()}, (type(last).__name__, loss_fn)

"""The total gradient of a recurrent layer's hidden state per time step (trace.hidden_grads):
dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t, as the fused ops' backward loop sums it.

The reference is PyTorch's autograd: the same weights in the cell equations of torch.nn.RNNCell / LSTMCell /
GRUCell (PyTorch's gate orders), unrolled one step at a time in torch (both directions, every layer of a stack),
with retain_grad() on each h_t, so that h_t.grad is the whole gradient that reached h_t (from the output at t
and from step t + 1), computed without aino's fused ops.
"""

import json

import numpy as np
import pytest

import aino
from aino import hooks, nn, optim
from aino.ops import recurrent as R
from aino.tensor import Tensor
from aino.trace import Recorder, Trace
from aino.trace.trace_file import read_trace_file, write_trace_file

torch = pytest.importorskip("torch")

T, N, I, H = 6, 4, 3, 5
KINDS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}


class LastStep(nn.Module):
    """A recurrent layer and a linear read-out of the LAST time step only (many-to-one)."""

    def __init__(self, kind, batch_first=False, bidirectional=False, num_layers=1, nonlinearity="tanh"):
        super().__init__()
        options = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
        self.rnn = KINDS[kind](I, H, num_layers=num_layers, batch_first=batch_first, bidirectional=bidirectional,
                               **options)
        self.fc = nn.Linear(H * (2 if bidirectional else 1), 2)
        self.batch_first = batch_first

    def forward(self, x):
        out = self.rnn(x)[0]
        return self.fc(out[:, -1] if self.batch_first else out[-1])


def _batches(batch_first, steps=3, seed=0, scale=1.0, length=T):
    rng = np.random.default_rng(seed)
    shape = (N, length, I) if batch_first else (length, N, I)
    return [((rng.standard_normal(shape) * scale).astype(np.float32), rng.integers(0, 2, N)) for _ in range(steps)]


def _train(model, batches, record=True, every=1, probe=None, device="cpu"):
    """Train with SGD on `batches` on `device` (the model is moved there); returns (trace or None, the
    weights before each step as host arrays, the losses)."""
    model.to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    before, losses = [], []
    recorder = Recorder(model, optimizer, every=every, probe=probe) if record else None
    with recorder if record else _nothing():
        for X, y in batches:
            before.append({name: p.numpy().copy() for name, p in model.named_parameters()})
            optimizer.zero_grad()
            loss = nn.CrossEntropyLoss()(model(Tensor(X).to(device)), Tensor(y).to(device))
            loss.backward()
            optimizer.step()
            losses.append(float(loss.data))
    return (recorder.trace if record else None), before, losses


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _torch_hidden_grads(kind, weights, X, y, batch_first, bidirectional, num_layers, nonlinearity="tanh"):
    """dL/dh_t of the top layer, (T, N, H * D), by torch's cells unrolled with retain_grad on each h_t."""
    D = 2 if bidirectional else 1
    w = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in weights.items()}
    x = torch.tensor(X, dtype=torch.float64)
    x = x.transpose(0, 1) if batch_first else x  # time-major
    T = x.shape[0]
    layer_in, top = [x[t] for t in range(T)], None
    for layer in range(num_layers):
        hs = []
        for d, suffix in enumerate(("", "_reverse")[:D]):
            def p(name, layer=layer, suffix=suffix):
                return w[f"rnn.{name}_l{layer}{suffix}"]
            h = torch.zeros(N, H, dtype=torch.float64)
            c = torch.zeros(N, H, dtype=torch.float64)
            states = [None] * T
            for t in (range(T - 1, -1, -1) if d else range(T)):
                xt = layer_in[t]
                if kind == "LSTM":
                    gates = xt @ p("weight_ih").T + p("bias_ih") + h @ p("weight_hh").T + p("bias_hh")
                    i, f, g, o = gates.chunk(4, dim=1)
                    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(c)
                elif kind == "GRU":
                    xw, hw = xt @ p("weight_ih").T + p("bias_ih"), h @ p("weight_hh").T + p("bias_hh")
                    r = torch.sigmoid(xw[:, :H] + hw[:, :H])
                    z = torch.sigmoid(xw[:, H:2 * H] + hw[:, H:2 * H])
                    n = torch.tanh(xw[:, 2 * H:] + r * hw[:, 2 * H:])
                    h = (1 - z) * n + z * h
                else:
                    a = xt @ p("weight_ih").T + p("bias_ih") + h @ p("weight_hh").T + p("bias_hh")
                    h = torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)
                h.retain_grad()
                states[t] = h
            hs.append(states)
        layer_in = [torch.cat([hs[d][t] for d in range(D)], dim=1) for t in range(T)]
        top = hs
    logits = layer_in[T - 1] @ w["fc.weight"].T + w["fc.bias"]
    torch.nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
    # a state the loss never reaches (the reverse direction's before the last step) gets no .grad: 0
    return np.stack([np.concatenate([np.zeros((N, H)) if top[d][t].grad is None else top[d][t].grad.numpy()
                                     for d in range(D)], axis=1) for t in range(T)])


CASES = [("LSTM", True, False, 1), ("LSTM", False, False, 1), ("GRU", True, False, 1), ("GRU", False, False, 1),
         ("RNN", True, False, 1), ("RNN", False, False, 1), ("LSTM", False, True, 1), ("GRU", True, False, 2),
         ("RNN", False, True, 2), ("LSTM", True, True, 2)]


@pytest.mark.parametrize("kind, batch_first, bidirectional, num_layers", CASES)
def test_hidden_grads_equal_the_unrolled_cells_gradient_of_each_h_t(kind, batch_first, bidirectional, num_layers,
                                                                      device):
    aino.manual_seed(3)
    model = LastStep(kind, batch_first, bidirectional, num_layers)
    batches = _batches(batch_first)
    trace, before, _ = _train(model, batches, device=device)
    D = 2 if bidirectional else 1
    assert trace.hidden_grad_layers == ["rnn"]
    assert trace.steps == [0, 1, 2]
    for step, (X, y) in enumerate(batches):
        recorded = trace.hidden_grads("rnn", step)
        assert type(recorded) is np.ndarray and recorded.shape == (T, N, H * D) and recorded.dtype == np.float32
        expected = _torch_hidden_grads(kind, before[step], X, y, batch_first, bidirectional, num_layers)
        np.testing.assert_allclose(recorded, expected, rtol=2e-4, atol=1e-7)
        # the direct part alone is 0 before the last step; the total is not
        direct = trace.gradients("rnn", step)
        direct = np.swapaxes(direct, 0, 1) if batch_first else direct
        assert not direct[:-1].any() and (np.abs(recorded[:-1]).sum(axis=(1, 2)) > 0).all()
        # at the last step nothing comes from a later step (the forward direction's units)
        np.testing.assert_array_equal(recorded[-1, :, :H], direct[-1, :, :H])


def test_a_saturating_tanh_rnn_shows_the_gradient_vanishing_back_in_time():
    aino.manual_seed(0)
    model = LastStep("RNN")
    model.rnn.weight_ih_l0.data *= 2  # large pre-activations: tanh saturates, tanh' = 1 - h^2 is small
    trace, _, _ = _train(model, _batches(False, steps=2, scale=2.0, length=24))
    norms = np.linalg.norm(trace.hidden_grads("rnn", 1), axis=(1, 2))  # ||dL/dh_t|| over batch and units
    assert norms.shape == (24,) and (norms > 0).all()
    assert norms[0] < 1e-3 * norms[-1]  # vanished by the first step
    assert norms[:8].max() < norms[8:16].max() < norms[16:].max()  # shrinking going back in time


def test_results_are_bit_identical_with_and_without_the_recorder(device):
    for kind, batch_first, bidirectional, num_layers in CASES:
        runs = []
        for record in (False, True):
            aino.manual_seed(5)
            model = LastStep(kind, batch_first, bidirectional, num_layers)
            _, _, losses = _train(model, _batches(batch_first), record=record, every=2, device=device)
            runs.append((losses, {name: p.numpy().copy() for name, p in model.named_parameters()}))
        assert runs[0][0] == runs[1][0], kind
        for name in runs[0][1]:
            np.testing.assert_array_equal(runs[0][1][name], runs[1][1][name], err_msg=f"{kind} {name}")


@pytest.mark.parametrize("op, states", [(R.RNN, 1), (R.LSTM, 2), (R.GRU, 1)])
@pytest.mark.parametrize("reverse", [False, True])
def test_the_ops_keep_the_total_gradient_only_while_something_listens(op, states, reverse):
    rng = np.random.default_rng(1)
    G = {R.RNN: 1, R.LSTM: 4, R.GRU: 3}[op]
    inputs = [rng.standard_normal(s).astype(np.float32) for s in
              [(T, N, I)] + [(N, H)] * states + [(G * H, I), (G * H, H), (G * H,), (G * H,)]]
    results = []
    for listen in (False, True):
        listener = hooks.Listener()
        if listen:
            hooks.attach(listener)
        try:
            tensors = [Tensor(a, requires_grad=True) for a in inputs]
            out = op.apply(*tensors, reverse=reverse)
            fn = out._ctx
            upstream = np.zeros(out.shape, np.float32)
            upstream[T - 1] = 1.0  # the loss reads h_T only (and, for the LSTM, not c_n)
            out.backward(Tensor(upstream))
        finally:
            hooks.detach(listener)
        results.append(([t.grad.data for t in tensors], fn.hidden_grads))
    assert results[0][1] is None  # nothing listened: nothing kept
    kept = results[1][1]
    assert kept.shape == (T, N, H)
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_array_equal(a, b)  # the gradients are bit-identical
    np.testing.assert_array_equal(kept[T - 1], upstream[T - 1])  # nothing reaches h_T from a later step
    if not reverse:  # the earlier steps get gradient through the recurrence
        assert (np.abs(kept[:-1]).sum(axis=(1, 2)) > 0).all()
    else:  # in time order: h_t of the reverse direction feeds h_{t-1} only, which the loss never reads
        assert not kept[:-1].any()


def test_only_kept_steps_hold_them_and_a_probe_does_not_change_their_source(device):
    aino.manual_seed(2)
    model = LastStep("GRU", batch_first=True)
    batches = _batches(True, steps=5)
    probe = batches[0][0][:2]
    trace, _, _ = _train(model, batches, every=2, probe=probe, device=device)
    assert trace.steps == [0, 2, 4]
    assert all(type(trace.hidden_grads("rnn", step)) is np.ndarray for step in trace.steps)
    with pytest.raises(ValueError, match="no full arrays"):
        trace.hidden_grads("rnn", 1)
    assert trace.hidden_grads("rnn", 2).shape == (T, N, H)  # the training batch's N, not the probe's 2
    with pytest.raises(ValueError, match="no recurrent layer"):
        trace.hidden_grads("fc", 2)


def test_cells_and_models_without_recurrent_layers_have_none():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert Recorder(model).trace.hidden_grad_layers == []

    class Cell(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell, self.fc = nn.LSTMCell(3, 4), nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(self.cell(x)[0])

    assert Recorder(Cell()).trace.hidden_grad_layers == []


def _saved(tmp_path):
    aino.manual_seed(4)
    model = LastStep("LSTM", bidirectional=True)
    trace, _, _ = _train(model, _batches(False))
    return trace, trace.save(tmp_path / "run.npz")


def test_save_and_load_keep_them(tmp_path):
    trace, path = _saved(tmp_path)
    loaded = Trace.load(path)
    assert loaded.hidden_grad_layers == ["rnn"] and loaded.steps == trace.steps
    for step in trace.steps:
        np.testing.assert_array_equal(loaded.hidden_grads("rnn", step), trace.hidden_grads("rnn", step))
    _, arrays = read_trace_file(path)
    assert "full/0/hidden_grads/rnn" in arrays and arrays["full/0/hidden_grads/rnn"].shape == (T, N, 2 * H)


@pytest.mark.parametrize("change, message", [
    (lambda a: a[0], "3-D floats"),
    (lambda a: a.astype(np.int64), "3-D floats"),
    (lambda a: a[..., None], "3-D floats"),
])
def test_a_bad_member_is_a_value_error(tmp_path, change, message):
    _, path = _saved(tmp_path)
    meta, arrays = read_trace_file(path)
    arrays["full/0/hidden_grads/rnn"] = change(arrays["full/0/hidden_grads/rnn"])
    bad = tmp_path / "bad.npz"
    write_trace_file(bad, dict(arrays, meta=np.array(json.dumps(meta))))
    with pytest.raises(ValueError, match=message):
        Trace.load(bad)


def test_a_member_naming_no_recurrent_layer_is_a_value_error(tmp_path):
    _, path = _saved(tmp_path)
    meta, arrays = read_trace_file(path)
    arrays["full/0/hidden_grads/fc"] = arrays["full/0/hidden_grads/rnn"]
    bad = tmp_path / "bad.npz"
    write_trace_file(bad, dict(arrays, meta=np.array(json.dumps(meta))))
    with pytest.raises(ValueError, match="names no hidden_grads"):
        Trace.load(bad)

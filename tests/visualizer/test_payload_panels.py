"""visualizer/payload_panels.py without a browser: for small aino.nn models recorded with a Recorder (a
CNN on 8x8 images, an LSTM, an RNN, a GRU, a MultiheadAttention model, a TransformerEncoderLayer, a
BatchNorm1d MLP), layer_details names the right numbers per layer and extra_groups gives the trace's own
attention weights and buffers, stacked per shape as payload.py's _step_groups.

The attention and buffer arrays come from the Trace's attention API (trace.attention_layers,
trace.attention, trace.buffer_names, trace.buffer); the tests that need it fail, with that said, on a
Trace that lacks it."""

import json

import numpy
import pytest

from aino import nn
from aino.optim import SGD
from aino.tensor import Tensor
from aino.trace import Recorder
from visualizer.payload import build_payload
from visualizer.payload_panels import (
    MAX_ATTENTION_SAMPLES,
    extra_groups,
    layer_details,
    panel_layers,
)

STEPS = 3
PROBE = 6


def _record(model, X, y, steps=STEPS, probe=None):
    optimizer = SGD(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    with Recorder(model, optimizer, probe=X[:PROBE] if probe is None else probe) as recorder:
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(Tensor(X)), Tensor(y)).backward()
            optimizer.step()
    return recorder.trace


class Recurrent(nn.Module):
    """kind(3, 5) over 7 time steps, then a Linear on the last step's hidden state."""

    def __init__(self, kind, batch_first):
        super().__init__()
        self.rnn = kind(3, 5, batch_first=batch_first)
        self.fc = nn.Linear(5, 2)
        self.batch_first = batch_first

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1] if self.batch_first else out[-1])


class Attention(nn.Module):
    """Self-attention (2 heads, 8 features) over 5 positions, mean over positions, a Linear."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        y, _ = self.attn(x, x, x)
        return self.fc(y.mean(axis=1))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.block(x).mean(axis=1))


def cnn_trace(seed=0):
    rng = numpy.random.default_rng(seed)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3))
    return _record(model, rng.normal(size=(10, 1, 8, 8)).astype("f4"), rng.integers(0, 3, 10))


def recurrent_trace(kind=nn.LSTM, batch_first=True, seed=0):
    rng = numpy.random.default_rng(seed)
    shape = (10, 7, 3) if batch_first else (7, 10, 3)
    X = rng.normal(size=shape).astype("f4")
    probe = X[:PROBE] if batch_first else X[:, :PROBE]   # (T, N, I) without batch_first: the batch is axis 1
    return _record(Recurrent(kind, batch_first), X, rng.integers(0, 2, 10), probe=probe)


def attention_trace(model=Attention, seed=0):
    rng = numpy.random.default_rng(seed)
    return _record(model(), rng.normal(size=(10, 5, 8)).astype("f4"), rng.integers(0, 2, 10))


def norm_trace(seed=0):
    rng = numpy.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    return _record(model, rng.normal(size=(10, 4)).astype("f4"), rng.integers(0, 2, 10))


def _require(trace, *names):
    """Fail (not skip) when the Trace lacks the attention / buffer API these tests are written for."""
    missing = [n for n in names if not hasattr(trace, n)]
    if missing:
        pytest.fail(f"the Trace has no {', '.join(missing)} yet: the attention/buffer API these panels read "
                    f"(trace.attention_layers, trace.attention, trace.buffer_names, trace.buffer) is missing",
                    pytrace=False)


@pytest.fixture(scope="module")
def cnn():
    return cnn_trace()


@pytest.fixture(scope="module")
def attention():
    return attention_trace()


@pytest.fixture(scope="module")
def norm():
    return norm_trace()


def test_conv_details_come_from_the_weights_shape(cnn):
    details = layer_details(cnn)
    assert details == {"0": {"in_channels": 1, "out_channels": 4, "kernel_size": [3, 3]}}
    assert panel_layers(cnn) == ["0"]
    json.dumps(details)


@pytest.mark.parametrize("kind, batch_first", [(nn.LSTM, True), (nn.RNN, False), (nn.GRU, False), (nn.GRU, True)])
def test_recurrent_details_give_the_time_axis(kind, batch_first):
    trace = recurrent_trace(kind, batch_first)
    detail = layer_details(trace)["rnn"]
    assert detail["batch_first"] is batch_first
    assert detail["hidden_size"] == 5
    assert detail["time_axis"] == (1 if batch_first else 0)
    assert detail["bidirectional"] is False and detail["num_layers"] == 1
    step = trace.steps[-1]
    T = trace.activations("rnn", step).shape[detail["time_axis"]]
    assert T == 7 and trace.gradients("rnn", step).shape[detail["time_axis"]] == 7
    assert "fc" not in layer_details(trace)


def test_recurrent_default_is_not_batch_first_as_in_pytorch():
    trace = recurrent_trace(nn.LSTM, batch_first=False)
    trace.meta["layers"][0].pop("batch_first", None)     # a trace from before the meta said so
    assert layer_details(trace)["rnn"]["batch_first"] is False
    assert layer_details(trace)["rnn"]["time_axis"] == 0


def test_attention_details_name_the_module(attention):
    detail = layer_details(attention)["attn.out_proj"]
    assert detail["module"] == "attn"
    assert set(layer_details(attention)) == {"attn.out_proj"}


def test_attention_details_give_the_number_of_heads(attention):
    _require(attention, "attention_layers", "attention")
    assert layer_details(attention)["attn.out_proj"]["num_heads"] == 2


def test_extra_groups_hold_the_traces_attention_weights(attention):
    _require(attention, "attention_layers", "attention")
    assert "attn" in attention.attention_layers
    groups = extra_groups(attention, attention.steps)
    [(steps, stack)] = groups["attention"]["attn"]
    assert steps == attention.steps
    assert stack.shape == (len(steps), min(PROBE, MAX_ATTENTION_SAMPLES), 2, 5, 5)   # (k, n, heads, L, S)
    for step, array in zip(steps, stack):
        numpy.testing.assert_array_equal(array, numpy.asarray(attention.attention("attn", step))[:MAX_ATTENTION_SAMPLES])
    numpy.testing.assert_allclose(stack.sum(axis=-1), 1.0, rtol=1e-5)   # softmax rows


def test_extra_groups_hold_a_transformer_blocks_attention():
    trace = attention_trace(Encoder)
    _require(trace, "attention_layers", "attention")
    detail = layer_details(trace)["block.self_attn.out_proj"]
    assert detail == {"module": "block.self_attn", "num_heads": 2}
    groups = extra_groups(trace, trace.steps)
    [(steps, stack)] = groups["attention"]["block.self_attn"]
    assert steps == trace.steps and stack.shape[1:] == (MAX_ATTENTION_SAMPLES, 2, 5, 5)
    assert {"block.norm1", "block.norm2"} <= set(layer_details(trace))   # LayerNorm: norm kind, no running stats
    assert layer_details(trace)["block.norm1"] == {"running_mean": None, "running_var": None}


def test_norm_details_and_buffers(norm):
    _require(norm, "buffer_names", "buffer")
    assert layer_details(norm)["1"] == {"running_mean": "1.running_mean", "running_var": "1.running_var"}
    groups = extra_groups(norm, norm.steps)
    for name in ("1.running_mean", "1.running_var"):
        [(steps, stack)] = groups["buffers"][name]
        assert steps == norm.steps and stack.shape == (len(steps), 6)
        for step, array in zip(steps, stack):
            numpy.testing.assert_array_equal(array, norm.buffer(name, step))
    # the running mean moves from its start (0) toward the batch means: momentum 0.1 per step
    assert numpy.abs(groups["buffers"]["1.running_mean"][0][1][-1]).max() > 0


def test_a_norm_layer_without_recorded_buffers_names_none(cnn, norm):
    if hasattr(norm, "buffer_names"):
        assert set(norm.buffer_names) >= {"1.running_mean", "1.running_var"}
    else:
        assert layer_details(norm)["1"] == {"running_mean": None, "running_var": None}
    assert extra_groups(cnn, cnn.steps)["attention"] == {}


class _Stub:
    """A trace-like object with the attention and buffer API, to test the grouping on its own."""

    attention_layers = ("a",)
    buffer_names = ("b",)

    def __init__(self):
        self.layers, self.params, self.steps, self.meta = [], [], [0, 1, 2, 3], {"layers": []}

    def attention(self, name, step):
        if step == 1:
            raise ValueError("nothing recorded")
        return numpy.full((6, 2, 3, 4 if step < 3 else 5), float(step))

    def buffer(self, name, step):
        return numpy.arange(3.0) + step


def test_extra_groups_stack_per_shape_and_skip_steps_without_arrays():
    groups = extra_groups(_Stub(), [0, 1, 2, 3])
    runs = groups["attention"]["a"]
    assert [steps for steps, _ in runs] == [[0, 2], [3]]
    assert runs[0][1].shape == (2, MAX_ATTENTION_SAMPLES, 2, 3, 4) and runs[1][1].shape == (1, 4, 2, 3, 5)
    assert runs[0][1][1].max() == 2.0
    [(steps, stack)] = groups["buffers"]["b"]
    assert steps == [0, 1, 2, 3] and stack[2].tolist() == [2.0, 3.0, 4.0]


def test_a_trace_without_the_api_gives_no_extra_arrays():
    class Bare:
        def __init__(self):
            self.layers, self.params, self.steps, self.meta = [], [], [0], {"layers": []}

    assert extra_groups(Bare(), [0]) == {"attention": {}, "buffers": {}, "hidden_grads": {}}
    assert layer_details(Bare()) == {}


def test_details_merge_into_the_payloads_layers(cnn):
    data, _ = build_payload(cnn)
    details = layer_details(cnn)
    kinds = {entry["name"]: entry["kind"] for entry in data["layers"]}
    assert {name: kinds[name] for name in details} == {"0": "conv"}
    assert [entry["shape"] for entry in data["layers"] if entry["name"] == "0"] == [[PROBE, 4, 8, 8]]


def test_extra_groups_hold_the_recurrent_layers_total_hidden_gradients():
    trace = recurrent_trace(nn.GRU, batch_first=True)
    _require(trace, "hidden_grad_layers", "hidden_grads")
    groups = extra_groups(trace, trace.steps)
    [(steps, stack)] = groups["hidden_grads"]["rnn"]
    assert steps == trace.steps and stack.shape == (len(steps), 7, 10, 5)   # time-major (T, N, H) per step
    for i, step in enumerate(steps):
        numpy.testing.assert_array_equal(stack[i], trace.hidden_grads("rnn", step))
    data, _ = build_payload(trace, quantize=False)
    ref = data["steps"][str(steps[-1])]["hidden_grads"]["rnn"]
    assert ref["shape"] == [7, 10, 5]

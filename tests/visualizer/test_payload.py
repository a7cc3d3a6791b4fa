"""The data the browser renderer receives (visualizer/payload.py), for every kind of layer, both paths:
shapes, steps, names and kinds, and every array decoding back to the trace's values within scale / 2."""

import base64
import json

import numpy
import pytest

from aino import nn, optim
from aino.classic.network import NeuralNetwork
from aino.tensor import Tensor
from aino.trace import Recorder
from visualizer.payload import FORMAT, build_payload, payload_bytes, to_json_with_base64

STEPS = 3
DTYPES = {"float32": numpy.float32, "uint8": numpy.uint8}


def decode(ref, buffers):
    stored = numpy.frombuffer(buffers[ref["buffer"]], dtype=DTYPES[ref["dtype"]]).reshape(ref["shape"])
    return ref["offset"] + ref["scale"] * stored.astype(numpy.float64)


def assert_decodes(ref, buffers, expected):
    expected = numpy.asarray(expected, dtype=numpy.float64)
    assert ref["shape"] == list(expected.shape)
    value = decode(ref, buffers)
    if ref["dtype"] == "uint8":
        tolerance = ref["scale"] / 2 * (1 + 1e-9) + 1e-12
        assert numpy.abs(value - expected).max() <= tolerance
    else:
        numpy.testing.assert_allclose(value, expected.astype(numpy.float32), rtol=0, atol=0, equal_nan=True)


def record(model, X, y, loss, record_ops=False):
    numpy.random.seed(0)
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    with Recorder(model, optimizer, probe=X[:4], record_ops=record_ops) as recorder:
        for _ in range(STEPS):
            optimizer.zero_grad()
            loss(model(Tensor(X)), Tensor(y)).backward()
            optimizer.step()
    return recorder.trace


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.encoder(x)[:, 0])


def _labels(n):
    return numpy.arange(n) % 2


def mlp_trace():
    X = numpy.random.default_rng(0).normal(size=(8, 3)).astype(numpy.float32)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    return record(model, X, _labels(8), nn.CrossEntropyLoss(), record_ops=True)


def cnn_trace():
    X = numpy.random.default_rng(0).normal(size=(4, 1, 6, 6)).astype(numpy.float32)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 2))
    return record(model, X, _labels(4), nn.CrossEntropyLoss())


def lstm_trace():
    X = numpy.random.default_rng(0).normal(size=(4, 5, 3)).astype(numpy.float32)
    return record(LSTMModel(), X, _labels(4), nn.CrossEntropyLoss())


def attention_trace():
    X = numpy.random.default_rng(0).normal(size=(4, 3, 4)).astype(numpy.float32)
    return record(Encoder(), X, _labels(4), nn.CrossEntropyLoss())


def norm_trace():
    X = numpy.random.default_rng(0).normal(size=(8, 3)).astype(numpy.float32)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 4), nn.LayerNorm(4),
                          nn.Linear(4, 2))
    return record(model, X, _labels(8), nn.CrossEntropyLoss())


def classic_trace():
    X = numpy.random.default_rng(0).normal(size=(12, 2))
    network = NeuralNetwork([2, 4, 1], activation_type="tanh", output_activation="sigmoid", loss="bce", seed=0)
    network.fit(X, (X[:, 0] > 0).astype(float), epochs=STEPS, n=0.5, batch_size=12, verbose=False,
                trace=True, probe=X[:5])
    return network.trace_


TRACES = {"mlp": mlp_trace, "cnn": cnn_trace, "lstm": lstm_trace, "attention": attention_trace,
          "norm": norm_trace, "classic": classic_trace}
KINDS = {"mlp": ["dense", "activation", "dense"],
         "cnn": ["conv", "activation", "other", "other", "dense"],
         "lstm": ["recurrent", "dense"],
         "attention": ["attention", "dense", "other", "dense", "norm", "norm", "other", "other", "activation",
                       "dense"],
         "norm": ["dense", "norm", "activation", "dense", "norm", "dense"],
         "classic": ["dense", "activation", "dense", "activation"]}


@pytest.fixture(scope="module", params=sorted(TRACES))
def built(request):
    trace = TRACES[request.param]()
    data, buffers = build_payload(trace)
    return request.param, trace, data, buffers


def test_header_layers_and_params(built):
    name, trace, data, _ = built
    assert data["format"] == FORMAT
    assert data["n_steps"] == trace.n_steps == STEPS
    assert data["kept_steps"] == trace.steps == list(range(STEPS))
    assert data["path"] == ("classic" if name == "classic" else "nn")
    assert data["model"]["model_type"] == trace.meta["model_type"] and data["model"]["repr"]
    assert [layer["name"] for layer in data["layers"]] == trace.layers
    assert [layer["kind"] for layer in data["layers"]] == KINDS[name]
    assert [p["name"] for p in data["params"]] == trace.params
    owned = [p for layer in data["layers"] for p in layer["params"]]
    assert sorted(owned) == sorted(trace.params)  # every parameter has its layer
    for p in data["params"]:
        assert p["shape"] == list(trace.weights(p["name"], 0).shape)
        assert p["name"] in next(layer for layer in data["layers"] if layer["name"] == p["layer"])["params"]
    json.loads(json.dumps(data, allow_nan=False))


def test_labels_and_units(built):
    name, trace, data, _ = built
    layers = {layer["name"]: layer for layer in data["layers"]}
    if name == "classic":
        assert layers["layers.0.z"]["label"] == "layers.0 (pre-activation z)"
        assert layers["layers.0"]["label"] == "layers.0"
        assert [layers[n]["units"] for n in trace.layers] == [4, 4, 1, 1]
    if name == "mlp":
        assert [layers[n]["label"] for n in trace.layers] == ["Linear (0) (pre-activation z)", "Tanh (1)", "Linear (2)"]
        assert layers["1"]["activation"] == "tanh"
    if name == "cnn":
        assert [layers[n]["units"] for n in trace.layers] == [3, 3, 3, 12, 2]
        assert layers["0"]["weight"] == "0.weight" and layers["0"]["shape"] == [4, 3, 4, 4]
    if name == "lstm":
        assert layers["lstm"]["units"] == 5
        assert layers["lstm"]["params"] == [p for p in trace.params if p.startswith("lstm.")]
        assert (layers["lstm"]["weight"], layers["lstm"]["bias"]) == ("lstm.weight_ih_l0", "lstm.bias_ih_l0")
        assert layers["head"]["params"] == ["head.weight", "head.bias"]
    if name == "attention":
        attention = layers["encoder.self_attn.out_proj"]
        assert "encoder.self_attn.in_proj_weight" in attention["params"] and attention["units"] == 4
    if name == "norm":
        assert layers["1"]["type"] == "BatchNorm1d" and layers["1"]["units"] == 4


def test_series(built):
    _, trace, data, buffers = built
    series = data["series"]
    assert_decodes(series["loss"], buffers, trace.loss)
    for layer in trace.layers:
        activations, gradients = trace.summary("activations", layer), trace.summary("gradients", layer)
        for key, stat in (("act_mean", "mean"), ("act_std", "std"), ("act_min", "min"), ("act_max", "max"),
                          ("saturated", "saturated")):
            assert_decodes(series[key][layer], buffers, activations[stat])
        assert_decodes(series["grad_norm"][layer], buffers, gradients["norm"])
        hist = series["hist"][layer]
        assert hist["counts"]["shape"] == [STEPS, 32]
        assert_decodes(hist["counts"], buffers, activations["hist"])
        edges = trace.hist_edges("activations", layer)
        assert hist["edges"] == [edges[0], edges[-1]]
        assert_decodes(series["grad_hist"][layer]["counts"], buffers, gradients["hist"])
    for param in trace.params:
        weights = trace.summary("weights", param)
        assert_decodes(series["update_ratio"][param], buffers, weights["update_ratio"])
        assert_decodes(series["weight_norm"][param], buffers, weights["norm"])


def test_step_arrays_decode(built):
    _, trace, data, buffers = built
    assert sorted(data["steps"], key=int) == [str(s) for s in trace.steps]
    for step in trace.steps:
        arrays = data["steps"][str(step)]
        for kind, names in (("activations", trace.layers), ("gradients", trace.layers),
                            ("weights", trace.params), ("updates", trace.params)):
            for name in names:
                try:
                    expected = getattr(trace, kind)(name, step)
                except ValueError:
                    assert name not in arrays[kind]
                    continue
                assert_decodes(arrays[kind][name], buffers, expected)
        assert arrays["activations"][trace.layers[0]]["dtype"] == "uint8"


def test_probe_findings_ops(built):
    name, trace, data, buffers = built
    probe = data["probe"]  # the probe batch as the trace keeps it (recorded without labels here)
    assert probe["labels"] is None and not probe["recovered"]
    numpy.testing.assert_allclose(decode(probe["inputs"], buffers), trace.probe_inputs, atol=1e-6)
    assert data["findings"] == [{"kind": f.kind, "step": f.step, "layer": f.layer, "message": f.message}
                                for f in trace.diagnose()]
    assert ("ops" in data) == (name == "mlp")
    if name == "mlp":
        assert set(data["ops"]) == {str(s) for s in trace.steps} and data["ops"]["0"] == trace.ops[0]
    assert "names" not in data


def test_probe_inputs_are_the_probe():
    X = numpy.random.default_rng(1).normal(size=(12, 2))
    network = NeuralNetwork([2, 4, 1], activation_type="tanh", output_activation="sigmoid", loss="bce", seed=0)
    network.fit(X, (X[:, 0] > 0).astype(float), epochs=1, n=0.5, batch_size=12, verbose=False, trace=True, probe=X[:5])
    data, buffers = build_payload(network.trace_)
    numpy.testing.assert_allclose(decode(data["probe"]["inputs"], buffers), X[:5], atol=1e-5)


def test_probe_labels_go_in_and_an_older_trace_has_its_inputs_solved_back():
    X = numpy.random.default_rng(2).normal(size=(12, 2))
    y = (X[:, 0] > 0).astype(numpy.int64)
    network = NeuralNetwork([2, 4, 2], activation_type="tanh", loss="cross_entropy", seed=0)
    network.fit(X, y, epochs=1, n=0.5, batch_size=12, trace=True, probe=X[:6], probe_labels=y[:6])
    data, buffers = build_payload(network.trace_)
    assert not data["probe"]["recovered"]
    assert decode(data["probe"]["labels"], buffers).tolist() == y[:6].tolist()
    network.trace_._set_probe(None, None)  # as a trace recorded before traces kept their probe
    data, buffers = build_payload(network.trace_)
    assert data["probe"]["recovered"] and data["probe"]["labels"] is None
    numpy.testing.assert_allclose(decode(data["probe"]["inputs"], buffers), X[:6], atol=1e-5)


def test_quantisation_edges_and_options():
    trace = classic_trace()
    plain, plain_buffers = build_payload(trace, quantize=False)
    ref = plain["steps"]["1"]["weights"]["layers.0.weight"]
    assert ref["dtype"] == "float32" and ref["scale"] == 1 and ref["offset"] == 0
    assert_decodes(ref, plain_buffers, trace.weights("layers.0.weight", 1))
    data, _ = build_payload(trace, steps=[2, 0])
    assert data["kept_steps"] == [0, 2] and sorted(data["steps"]) == ["0", "2"]
    trace.meta.update(feature_names=["x1", "x2"], class_names=["no", "yes"])
    named, _ = build_payload(trace, steps=[])
    assert named["names"] == {"features": ["x1", "x2"], "classes": ["no", "yes"]} and named["steps"] == {}
    with pytest.raises(ValueError, match="kept no arrays"):
        build_payload(trace, steps=[7])
    with pytest.raises(TypeError, match="recorder.trace"):
        build_payload(type("R", (), {"trace": trace})())


def test_constant_and_non_finite_arrays():
    from visualizer.payload_arrays import Buffers

    buffers = Buffers()
    stack = numpy.array([[2.5, 2.5, 2.5], [0.0, numpy.nan, 1.0], [-1e-7, 3e-7, 1.0000001]])
    refs = buffers.add_rows(stack, quantize=True)
    assert [r["dtype"] for r in refs] == ["uint8", "float32", "uint8"]
    assert refs[0]["scale"] == 0 and decode(refs[0], buffers.list).tolist() == [2.5, 2.5, 2.5]
    assert_decodes(refs[2], buffers.list, stack[2])
    numpy.testing.assert_array_equal(decode(refs[1], buffers.list), stack[1].astype(numpy.float32))


def test_sizes_and_base64(built):
    _, _, data, buffers = built
    assert payload_bytes(data, buffers) == len(json.dumps(data, separators=(",", ":"))) + sum(map(len, buffers))
    text = json.loads(to_json_with_base64(data, buffers))
    assert [base64.b64decode(b) for b in text.pop("buffers_b64")] == buffers
    assert text == json.loads(json.dumps(data))


def _recorded(trace, kind, name, step):
    """The trace's array of (kind, name) at `step`: trace.activations(...), ..., trace.buffer(...)."""
    read = {"buffers": trace.buffer, "attention": trace.attention}.get(kind) or getattr(trace, kind)
    return read(name, step)


def test_stacked_arrays_decode(built):
    _, trace, data, _ = built
    stacked, buffers = build_payload(trace, stacked=True)
    assert "steps" not in stacked and stacked["series"].keys() == data["series"].keys()
    for kind, named in stacked["stacks"].items():
        for name, runs in named.items():
            assert sorted(step for run in runs for step in run["steps"]) == sorted(
                int(step) for step, arrays in data["steps"].items() if name in arrays[kind])
            for run in runs:
                stored = numpy.frombuffer(buffers[run["buffer"]], dtype=DTYPES[run["dtype"]]).reshape(run["shape"])
                assert run["shape"][0] == len(run["steps"])
                for i, step in enumerate(run["steps"]):
                    assert run["dtype"] == "uint8"
                    ref = dict(run, shape=run["shape"][1:], scale=run["scale"][i], offset=run["offset"][i])
                    value = ref["offset"] + ref["scale"] * stored[i].astype(numpy.float64)
                    tolerance = ref["scale"] / 2 * (1 + 1e-9) + 1e-12
                    assert numpy.abs(value - _recorded(trace, kind, name, step)).max() <= tolerance

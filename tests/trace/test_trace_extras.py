"""What a trace keeps besides layers and parameters: the probe and its labels, input and class names,
metrics per step, attention weights, BatchNorm running statistics, layer details; and aino.fit's
validation."""

import json
from contextlib import nullcontext

import numpy as np
import pytest

import aino
from aino import hooks, nn, optim
from aino.backend import move_array
from aino.classic import NeuralNetwork
from aino.tensor import Tensor, no_grad
from aino.trace import Recorder, Trace
from aino.trace.trace_file import read_trace_file, write_trace_file


class Attender(nn.Module):
    """x (N, L, 4) -> self-attention over L (two heads) -> a linear read-out of the first position."""

    def __init__(self, batch_norm=False):
        super().__init__()
        self.att = nn.MultiheadAttention(4, 2, batch_first=True)
        self.unused = nn.MultiheadAttention(4, 1)  # never called, still an attention layer of the model
        self.norm = nn.BatchNorm1d(4) if batch_norm else None
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        a, _ = self.att(x, x, x, need_weights=False)
        first = a[:, 0, :]
        return self.head(self.norm(first) if self.norm is not None else first)


def _data(n=6, length=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, length, 4)).astype(np.float32), rng.integers(0, 3, n)


def _train_step(model, optimizer, X, y, device="cpu"):
    optimizer.zero_grad()
    nn.CrossEntropyLoss()(model(Tensor(X).to(device)), Tensor(y).to(device)).backward()
    optimizer.step()


def _weights_of(module, x, device="cpu"):
    """The per-head weights (N, heads, L, S) the module computes on x, asked for outright, on the host."""
    x = Tensor(x).to(device)
    with no_grad():
        _, weights = module(x, x, x, need_weights=True, average_attn_weights=False)
    return move_array(weights.data, "cpu")


# --- attention weights ---------------------------------------------------------------------------


def test_attention_of_the_probe_equals_the_weights_the_module_gives_after_the_step(device):
    aino.manual_seed(0)
    model = Attender().to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    X, y = _data()
    probe = X[:3]
    with Recorder(model, optimizer, probe=probe) as recorder:
        expected = []
        for _ in range(3):
            _train_step(model, optimizer, X, y, device)
            with recorder.paused():
                expected.append(_weights_of(model.att, probe, device))
    trace = recorder.trace
    assert trace.attention_layers == ["att", "unused"]
    for step in range(3):
        recorded = trace.attention("att", step)
        assert type(recorded) is np.ndarray and recorded.shape == (3, 2, 5, 5)
        np.testing.assert_allclose(recorded, expected[step], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(recorded.sum(axis=-1), 1, rtol=1e-5)  # each row is a softmax


def test_attention_without_a_probe_is_that_of_the_training_batch_before_the_update():
    aino.manual_seed(1)
    model = Attender()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    X, y = _data()
    with Recorder(model, optimizer) as recorder:
        expected = []
        for _ in range(2):
            with recorder.paused():
                expected.append(_weights_of(model.att, X))  # the weights the step's forward sees
            _train_step(model, optimizer, X, y)
    for step in range(2):
        np.testing.assert_allclose(recorder.trace.attention("att", step), expected[step], rtol=1e-6, atol=1e-7)
    assert not np.allclose(expected[0], expected[1])  # the step changed them


def test_a_transformer_layer_that_asks_for_no_weights_still_reports_them():
    aino.manual_seed(2)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True)
    optimizer = optim.SGD(layer.parameters(), lr=0.1)
    X = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    with Recorder(layer, optimizer, probe=X) as recorder:
        optimizer.zero_grad()
        (layer(Tensor(X)) ** 2).mean().backward()
        optimizer.step()
        with recorder.paused():
            layer.eval()
            expected = _weights_of(layer.self_attn, X)  # post-norm: self-attention sees the input itself
    assert recorder.trace.attention_layers == ["self_attn"]
    np.testing.assert_allclose(recorder.trace.attention("self_attn", 0), expected, rtol=1e-6, atol=1e-7)


def test_attention_is_kept_only_at_kept_steps_and_counts_in_the_budget(device):
    aino.manual_seed(0)
    model = Attender().to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    X, y = _data()
    with Recorder(model, optimizer, every=2, probe=X) as recorder:
        for _ in range(4):
            _train_step(model, optimizer, X, y, device)
    trace = recorder.trace
    assert trace.steps == [0, 2, 3]  # 3, the newest when recording stopped: moved to the host then
    assert all(type(array) is np.ndarray for step in trace.steps for array in trace._full[step].values())
    with pytest.raises(ValueError, match="step 1 has no full arrays; the nearest recorded steps are 0 and 2"):
        trace.attention("att", 1)
    with pytest.raises(ValueError, match=r"no attention layer 'head'; the trace has \['att', 'unused'\]"):
        trace.attention("head", 0)
    with pytest.raises(ValueError, match="nothing was recorded for 'unused'"):
        trace.attention("unused", 0)
    stored = sum(array.nbytes for step in trace.steps for array in trace._full[step].values())
    attention = sum(trace.attention("att", step).nbytes for step in trace.steps)
    assert attention == 3 * 6 * 2 * 5 * 5 * 4 and trace.nbytes == stored  # float32 (6, 2, 5, 5) per kept step


@pytest.mark.parametrize("every", [1, 2])
def test_recording_attention_and_buffers_changes_no_training_result(device, every):
    X, y = _data(n=8)
    finals = []
    for record in (False, True):
        aino.manual_seed(4)
        model = Attender(batch_norm=True).to(device)
        optimizer = optim.Adam(model.parameters(), lr=0.05)
        with Recorder(model, optimizer, probe=X[:4], every=every) if record else nullcontext():
            for _ in range(3):
                _train_step(model, optimizer, X, y, device)
        finals.append({name: p.numpy().copy() for name, p in model.named_parameters()}
                      | {name: b.numpy().copy() for name, b in model.named_buffers()})
    for name in finals[0].keys() | finals[1].keys():
        np.testing.assert_array_equal(finals[0][name], finals[1][name], err_msg=name)


# --- BatchNorm running statistics ----------------------------------------------------------------


def test_running_statistics_recorded_equal_the_module_s_after_each_step(tmp_path, device):
    aino.manual_seed(5)
    model = Attender(batch_norm=True).to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    X, y = _data(n=8)
    means, variances = [], []
    with Recorder(model, optimizer, probe=X[:2]) as recorder:
        for _ in range(3):
            _train_step(model, optimizer, X, y, device)
            means.append(model.norm.running_mean.numpy().copy())
            variances.append(model.norm.running_var.numpy().copy())
    trace = recorder.trace
    assert trace.buffer_names == ["norm.running_mean", "norm.running_var"]
    for step in range(3):
        np.testing.assert_array_equal(trace.buffer("norm.running_mean", step), means[step])
        np.testing.assert_array_equal(trace.buffer("norm.running_var", step), variances[step])
    # momentum 0.1 from mean 0: after one step the running mean is 0.1 * the batch mean, which is not 0
    assert not np.array_equal(means[0], means[1]) and np.abs(means[0]).max() > 0
    with pytest.raises(ValueError, match="no buffer 'norm.num_batches_tracked'"):
        trace.buffer("norm.num_batches_tracked", 0)
    loaded = Trace.load(trace.save(tmp_path / "bn.npz"))
    np.testing.assert_array_equal(loaded.buffer("norm.running_var", 2), variances[2])
    np.testing.assert_array_equal(loaded.attention("att", 1), trace.attention("att", 1))
    assert loaded.attention_layers == ["att", "unused"] and loaded.nbytes == trace.nbytes


# --- probe labels, names ---------------------------------------------------------------------------


def test_probe_and_its_labels_round_trip_through_a_file(tmp_path):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    probe, labels = np.arange(12, dtype=np.float32).reshape(4, 3), np.array([1, 0, 1, 1])
    with Recorder(model, optimizer, probe=probe, probe_labels=labels, feature_names=("a", "b", "c"),
                  class_names=["no", "yes"]) as recorder:
        _train_step(model, optimizer, probe, labels)
    trace = recorder.trace
    np.testing.assert_array_equal(trace.probe_inputs, probe)
    np.testing.assert_array_equal(trace.probe_labels, labels)
    with pytest.raises(ValueError):
        trace.probe_labels[0] = 5  # read-only
    assert trace.meta["feature_names"] == ["a", "b", "c"] and trace.meta["class_names"] == ["no", "yes"]
    loaded = Trace.load(trace.save(tmp_path / "run.npz"))
    np.testing.assert_array_equal(loaded.probe_inputs, probe)
    assert loaded.probe_labels.tolist() == [1, 0, 1, 1] and loaded.probe_labels.dtype == np.int64
    assert loaded.meta["feature_names"] == ["a", "b", "c"] and loaded.meta["class_names"] == ["no", "yes"]


def test_a_trace_without_a_probe_has_none():
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    with Recorder(model, optimizer) as recorder:
        _train_step(model, optimizer, np.ones((2, 3), np.float32), np.array([0, 1]))
    assert recorder.trace.probe_inputs is None and recorder.trace.probe_labels is None
    assert recorder.trace.attention_layers == [] and recorder.trace.buffer_names == []


def test_bad_probe_labels_and_names_are_refused():
    model = nn.Sequential(nn.Linear(3, 2))
    probe = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="no probe was given"):
        Recorder(model, probe_labels=[0, 1, 0, 1])
    with pytest.raises(ValueError, match="probe_labels has 3 labels but the probe has 4 rows"):
        Recorder(model, probe=probe, probe_labels=[0, 1, 0])
    with pytest.raises(TypeError, match="feature_names must be a sequence of str"):
        Recorder(model, feature_names="abc")
    with pytest.raises(TypeError, match="class_names must all be str, got int 1"):
        Recorder(model, class_names=["a", 1])
    with pytest.raises(ValueError, match="feature_names has 2 names but the probe has 3 input features"):
        Recorder(model, probe=probe, feature_names=["a", "b"])
    with pytest.raises(ValueError, match="feature_names has 2 names but the network has 4 input features"):
        Recorder(NeuralNetwork([4, 3]), feature_names=["a", "b"])
    recorder = Recorder(model, feature_names=["a", "b"])  # no probe: checked at the first forward
    with recorder, pytest.raises(ValueError, match="feature_names has 2 names but the model's input has 3 features"):
        model(Tensor(probe))


def test_the_classic_fit_passes_probe_labels_and_names_on():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    network = NeuralNetwork([2, 3, 2], activation_type="tanh", loss="cross_entropy", seed=0)
    network.fit(X, y, epochs=2, trace=True, probe=X, probe_labels=y, feature_names=["x1", "x2"],
                class_names=["off", "on"])
    trace = network.trace_
    assert trace.probe_labels.tolist() == [0, 1, 1, 0] and trace.probe_inputs.shape == (4, 2)
    assert trace.meta["feature_names"] == ["x1", "x2"] and trace.meta["class_names"] == ["off", "on"]
    with hooks.recording(network, probe=X, probe_labels=y) as recorder:  # the seam passes options on
        assert recorder.trace.probe_labels.tolist() == [0, 1, 1, 0]


# --- layer details -------------------------------------------------------------------------------


def test_layer_meta_names_recurrent_conv_and_norm_sizes():
    model = nn.Sequential(nn.Conv2d(1, 2, (3, 2)), nn.BatchNorm2d(2), nn.LayerNorm([2, 4]),
                          nn.LSTM(4, 5, num_layers=2, batch_first=True, bidirectional=True), nn.GRUCell(3, 6))
    infos = {info["name"]: info for info in Recorder(model).trace.meta["layers"]}
    assert infos["0"]["in_channels"] == 1 and infos["0"]["out_channels"] == 2 and infos["0"]["kernel_size"] == [3, 2]
    assert infos["1"]["num_features"] == 2 and infos["2"]["normalized_shape"] == [2, 4]
    lstm = infos["3"]
    assert (lstm["batch_first"], lstm["hidden_size"], lstm["num_layers"], lstm["bidirectional"]) == (True, 5, 2, True)
    assert infos["4"]["hidden_size"] == 6 and "batch_first" not in infos["4"]  # a cell has no batch_first
    json.dumps(infos)  # all of it goes into the file's meta


# --- metrics -------------------------------------------------------------------------------------


def test_log_metric_attaches_to_the_newest_step_and_round_trips(tmp_path):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    X, y = np.ones((2, 3), np.float32), np.array([0, 1])
    with Recorder(model, optimizer) as recorder:
        with pytest.raises(ValueError, match="no step has been recorded yet"):
            recorder.log_metric("val_loss", 1.0)
        for step in range(4):
            _train_step(model, optimizer, X, y)
            if step % 2:
                recorder.log_metric("val_loss", 10.0 + step)
        recorder.log_metric("val_loss", np.float32(0.5))  # again at the newest step: replaces it
        with pytest.raises(TypeError, match="must be a real number, got str"):
            recorder.log_metric("val_loss", "1")
        with pytest.raises(ValueError, match="must be finite"):
            recorder.log_metric("val_loss", float("inf"))
        with pytest.raises(TypeError, match="name must be a non-empty str"):
            recorder.log_metric(3, 1.0)
    trace = recorder.trace
    np.testing.assert_array_equal(trace.metric("val_loss"), [np.nan, 11.0, np.nan, 0.5])
    assert list(trace.metrics) == ["val_loss"] and trace.metrics["val_loss"].dtype == np.float64
    with pytest.raises(ValueError, match=r"no metric 'accuracy'; the trace has \['val_loss'\]"):
        trace.metric("accuracy")
    loaded = Trace.load(trace.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.metric("val_loss"), [np.nan, 11.0, np.nan, 0.5])


# --- damaged files -------------------------------------------------------------------------------


def _rewrite(path, change):
    meta, arrays = read_trace_file(path)
    change(meta, arrays)
    arrays["meta"] = np.array(json.dumps(meta))
    write_trace_file(path, arrays)
    return path


@pytest.mark.parametrize("change, message", [
    (lambda meta, a: a.__setitem__("probe/labels", a["probe/labels"][:2]), r"probe/labels must be 1-D numbers, one per probe row: shape \(4,\)"),
    (lambda meta, a: a.__setitem__("probe/labels", a["probe/labels"].reshape(2, 2)), "probe/labels must be 1-D"),
    (lambda meta, a: a.pop("probe/inputs"), "probe/labels has no probe/inputs"),
    (lambda meta, a: a.__setitem__("metric/val_loss", np.zeros(5)), r"metric 'val_loss' must be floats of shape \(3,\)"),
    (lambda meta, a: a.__setitem__("full/0/attention/nowhere", np.zeros((1, 1, 1, 1))), "names no attention"),
    (lambda meta, a: a.__setitem__("full/0/attention/att", np.zeros((1, 1))), r"must be 4-D floats \(N, heads, L, S\)"),
    (lambda meta, a: meta.__setitem__("class_names", "abc"), "meta 'class_names' must be a list of names"),
])
def test_a_damaged_extra_member_is_a_value_error(tmp_path, change, message):
    aino.manual_seed(0)
    model = Attender()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    X, y = _data(n=4)
    with Recorder(model, optimizer, probe=X, probe_labels=y, class_names=["a", "b", "c"]) as recorder:
        for _ in range(3):
            _train_step(model, optimizer, X, y)
            recorder.log_metric("val_loss", 1.0)
    path = _rewrite(recorder.trace.save(tmp_path / "t.npz"), change)
    with pytest.raises(ValueError, match=message):
        Trace.load(path)


def test_probe_labels_may_be_a_tensor_or_float_targets():
    probe = np.zeros((3, 2), np.float32)
    assert Recorder(nn.Linear(2, 1), probe=probe, probe_labels=Tensor([2, 0, 1])).trace.probe_labels.tolist() == [2, 0, 1]
    targets = Recorder(nn.Linear(2, 1), probe=probe, probe_labels=np.array([[0.5], [1.5], [-2.0]])).trace.probe_labels
    assert targets.dtype == np.float64 and targets.tolist() == [0.5, 1.5, -2.0]  # (n, 1) targets flattened

"""Recording on a GPU moves to the host only what the trace keeps, and keeps what the CPU's recording keeps.

The model trains on `device`; for "fake-gpu" (aino.testing.fake_gpu) every copy between the host and the
stand-in device is counted (aino.testing.transfers), and its arrays refuse NumPy, so a `numpy.` call on a
device array in the recorder fails here. The same seeded run on the CPU is the reference: the full arrays
kept must be equal to the bit on the stand-in (a step the trace keeps is copied to the host as it comes and
summarised there, as on the CPU; on a real GPU, to float32's rounding), and the summaries of the steps read
on the device (every=k, between the kept steps) equal to the rounding of their sums.
"""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino.testing.transfers import counting_transfers
from aino.trace import Recorder
from aino.trace.summaries import STAT_NAMES
from aino.trace.trace import LAYER_KINDS, PARAM_KINDS

STEPS = 5


def _record(device, every=1, moved=None):
    """A seeded 20 -> 64 -> ReLU -> 3 network trained STEPS steps with SGD on `device`, recorded; returns
    the trace and, per step, the copies counted (a list of Transfers) when `moved` is a list."""
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3)).to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(1)
    X = aino.Tensor(rng.standard_normal((32, 20)).astype(np.float32)).to(device)  # 32 x 64 = 2048 values a layer:
    y = aino.Tensor(rng.integers(0, 3, 32)).to(device)  # large arrays (sampled) and small ones (read whole) both
    loss_fn = nn.CrossEntropyLoss()
    with Recorder(model, optimizer, every=every) as recorder:
        for _ in range(STEPS):
            with counting_transfers() as step:
                optimizer.zero_grad()
                loss_fn(model(X), y).backward()
                optimizer.step()
            if moved is not None:
                moved.append(step)
    return recorder.trace


def _kept(trace, step):
    """How many full arrays the trace keeps at `step`, counted through its public readers."""
    count = 0
    for kind in LAYER_KINDS + PARAM_KINDS:
        for name in trace.layers if kind in LAYER_KINDS else trace.params:
            try:
                getattr(trace, kind)(name, step)
                count += 1
            except ValueError:
                pass
    return count


def _same(ours, theirs, device, err_msg=""):
    """Equal to the bit on the stand-in (NumPy computes behind its wall); on a real GPU, whose sums round
    otherwise, to float32's rounding."""
    if device == "cuda":
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6, err_msg=err_msg)
    else:
        np.testing.assert_array_equal(ours, theirs, err_msg=err_msg)


def _assert_same_recording(trace, reference, device):
    """`trace` (made on `device`) holds what `reference` (the CPU's) holds: the same steps, losses, full
    arrays (host arrays, equal, see _same) and summaries."""
    assert trace.steps == reference.steps and trace.n_steps == reference.n_steps
    _same(trace.loss, reference.loss, device)
    for kind in LAYER_KINDS + PARAM_KINDS:
        for name in trace.layers if kind in LAYER_KINDS else trace.params:
            for step in trace.steps:
                array = getattr(trace, kind)(name, step)
                assert type(array) is np.ndarray, (kind, name, step)
                _same(array, getattr(reference, kind)(name, step), device, err_msg=f"{kind} {name}")
            ours, theirs = trace.summary(kind, name), reference.summary(kind, name)
            for stat in STAT_NAMES + ("update_ratio",):  # the steps summarised on the device: sums in another order
                np.testing.assert_allclose(ours[stat], theirs[stat], rtol=1e-5, atol=1e-7,
                                           err_msg=f"{kind} {name} {stat}")
            np.testing.assert_allclose(ours["hist"], theirs["hist"], atol=1e-7, err_msg=f"{kind} {name} hist")
            _same(trace.hist_edges(kind, name), reference.hist_edges(kind, name), device)
            if kind == "activations":
                np.testing.assert_array_equal(ours["dead"], theirs["dead"])
    for name in trace.layers:
        np.testing.assert_array_equal(trace.dead_units(name), reference.dead_units(name))


def test_a_recorded_step_copies_to_the_host_no_more_arrays_than_the_trace_keeps(device):
    moved = []
    trace = _record(device, moved=moved)
    # What one step keeps (every=1, no probe): per layer its activations and its output's gradient, per
    # parameter its weights, its gradient and its update (LAYER_KINDS x layers + PARAM_KINDS x params), and
    # the loss, one number, and the model's input, which the chain rule needs (aino/trace/neuron.py; the
    # second Linear's input is the ReLU's activations, kept already). Each may come to the host once, and nothing
    # else may: the summaries are read
    # from those copies, the weights before the first update are copied on the device (the update is
    # computed there), and nothing is copied onto the device.
    kept = len(LAYER_KINDS) * len(trace.layers) + len(PARAM_KINDS) * len(trace.params)
    assert kept == 2 * 3 + 3 * 4
    for step, copies in enumerate(moved):
        assert _kept(trace, step) == kept  # the bound is what the trace stores at that step
        assert copies.to_device == 0, copies.report()
        assert copies.to_host <= kept + 2, copies.report()
        if device == "fake-gpu":  # counted on the stand-in: each kept array once, the loss and the input
            assert copies.to_host == kept + 2, copies.report()
    if device != "cpu":
        _assert_same_recording(trace, _record("cpu"), device)


def test_the_steps_between_kept_steps_bring_only_their_summaries_to_the_host(device):
    moved = []
    trace = _record(device, every=3, moved=moved)
    assert trace.steps == [0, 3, 4]  # 0 and 3 as candidates; 4 as the newest when recording stopped
    kept = len(LAYER_KINDS) * len(trace.layers) + len(PARAM_KINDS) * len(trace.params)
    for step, copies in enumerate(moved):
        assert copies.to_device == 0, copies.report()
        if step % 3 == 0:  # a step the trace keeps: as in the test above
            assert copies.to_host <= kept + 2, copies.report()
        else:  # summarised on the device: the loss, the large arrays' moments, the values the histograms
            assert copies.to_host <= 4, copies.report()  # sample, and the units alive of the ReLU layer
    if device != "cpu":
        _assert_same_recording(trace, _record("cpu", every=3), device)


def test_a_step_kept_only_while_newest_is_copied_when_read_during_training(device):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    X = aino.Tensor(np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)).to(device)
    seen = []
    with Recorder(model, optimizer, every=4) as recorder:
        recorder.add_step_callback(lambda trace: seen.append(trace.weights("2.weight", trace.n_steps - 1)))
        for _ in range(3):
            optimizer.zero_grad()
            model(X).square().mean().backward()
            optimizer.step()
            np.testing.assert_array_equal(seen[-1], model[2].weight.numpy())  # the newest step, read at once
    assert all(type(weights) is np.ndarray for weights in seen)
    assert recorder.trace.steps == [0, 2]  # step 1 was read, and still dropped once step 2 came
    with pytest.raises(ValueError, match="step 1 has no full arrays"):
        recorder.trace.weights("2.weight", 1)


# --- aino.fit on a device ----------------------------------------------------------------------------


def _fit(device, epochs=3, **options):
    """A seeded fit of a small classifier (dropout included) built on the CPU, trained on `device`."""
    aino.manual_seed(3)
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((40, 5)).astype(np.float32), rng.integers(0, 3, 40)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    history = aino.fit(model, X, y, epochs=epochs, batch_size=16, lr=0.05, seed=0, verbose=False, device=device,
                       validation_data=(X[:12], y[:12]), **options)
    return history, model


def test_fit_on_the_device_gives_the_cpu_s_history_model_and_trace(device):
    options = {"trace": {"every": 2}, "probe": np.ones((4, 5), np.float32)}
    (history, model), (reference, cpu_model) = _fit(device, **options), _fit("cpu", **options)
    assert all(p.device == device for p in model.parameters())
    for column in ("loss", "val_loss", "val_accuracy"):
        _same(getattr(history, column), getattr(reference, column), device, err_msg=column)
    for (name, ours), (_, theirs) in zip(model.named_parameters(), cpu_model.named_parameters()):
        _same(ours.numpy(), theirs.numpy(), device, err_msg=name)
    _assert_same_recording(history.trace, reference.trace, device)
    _same(history.trace.metric("val_loss"), reference.trace.metric("val_loss"), device)


def test_a_step_of_fit_on_the_device_brings_only_its_loss_to_the_host(device):
    with counting_transfers() as moved:
        history, _ = _fit(device, epochs=2)
    steps = 2 * 3  # 40 samples in batches of 16, 16 and 8
    validation = 2 * 2  # per epoch: the loss and the scores of one chunk of 12 samples
    assert len(history.loss) == 2
    assert moved.to_host <= steps + validation, moved.report()
    # onto the device: X and y once, the shuffled order once per epoch, the model's 4 parameters once, per
    # validation X_val and y_val, and per step the Dropout's mask (drawn by aino's generator on the host, so
    # that the run is the CPU's to the bit)
    onto = 2 + 2 + 4 + 2 * 2 + steps
    assert moved.to_device <= onto, moved.report()
    if device == "fake-gpu":
        assert (moved.to_host, moved.to_device) == (steps + validation, onto), moved.report()


def test_fit_trains_where_the_model_is_unless_told_otherwise(device):
    aino.manual_seed(0)
    X, y = np.zeros((6, 2), np.float32), np.zeros((6, 1), np.float32)
    model = nn.Linear(2, 1).to(device)
    aino.fit(model, X, y, epochs=1, verbose=False)  # device=None: where its parameters are
    assert model.weight.device == device
    aino.fit(model, X, y, epochs=1, verbose=False, device="cpu")
    assert model.weight.device == "cpu"
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        aino.fit(model, X, y, epochs=1, verbose=False, device="gpu")

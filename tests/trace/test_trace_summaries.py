"""The per-step statistics and histograms against NumPy: exact where the docstring says exact, the
strided sample's where it says sampled, the same whether steps are summarised one at a time or in a batch,
and whether a step's arrays were read on the host or on a GPU (`device`: a DeviceStepArrays reads them there)."""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino.backend import module_for, move_array
from aino.trace import Recorder
from aino.trace.store import DeviceStepArrays, StepArrays
from aino.trace.summaries import (MAX, MEAN, MIN, NORM, SAMPLE, SMALL, STD, ZEROS, Summaries, moments_of,
                                  moments_on_device, stride_of, units_alive, units_alive_from_sums)


def summarise(steps, flush_each=False, device="cpu"):
    """Summaries of `steps`, a list of {key: host array}, with the keys of the first step; on a GPU
    `device`, each array is moved there and the step read there."""
    keys = list(steps[0])
    series = {key: i for i, key in enumerate(keys)}
    summaries, layout = Summaries(len(keys)), None
    for arrays in steps:
        step = StepArrays(layout) if device == "cpu" else DeviceStepArrays(layout, module_for(device))
        for key, array in arrays.items():
            step.put(key, move_array(array, device))
        layout, present, slow = step.pack(series)
        summaries.commit(layout, present, step.sample, step.moments, slow)
        if flush_each:
            summaries.flush()
    summaries.flush()
    return summaries, keys


def sampled(array):
    """The values the summaries read of `array`: all of a small one, the strided sample of a large one."""
    flat = array.reshape(-1)
    if flat.size <= SMALL:
        return flat
    return flat[:: stride_of(flat.size, array.shape[-1])][:SAMPLE]


def arrays(dtype):
    rng = np.random.default_rng(3)
    return {
        ("activations", "small"): rng.standard_normal((10, 30)).astype(dtype),
        ("activations", "relu"): np.maximum(rng.standard_normal((64, 100)), 0).astype(dtype),
        ("weights", "offset"): (1000 + 0.01 * rng.standard_normal((50, 40))).astype(dtype),  # var << mean**2
        ("weights", "large"): rng.standard_normal((128, 96)).astype(dtype),
        ("updates", "constant"): np.full((3000,), 0.25, dtype=dtype),
        ("updates", "bias"): rng.standard_normal(7).astype(dtype),
    }


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_mean_std_and_norm_are_exact_and_min_max_zeros_are_of_the_values_read(dtype, rtol, device):
    step = arrays(dtype)
    summaries, keys = summarise([step], device=device)
    for i, key in enumerate(keys):
        values, stats = step[key].astype(np.float64), summaries.stats[0, i]
        np.testing.assert_allclose(stats[MEAN], values.mean(), rtol=rtol, err_msg=str(key))
        np.testing.assert_allclose(stats[STD], values.std(), rtol=rtol * 10, atol=1e-12 * abs(values.mean()),
                                   err_msg=str(key))
        np.testing.assert_allclose(stats[NORM], np.linalg.norm(values), rtol=rtol, err_msg=str(key))
        read = sampled(step[key]).astype(np.float64)
        assert stats[MIN] == read.min() and stats[MAX] == read.max(), key
        assert stats[ZEROS] == pytest.approx(np.mean(read == 0)), key
        if step[key].size <= SMALL:
            assert stats[MIN] == values.min() and stats[MAX] == values.max(), key


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_each_histogram_is_numpys_on_the_fixed_edges(dtype, device):
    steps = [arrays(dtype), {key: 1.5 * value - 0.2 for key, value in arrays(dtype).items()}]
    summaries, keys = summarise(steps, device=device)
    for i, key in enumerate(keys):
        edges = summaries.edges(i)
        for t, step in enumerate(steps):
            read = sampled(step[key]).astype(np.float64)
            expected = np.histogram(read, edges)[0] / read.size
            np.testing.assert_allclose(summaries.rows[t, i], expected, atol=1e-6, err_msg=f"{key} step {t}")


def test_a_widened_range_rebins_earlier_steps_exactly_and_batches_match_single_steps():
    rng = np.random.default_rng(5)
    steps = [{("gradients", "g"): rng.uniform(0, 1, (40, 50)), ("weights", "w"): rng.uniform(-1, 1, 300)},
             {("gradients", "g"): rng.uniform(-3, 1, (40, 50)), ("weights", "w"): rng.uniform(-1, 5, 300)},
             {("gradients", "g"): rng.uniform(0, 9, (40, 50)), ("weights", "w"): rng.uniform(-0.5, 0.5, 300)}]
    batched, keys = summarise(steps)
    one_by_one, _ = summarise(steps, flush_each=True)
    np.testing.assert_allclose(batched.rows[:3], one_by_one.rows[:3], atol=1e-7)  # float32 fractions
    np.testing.assert_array_equal(batched.stats[:3], one_by_one.stats[:3])
    for i, key in enumerate(keys):
        edges = batched.edges(i)
        assert edges[0] <= min(sampled(s[key]).min() for s in steps) and edges[-1] >= max(s[key].max() for s in steps)
        for t, step in enumerate(steps):  # the first steps were binned on a narrower range, then re-binned
            read = sampled(step[key])
            np.testing.assert_allclose(batched.rows[t, i], np.histogram(read, edges)[0] / read.size, atol=1e-6)


@pytest.mark.parametrize("size", [50, 5000])
def test_nan_and_inf_give_numpys_statistics_and_a_histogram_of_the_finite_values(size, device):
    values = np.linspace(-1, 1, size)
    values[3], values[7], values[11] = np.nan, np.inf, 0.0
    summaries, _ = summarise([{("activations", "a"): values}], device=device)
    stats = summaries.stats[0, 0]
    assert np.isnan(stats[MEAN]) and np.isnan(stats[STD]) and np.isnan(stats[MIN])
    assert stats[ZEROS] == pytest.approx(np.mean(values == 0))  # read in full
    assert summaries.rows[0, 0].sum() == pytest.approx(1.0)


def test_an_array_missing_from_a_step_leaves_its_row_empty():
    rng = np.random.default_rng(0)
    first = {("activations", "a"): rng.standard_normal(2000), ("gradients", "a"): rng.standard_normal(20)}
    second = {("activations", "a"): rng.standard_normal(2000)}
    summaries, _ = summarise([first, second])
    assert np.isnan(summaries.stats[1, 1]).all() and not summaries.rows[1, 1].any()
    assert summaries.rows[1, 0].sum() == pytest.approx(1.0)


def _train(steps=40, max_bytes=64 * 2**20, set_to_none=True):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 5))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(1)
    X = aino.Tensor(rng.standard_normal((32, 30)).astype(np.float32))
    y = aino.Tensor(rng.integers(0, 5, 32))
    loss_fn, grads = nn.CrossEntropyLoss(), []
    with Recorder(model, optimizer, max_bytes=max_bytes) as recorder:
        for _ in range(steps):
            optimizer.zero_grad(set_to_none=set_to_none)
            loss_fn(model(X), y).backward()
            grads.append(model[0].weight.grad.data.copy())
            optimizer.step()
            if len(recorder.trace.steps) == 3 and not hasattr(recorder, "held"):
                step = recorder.trace.steps[1]
                held = recorder.trace.weights("0.weight", step)
                recorder.held = step, held, held.copy()
    return recorder, grads


def test_min_and_max_are_the_arrays_own_where_the_full_arrays_are_kept():
    recorder, _ = _train(max_bytes=300_000)
    trace = recorder.trace
    stats = trace.summary("weights", "0.weight")  # 64 x 30 = 1920 values: sampled between kept steps
    for step in trace.steps:
        weights = trace.weights("0.weight", step)
        assert stats["min"][step] == weights.min() and stats["max"][step] == weights.max()
    assert len(trace.steps) < trace.n_steps
    assert (stats["min"] <= stats["mean"]).all() and (stats["mean"] <= stats["max"]).all()


def test_an_array_held_from_a_dropped_step_keeps_its_values():
    recorder, _ = _train(max_bytes=300_000)
    step, held, copy = recorder.held
    assert step not in recorder.trace.steps  # dropped since: its memory must not go to a later step
    np.testing.assert_array_equal(held, copy)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_weight_gradients_kept_by_reference_stay_those_of_their_step(set_to_none):
    recorder, grads = _train(steps=6, set_to_none=set_to_none)
    for step in recorder.trace.steps:
        np.testing.assert_array_equal(recorder.trace.weight_grads("0.weight", step), grads[step])


class FirstColumns(nn.Module):
    """A layer whose output is a view into its (larger) input."""

    def forward(self, x):
        return x[:, :40]


def test_an_output_that_is_a_view_of_a_larger_array_is_copied_not_kept_by_reference():
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(30, 2000), FirstColumns(), nn.Linear(40, 5))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    X = aino.Tensor(np.random.default_rng(2).standard_normal((64, 30)).astype(np.float32))
    with Recorder(model, optimizer) as recorder:
        for _ in range(3):  # the first step lays the trace out (copying everything); later ones keep references
            optimizer.zero_grad()
            hidden = model[0](X)
            model[2](model[1](hidden)).sum().backward()
            optimizer.step()
    kept = recorder.trace.activations("1", 2)
    np.testing.assert_array_equal(kept, hidden.data[:, :40])
    assert kept.base is None or kept.base.nbytes <= kept.nbytes  # not holding the 64 x 2000 output alive
    assert recorder.trace.activations("0", 2) is hidden.data  # a whole array of its own: by reference


@pytest.mark.parametrize("shape", [(64, 6, 12, 12), (128, 40), (9, 3, 500)])
def test_the_dead_units_of_a_layer_never_negative_from_its_column_sums_are_those_of_any(shape):
    rng = np.random.default_rng(5)
    values = np.maximum(rng.standard_normal(shape) - 2.5, 0).astype(np.float32)
    values[:, 0] = 0  # a dead unit
    values[:, 1] = -0.0  # zero too
    values[:, 2] = 0
    values[3, 2] = 1e-40  # alive by one subnormal value
    values[:, -1] = 0
    values[2, -1] = np.nan  # alive, as any(NaN != 0) says
    assert (units_alive_from_sums(moments_of(values)[3], shape) == units_alive(values)).all()
    on_device = move_array(values, "fake-gpu")  # the same from the sums a GPU computes, there
    alive = units_alive_from_sums(moments_on_device(on_device)[1], shape)
    assert (move_array(alive, "cpu") == units_alive(values)).all()


@pytest.mark.parametrize("every", [1, 2])
def test_the_dead_fraction_of_a_conv_relu_is_that_of_its_recorded_outputs(device, every):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 3))
    model[0].bias.data[:3] = -50.0  # three channels dead
    model.to(device)
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    x, y = aino.randn(16, 1, 8, 8).to(device), aino.randint(0, 3, (16,)).to(device)
    with Recorder(model, optimizer, every=every) as recorder:
        for _ in range(3):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    trace = recorder.trace
    assert trace.steps == [0, 1, 2] if every == 1 else [0, 2]  # with every=2, step 1 was read on the device
    for step in trace.steps:
        alive = units_alive(trace.activations("1", step))
        assert trace.summary("activations", "1")["dead"][step] == 1 - alive.mean()
    assert (trace.summary("activations", "1")["dead"] >= 3 / 8).all()

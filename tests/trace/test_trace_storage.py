"""Memory budget, thinning, every=k, probe, save/load; the recordings parametrised over `device` made on a GPU
too (the stand-in "fake-gpu"), where the steps between kept ones are summarised on the device."""

import numpy as np
import pytest

import aino
from aino import nn, optim
from aino.trace import Recorder, Trace
from aino.trace.thinning import Thinner


def _run(steps, every=1, max_bytes=64 * 2**20, probe=None, sizes=(4, 8, 3), batch=10, record_ops=False, lr=0.01,
         device="cpu"):
    aino.manual_seed(0)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(layers[:-1]).to(device)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    X = aino.Tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32)).to(device)
    y = aino.Tensor(rng.integers(0, sizes[-1], batch)).to(device)
    loss_fn = nn.CrossEntropyLoss()
    with Recorder(model, optimizer, every=every, max_bytes=max_bytes, probe=probe, record_ops=record_ops) as rec:
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
    return rec.trace


def test_a_784_256_10_mlp_for_1500_steps_stays_within_20_mib():
    trace = _run(1500, max_bytes=20 * 2**20, sizes=(784, 256, 10), batch=64)
    assert trace.n_steps == 1500 and trace.loss.shape == (1500,) and np.isfinite(trace.loss).all()
    assert trace.nbytes <= 20 * 2**20
    assert trace.steps[0] == 0 and trace.steps[-1] == 1499 and len(trace.steps) >= 3
    assert trace.weights("0.weight", 0).shape == (256, 784) and trace.activations("2", 1499).shape == (64, 10)
    gaps = np.diff(trace.steps)
    assert gaps[0] <= gaps[-2]  # dense early, spaced out later
    assert trace.summary("weights", "0.weight")["norm"].shape == (1500,)


def test_thinning_is_deterministic_and_keeps_first_and_last():
    def kept(n):
        thinner = Thinner(max_bytes=10 * 100)
        dropped = []
        for step in range(n):
            dropped += thinner.offer(step, 100)
        return thinner.kept, dropped
    first, _ = kept(200)
    assert first == kept(200)[0] and len(first) == 10 and first[0] == 0 and first[-1] == 199
    gaps = np.diff(first)
    assert gaps[0] < gaps[-1]


def _thinned_by_the_rule(offers, max_bytes):
    """The steps kept after `offers` [(step, bytes, candidate), ...], straight from thinning.py's docstring: the
    newest is kept, the one before it only if a candidate; over budget, drop the step of least
    (t_next - t_before) / (t + 1 + T / 8), the earliest on a tie, never the first or the newest; then the first."""
    kept, sizes, candidate_before = [], {}, True
    for step, nbytes, candidate in offers:
        if kept and not candidate_before:
            sizes.pop(kept.pop())
        candidate_before = candidate
        kept.append(step)
        sizes[step] = nbytes
        while sum(sizes.values()) > max_bytes and len(kept) > 2:
            scores = [((kept[i + 1] - kept[i - 1]) / (kept[i] + 1 + kept[-1] / 8), i) for i in range(1, len(kept) - 1)]
            sizes.pop(kept.pop(min(scores)[1]))
        while sum(sizes.values()) > max_bytes and kept:
            sizes.pop(kept.pop(0))
    return kept


@pytest.mark.parametrize("seed", range(6))
def test_thinning_keeps_the_steps_its_rule_names(seed):
    rng = np.random.default_rng(seed)
    max_bytes = int(rng.choice([1, 300, 2000, 20000]))
    offers = [(step, int(rng.choice([0, 10, 100, rng.integers(0, 3000)])), bool(rng.random() < 0.7))
              for step in range(int(rng.integers(1, 300)))]
    thinner = Thinner(max_bytes)
    dropped = [step for offer in offers for step in thinner.offer(*offer)]
    expected = _thinned_by_the_rule(offers, max_bytes)
    assert thinner.kept == expected
    assert thinner.total == sum(nbytes for step, nbytes, _ in offers if step in expected) <= max_bytes
    assert sorted(dropped + expected) == [step for step, _, _ in offers]  # each step kept or dropped, once


def test_thinning_ten_thousand_small_steps_keeps_the_ends_and_spreads_the_rest():
    thinner = Thinner(max_bytes=10_000)
    for step in range(30_000):
        thinner.offer(step, 1)
    kept = np.array(thinner.kept)
    assert len(kept) == 10_000 and kept[0] == 0 and kept[-1] == 29_999
    gaps = np.diff(kept)
    assert gaps[:100].mean() < gaps[-100:].mean()  # dense early, spaced out later


def test_a_step_without_full_arrays_says_which_steps_have_them(device):
    trace = _run(10, every=3, device=device)
    assert trace.steps == [0, 3, 6, 9]
    trace = _run(11, every=3, device=device)
    assert trace.steps == [0, 3, 6, 9, 10]  # the newest step is always kept
    assert np.isfinite(trace.summary("gradients", "0")["norm"]).all() and len(trace.loss) == 11
    with pytest.raises(ValueError, match="nearest recorded steps are 3 and 6"):
        trace.activations("0", 4)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        trace.activations("nope", 3)


def test_probe_activations_are_recorded_instead_of_the_batch(device):
    probe = np.random.default_rng(9).standard_normal((5, 4)).astype(np.float32)
    trace = _run(4, probe=probe, device=device)  # the probe is moved to the model's device once
    assert trace.activations("0", 0).shape == (5, 8) and trace.gradients("0", 0).shape == (10, 8)
    W, b = trace.weights("0.weight", 2), trace.weights("0.bias", 2)
    np.testing.assert_allclose(trace.activations("0", 2), probe @ W.T + b, rtol=1e-5)  # weights after the step


def test_save_and_load_round_trip(tmp_path, device):
    trace = _run(7, every=2, record_ops=True, device=device)
    path = trace.save(tmp_path / "run.npz")
    loaded = Trace.load(path)
    assert loaded.steps == trace.steps and loaded.layers == trace.layers and loaded.params == trace.params
    np.testing.assert_array_equal(loaded.loss, trace.loss)
    assert loaded.meta["layers"] == trace.meta["layers"] and loaded.nbytes == trace.nbytes
    for step in trace.steps:
        np.testing.assert_array_equal(loaded.updates("2.weight", step), trace.updates("2.weight", step))
    for key in ("mean", "hist", "update_ratio"):
        np.testing.assert_array_equal(loaded.summary("weights", "0.weight")[key], trace.summary("weights", "0.weight")[key])
    np.testing.assert_array_equal(loaded.hist_edges("gradients", "2"), trace.hist_edges("gradients", "2"))
    assert loaded.ops == trace.ops and any("matmul" in op or "linear" in op for op in trace.ops[0])


def test_bad_files_raise_value_error(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable"):
        Trace.load(junk)
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ValueError, match="not an aino trace"):
        Trace.load(other)

"""Every save goes through one atomic writer: modes as open() gives them, temporaries that do not
outlive the next save, a failed save that changes nothing, CustomAIModel's pair finished after a stop."""

import os
import stat
import subprocess
import sys

import numpy as np
import pytest

import aino
from aino import NeuralNetwork, nn
from aino.files import atomic_write, temporaries_of
from aino.files.pair import pending_path
from aino.nn import CustomAIModel, Dense


def small_trace():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    optimizer = aino.optim.SGD(model.parameters(), lr=0.1)
    with aino.Recorder(model, optimizer) as recorder:
        optimizer.zero_grad()
        model(aino.Tensor(np.ones((4, 2), np.float32))).sum().backward()
        optimizer.step()
    return recorder.trace


SAVES = {  # name -> (save into folder, the files written)
    "NeuralNetwork.save": (lambda folder: NeuralNetwork([2, 3, 1], seed=0).save(folder / "m.dit"), ["m.dit"]),
    "save_model_parameters": (lambda folder: aino.save_model_parameters(nn.Linear(2, 3), folder / "m.npz"), ["m.npz"]),
    "CustomAIModel.save_model": (lambda folder: CustomAIModel().add(Dense(2, 3)).save_model(folder / "m"),
                                 ["m_config.json", "m_weights.json"]),
    "Trace.save": (lambda folder: small_trace().save(folder / "t.npz"), ["t.npz"]),
}


@pytest.fixture
def umask():
    def set_umask(mask):
        os.umask(mask)
    previous = os.umask(0o022)
    yield set_umask
    os.umask(previous)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("name", list(SAVES))
@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_open_would_give(tmp_path, umask, name, mask, expected):
    umask(mask)
    save, files = SAVES[name]
    save(tmp_path)
    assert {file: mode(tmp_path / file) for file in files} == {file: expected for file in files}
    with open(tmp_path / "by_open", "w"):
        pass
    assert mode(tmp_path / "by_open") == expected


@pytest.mark.parametrize("name", list(SAVES))
def test_an_existing_file_keeps_its_mode(tmp_path, umask, name):
    save, files = SAVES[name]
    save(tmp_path)
    for file in files:
        os.chmod(tmp_path / file, 0o640)
    save(tmp_path)
    assert [mode(tmp_path / file) for file in files] == [0o640] * len(files)


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_next_save_removes_temporaries_of_dead_processes_only(tmp_path):
    target = tmp_path / "m.dit"
    stale = tmp_path / f".m.dit.{dead_pid()}.0a1b2c3d4e5f.aino-tmp"
    live = tmp_path / f".m.dit.{os.getppid()}.0a1b2c3d4e5f.aino-tmp"  # a running process may be saving now
    unrelated = tmp_path / ".m.dit.notes.txt"
    for path in (stale, live, unrelated):
        path.write_bytes(b"half a model")
    assert sorted(temporaries_of(target)) == sorted([stale, live])
    NeuralNetwork([2, 2], seed=0).save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.dit", live.name, unrelated.name])


def test_a_failed_save_changes_nothing_and_leaves_nothing(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write(target) as file:
            file.write(b"half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_the_same_model_saves_to_the_same_bytes(tmp_path):
    network = NeuralNetwork([3, 4, 2], seed=1)
    assert network.save(tmp_path / "a.dit").read_bytes() == network.save(tmp_path / "b.dit").read_bytes()


def test_a_zero_filled_member_is_stored_so_aino_can_read_its_own_file(tmp_path):
    """A large block of zeros deflates 1000:1, beyond what the reader accepts; the writer stores it."""
    zeros = np.zeros((8192, 4096), np.float32)  # 128 MiB: past the 64 MiB any archive may inflate to
    path = tmp_path / "zeros.dit"
    aino.save_dit(path, {"model": "zeros"}, {"weight": zeros, "bias": np.ones(3)})
    _, arrays = aino.load_dit(path)
    assert not arrays["weight"].any() and arrays["weight"].shape == zeros.shape
    assert path.stat().st_size > zeros.nbytes  # stored, not deflated


def custom_model(width):
    aino.manual_seed(width)
    return CustomAIModel().add(Dense(3, width)).add(Dense(width, 2))


def test_a_pair_save_stopped_after_the_config_loads_the_new_model_and_is_finished(tmp_path):
    name = tmp_path / "m"
    custom_model(4).save_model(name)
    new = custom_model(5)
    new.save_model(tmp_path / "scratch")
    # the state between the two renames: the new config in place, the new weights still pending
    os.replace(tmp_path / "scratch_config.json", tmp_path / "m_config.json")
    os.replace(tmp_path / "scratch_weights.json", pending_path(tmp_path / "m_weights.json"))
    loaded = CustomAIModel.load_model(name)
    x = np.random.default_rng(0).normal(size=(2, 3))
    np.testing.assert_array_equal(loaded.predict(x), new.predict(x))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m_config.json", "m_weights.json"]


def test_a_pair_save_stopped_before_the_config_loads_the_old_model(tmp_path):
    name = tmp_path / "m"
    old = custom_model(4)
    old.save_model(name)
    custom_model(5).save_model(tmp_path / "scratch")
    os.replace(tmp_path / "scratch_weights.json", pending_path(tmp_path / "m_weights.json"))  # step 1 only
    x = np.random.default_rng(0).normal(size=(2, 3))
    np.testing.assert_array_equal(CustomAIModel.load_model(name).predict(x), old.predict(x))
    custom_model(6).save_model(name)  # the next save replaces the pending file and moves it away
    assert not pending_path(tmp_path / "m_weights.json").exists()

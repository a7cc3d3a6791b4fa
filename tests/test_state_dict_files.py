"""save_model_parameters / load_state_dict_from_file: a safe .npz whatever the extension; bad files refused; a
model on a GPU (`device`, the stand-in "fake-gpu" too) saves from there and its file loads into a model there."""

import io
import zipfile

import numpy as np
import pytest

import aino
from aino import load_state_dict_from_file, nn, save_model_parameters


@pytest.fixture
def model():
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


@pytest.mark.parametrize("name", ["model.pkl", "model.npz", "model", "weights.bin"])
def test_round_trip_under_any_extension(model, tmp_path, name, device):
    model.to(device)
    path = save_model_parameters(model, tmp_path / name)
    assert path == tmp_path / name and path.is_file()
    state = load_state_dict_from_file(path)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(type(array) is np.ndarray for array in state.values())  # a file holds host arrays
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).to(device)
    fresh.load_state_dict(state)  # copied onto the model's device
    assert all(p.device == device for p in fresh.parameters())
    x = aino.Tensor(np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)).to(device)
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind


def test_a_state_dict_of_device_tensors_and_arrays_saves_their_numbers(tmp_path, device):
    weight = aino.randn(3, 2).to(device)
    state = {"tensor": weight, "array": weight.data, "host": np.arange(3)}  # a GPU's array as it is, too
    loaded = load_state_dict_from_file(save_model_parameters(state, tmp_path / "mixed.npz"))
    for name in ("tensor", "array"):
        assert type(loaded[name]) is np.ndarray
        np.testing.assert_array_equal(loaded[name], weight.numpy())
    np.testing.assert_array_equal(loaded["host"], np.arange(3))


def test_a_plain_state_dict_or_torch_tensors_can_be_saved(tmp_path):
    torch = pytest.importorskip("torch")
    state = torch.nn.Linear(3, 2).state_dict()
    loaded = load_state_dict_from_file(save_model_parameters(state, tmp_path / "t.pt"))
    np.testing.assert_array_equal(loaded["weight"], state["weight"].numpy())


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_state_dict_from_file(tmp_path / "none.npz")


def test_pickles_random_bytes_and_truncation_are_refused(model, tmp_path):
    import pickle

    (tmp_path / "pickle.pkl").write_bytes(pickle.dumps(model.state_dict()))
    (tmp_path / "random.pkl").write_bytes(np.random.default_rng(0).bytes(2000))
    (tmp_path / "empty.pkl").write_bytes(b"")
    good = save_model_parameters(model, tmp_path / "good.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(good[: len(good) // 2])
    for name in ("pickle.pkl", "random.pkl", "empty.pkl", "cut.npz"):
        with pytest.raises(ValueError, match="not a state dict file aino can read safely|damaged"):
            load_state_dict_from_file(tmp_path / name)


def test_object_arrays_and_single_arrays_are_refused(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(tmp_path / "evil.npz", "w") as archive:
        archive.writestr("w.npy", buffer.getvalue())
    with pytest.raises(ValueError):
        load_state_dict_from_file(tmp_path / "evil.npz")
    np.save(tmp_path / "one.npy", np.ones(3))
    with pytest.raises(ValueError, match="single array"):
        load_state_dict_from_file(tmp_path / "one.npy")
    with pytest.raises(ValueError, match="only numeric arrays"):
        save_model_parameters({"names": np.array(["a"], dtype=object)}, tmp_path / "x.npz")

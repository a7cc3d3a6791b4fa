""".dit files: a round trip keeps every prediction; a hostile or damaged file is refused clearly."""

import io
import json
import zipfile

import numpy as np
import pytest

from aino import NeuralNetwork, load_dit, save_dit
from aino.activations import LeakyReLU
from aino.datasets import xor


@pytest.fixture
def trained():
    X, y = xor()
    network = NeuralNetwork([2, 5, 1], activation_type=LeakyReLU(alpha=0.2), output_activation="sigmoid", loss="bce", seed=0)
    return network.fit(X, y, epochs=50, n=0.5), X


def test_round_trip_gives_identical_predictions(trained, tmp_path):
    network, X = trained
    path = network.save(tmp_path / "xor.dit")
    loaded = NeuralNetwork.load(path)
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))
    assert loaded.layer_sizes == network.layer_sizes
    assert loaded.layers[0].activation.alpha == 0.2
    assert loaded.output_activation == "sigmoid" and loaded.loss_function.name == "bce"
    assert loaded.history_ == network.history_
    assert loaded.is_classifier


def test_the_file_is_a_zip_with_a_json_header(trained, tmp_path):
    network, _ = trained
    path = network.save(tmp_path / "m.dit")
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("header.json"))
        names = set(archive.namelist())
    assert header["format"] == "aino.dit" and header["version"] == 1
    assert header["layer_sizes"] == [2, 5, 1]
    assert {"arrays/layers.0.weight.npy", "arrays/layers.1.bias.npy"} <= names
    assert header["arrays"]["layers.0.weight"]["shape"] == [5, 2]


def test_save_is_atomic_and_leaves_no_temporary_files(trained, tmp_path, monkeypatch):
    network, _ = trained
    path = tmp_path / "model.dit"
    network.save(path)
    original = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        network.save(path)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["model.dit"]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        NeuralNetwork.load(tmp_path / "nothing.dit")


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def npy_bytes(array, allow_pickle=False):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def test_empty_random_and_truncated_files(trained, tmp_path):
    network, _ = trained
    (tmp_path / "empty.dit").write_bytes(b"")
    (tmp_path / "random.dit").write_bytes(np.random.default_rng(0).bytes(4096))
    good = network.save(tmp_path / "good.dit").read_bytes()
    for cut in (10, len(good) // 2, len(good) - 5):
        (tmp_path / f"cut{cut}.dit").write_bytes(good[:cut])
    for path in tmp_path.iterdir():
        if path.name != "good.dit":
            with pytest.raises(ValueError, match="not a readable .dit file|not a .dit file"):
                NeuralNetwork.load(path)


def test_wrong_version_or_format(tmp_path):
    header = {"format": "aino.dit", "version": 99, "arrays": {}}
    path = write_zip(tmp_path / "v.dit", {"header.json": json.dumps(header)})
    with pytest.raises(ValueError, match="version 99; this aino reads version 1"):
        load_dit(path)
    path = write_zip(tmp_path / "f.dit", {"header.json": json.dumps({"format": "keras"})})
    with pytest.raises(ValueError, match="does not say format 'aino.dit'"):
        load_dit(path)
    path = write_zip(tmp_path / "j.dit", {"header.json": "{not json"})
    with pytest.raises(ValueError, match="not valid JSON"):
        load_dit(path)
    path = write_zip(tmp_path / "n.dit", {"weights.npy": npy_bytes(np.zeros(3))})
    with pytest.raises(ValueError, match="has no header.json"):
        load_dit(path)


def test_object_arrays_are_never_unpickled(tmp_path):
    evil = np.array([{"payload": "would run on unpickle"}], dtype=object)
    header = {"format": "aino.dit", "version": 1, "arrays": {"w": {"shape": [1], "dtype": "|O"}}}
    path = write_zip(tmp_path / "o.dit", {"header.json": json.dumps(header), "arrays/w.npy": npy_bytes(evil, allow_pickle=True)})
    with pytest.raises(ValueError, match="has dtype object; expected bool, integer or float"):
        load_dit(path)
    with pytest.raises(ValueError, match="only numeric arrays"):
        save_dit(tmp_path / "x.dit", {}, {"w": evil})


def test_missing_or_mismatched_arrays(trained, tmp_path):
    header = {"format": "aino.dit", "version": 1, "arrays": {"w": {"shape": [2, 2], "dtype": "<f8"}}}
    path = write_zip(tmp_path / "m.dit", {"header.json": json.dumps(header)})
    with pytest.raises(ValueError, match="lists array 'w' but the file has no arrays/w.npy"):
        load_dit(path)
    path = write_zip(tmp_path / "s.dit", {"header.json": json.dumps(header), "arrays/w.npy": npy_bytes(np.zeros(3))})
    with pytest.raises(ValueError, match=r"array 'w' has shape \(3,\)"):
        load_dit(path)


def test_a_network_file_with_inconsistent_weights(trained, tmp_path):
    network, _ = trained
    header, arrays = load_dit(network.save(tmp_path / "ok.dit"))
    arrays["layers.0.weight"] = np.zeros((3, 3))
    header = {key: value for key, value in header.items() if key not in ("format", "version", "arrays")}
    save_dit(tmp_path / "bad.dit", header, arrays)
    with pytest.raises(ValueError, match="saved network is inconsistent"):
        NeuralNetwork.load(tmp_path / "bad.dit")
    save_dit(tmp_path / "other.dit", {"model": "Transformer"}, {})
    with pytest.raises(ValueError, match="holds a 'Transformer', not a NeuralNetwork"):
        NeuralNetwork.load(tmp_path / "other.dit")

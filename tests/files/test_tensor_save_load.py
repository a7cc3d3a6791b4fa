"""aino.save and aino.load (torch.save and torch.load without pickle): every kind of object round-trips with
its dtypes, shapes and types; a checkpoint resumes training exactly; and what is not aino's (a pickle, a
torch.save file, a truncated file, a header naming something to run) is refused with a ValueError. Tensors,
models and optimizers on a GPU (`device`, the stand-in "fake-gpu" too) save from there and load back there."""

import io
import json
import math
import pathlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import aino
import hostile
from aino import nn, optim
from aino.files import temporaries_of


def round_trip(obj, tmp_path, **options):
    aino.save(obj, tmp_path / "obj.pt")
    return aino.load(tmp_path / "obj.pt", **options)


def assert_same_tensor(got, want):
    assert isinstance(got, aino.Tensor) and got.dtype == want.dtype and got.shape == want.shape
    assert got.requires_grad == want.requires_grad
    np.testing.assert_array_equal(got.numpy(), want.numpy())


TENSORS = {
    "float32": lambda: aino.randn(3, 4),
    "float64": lambda: aino.randn(2, dtype="float64"),
    "float16": lambda: aino.rand(5, dtype="float16"),
    "int64": lambda: aino.arange(6).reshape(2, 3),
    "int32": lambda: aino.tensor([1, -2], dtype=aino.int32),
    "uint8": lambda: aino.tensor([0, 255], dtype=aino.uint8),
    "bool": lambda: aino.tensor([True, False]),
    "0-d": lambda: aino.tensor(2.5),
    "size 0": lambda: aino.zeros(0, 3),
    "requires grad": lambda: aino.randn(2, 2, requires_grad=True),
    "parameter": lambda: nn.Parameter(aino.ones(3)),
}


@pytest.mark.parametrize("name", TENSORS)
def test_a_tensor_comes_back_with_its_values_dtype_shape_and_requires_grad(tmp_path, name, device):
    tensor = TENSORS[name]()
    tensor = tensor.detach().to(device).requires_grad_(tensor.requires_grad)  # a leaf on the device
    assert_same_tensor(round_trip(tensor, tmp_path), tensor)  # on the CPU by default
    back = round_trip(tensor, tmp_path, map_location=device)
    assert back.device == device
    assert_same_tensor(back, tensor)


@pytest.mark.parametrize("value", [
    3, -2**62, 0.1, -0.0, True, False, None, "text", "", "ünïcode ✓", math.inf, -math.inf,
    [], (), {}, [1, [2, (3, "x")]], (1,), {"a": 1, 2: "b", (1, 2): None, 0.5: True, None: [], False: 0},
], ids=repr)
def test_plain_values_and_containers_come_back_equal_and_of_their_type(tmp_path, value):
    back = round_trip(value, tmp_path)
    assert back == value and type(back) is type(value)
    if isinstance(value, dict):
        assert [type(k) for k in back] == [type(k) for k in value] and list(back) == list(value)


def test_nan_comes_back_as_nan(tmp_path):
    assert math.isnan(round_trip(float("nan"), tmp_path))


def test_numpy_arrays_and_numbers_stay_numpy(tmp_path):
    back = round_trip({"array": np.arange(6, dtype=np.int16).reshape(2, 3), "scalar": np.float64(1.5),
                       "flag": np.bool_(True)}, tmp_path)
    assert type(back["array"]) is np.ndarray and back["array"].dtype == np.int16 and back["array"].shape == (2, 3)
    assert type(back["scalar"]) is np.float64 and back["scalar"] == 1.5 and type(back["flag"]) is np.bool_


def test_a_state_dict_loads_into_a_fresh_model_that_then_predicts_the_same(tmp_path, device):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.BatchNorm1d(2)).to(device)
    model(aino.randn(5, 3).to(device))  # BatchNorm's running statistics move
    state = model.state_dict()  # host arrays, from whatever device
    back = round_trip(state, tmp_path)
    assert list(back) == list(state) and all(type(array) is np.ndarray for array in back.values())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.BatchNorm1d(2)).to(device)
    fresh.load_state_dict(back)  # a CPU state dict into a model on the device: copied there
    assert all(tensor.device == device for tensor in fresh.parameters())
    model.eval(), fresh.eval()
    x = aino.randn(4, 3).to(device)
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_a_state_dict_of_tensors_saved_from_a_device_loads_onto_the_device_asked_for(tmp_path, device):
    aino.manual_seed(1)
    model = nn.Linear(3, 2).to(device)
    tensors = dict(model.named_parameters())  # torch's state_dict spelling: the tensors themselves
    for where in ("cpu", device):
        back = round_trip(tensors, tmp_path, map_location=where)
        assert all(tensor.device == where for tensor in back.values())
        fresh = nn.Linear(3, 2).to(device)
        fresh.load_state_dict(back)
        for name, tensor in fresh.named_parameters():
            assert tensor.device == device
            np.testing.assert_array_equal(tensor.numpy(), tensors[name].numpy(), err_msg=name)


def test_a_gpu_array_is_saved_as_its_numbers_and_loads_as_a_numpy_array(tmp_path, device):
    array = aino.arange(6, dtype="float32").to(device).data  # a NumPy array on the CPU, a GPU's elsewhere
    back = round_trip({"a": array}, tmp_path, map_location=device)["a"]
    assert type(back) is np.ndarray and back.dtype == np.float32
    np.testing.assert_array_equal(back, np.arange(6, dtype=np.float32))


def train(model, optimizer, x, y, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        optimizer.step()


@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.Adam(p, lr=0.01), lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.RMSprop(p, lr=0.01),
    lambda p: optim.AdamW([{"params": p[:1], "lr": 0.02}, {"params": p[1:]}], lr=0.01),
], ids=["Adam", "SGD momentum", "RMSprop", "AdamW two groups"])
def test_a_checkpoint_resumes_training_exactly_where_it_stopped(tmp_path, make_optimizer, device):
    aino.manual_seed(0)
    x, y = aino.randn(8, 3).to(device), aino.randn(8, 1).to(device)
    model = nn.Linear(3, 1).to(device)
    optimizer = make_optimizer(list(model.parameters()))
    train(model, optimizer, x, y, 3)
    checkpoint = {"epoch": 3, "model": model.state_dict(), "optimizer": optimizer.state_dict(), "best": 0.9}
    aino.save(checkpoint, tmp_path / "checkpoint.pt")  # the optimizer's state on the device: saved from there

    resumed = nn.Linear(3, 1).to(device)
    resumed_optimizer = make_optimizer(list(resumed.parameters()))
    loaded = aino.load(tmp_path / "checkpoint.pt", map_location=device)
    assert loaded["epoch"] == 3 and loaded["best"] == 0.9
    resumed.load_state_dict(loaded["model"])
    resumed_optimizer.load_state_dict(loaded["optimizer"])
    train(model, optimizer, x, y, 2)
    train(resumed, resumed_optimizer, x, y, 2)
    for mine, theirs in zip(resumed.parameters(), model.parameters()):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_paths_as_strings_and_binary_file_objects(tmp_path):
    tensor = aino.randn(2, 3)
    aino.save(tensor, str(tmp_path / "a.pt"))
    assert_same_tensor(aino.load(str(tmp_path / "a.pt")), tensor)
    buffer = io.BytesIO()
    aino.save({"t": tensor}, buffer)
    buffer.seek(0)
    assert_same_tensor(aino.load(buffer)["t"], tensor)
    with open(tmp_path / "b.pt", "wb") as handle:
        aino.save([tensor], handle)
    with open(tmp_path / "b.pt", "rb") as handle:
        assert_same_tensor(aino.load(handle)[0], tensor)


def test_map_location_puts_tensors_on_that_device(tmp_path, device):
    tensor = aino.randn(3, device=device)
    for where in (device, aino.device(device)):
        back = round_trip({"t": tensor}, tmp_path, map_location=where)["t"]
        assert back.device == device
        np.testing.assert_array_equal(back.numpy(), tensor.numpy())
    assert round_trip(tensor, tmp_path, weights_only=False).device == "cpu"  # accepted; nothing is unpickled anyway


def test_saving_over_a_file_is_atomic_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "obj.pt"
    aino.save({"v": 1}, path)
    with pytest.raises(TypeError):
        aino.save({"v": lambda: 2}, path)
    assert aino.load(path) == {"v": 1} and temporaries_of(path) == []


@pytest.mark.parametrize("obj, error, message", [
    (nn.Linear(2, 3), TypeError, r"cannot save obj, a Linear; aino.save writes a Tensor, .*save model.state_dict\(\), not the model"),
    ({"f": lambda: 1}, TypeError, r"cannot save obj\['f'\], a function"),
    ([1, {"x": object()}], TypeError, r"cannot save obj\[1\]\['x'\], a object"),
    (np.array(["a", "b"]), TypeError, "an array of dtype <U1; only numbers are saved"),
    ({1j: 0}, TypeError, "cannot save a key of obj, a complex"),
    (10 ** 30, ValueError, "more than 24 digits"),
    ([[[[[[[[[[[1]]]]]]]]]]], ValueError, r"nests deeper than aino.load reads \(10 levels\)"),
], ids=["a model", "a lambda", "an object", "text", "a complex key", "a huge int", "too deep"])
def test_what_cannot_be_saved_is_refused_naming_what_can(tmp_path, obj, error, message):
    with pytest.raises(error, match=message):
        aino.save(obj, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_a_container_holding_itself_is_refused(tmp_path):
    loop = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match=r"obj\[1\] contains itself"):
        aino.save(loop, tmp_path / "x.pt")


def test_bad_arguments_are_type_errors(tmp_path):
    with pytest.raises(TypeError, match="f must be a path or a binary file object, got int"):
        aino.save(1, 3)
    with pytest.raises(TypeError, match="f must be a path or a binary file object"):
        aino.load(3)
    aino.save(1, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="map_location must be None, a device string"):
        aino.load(tmp_path / "x.pt", map_location={"cuda:0": "cpu"})
    with pytest.raises(FileNotFoundError):
        aino.load(tmp_path / "missing.pt")


# --- files that are not aino's ---------------------------------------------------------------------------


def members_of(obj, tmp_path):
    aino.save(obj, tmp_path / "good.pt")
    return hostile.zip_members((tmp_path / "good.pt").read_bytes())


def with_header(members, **changes):
    header = json.loads(members["header.json"])
    header.update(changes)
    return hostile.zip_bytes({**members, "header.json": json.dumps(header).encode()})


def refused(tmp_path, data, message):
    path = tmp_path / "bad.pt"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message):
        aino.load(path)
    with pytest.raises(ValueError, match=message):
        aino.load(io.BytesIO(data))


def test_a_pickle_is_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    data = pickle.dumps({"weights": hostile.Payload(marker)})
    refused(tmp_path, data, "is not a readable aino.save file .*not a zip archive")
    assert not marker.exists()
    pickle.loads(data)  # the payload is real: unpickling it creates the file
    assert marker.exists()


def test_a_torch_save_file_is_refused_with_a_hint(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    refused(tmp_path, (tmp_path / "torch.pt").read_bytes(), "no header.json .*a torch.save file, which holds a pickle")


def test_a_pickled_array_inside_is_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    members = members_of({"w": aino.ones(2)}, tmp_path)
    members["arrays/0.npy"] = hostile.pickle_npy(marker)
    refused(tmp_path, hostile.zip_bytes(members), "objects are never unpickled")
    assert not marker.exists()


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_a_truncated_file_is_refused(tmp_path, cut):
    aino.save({"w": aino.randn(50, 50)}, tmp_path / "good.pt")
    data = (tmp_path / "good.pt").read_bytes()
    refused(tmp_path, data[: int(len(data) * cut)], "not a readable aino.save file")


@pytest.mark.parametrize("change, message", [
    ({"object": {"__reduce__": ["os.system", "touch hacked"]}}, r"unknown entry .*__reduce__.* never unpickles or runs"),
    ({"object": {"dict": [["k", {"pickle": "gASV"}]]}}, "unknown entry"),
    ({"object": {"tensor": 0}}, "unknown entry"),
    ({"object": {"tensor": 7, "requires_grad": False}}, "names array 7, which the header does not list"),
    ({"object": {"tensor": "0", "requires_grad": False}}, "names array 0, which the header does not list"),
    ({"object": {"float": "1e999"}}, "a float entry must be 'nan', 'inf' or '-inf'"),
    ({"object": {"list": {"a": 1}}}, "a list entry must hold a JSON list"),
    ({"object": {"dict": [[{"list": []}, 1]]}}, "a dict key is a list, which cannot be a key"),
    ({"object": {"dict": [[1, 2, 3]]}}, r"a dict entry must hold \[key, value\] pairs"),
    ({"object": [1, 2]}, "a bare JSON list"),
    ({"format": "aino.dit"}, "is not an aino.save file: its header does not say format 'aino.save'"),
    ({"version": 2}, "is aino.save version 2; this aino reads version 1"),
    ({"run": "os.system('touch hacked')"}, "the header must hold exactly format, version, object and arrays"),
    ({"arrays": {"0": {"shape": [3], "dtype": "<f4"}}}, "array '0' has shape \\(2,\\) .* but the header says"),
    ({"arrays": {"0": {"shape": [2], "dtype": "<f4"}, "1": {"shape": [], "dtype": "<f4"}}}, "has no arrays/1.npy"),
], ids=["reduce", "pickle tag", "tag missing a field", "array out of range", "array named by a string",
        "float text", "list of a dict", "unhashable key", "dict of triples", "bare list", "wrong format",
        "wrong version", "extra header key", "wrong shape", "missing array"])
def test_a_hostile_header_is_refused_saying_what_is_wrong(tmp_path, change, message):
    refused(tmp_path, with_header(members_of({"w": aino.ones(2)}, tmp_path), **change), message)


def test_members_the_header_does_not_list_are_refused(tmp_path):
    members = members_of({"w": aino.ones(2)}, tmp_path)
    refused(tmp_path, hostile.zip_bytes({**members, "data.pkl": b"\x80\x04N."}), "'data.pkl' is not listed in the header")
    refused(tmp_path, hostile.zip_bytes({"arrays/0.npy": members["arrays/0.npy"]}), "is not an aino.save file: it has no header.json")


def test_a_zip_bomb_is_refused_before_it_inflates(tmp_path):
    members = members_of({"w": aino.ones(2)}, tmp_path)
    refused(tmp_path, hostile.zip_bomb(members, "arrays/0.npy", 1 << 30), "zip bomb")


def test_a_file_aino_saved_is_a_plain_zip_of_json_and_npy(tmp_path):
    """What the format promises: a header any JSON reader reads, arrays any NumPy reads without pickle."""
    members = members_of(OrderedDict(w=aino.tensor([1.0, 2.0])), tmp_path)
    header = json.loads(members["header.json"])
    assert header == {"format": "aino.save", "version": 1, "arrays": {"0": {"shape": [2], "dtype": "<f4"}},
                      "object": {"dict": [["w", {"tensor": 0, "requires_grad": False}]]}}
    np.testing.assert_array_equal(np.load(io.BytesIO(members["arrays/0.npy"]), allow_pickle=False), [1.0, 2.0])
    assert pathlib.Path(tmp_path / "good.pt").stat().st_size < 1000

"""Named hostile files, one per way a file can attack a loader: each refused with a ValueError that
says what is wrong, before the loader allocates what the file only claims to hold."""

import io
import json
import time
import zipfile

import numpy as np
import pytest

import hostile
from aino import NeuralNetwork, load_dit, load_state_dict_from_file, nn, save_model_parameters
from aino.nn import CustomAIModel, Dense
from aino.trace import Trace


@pytest.fixture
def dit_members(tmp_path):
    network = NeuralNetwork([3, 4, 2], seed=0)
    return hostile.zip_members(network.save(tmp_path / "good.dit").read_bytes())


@pytest.fixture
def state_members(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    return hostile.zip_members(save_model_parameters(model, tmp_path / "good.npz").read_bytes())


def write(tmp_path, data, name="bad.dit"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def with_header(members, **changes):
    header = json.loads(members["header.json"])
    header.update(changes)
    return hostile.zip_bytes({**members, "header.json": json.dumps(header).encode()})


def test_a_zip_bomb_is_refused_before_it_inflates(tmp_path, dit_members):
    path = write(tmp_path, hostile.zip_bomb(dit_members, "arrays/layers.0.weight.npy", 1 << 30))
    assert path.stat().st_size * 200 < 1 << 30
    with pytest.raises(ValueError, match=r"would inflate to \d+ bytes from \d+, more than 100 times the file .*zip bomb"):
        NeuralNetwork.load(path)


def test_an_entry_that_lies_about_its_size_is_refused(tmp_path, state_members):
    path = write(tmp_path, hostile.lying_sizes(state_members, "0.weight.npy", (1 << 32) - 1), "bad.npz")
    with pytest.raises(ValueError, match="would inflate to"):
        load_state_dict_from_file(path)
    path = write(tmp_path, hostile.lying_sizes(state_members, "0.weight.npy", 3), "short.npz")
    with pytest.raises(ValueError, match="member '0.weight.npy' is damaged .*Bad CRC-32"):
        load_state_dict_from_file(path)
    path = write(tmp_path, hostile.lying_sizes(state_members, "0.weight.npy", 3, zipfile.ZIP_STORED), "stored.npz")
    with pytest.raises(ValueError, match="'0.weight.npy' is stored, yet declares 176 bytes stored for 3"):
        load_state_dict_from_file(path)


def test_a_header_declaring_2_to_the_40_elements_is_refused_without_allocating(tmp_path, state_members):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }"
    members = {**state_members, "0.weight.npy": hostile.npy_with_header(header, bytes(64))}
    path = write(tmp_path, hostile.zip_bytes(members), "big.npz")
    with pytest.raises(ValueError, match=r"declares shape \(1099511627776,\) of <f8 \(8796093022208 bytes of data\), but 64 bytes follow"):
        load_state_dict_from_file(path)


@pytest.mark.parametrize("header, message", [
    ("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "dtype object; expected bool, integer or float"),
    ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "structured arrays are refused"),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", "a tuple of at most 32 sizes >= 0"),
    ("__import__('os').system('touch hacked')", "not a Python literal"),
    ("{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,), }", "fortran_order must be True or False"),
    ("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", "dtype complex128; expected"),
])
def test_npy_headers_are_read_strictly(tmp_path, state_members, header, message):
    members = {**state_members, "0.bias.npy": hostile.npy_with_header(header, bytes(16))}
    with pytest.raises(ValueError, match=message):
        load_state_dict_from_file(write(tmp_path, hostile.zip_bytes(members), "h.npz"))


def test_a_pickled_object_array_is_never_unpickled(tmp_path, state_members):
    marker = tmp_path / "UNPICKLED"
    payload = hostile.pickle_npy(marker)
    members = {**state_members, "0.bias.npy": payload}
    with pytest.raises(ValueError, match="objects are never unpickled"):
        load_state_dict_from_file(write(tmp_path, hostile.zip_bytes(members), "p.npz"))
    assert not marker.exists()
    np.load(io.BytesIO(payload), allow_pickle=True)  # the payload is real: unpickling it creates the file
    assert marker.exists()


@pytest.mark.parametrize("method, name", [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")])
def test_other_compression_methods_are_refused(tmp_path, dit_members, method, name):
    path = write(tmp_path, hostile.zip_bytes(dit_members, method=method))
    with pytest.raises(ValueError, match=f"uses compression method {method}; expected stored or deflated"):
        load_dit(path)


def test_an_encrypted_member_is_refused(tmp_path, dit_members):
    data = bytearray(hostile.zip_bytes(dit_members, method=zipfile.ZIP_STORED))
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1  # the "encrypted" flag of the first central entry
    with pytest.raises(ValueError, match="is encrypted"):
        load_dit(write(tmp_path, bytes(data)))


@pytest.mark.parametrize("name", ["../../evil.npy", "/etc/evil.npy", "a\\b.npy", "x\x01.npy"])
def test_names_that_climb_out_or_hide_are_refused(tmp_path, state_members, name):
    members = {**state_members, name: hostile.npy(np.ones(2))}
    with pytest.raises(ValueError, match="is not a plain relative name"):
        load_state_dict_from_file(write(tmp_path, hostile.zip_bytes(members), "t.npz"))


def test_members_that_are_not_arrays_or_not_listed_are_refused(tmp_path, state_members, dit_members):
    with pytest.raises(ValueError, match="'notes.txt' is not a .npy array"):
        load_state_dict_from_file(write(tmp_path, hostile.zip_bytes({**state_members, "notes.txt": b"hi"}), "n.npz"))
    with pytest.raises(ValueError, match="the member 'arrays/extra.npy' is not listed in the header"):
        load_dit(write(tmp_path, hostile.zip_bytes({**dit_members, "arrays/extra.npy": hostile.npy(np.ones(1))})))


def test_a_member_name_given_twice_is_refused(tmp_path, state_members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        for name, data in [*state_members.items(), ("0.bias.npy", hostile.npy(np.zeros(4, np.float32)))]:
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="the member name '0.bias.npy' appears twice"):
        load_state_dict_from_file(write(tmp_path, buffer.getvalue(), "d.npz"))


@pytest.mark.parametrize("text, message", [
    (hostile.deep_json(100_000), "nests deeper than Python can read|nests deeper than 32"),
    (hostile.deep_json(40), "nests deeper than 32 levels"),
    ('{"format": "aino.dit", "format": "x"}', "the key 'format' appears twice"),
    ('{"format": "aino.dit", "version": 1' + "0" * 30 + "}", "more than 24 digits"),
    ('{"format": "aino.dit", "version": 1e999}', "too large for a float"),
    ('{"format": "aino.dit", "version": NaN}', "NaN is not allowed"),
    ('\xff\xfe{}', "not valid JSON"),
])
def test_json_headers_are_read_within_bounds(tmp_path, dit_members, text, message):
    data = text.encode("latin1") if text.startswith("\xff") else text.encode()
    with pytest.raises(ValueError, match=message):
        load_dit(write(tmp_path, hostile.zip_bytes({**dit_members, "header.json": data})))


def test_a_network_header_is_checked_against_its_arrays_before_anything_is_built(tmp_path, dit_members):
    path = write(tmp_path, with_header(dit_members, layer_sizes=[4, 10**6, 3]))
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"'layers.0.weight' has shape \(4, 3\), layer_sizes \[4, 1000000, 3\] needs \(1000000, 4\)"):
        NeuralNetwork.load(path)
    assert time.perf_counter() - started < 1.0  # refused, not built (building took 17 s)


@pytest.mark.parametrize("changes, message", [
    ({"layer_sizes": "3-4-2"}, "layer_sizes must be a list of at least 2 integers"),
    ({"layer_sizes": [3, True, 2]}, "layer_sizes must be a list of at least 2 integers"),
    ({"is_classifier": "yes"}, "is_classifier must be true or false"),
    ({"loss": ["mse"]}, "the saved network is inconsistent"),
    ({"activation_type": {"name": 5}}, "the saved network is inconsistent"),
    ({"arrays": {"layers.0.weight": {"shape": "x", "dtype": "<f8"}}}, "must be {'shape': \\[sizes\\], 'dtype': str}"),
    ({"arrays": {"../w": {"shape": [1], "dtype": "<f8"}}}, "names are letters, digits"),
])
def test_wrong_types_in_a_network_header(tmp_path, dit_members, changes, message):
    with pytest.raises(ValueError, match=message):
        NeuralNetwork.load(write(tmp_path, with_header(dit_members, **changes)))


def test_a_trace_naming_a_million_layers_is_refused_before_they_are_allocated(tmp_path):
    trace_file = tmp_path / "t.npz"
    from aino.trace.trace_file import FORMAT

    meta = {"layers_order": [f"layer{i}" for i in range(10**6)], "params": [], "n_steps": 0, "max_bytes": 1}
    members = {"format.npy": hostile.npy(np.array(FORMAT)), "meta.npy": hostile.npy(np.array(json.dumps(meta))),
               "loss.npy": hostile.npy(np.zeros(0))}
    trace_file.write_bytes(hostile.zip_bytes(members))
    started = time.perf_counter()
    with pytest.raises(ValueError, match="is damaged \\(no summaries for activations of 'layer0'\\)"):
        Trace.load(trace_file)
    assert time.perf_counter() - started < 5.0


def test_text_is_refused_where_a_trace_holds_numbers(tmp_path):
    from aino.trace.trace_file import FORMAT

    members = {"format.npy": hostile.npy(np.array(FORMAT)), "meta.npy": hostile.npy(np.array("{}")),
               "loss.npy": hostile.npy(np.array(["a", "b"]))}
    (tmp_path / "t.npz").write_bytes(hostile.zip_bytes(members))
    with pytest.raises(ValueError, match="'loss' has dtype <U1; expected bool, integer or float"):
        Trace.load(tmp_path / "t.npz")


def custom_pair(tmp_path, name="m", width=4):
    model = CustomAIModel().add(Dense(3, width)).add(Dense(width, 2))
    model.save_model(tmp_path / name)
    return model


def test_a_custom_model_pair_from_two_saves_is_refused(tmp_path):
    custom_pair(tmp_path, "a")
    custom_pair(tmp_path, "b", width=5)
    (tmp_path / "a_weights.json").write_bytes((tmp_path / "b_weights.json").read_bytes())
    with pytest.raises(ValueError, match="a_weights.json does not match a_config.json.*different saves"):
        CustomAIModel.load_model(tmp_path / "a")


def test_a_damaged_custom_model_config_is_refused(tmp_path):
    custom_pair(tmp_path)
    config = json.loads((tmp_path / "m_config.json").read_text())
    config["layers"][0]["output_dim"] = 5  # one changed number, JSON still valid
    (tmp_path / "m_config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="m_config.json is damaged: its content does not match its config_sha256"):
        CustomAIModel.load_model(tmp_path / "m")


def test_custom_model_layers_are_checked_against_the_weights_before_building(tmp_path):
    from aino.files.pair import digest
    from aino.nn.custom_model import _canonical

    custom_pair(tmp_path)
    config = json.loads((tmp_path / "m_config.json").read_text())
    del config["config_sha256"]
    config["layers"][0] = {"type": "dense", "input_dim": 10**6, "output_dim": 10**6}
    config["config_sha256"] = digest(_canonical(config))
    (tmp_path / "m_config.json").write_text(json.dumps(config))
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"the layers need 'layers.0.weight' of shape \(1000000, 1000000\), the weights hold \(4, 3\)"):
        CustomAIModel.load_model(tmp_path / "m")
    assert time.perf_counter() - started < 1.0

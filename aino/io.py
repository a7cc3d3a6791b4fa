"""Saving and loading without pickle: .dit model files and state-dict archives.

A .dit file is a zip archive holding
    header.json          {"format": "aino.dit", "version": 1, "arrays": {name: {"shape", "dtype"}}, ...}
    arrays/<name>.npy    one NumPy array per entry of "arrays", numeric dtypes only
A state-dict file is a NumPy .npz archive: one <key>.npy member per entry of the state dict.
Reading never unpickles and never executes anything, and checks sizes before it allocates (see
aino/files and docs/file-safety.md): a damaged, foreign or hostile file raises ValueError saying what is
wrong. Writing is atomic (aino/files/atomic.py): a crash leaves the old file or the new one, whole.
"""

import json
import re
from collections.abc import Mapping
from pathlib import Path

import numpy

from aino.files import NUMERIC_KINDS, atomic_write, npy_bytes, open_archive, read_header, read_npy, write_archive

DIT_FORMAT = "aino.dit"
DIT_VERSION = 1
HEADER_NAME = "header.json"
MAX_HEADER_BYTES = 1 << 20
ARRAY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")  # "layers.0.weight", "history"


def save_dit(path, header, arrays):
    """Write `header` (a JSON-able dict) and `arrays` ({name: numeric array}) to a .dit file."""
    path = Path(path)
    arrays = _numeric_arrays({name: _host_array(value) for name, value in arrays.items()}, "save_dit")
    for name in arrays:
        if not isinstance(name, str) or not ARRAY_NAME.fullmatch(name):
            raise ValueError(f"save_dit: array names are letters, digits, '_', '.' and '-', got {name!r}")
    header = {
        **header,
        "format": DIT_FORMAT,
        "version": DIT_VERSION,
        "arrays": {name: {"shape": list(v.shape), "dtype": v.dtype.str} for name, v in arrays.items()},
    }
    members = {HEADER_NAME: json.dumps(header, indent=2, allow_nan=False).encode("utf-8")}
    members.update({f"arrays/{name}.npy": npy_bytes(value) for name, value in arrays.items()})
    with atomic_write(path) as file:
        write_archive(file, members, compress=True)
    return path


def load_dit(path):
    """Read a .dit file: returns (header dict, {name: array}). Raises ValueError on a bad file."""
    with open_archive(path, ".dit file") as archive:
        header = _read_header(archive)
        expected = {HEADER_NAME} | {f"arrays/{name}.npy" for name in header["arrays"]}
        for member in archive.names:
            if member not in expected:
                raise ValueError(f"{archive.path}: the member {member[:80]!r} is not listed in the header")
        arrays = {name: _read_array(archive, name, spec) for name, spec in header["arrays"].items()}
    return header, arrays


def _read_header(archive):
    path = archive.path
    header = read_header(archive, HEADER_NAME, DIT_FORMAT, DIT_VERSION, ".dit", "a", MAX_HEADER_BYTES)
    if not isinstance(header.get("arrays"), dict):
        raise ValueError(f"{path}: the header has no 'arrays' table")
    for name, spec in header["arrays"].items():
        if not ARRAY_NAME.fullmatch(name):
            raise ValueError(f"{path}: the header lists an array named {name[:80]!r}; names are letters, digits, '_', '.' and '-'")
        if (not isinstance(spec, dict) or not isinstance(spec.get("dtype"), str) or not isinstance(spec.get("shape"), list)
                or not all(type(size) is int and size >= 0 for size in spec["shape"])):
            raise ValueError(f"{path}: the header's entry for array {name!r} must be {{'shape': [sizes], 'dtype': str}}, got {spec!r}"[:300])
    return header


def _read_array(archive, name, spec):
    member = f"arrays/{name}.npy"
    if member not in archive.names:
        raise ValueError(f"{archive.path}: the header lists array {name!r} but the file has no {member}")
    value = read_npy(archive.read(member), f"{archive.path}: array {name!r}")
    if list(value.shape) != spec["shape"] or value.dtype.str != spec["dtype"]:
        raise ValueError(f"{archive.path}: array {name!r} has shape {value.shape} and dtype {value.dtype.str}, but the header says {spec}")
    return value


STATE_DICT_MARKER = "__aino_state_dict__"


def save_model_parameters(model, path):
    """Save `model.state_dict()` to `path` as a NumPy .npz archive (whatever the extension), atomically.

    A model object or a state dict ({name: array}) may be passed. Returns the path written.
    """
    state = model.state_dict() if hasattr(model, "state_dict") else model
    if not isinstance(state, Mapping) or not all(isinstance(name, str) for name in state):
        raise TypeError(f"save_model_parameters: expected a model or a state dict {{name: array}}, got {type(state).__name__}")
    arrays = _numeric_arrays({name: _host_array(value) for name, value in state.items()}, "save_model_parameters")
    members = {f"{STATE_DICT_MARKER}.npy": npy_bytes(numpy.array(1))}
    members.update({f"{name}.npy": npy_bytes(value) for name, value in arrays.items()})
    path = Path(path)
    with atomic_write(path) as file:
        write_archive(file, members, compress=False)
    return path


def load_state_dict_from_file(path):
    """Read a state dict saved by `save_model_parameters` (or numpy.savez): {name: NumPy array}, never unpickling."""
    state = {}
    if Path(path).is_file() and _starts_like_npy(path):
        raise ValueError(f"{path} holds a single array (.npy), not a state dict archive (.npz)")
    with open_archive(path, "state dict file") as archive:
        for member in archive.names:
            if not member.endswith(".npy"):
                raise ValueError(f"{archive.path}: the member {member[:80]!r} is not a .npy array; a state dict file holds only arrays")
            name = member[: -len(".npy")]
            value = read_npy(archive.read(member), f"{archive.path}: {name!r}")
            if name != STATE_DICT_MARKER:
                state[name] = value
    return state


def _starts_like_npy(path):
    with open(path, "rb") as handle:
        return handle.read(6) == b"\x93NUMPY"


def _numeric_arrays(arrays, owner):
    """`arrays` unchanged, or a ValueError naming the first array that is not bool, integer or float."""
    for name, value in arrays.items():
        if value.dtype.kind not in NUMERIC_KINDS:
            raise ValueError(f"{owner}: array {name!r} has dtype {value.dtype}; only numeric arrays are saved")
    return arrays


def _host_array(value):
    """A NumPy array from a NumPy or CuPy array, an aino Tensor, or anything with .numpy() or .get()."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu()
    if hasattr(value, "numpy"):
        return numpy.asarray(value.numpy())
    if hasattr(value, "get"):  # a CuPy array
        return value.get()
    return numpy.asarray(value)

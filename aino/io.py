"""Saving and loading without pickle: .dit files.

A .dit file is a zip archive holding
    header.json          {"format": "aino.dit", "version": 1, "arrays": {name: {"shape", "dtype"}}, ...}
    arrays/<name>.npy    one NumPy array per entry of "arrays", numeric dtypes only
Reading never unpickles and never executes anything; a damaged or foreign file raises ValueError
saying what is wrong. Writing goes to a temporary file that is renamed into place, so a crash never
leaves half a file.
"""

import contextlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy

DIT_FORMAT = "aino.dit"
DIT_VERSION = 1
HEADER_NAME = "header.json"
MAX_HEADER_BYTES = 1 << 20
NUMERIC_KINDS = "biuf"  # bool, signed and unsigned integers, floats


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path beside `path`; on success rename it to `path`, on error delete it."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


def save_dit(path, header, arrays):
    """Write `header` (a JSON-able dict) and `arrays` ({name: numeric array}) to a .dit file."""
    path = Path(path)
    arrays = _numeric_arrays({name: numpy.asarray(value) for name, value in arrays.items()}, "save_dit")
    header = {
        **header,
        "format": DIT_FORMAT,
        "version": DIT_VERSION,
        "arrays": {name: {"shape": list(v.shape), "dtype": v.dtype.str} for name, v in arrays.items()},
    }
    with atomic_write(path) as temporary, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HEADER_NAME, json.dumps(header, indent=2))
        for name, value in arrays.items():
            buffer = io.BytesIO()
            numpy.save(buffer, value, allow_pickle=False)
            archive.writestr(f"arrays/{name}.npy", buffer.getvalue())
    return path


def load_dit(path):
    """Read a .dit file: returns (header dict, {name: array}). Raises ValueError on a bad file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no .dit file at {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            header = _read_header(archive, path)
            arrays = {name: _read_array(archive, name, spec, path) for name, spec in header["arrays"].items()}
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise ValueError(f"{path} is not a readable .dit file (damaged or truncated zip: {error})") from None
    return header, arrays


def _read_header(archive, path):
    try:
        info = archive.getinfo(HEADER_NAME)
    except KeyError:
        raise ValueError(f"{path} is not a .dit file: it has no {HEADER_NAME}") from None
    if info.file_size > MAX_HEADER_BYTES:
        raise ValueError(f"{path}: {HEADER_NAME} is {info.file_size} bytes, more than a header ever needs")
    try:
        header = json.loads(archive.read(HEADER_NAME).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: {HEADER_NAME} is not valid JSON ({error})") from None
    if not isinstance(header, dict) or header.get("format") != DIT_FORMAT:
        raise ValueError(f"{path} is not a .dit file: its header does not say format {DIT_FORMAT!r}")
    if header.get("version") != DIT_VERSION:
        raise ValueError(
            f"{path} is .dit version {header.get('version')!r}; this aino reads version {DIT_VERSION}"
        )
    if not isinstance(header.get("arrays"), dict):
        raise ValueError(f"{path}: the header has no 'arrays' table")
    return header


def _read_array(archive, name, spec, path):
    member = f"arrays/{name}.npy"
    try:
        raw = archive.read(member)
    except KeyError:
        raise ValueError(f"{path}: the header lists array {name!r} but the file has no {member}") from None
    try:
        value = numpy.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as error:
        raise ValueError(f"{path}: array {name!r} cannot be read safely ({error})") from None
    if value.dtype.kind not in NUMERIC_KINDS:
        raise ValueError(f"{path}: array {name!r} has dtype {value.dtype}; .dit files hold numbers only")
    if not isinstance(spec, dict) or list(value.shape) != spec.get("shape") or value.dtype.str != spec.get("dtype"):
        raise ValueError(f"{path}: array {name!r} has shape {value.shape} and dtype {value.dtype.str}, but the header says {spec}")
    return value


STATE_DICT_MARKER = "__aino_state_dict__"


def save_model_parameters(model, path):
    """Save `model.state_dict()` to `path` as a NumPy .npz archive (whatever the extension), atomically.

    A model object or a state dict ({name: array}) may be passed. Returns the path written.
    """
    state = model.state_dict() if hasattr(model, "state_dict") else model
    arrays = _numeric_arrays({name: _host_array(value) for name, value in state.items()}, "save_model_parameters")
    path = Path(path)
    with atomic_write(path) as temporary, open(temporary, "wb") as handle:
        numpy.savez(handle, **{STATE_DICT_MARKER: numpy.array(1)}, **arrays)
    return path


def load_state_dict_from_file(path):
    """Read a state dict saved by `save_model_parameters`: {name: NumPy array}, never unpickling."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no state dict file at {path}")
    try:
        loaded = numpy.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise ValueError(f"{path} is not a state dict file aino can read safely ({error})") from None
    if not isinstance(loaded, numpy.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array, not a state dict archive")
    try:
        with loaded:
            state = {name: loaded[name] for name in loaded.files if name != STATE_DICT_MARKER}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise ValueError(f"{path} is a damaged state dict file ({error})") from None
    for name, value in state.items():
        if value.dtype.kind not in NUMERIC_KINDS:
            raise ValueError(f"{path}: {name!r} has dtype {value.dtype}; a state dict holds numbers only")
    return state


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

"""aino.save and aino.load, as torch.save and torch.load, without pickle.

What can be saved: a Tensor (on any device), a NumPy array (or a GPU's array, saved as its numbers and
loaded as a NumPy array), a number, a string, a bool, None, and dicts, lists and tuples of these, nested
(a state_dict, an optimizer's state_dict, a checkpoint
{"epoch": 3, "model": model.state_dict(), "optimizer": optimizer.state_dict(), "best": 0.9}).

The file is a zip archive (aino/files) holding
    header.json     {"format": "aino.save", "version": 1, "object": tree, "arrays": {name: {"shape", "dtype"}}}
    arrays/<n>.npy  one array per entry of "arrays", numbers only
where `tree` is the object as JSON: a number, a string, true/false or null stands for itself, and every
JSON object is one tagged entry: {"tensor": n, "requires_grad": bool}, {"array": n} (a NumPy array),
{"scalar": n} (a NumPy number), {"float": "nan"} (a float JSON cannot hold), {"list": [...]},
{"tuple": [...]}, {"dict": [[key, value], ...]} (keys of any saveable kind, in order).
Loading reads only these tags: it never unpickles or runs anything, and anything else in a file (a
torch.save pickle, a damaged or truncated archive, an unknown tag) is a ValueError saying what is
wrong. Saving to a path is atomic (a crash leaves the old file or the new one).
"""

import io
import json
import math
import os
import zipfile
from pathlib import Path

import numpy

from aino.backend import Device, array_module, move_array
from aino.files import atomic_write, npy_bytes, open_archive, read_header, read_npy, write_archive
from aino.files.archive import ZIP_ERRORS, Archive
from aino.files.json_text import MAX_DEPTH, MAX_INT_DIGITS
from aino.tensor import Tensor

FORMAT = "aino.save"
VERSION = 1
HEADER = "header.json"
MAX_HEADER_BYTES = 64 << 20
MAX_INT = 10 ** MAX_INT_DIGITS  # what read_json reads back
MAX_NESTING = (MAX_DEPTH - 2) // 3  # a dict is 3 JSON levels ({"dict": [[key, value]]}); read_json reads MAX_DEPTH
SAVEABLE = ("a Tensor, a NumPy array, a number, a string, a bool, None, or dicts, lists and tuples of these "
            "(save model.state_dict(), not the model)")


def save(obj, f):
    """Write `obj` (see the module docstring for what it may hold) to `f`: a path (str or pathlib), written
    atomically, or a binary file object open for writing."""
    arrays = []
    header = {"format": FORMAT, "version": VERSION, "object": _encode(obj, arrays, "obj", set())}
    header["arrays"] = {str(n): {"shape": list(a.shape), "dtype": a.dtype.str} for n, a in enumerate(arrays)}
    members = {HEADER: json.dumps(header, allow_nan=False).encode("utf-8")}
    members.update({f"arrays/{n}.npy": npy_bytes(a) for n, a in enumerate(arrays)})
    if isinstance(f, (str, os.PathLike)):
        with atomic_write(Path(f)) as file:
            write_archive(file, members, compress=False)
    elif hasattr(f, "write"):
        buffer = io.BytesIO()
        write_archive(buffer, members, compress=False)
        f.write(buffer.getvalue())
    else:
        raise TypeError(f"aino.save: f must be a path or a binary file object, got {type(f).__name__}")


def load(f, map_location=None, weights_only=True):
    """What `save` wrote to `f` (a path or a binary file object open for reading): tensors come back as
    Tensors (on `map_location`: "cpu", "cuda", a Device; by default the CPU), arrays as NumPy arrays.
    weights_only is accepted for torch's sake: nothing is ever unpickled, whatever it says."""
    device = _device(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open_archive(f, "aino.save file") as archive:
            return _read(archive, device)
    if not hasattr(f, "read"):
        raise TypeError(f"aino.load: f must be a path or a binary file object, got {type(f).__name__}")
    data = f.read()
    name = getattr(f, "name", type(f).__name__)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as error:
        raise ValueError(f"{name} is not a readable aino.save file (not a zip archive, or a damaged one: "
                         f"{error})") from None
    with archive:
        return _read(Archive(archive, name, "aino.save file", len(data)), device)


# --- writing -----------------------------------------------------------------------------------------


def _encode(value, arrays, where, open_containers):
    """`value` as the JSON tree of the module docstring; arrays go to `arrays`. `where` names the place
    (obj['model']['0.weight']) in errors; `open_containers` holds the containers being encoded (a cycle)."""
    if isinstance(value, numpy.generic):  # before float: numpy.float64 is a float too
        arrays.append(_numeric(numpy.asarray(value), where))
        return {"scalar": len(arrays) - 1}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -MAX_INT < value < MAX_INT:
            raise ValueError(f"aino.save: {where} is an integer of more than {MAX_INT_DIGITS} digits; "
                             f"save it as a string")
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, Tensor):
        arrays.append(value.numpy())
        return {"tensor": len(arrays) - 1, "requires_grad": bool(value.requires_grad)}
    if isinstance(value, numpy.ndarray):
        arrays.append(_numeric(value, where))
        return {"array": len(arrays) - 1}
    if array_module(value) is not numpy:  # a GPU's array (an optimizer's state on CuPy): its numbers, copied
        arrays.append(_numeric(move_array(value, "cpu"), where))  # to the host; it loads as a NumPy array
        return {"array": len(arrays) - 1}
    if not isinstance(value, (dict, list, tuple)):
        raise TypeError(f"aino.save: cannot save {where}, a {type(value).__name__}; aino.save writes {SAVEABLE}")
    if id(value) in open_containers:
        raise ValueError(f"aino.save: {where} contains itself; a saved object must be a tree")
    if len(open_containers) >= MAX_NESTING:
        raise ValueError(f"aino.save: {where} nests deeper than aino.load reads ({MAX_NESTING} levels)")
    open_containers.add(id(value))
    if isinstance(value, dict):
        encoded = {"dict": [[_encode(k, arrays, f"a key of {where}", open_containers),
                             _encode(v, arrays, f"{where}[{k!r}]", open_containers)] for k, v in value.items()]}
    else:
        kind = "tuple" if isinstance(value, tuple) else "list"
        encoded = {kind: [_encode(v, arrays, f"{where}[{i}]", open_containers) for i, v in enumerate(value)]}
    open_containers.discard(id(value))
    return encoded


def _numeric(array, where):
    if array.dtype.kind not in "biuf":
        raise TypeError(f"aino.save: cannot save {where}, an array of dtype {array.dtype}; only numbers are saved")
    return array


# --- reading -----------------------------------------------------------------------------------------


def _device(map_location):
    """The Device tensors are loaded onto: a string or Device; None is the CPU (aino saves host arrays)."""
    if map_location is None:
        return Device("cpu")
    if isinstance(map_location, (str, Device)):
        return Device(map_location)
    raise TypeError(f"aino.load: map_location must be None, a device string ('cpu', 'cuda:0') or a Device, "
                    f"got {type(map_location).__name__}")


def _read(archive, device):
    path = archive.path
    pickled = any(name.endswith("data.pkl") for name in archive.names)
    hint = (" (it looks like a torch.save file, which holds a pickle: aino never unpickles; load it with "
            "torch and save its tensors' .numpy() with aino.save)") if pickled else ""
    header = read_header(archive, HEADER, FORMAT, VERSION, "aino.save", "an", MAX_HEADER_BYTES, missing_hint=hint)
    specs = header.get("arrays")
    if not isinstance(specs, dict) or set(header) != {"format", "version", "object", "arrays"}:
        raise ValueError(f"{path}: the header must hold exactly format, version, object and arrays")
    expected = {HEADER} | {f"arrays/{name}.npy" for name in specs}
    for member in archive.names:
        if member not in expected:
            raise ValueError(f"{path}: the member {member[:80]!r} is not listed in the header")
    arrays = {name: _read_array(archive, name, spec) for name, spec in specs.items()}
    return _decode(header["object"], arrays, device, path)


def _read_array(archive, name, spec):
    member = f"arrays/{name}.npy"
    if member not in archive.names:
        raise ValueError(f"{archive.path}: the header lists array {name!r} but the file has no {member}")
    value = read_npy(archive.read(member), f"{archive.path}: array {name!r}")
    if not isinstance(spec, dict) or list(value.shape) != spec.get("shape") or value.dtype.str != spec.get("dtype"):
        raise ValueError(f"{archive.path}: array {name!r} has shape {value.shape} and dtype {value.dtype.str}, "
                         f"but the header says {spec!r:.200}")
    return value


TAGS = ("tensor", "array", "scalar", "float", "list", "tuple", "dict")


def _decode(node, arrays, device, path):
    """The object the JSON tree `node` stands for; a tag that is not one of TAGS, or is malformed, is refused."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        raise ValueError(f"{path}: a bare JSON list in the object tree; lists are tagged {{'list': [...]}}")
    tag = next(iter(node)) if len(node) in (1, 2) else None
    if tag not in TAGS or (len(node) == 2) != (tag == "tensor") or (tag == "tensor" and "requires_grad" not in node):
        raise ValueError(f"{path}: unknown entry {str(node)[:120]} in the object tree; aino.load reads only the "
                         f"tags {', '.join(TAGS)} (it never unpickles or runs anything)")
    body = node[tag]
    if tag in ("tensor", "array", "scalar"):
        array = _array(arrays, body, path)
        if tag == "array":
            return array
        if tag == "scalar":
            return array[()]
        tensor = Tensor(move_array(array, device))
        return tensor.requires_grad_(True) if node["requires_grad"] is True and array.dtype.kind == "f" else tensor
    if tag == "float":
        if body not in ("nan", "inf", "-inf"):
            raise ValueError(f"{path}: a float entry must be 'nan', 'inf' or '-inf', got {str(body)[:40]!r}")
        return float(body)
    if not isinstance(body, list):
        raise ValueError(f"{path}: a {tag} entry must hold a JSON list, got {type(body).__name__}")
    if tag != "dict":
        items = [_decode(item, arrays, device, path) for item in body]
        return items if tag == "list" else tuple(items)
    if not all(isinstance(pair, list) and len(pair) == 2 for pair in body):
        raise ValueError(f"{path}: a dict entry must hold [key, value] pairs")
    table = {}
    for key, value in body:
        key, value = _decode(key, arrays, device, path), _decode(value, arrays, device, path)
        try:
            table[key] = value
        except TypeError:  # a key that cannot be one (a list, an array)
            raise ValueError(f"{path}: a dict key is a {type(key).__name__}, which cannot be a key") from None
    return table


def _array(arrays, number, path):
    if type(number) is not int or str(number) not in arrays:
        raise ValueError(f"{path}: the object tree names array {str(number)[:40]}, which the header does not list")
    return arrays[str(number)]

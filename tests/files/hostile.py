"""Hostile files, built by hand: what the fuzz test and the named-case tests feed to aino's loaders.

Every builder returns bytes. None of them uses aino to write, so a file's faults are the ones named.
"""

import functools
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np


def npy(array, allow_pickle=False):
    """`array` as .npy bytes, written by NumPy."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_with_header(header_text, data=b"", version=(1, 0)):
    """A .npy member whose header is `header_text` verbatim (padded as NumPy pads), then `data`."""
    body = header_text.encode("latin1") + b"\n"
    width = 2 if version[0] == 1 else 4
    pad = (-(8 + width + len(body))) % 64
    body = header_text.encode("latin1") + b" " * pad + b"\n"
    size = struct.pack("<H" if width == 2 else "<I", len(body))
    return b"\x93NUMPY" + bytes(version) + size + body + data


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    """A zip of {name: bytes}, written by Python's zipfile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_members(data):
    """{name: bytes} of a zip (a valid one)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_bomb(members, name, inflated_bytes):
    """The archive of {name: bytes} `members`, with member `name` replaced by `inflated_bytes` zeros
    (a multiple of 1 MiB), deflated: about 1000 times smaller than what it holds."""
    payload, crc = _zeros_deflated(inflated_bytes >> 20)
    entries = [_deflated_entry(key, data) for key, data in members.items() if key != name]
    return raw_zip(entries + [(name, payload, inflated_bytes, crc, zipfile.ZIP_DEFLATED)])


def lying_sizes(members, name, declared, method=zipfile.ZIP_DEFLATED):
    """The archive of `members`, with the entry of `name` declaring `declared` bytes inflated."""
    entries = [_deflated_entry(key, data) if method == zipfile.ZIP_DEFLATED else
               (key, data, len(data), zlib.crc32(data), zipfile.ZIP_STORED) for key, data in members.items()]
    return raw_zip([(key, payload, declared if key == name else size, crc, method)
                    for key, payload, size, crc, method in entries])


@functools.lru_cache(maxsize=None)
def _zeros_deflated(mebibytes):
    compressor, chunk, crc = zlib.compressobj(1, zlib.DEFLATED, -15), bytes(1 << 20), 0
    parts = []
    for _ in range(mebibytes):
        parts.append(compressor.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    return b"".join(parts) + compressor.flush(), crc


def _deflated_entry(name, data):
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return name, compressor.compress(data) + compressor.flush(), len(data), zlib.crc32(data), zipfile.ZIP_DEFLATED


def raw_zip(entries):
    """A zip written field by field from (name, payload, declared size, crc, method) entries, so that an
    entry can say what its data is not. The compressed size is the payload's."""
    local_part, central_part = b"", b""
    for name, payload, file_size, crc, method in entries:
        encoded = name.encode("utf-8")
        compressed = len(payload)
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, compressed,
                             min(file_size, 0xFFFFFFFF), len(encoded), 0) + encoded
        central_part += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, compressed,
                                    min(file_size, 0xFFFFFFFF), len(encoded), 0, 0, 0, 0, 0, len(local_part)) + encoded
        local_part += header + payload
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central_part), len(local_part), 0)
    return local_part + central_part + end


class Payload:
    """Unpickling this creates the file `path`: the proof, if it ever exists, that a loader unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (os.fspath(self.path), "w"))


def pickle_npy(path):
    """A .npy member holding an object array whose element, once unpickled, creates `path`."""
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(path)
    return npy(evil, allow_pickle=True)


def deep_json(depth):
    return "[" * depth + "]" * depth


def json_bytes(value):
    return json.dumps(value).encode("utf-8")

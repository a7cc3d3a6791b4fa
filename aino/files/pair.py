"""Two files that change together: an index file that names the SHA-256 of a data file.

CustomAIModel saves `name_config.json` (the layers, and the weights' hash) beside `name_weights.json`.
Each rename is atomic, but two renames are not, so the pair commits in an order a reader can follow:

  1. the new data goes to `.name_weights.json.aino-pending` (atomically);
  2. the new index replaces the old one (atomically): from here on the pair holds the new model;
  3. the pending data is renamed over the data file.

A process killed before 2 leaves the old index and the old data, which match: the old model loads
(and the next save replaces the pending file). Killed between 2 and 3, the index names the hash of
the pending file: `read_matching` finds it there, completes step 3 and returns it. A data file
that matches neither way was damaged or belongs to another index: a ValueError, never a silent mix.
"""

import contextlib
import hashlib
import os
from pathlib import Path

from aino.files.atomic import atomic_write

PENDING_SUFFIX = ".aino-pending"


def digest(data):
    """The SHA-256 of `data` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def pending_path(data_path):
    data_path = Path(data_path)
    return data_path.with_name(f".{data_path.name}{PENDING_SUFFIX}")


def write_pair(index_path, index_bytes, data_path, data_bytes):
    """Replace both files; `index_bytes` must name `digest(data_bytes)` for `read_matching` to accept them."""
    index_path, data_path = Path(index_path), Path(data_path)
    pending = pending_path(data_path)
    with atomic_write(pending, mode_from=data_path if data_path.exists() else None) as file:
        file.write(data_bytes)
    with atomic_write(index_path) as file:
        file.write(index_bytes)
    os.replace(pending, data_path)


def read_matching(data_path, expected_digest, what):
    """The bytes of `data_path`, or of its pending file, whose SHA-256 is `expected_digest`."""
    data_path = Path(data_path)
    pending = pending_path(data_path)
    if not data_path.is_file() and not pending.is_file():
        raise FileNotFoundError(f"no file {data_path}")
    for candidate in (data_path, pending):
        if candidate.is_file():
            data = candidate.read_bytes()
            if digest(data) == expected_digest:
                if candidate == pending:  # a save stopped between steps 2 and 3: finish it
                    with contextlib.suppress(OSError):
                        os.replace(pending, data_path)
                return data
    raise ValueError(f"{data_path} does not match {what}: its SHA-256 is not the one {what} names "
                     f"(the file is damaged, or the two files come from different saves)")

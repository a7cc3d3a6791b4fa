"""Files that cannot hurt: atomic saving, and reading zip archives, their headers, .npy arrays and JSON within limits.

The limits and what each loader checks are in docs/file-safety.md. Nothing here unpickles or
evaluates anything; everything a file can get wrong is a ValueError naming the file and the fault.
"""

from aino.files.archive import Archive, open_archive, write_archive
from aino.files.atomic import atomic_write, remove_stale_temporaries, temporaries_of
from aino.files.header import read_header
from aino.files.json_text import read_json
from aino.files.npy import NUMERIC_KINDS, npy_bytes, read_npy

__all__ = ["Archive", "NUMERIC_KINDS", "atomic_write", "npy_bytes", "open_archive", "read_header", "read_json",
           "read_npy", "remove_stale_temporaries", "temporaries_of", "write_archive"]

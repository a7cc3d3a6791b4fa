"""Zip archives of named members: written so that aino can always read them back, read within limits.

aino's files (.dit models, state-dict .npz files, traces) are zip archives. A zip can lie: its
directory can declare sizes its data does not have, a few kilobytes can inflate to gigabytes (a zip
bomb), names can climb out of a folder (`../../x`), members can be encrypted or use methods Python
reads badly. `open_archive` checks the directory before reading a byte of data:

  - at most MAX_MEMBERS members, each name unique, relative, without `..`, `\\` or control characters;
  - each member stored or deflated, not encrypted, a stored one exactly as long as it says;
  - all members together inflate to at most FREE_BYTES + MAX_RATIO * the archive's size, so a
    reader never holds more than a bounded multiple of the file it was given;
and then inflates a member in chunks, never past the size its entry declares. `write_archive`
stores uncompressed any member that would compress better than MAX_RATIO, so every archive aino
writes passes these checks. Every failure is a ValueError naming the file and what is wrong.
"""

import contextlib
import os
import struct
import zipfile
import zlib
from pathlib import Path

MAX_RATIO = 100  # inflated bytes per compressed byte, over the whole archive (deflate reaches ~1000)
FREE_BYTES = 64 << 20  # inflation allowed whatever the ratio: small archives of zeros are fine
MAX_MEMBERS = 100_000
MAX_NAME_LENGTH = 1024
CHUNK = 1 << 20
FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the same content gives the same bytes
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
              ValueError, struct.error, OverflowError, UnicodeDecodeError, IndexError, KeyError)


def write_archive(file, members, compress=True):
    """Write {name: bytes} to the open, seekable binary `file` as a zip archive."""
    stored = set()
    while True:
        file.seek(0)
        file.truncate()
        with zipfile.ZipFile(file, "w", allowZip64=True) as archive:
            for name, data in members.items():
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED if compress and name not in stored else zipfile.ZIP_STORED
                archive.writestr(info, data)
            infos = archive.infolist()
        if _inflation_fits(infos, sum(info.compress_size for info in infos)):
            return
        stored |= {info.filename for info in infos if info.file_size > MAX_RATIO * info.compress_size}


@contextlib.contextmanager
def open_archive(path, what):
    """Open the zip at `path` for bounded reading (an `Archive`); `what` names it in messages."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    with open(path, "rb") as handle:  # no permission to read: the OSError as it is
        try:
            archive = zipfile.ZipFile(handle)
        except ZIP_ERRORS as error:
            raise ValueError(f"{path} is not a readable {what} (not a zip archive, or a damaged one: {error})") from None
        with archive:
            yield Archive(archive, path, what, os.fstat(handle.fileno()).st_size)


class Archive:
    """The members of a checked zip: `names` (in order), `size(name)` and `read(name)` (bytes)."""

    def __init__(self, archive, path, what, file_size):
        self._archive, self.path, self.what = archive, path, what
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            self._refuse(f"it has {len(infos)} members; at most {MAX_MEMBERS} are read")
        self._infos = {}
        for info in infos:
            self._check_member(info)
            self._infos[info.filename] = info
        if not _inflation_fits(infos, file_size):
            total = sum(info.file_size for info in infos)
            self._refuse(f"its members would inflate to {total} bytes from {file_size}, more than "
                         f"{MAX_RATIO} times the file plus {FREE_BYTES >> 20} MiB (a zip bomb?)")
        self.names = list(self._infos)

    def size(self, name):
        """The inflated size the member declares."""
        return self._infos[name].file_size

    def read(self, name):
        """The member's bytes (a bytearray), inflated in chunks and never past its declared size."""
        info = self._infos[name]
        data = bytearray(info.file_size)
        view, filled = memoryview(data), 0
        try:
            with self._archive.open(info) as member:
                while filled < len(data):
                    got = member.readinto(view[filled: filled + CHUNK])
                    if not got:
                        break
                    filled += got
                member.read(1)  # reaching the end checks the CRC
        except ZIP_ERRORS as error:
            self._refuse(f"member {name!r} is damaged ({type(error).__name__}: {error})")
        if filled != len(data):
            self._refuse(f"member {name!r} holds {filled} bytes, not the {len(data)} its entry declares")
        return data

    def _check_member(self, info):
        name = info.filename
        if info.filename in self._infos:
            self._refuse(f"the member name {name!r} appears twice")
        if (not name or len(name) > MAX_NAME_LENGTH or name.startswith("/") or "\\" in name
                or any(ord(c) < 32 for c in name) or ".." in name.split("/")):
            self._refuse(f"the member name {name[:80]!r} is not a plain relative name")
        if info.flag_bits & 0x1:
            self._refuse(f"member {name!r} is encrypted")
        if info.compress_type not in METHODS:
            self._refuse(f"member {name!r} uses compression method {info.compress_type}; expected stored or deflated")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            self._refuse(f"member {name!r} is stored, yet declares {info.compress_size} bytes stored for {info.file_size}")

    def _refuse(self, reason):
        raise ValueError(f"{self.path} is not a readable {self.what}: {reason}")


def _inflation_fits(infos, compressed_bytes):
    return sum(info.file_size for info in infos) <= FREE_BYTES + MAX_RATIO * compressed_bytes

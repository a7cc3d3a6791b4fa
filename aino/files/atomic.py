"""Atomic saving: a file is replaced whole or not at all, whatever moment the process dies.

    with atomic_write("model.dit") as file:      # a binary file open on a temporary beside the target
        file.write(data)                          # on success: flushed, synced, renamed over the target

How it holds under a kill:
  - the data goes to `.model.dit.<pid>.<random>.aino-tmp` beside the target, is flushed and synced to
    disk, and only then renamed over the target; a rename within one folder is atomic, so a reader sees
    the old file or the new one, never a mix;
  - a process killed before the rename leaves its temporary behind, with its pid in the name. The next
    save to the same target removes every such temporary whose process is gone (a live process may be
    saving right now, so its temporaries are left alone), so none outlives the next save.
The new file gets the mode `open(path, "w")` would give it: an existing target keeps its mode, a new
one gets 0o666 less the user's umask.
"""

import contextlib
import os
import secrets
import stat
import threading
from pathlib import Path

TEMPORARY_SUFFIX = ".aino-tmp"
_writing = set()  # the temporaries this process is writing now (threads may save side by side)
_writing_lock = threading.Lock()


@contextlib.contextmanager
def atomic_write(path, mode_from=None):
    """Yield a binary file to write `path`'s new content into; on success it replaces `path` at once.

    On an error the temporary is removed and `path` is left as it was. `mode_from`: the file whose
    permissions the new file takes (default `path` itself, when it exists).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot save {path}: the folder {path.parent} does not exist (create it first)")
    remove_stale_temporaries(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with _writing_lock:
        _writing.add(temporary)
    try:
        with os.fdopen(descriptor, "wb") as file:
            _keep_mode(file.fileno(), Path(mode_from) if mode_from is not None else path)
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        _sync_folder(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    finally:
        with _writing_lock:
            _writing.discard(temporary)


def temporaries_of(path):
    """The temporaries of saves of `path` that exist now (left by a killed process, or being written)."""
    path = Path(path)
    prefix = f".{path.name}."
    try:
        names = os.listdir(path.parent or ".")
    except OSError:
        return []
    return [path.with_name(name) for name in names
            if name.startswith(prefix) and name.endswith(TEMPORARY_SUFFIX) and _pid_of(name, prefix) is not None]


def remove_stale_temporaries(path):
    """Remove the temporaries of earlier saves of `path` whose process no longer runs."""
    for temporary in temporaries_of(path):
        pid = _pid_of(temporary.name, f".{path.name}.")
        with _writing_lock:
            ours = temporary in _writing
        if ours or (pid != os.getpid() and _process_runs(pid)):
            continue
        with contextlib.suppress(OSError):
            os.remove(temporary)


def _pid_of(name, prefix):
    """The pid in `.<target>.<pid>.<random>.aino-tmp`, or None when the name is not of that form."""
    middle = name[len(prefix): -len(TEMPORARY_SUFFIX)].split(".")
    if len(middle) != 2 or not middle[0].isdigit():
        return None
    return int(middle[0])


def _process_runs(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it runs, as another user (or the platform cannot tell: keep the file)
    return True


def _keep_mode(descriptor, model):
    """Give the new file the permissions of `model` when it exists (as open() keeps a file's mode)."""
    try:
        mode = stat.S_IMODE(os.stat(model).st_mode)
    except OSError:
        return  # a new file: os.open already applied 0o666 less the umask
    with contextlib.suppress(OSError, NotImplementedError):
        os.chmod(descriptor, mode)


def _sync_folder(folder):
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)

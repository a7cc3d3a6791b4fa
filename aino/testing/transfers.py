"""Copies between the host and aino's stand-in GPU, counted, so that a test can say a training step moved
nothing it should not.

    with counting_transfers() as moved:
        train_one_step()
    assert moved.to_host == 1, moved.report()
"""

import contextlib
import traceback

_open = []  # the counts now being kept, innermost last


class Transfers:
    """Copies seen while counting: to_host (device -> host), to_device (host -> device), and where each was."""

    def __init__(self):
        self.to_host = 0
        self.to_device = 0
        self.seen = []  # (direction, what, the lines of aino that asked for it)

    def report(self):
        """The copies, one per line, each with the aino lines that made it."""
        if not self.seen:
            return "no copies between host and device"
        return "\n".join(f"{direction}: {what}\n    " + "\n    ".join(lines) for direction, what, lines in self.seen)


def count(direction, what):
    """Note one copy (`direction` is "to_host" or "to_device") in every count now open."""
    if not _open:
        return
    lines = [f"{frame.filename.rpartition('aino/')[2]}:{frame.lineno} {frame.name}"
             for frame in traceback.extract_stack()[:-2] if "/aino/" in frame.filename and "/testing/" not in frame.filename]
    for transfers in _open:
        setattr(transfers, direction, getattr(transfers, direction) + 1)
        transfers.seen.append((direction, what, lines[-6:]))


@contextlib.contextmanager
def counting_transfers():
    """Count the copies between host and stand-in device made inside the `with` block."""
    transfers = Transfers()
    _open.append(transfers)
    try:
        yield transfers
    finally:
        _open.remove(transfers)

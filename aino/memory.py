"""Freed memory kept for the next training step instead of handed back to the operating system.

A training step allocates and frees the same large arrays every time. glibc's malloc returns the freed
top of its heap to the system as soon as more than a little is free, so the next step takes it back page
by page, each first touch a page fault: on the project's 2-core VM a CNN step of batch 64 faulted about
1,100 times and a Conv1d stack of batch 128 about 1,300 times, 2 to 4 ms of a 15 to 18 ms step. Asking
glibc to serve arrays of up to 32 MiB from its heap (M_MMAP_THRESHOLD, the most its own adaptive rule
would reach) and to keep up to 64 MiB of free memory at the top of the heap (M_TOP_PAD) removes nearly all
of them (a few dozen a step; the steps 15.2 -> 12.7 ms and 17.9 -> 15.5 ms). Both are needed: setting one
turns off glibc's adaptive threshold, and with it fixed at its start value every array above 128 KiB is
mapped afresh (measured: 8,800 faults a Conv1d step).

aino does this once, at import, on Linux with glibc, unless the environment already sets one of glibc's
own variables (MALLOC_TOP_PAD_, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_), which then win. The cost
is that a process keeps up to 64 MiB of freed memory for itself. Elsewhere nothing happens.
"""

import ctypes
import os
import sys

TOP_PAD_BYTES = 64 * 2**20
HEAP_ARRAY_BYTES = 32 * 2**20
M_TOP_PAD, M_MMAP_THRESHOLD = -2, -3  # mallopt's parameter numbers in glibc's malloc.h
GLIBC_VARIABLES = ("MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def keep_freed_memory(nbytes=TOP_PAD_BYTES):
    """Ask glibc to keep up to `nbytes` of freed memory at the top of the heap, and to serve arrays of up to
    HEAP_ARRAY_BYTES from it; True if glibc took both.

    False where there is no glibc (macOS, Windows, musl) or the environment sets one of GLIBC_VARIABLES.
    """
    if isinstance(nbytes, bool) or not isinstance(nbytes, int) or not 0 <= nbytes < 2**31:
        raise ValueError(f"keep_freed_memory expects a number of bytes from 0 to 2**31 - 1, got {nbytes!r}")
    if not sys.platform.startswith("linux") or any(name in os.environ for name in GLIBC_VARIABLES):
        return False
    try:  # the C library this process already runs on (no search for it: that would start ldconfig)
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library with mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, HEAP_ARRAY_BYTES) == 1 and mallopt(M_TOP_PAD, nbytes) == 1


keep_freed_memory()

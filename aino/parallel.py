"""Two cores for large elementwise work: an array operation split into row blocks, one per thread.

NumPy releases the GIL inside ufuncs and copies, so two threads each working on their own rows of an array
run at the same time. The caller's thread takes the last block itself while the workers take the others:

    out = xp.empty_like(x)
    parallel.split_rows(lambda start, stop: xp.tanh(x[start:stop], out=out[start:stop]), len(x), x.size)

Waking a sleeping thread is not free: on the project's 2-core VM a hand-over to a worker and back takes
about 0.1 ms, while tanh of 256k float32 values takes 0.1 ms on one core. So only work on at least
MIN_ELEMENTS values is split (measured there: tanh of 800k values 0.30 -> 0.24 ms on two threads, of 3.2M
values 1.10 -> 0.64 ms; below about 400k, one thread is faster). On CuPy, and with one thread, the
function runs once over all rows.

`set_num_threads(n)` and `get_num_threads()` are PyTorch's spellings (aino.set_num_threads); as PyTorch's,
the count also limits NumPy's BLAS where threadpoolctl is installed. The default is the number of cores
this process may run on, or OMP_NUM_THREADS where that is set.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy

MIN_ELEMENTS = 1 << 19  # 524,288 values: below this, one thread is as fast or faster


def _default_threads():
    from_environment = os.environ.get("OMP_NUM_THREADS", "")
    if from_environment.isdigit() and int(from_environment) > 0:
        return int(from_environment)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_threads = _default_threads()
_pool = None  # started on first use, with _threads - 1 workers (the caller is the last thread)


def get_num_threads():
    """How many threads large elementwise work is split over (the caller's thread included)."""
    return _threads


def set_num_threads(count):
    """Split large elementwise work over `count` threads (1: never split), and limit BLAS likewise."""
    global _threads, _pool
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(f"set_num_threads expects an int, got {type(count).__name__}")
    if count < 1:
        raise ValueError(f"set_num_threads expects at least 1 thread, got {count}")
    if count != _threads and _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None
    _threads = count
    try:  # an optional extra: without it, BLAS keeps its own setting
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=count, user_api="blas")


def _forget_pool():
    """After fork, the child has no worker threads: start a new pool when it first needs one."""
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_pool)


def blocks(rows, elements, xp=numpy):
    """The row blocks [(start, stop), ...] that split_rows would run: one unless the work is worth splitting."""
    count = min(_threads, rows)
    if xp is not numpy or count < 2 or elements < MIN_ELEMENTS:
        return [(0, rows)]
    bounds = [rows * k // count for k in range(count + 1)]
    return list(pairwise(bounds))


def split_rows(work, rows, elements, xp=numpy):
    """Call work(start, stop) for row blocks covering range(rows), on several threads where worth it.

    `elements` is how many values the work touches (it decides whether to split); `xp` the array module
    (CuPy work is never split: the GPU runs it in parallel already). Blocks must not write to the same
    memory. An exception in any block is raised here, after every block has finished.
    """
    global _pool
    spans = blocks(rows, elements, xp)
    if len(spans) == 1:
        work(0, rows)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_threads - 1, thread_name_prefix="aino-parallel")
    others = [_pool.submit(work, start, stop) for start, stop in spans[:-1]]
    try:
        work(*spans[-1])
    finally:
        for future in others:
            future.result()

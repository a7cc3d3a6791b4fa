"""aino.parallel: large elementwise work split into row blocks over threads, small work left alone."""

import multiprocessing
import threading

import numpy as np
import pytest

import aino
from aino import parallel


@pytest.fixture
def two_threads():
    before = aino.get_num_threads()
    aino.set_num_threads(2)
    yield
    aino.set_num_threads(before)


def test_blocks_cover_every_row_once(two_threads):
    spans = parallel.blocks(1001, parallel.MIN_ELEMENTS)
    assert spans == [(0, 500), (500, 1001)]
    assert parallel.blocks(1001, parallel.MIN_ELEMENTS - 1) == [(0, 1001)]  # too small to be worth a thread
    assert parallel.blocks(1, 10**9) == [(0, 1)]  # one row cannot be split


def test_one_thread_never_splits():
    before = aino.get_num_threads()
    aino.set_num_threads(1)
    try:
        assert parallel.blocks(1000, 10**9) == [(0, 1000)]
    finally:
        aino.set_num_threads(before)


def test_split_work_runs_on_two_threads_and_matches_one_call(two_threads):
    x = np.random.default_rng(0).normal(size=(2048, 512)).astype(np.float32)
    out = np.empty_like(x)
    threads = set()

    def work(start, stop):
        threads.add(threading.get_ident())
        np.tanh(x[start:stop], out=out[start:stop])

    parallel.split_rows(work, len(x), x.size)
    assert len(threads) == 2
    np.testing.assert_array_equal(out, np.tanh(x))


def test_an_error_in_a_worker_block_reaches_the_caller(two_threads):
    def work(start, stop):
        if start == 0:  # the first block runs on the worker thread
            raise ArithmeticError(f"rows {start}:{stop}")

    with pytest.raises(ArithmeticError, match="rows 0:"):
        parallel.split_rows(work, 1000, 10**9)


@pytest.mark.parametrize("count, error", [(0, ValueError), (-2, ValueError), ("2", TypeError), (True, TypeError),
                                          (2.0, TypeError)])
def test_set_num_threads_refuses_what_is_not_a_positive_int(count, error):
    with pytest.raises(error, match="set_num_threads"):
        aino.set_num_threads(count)


def test_set_num_threads_is_what_get_num_threads_reports():
    before = aino.get_num_threads()
    try:
        aino.set_num_threads(3)
        assert aino.get_num_threads() == 3
        assert len(parallel.blocks(9, 10**9)) == 3
    finally:
        aino.set_num_threads(before)


def _split_in_child(queue):
    x = np.arange(2 * parallel.MIN_ELEMENTS, dtype=np.float64).reshape(-1, 1024)
    out = np.empty_like(x)
    parallel.split_rows(lambda a, b: np.negative(x[a:b], out=out[a:b]), len(x), x.size)
    queue.put(float(out.sum()))


def test_a_forked_child_splits_work_with_its_own_threads(two_threads):
    parallel.split_rows(lambda a, b: None, 10, 10**9)  # the parent's pool is running before the fork
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_split_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    n = 2 * parallel.MIN_ELEMENTS
    assert queue.get(timeout=5) == -n * (n - 1) / 2

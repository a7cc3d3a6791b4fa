"""What the benchmarks share: the command line, thread limits, timing in alternating rounds and the table.

A workload is two sides timed against each other, usually aino's step and PyTorch's built by one function
from either library (`against_torch`; aino's names follow PyTorch's). After a warm-up, each round runs as
many steps of the first side, then of the second (--steps, or enough for --round-time seconds of the
slower side, judged from the warm-up), each run after one untimed step (and, above one thread, a pause:
see SETTLE_SECONDS). A workload's figure is the median over the rounds of first / second in the same
round, with the quartiles, so a burst of load on a shared machine weighs on both sides alike. Each thread
count of --threads limits NumPy's BLAS (through threadpoolctl) and PyTorch alike; without threadpoolctl
the script runs again in a subprocess per count with OPENBLAS/OMP/MKL_NUM_THREADS set.

    def main():
        args = parse_args(__doc__, workloads=WORKLOADS)
        report(args, [against_torch("LSTM(32,64) b32x50 training", lstm_step)])
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy
import torch

import aino

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # each thread count then runs in its own process
    threadpool_limits = None

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Idle OpenBLAS threads spin for about 0.1 s (2**28 cycles) before they sleep; on a 2-core machine they
# would take a core from PyTorch's threads timed next (measured: its MLP step 7.2 ms instead of 2.3).
SETTLE_SECONDS = 0.2


def parse_args(doc, rounds=10, workloads=None):
    """--threads 1 2, --rounds, --steps or --round-time, --warmup, --quick and, given workload names, --only."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts, each in turn")
    parser.add_argument("--rounds", type=int, default=rounds, help="alternating rounds; the median is reported")
    parser.add_argument("--steps", type=int, help="steps of each side per round (default: from --round-time)")
    parser.add_argument("--round-time", type=float, default=0.1, help="seconds of the slower side per round")
    parser.add_argument("--warmup", type=int, default=5, choices=range(1, 1000), metavar="N",
                        help="untimed steps of each side first (they also size a round)")
    parser.add_argument("--quick", action="store_true", help="3 short rounds: a check that it runs")
    if workloads:
        parser.add_argument("--only", nargs="+", choices=workloads, default=list(workloads))
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.round_time, args.warmup = 3, 0.01, 1
    return args


@dataclass
class Workload:
    """What a table row measures: first(steps) and second(steps) each run that many steps of their side."""

    name: str
    first: Callable[[int], None]
    second: Callable[[int], None]


def repeat(step):
    """run(steps): call step() that many times."""

    def run(steps):
        for _ in range(steps):
            step()

    return run


def against_torch(name, build):
    """The workload of build(aino)'s step against build(torch)'s: build(lib) returns a step()."""
    return Workload(name, repeat(build(aino)), repeat(build(torch)))


def random_batch(shape, classes=10):
    """Random float32 inputs of shape (the batch first) and a random class label for each."""
    rng = numpy.random.default_rng(0)
    return rng.standard_normal(shape).astype(numpy.float32), rng.integers(0, classes, size=shape[0])


def training_step(lib, model, loss_fn, inputs, targets, optimizer=None, device="cpu"):
    """A step() for lib (aino or torch): zero the gradients, loss of model(inputs), backpropagate, update
    (by default with Adam, lr 1e-3); model, inputs and targets on `device` ("cpu", "cuda")."""
    model.to(device)
    optimizer = optimizer or lib.optim.Adam(model.parameters(), lr=1e-3)
    inputs, targets = lib.from_numpy(inputs).to(device), lib.from_numpy(targets).to(device)

    def step():
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()

    return step


def alternate(runs, rounds, settle=None):
    """{label: [seconds of each round]}: every round calls each of runs' callables once, in their order;
    settle, {label: callable}, is called untimed just before that label's run."""
    seconds = {label: [] for label in runs}
    for _ in range(rounds):
        for label, run in runs.items():
            if settle:
                settle[label]()
            start = time.perf_counter()
            run()
            seconds[label].append(time.perf_counter() - start)
    return seconds


def median_quartiles(values):
    """(first quartile, median, third quartile), interpolated as numpy.percentile does."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, middle, high


def report(args, workloads, labels=("aino", "PyTorch")):
    """Time every workload at every thread count in args.threads and print a Markdown table, a row each."""
    if threadpool_limits is None and [str(count) for count in args.threads] != [os.environ.get("OPENBLAS_NUM_THREADS")]:
        for count in args.threads:
            _run_again(count)
        return
    first, second = labels
    print(f"{os.cpu_count()} cores; each row: warm-up ({args.warmup} steps of each side), then {args.rounds} rounds "
          f"of as many steps of each, {first} first, each run after one untimed step (and a {SETTLE_SECONDS} s pause "
          f"above one thread); ms per step: the median of the rounds")
    print(f"| workload | threads | {first} ms | {second} ms | {first} / {second}: median (quartiles) | rounds x steps "
          f"| load |")
    print("| --- | ---: | ---: | ---: | --- | ---: | --- |", flush=True)
    for count in args.threads:
        with _limited_threads(count):
            for workload in workloads:
                print(_row(args, workload, count), flush=True)


def _row(args, workload, count):
    load_before = os.getloadavg()[0]
    sides = {"first": workload.first, "second": workload.second}
    warmup = alternate({label: lambda side=side: side(args.warmup) for label, side in sides.items()}, 1)
    slower_step = max(warmup["first"][0], warmup["second"][0]) / args.warmup
    steps = args.steps or math.ceil(args.round_time / slower_step)
    pause = SETTLE_SECONDS if count > 1 else 0.0
    runs = {label: lambda side=side: side(steps) for label, side in sides.items()}
    seconds = alternate(runs, args.rounds, {label: _settling(side, pause) for label, side in sides.items()})
    low, middle, high = median_quartiles([a / b for a, b in zip(seconds["first"], seconds["second"])])
    first_ms, second_ms = (statistics.median(seconds[label]) / steps * 1e3 for label in sides)
    return (f"| {workload.name} | {count} | {first_ms:.2f} | {second_ms:.2f} | {middle:.2f}x ({low:.2f}–{high:.2f}) "
            f"| {args.rounds} x {steps} | {load_before:.2f}–{os.getloadavg()[0]:.2f} |")


def _settling(side, pause):
    """Untimed before each run of a side: a pause for the other side's idle threads to stop spinning, one step."""

    def settle():
        time.sleep(pause)
        side(1)

    return settle


@contextmanager
def _limited_threads(count):
    torch.set_num_threads(count)
    aino.set_num_threads(count)
    if threadpool_limits is None:  # this process was started with the variables set: see report()
        yield
    else:
        with threadpool_limits(limits=count):
            yield


def _run_again(count):
    """This script with --threads count, in a process whose BLAS starts with that many threads."""
    environment = dict(os.environ, **{variable: str(count) for variable in THREAD_VARIABLES})
    subprocess.run([sys.executable, *sys.argv, "--threads", str(count)], env=environment, check=True)

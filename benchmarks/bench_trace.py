"""Recording overhead: the 784-256-128-10 MLP training step (batch 128, Adam, float32) with a default
Recorder attached, as a ratio to the same step untraced. Goal <= 1.5x, aim 1.2x.

Traced and untraced runs alternate (same model, same data), so a noisy machine affects both alike;
each reports its best of --repeats.

    python benchmarks/bench_trace.py [--threads N] [--steps 50] [--repeats 5]
"""

import sys

from timing import parse_args

ARGS = parse_args(__doc__)

import time  # noqa: E402

import numpy as np  # noqa: E402

import aino  # noqa: E402
from aino import nn, optim  # noqa: E402
from aino.trace import Recorder  # noqa: E402

SIZES, BATCH = (784, 256, 128, 10), 128


def main():
    rng = np.random.default_rng(0)
    inputs = aino.Tensor(rng.standard_normal((BATCH, SIZES[0])).astype(np.float32))
    labels = aino.Tensor(rng.integers(0, SIZES[-1], size=BATCH))
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        loss_fn(model(inputs), labels).backward()
        optimizer.step()

    def timed():
        start = time.perf_counter()
        for _ in range(ARGS.steps):
            step()
        return (time.perf_counter() - start) / ARGS.steps

    for _ in range(5):
        step()
    plain, traced = float("inf"), float("inf")
    recorder = Recorder(model, optimizer)
    for _ in range(ARGS.repeats):
        plain = min(plain, timed())
        with recorder:
            traced = min(traced, timed())
    print(f"threads: {ARGS.threads}, batch {BATCH}, MLP {'-'.join(map(str, SIZES))}, float32, Adam")
    print(f"untraced {plain * 1e3:8.3f} ms / step")
    print(f"traced   {traced * 1e3:8.3f} ms / step  ({recorder.trace.n_steps} steps recorded, "
          f"{recorder.trace.nbytes / 2**20:.1f} MiB of full arrays)")
    print(f"ratio traced / untraced: {traced / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

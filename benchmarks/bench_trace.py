"""Recording overhead: the 784-256-128-10 MLP training step (batch 128, Adam, float32) with a default
Recorder attached, as a ratio to the same step untraced. Goal <= 1.5x, aim 1.2x.

Each round times --steps untraced steps, then --steps traced steps (same model, same data, one Recorder
entered for each traced run, so the trace keeps growing and thinning as in a long run); the reported
ratio is the median over the rounds of traced / untraced time. Pairing neighbouring runs keeps a noisy
machine from favouring either side; the spread (quartiles) is printed too.

    python benchmarks/bench_trace.py [--threads N] [--steps 25] [--repeats 24]
"""

import sys

from timing import parse_args

ARGS = parse_args(__doc__, steps=25, repeats=24)

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

    recorder = Recorder(model, optimizer)
    for _ in range(5):
        step()
    with recorder:  # fill the memory budget first: a long run's steady state
        for _ in range(100):
            step()
    plain, traced = [], []
    for _ in range(ARGS.repeats):
        plain.append(timed())
        with recorder:
            traced.append(timed())
    plain, traced = np.array(plain), np.array(traced)
    ratios = traced / plain
    print(f"threads: {ARGS.threads}, batch {BATCH}, MLP {'-'.join(map(str, SIZES))}, float32, Adam, "
          f"{ARGS.repeats} rounds of {ARGS.steps} steps each way")
    print(f"untraced {np.median(plain) * 1e3:8.3f} ms / step (median)")
    print(f"traced   {np.median(traced) * 1e3:8.3f} ms / step (median; {recorder.trace.n_steps} steps recorded, "
          f"{recorder.trace.nbytes / 2**20:.1f} MiB of full arrays kept)")
    low, high = np.percentile(ratios, [25, 75])
    print(f"ratio traced / untraced: {np.median(ratios):.2f}x (median of rounds; quartiles {low:.2f}-{high:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

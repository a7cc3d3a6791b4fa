"""One training step of an MLP, aino's fast path against PyTorch on the CPU, same run, same threads.

Step = forward, cross-entropy loss, backward, Adam update. Network 784-256-128-10 with ReLU, batch 128,
float32.

    python benchmarks/bench_mlp.py [--threads N] [--steps 50]
"""

import argparse
import os
import sys


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="BLAS/torch threads for both")
    parser.add_argument("--steps", type=int, default=50, help="timed steps per repeat")
    parser.add_argument("--repeats", type=int, default=5, help="repeats; the best is reported")
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)  # before NumPy loads its BLAS

import time  # noqa: E402

import numpy as np  # noqa: E402

import aino  # noqa: E402
from aino import nn, optim  # noqa: E402

SIZES, BATCH = (784, 256, 128, 10), 128


def best_step_time(step):
    for _ in range(5):  # warm up caches and allocators
        step()
    best = float("inf")
    for _ in range(ARGS.repeats):
        start = time.perf_counter()
        for _ in range(ARGS.steps):
            step()
        best = min(best, (time.perf_counter() - start) / ARGS.steps)
    return best


def aino_step_function(X, y):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    inputs, labels = aino.Tensor(X), aino.Tensor(y)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), labels)
        loss.backward()
        optimizer.step()

    return step


def torch_step_function(X, y):
    import torch

    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs, labels = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()

    return step


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH)
    aino_time = best_step_time(aino_step_function(X, y))
    print(f"threads: {ARGS.threads}, batch {BATCH}, MLP {'-'.join(map(str, SIZES))}, float32, Adam")
    print(f"aino    {aino_time * 1e3:8.3f} ms / step")
    try:
        torch_time = best_step_time(torch_step_function(X, y))
    except ImportError:
        print("torch not installed: no comparison")
        return 0
    print(f"PyTorch {torch_time * 1e3:8.3f} ms / step")
    print(f"ratio aino / PyTorch: {aino_time / torch_time:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One training step of an MLP, aino's fast path against PyTorch on the CPU, same run, same threads.

Step = forward, cross-entropy loss, backward, Adam update. Network 784-256-128-10 with ReLU, batch 128,
float32.

    python benchmarks/bench_mlp.py [--threads N] [--steps 50] [--repeats 5]
"""

import sys

from timing import compare_with_torch, parse_args, training_step

ARGS = parse_args(__doc__)

import numpy as np  # noqa: E402

import aino  # noqa: E402
from aino import nn, optim  # noqa: E402

SIZES, BATCH = (784, 256, 128, 10), 128


def aino_step_function(X, y):
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn, inputs, labels = nn.CrossEntropyLoss(), aino.Tensor(X), aino.Tensor(y)
    return training_step(optim.Adam(model.parameters(), lr=1e-3), lambda: loss_fn(model(inputs), labels))


def torch_step_function(X, y):
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    inputs, labels = torch.from_numpy(X), torch.from_numpy(y)
    return training_step(torch.optim.Adam(model.parameters(), lr=1e-3),
                         lambda: torch.nn.functional.cross_entropy(model(inputs), labels))


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], size=BATCH)
    print(f"threads: {ARGS.threads}, batch {BATCH}, MLP {'-'.join(map(str, SIZES))}, float32, Adam")
    compare_with_torch(ARGS, aino_step_function(X, y), lambda: torch_step_function(X, y))
    return 0


if __name__ == "__main__":
    sys.exit(main())

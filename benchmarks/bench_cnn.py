"""One training step of a small CNN, aino's fast path against PyTorch on the CPU, same run, same threads.

Step = forward, cross-entropy loss, backward, Adam update. Network
Conv2d(1, 16, 3, padding=1) ReLU MaxPool2d(2) Conv2d(16, 32, 3, padding=1) ReLU MaxPool2d(2) Flatten
Linear(1568, 10) on a batch of 64 images of 1x28x28, float32.

    python benchmarks/bench_cnn.py [--threads N] [--steps 20] [--repeats 5]
"""

import sys

from timing import compare_with_torch, parse_args, training_step

ARGS = parse_args(__doc__, steps=20)

import numpy as np  # noqa: E402

import aino  # noqa: E402
from aino import optim  # noqa: E402
from aino.nn import Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d, ReLU, Sequential  # noqa: E402

BATCH, CLASSES = 64, 10


def aino_step_function(X, y):
    aino.manual_seed(0)
    model = Sequential(Conv2d(1, 16, 3, padding=1), ReLU(), MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU(),
                       MaxPool2d(2), Flatten(), Linear(1568, CLASSES))
    loss_fn, inputs, labels = CrossEntropyLoss(), aino.Tensor(X), aino.Tensor(y)
    return training_step(optim.Adam(model.parameters(), lr=1e-3), lambda: loss_fn(model(inputs), labels))


def torch_step_function(X, y):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, CLASSES))
    inputs, labels = torch.from_numpy(X), torch.from_numpy(y)
    return training_step(torch.optim.Adam(model.parameters(), lr=1e-3),
                         lambda: nn.functional.cross_entropy(model(inputs), labels))


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, CLASSES, size=BATCH)
    print(f"threads: {ARGS.threads}, batch {BATCH} of 1x28x28, CNN conv16-pool-conv32-pool-linear10, float32, Adam")
    compare_with_torch(ARGS, aino_step_function(X, y), lambda: torch_step_function(X, y))
    return 0


if __name__ == "__main__":
    sys.exit(main())

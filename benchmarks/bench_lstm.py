"""One training step of an LSTM, aino's fast path against PyTorch on the CPU, same run, same threads.

Step = forward, MSE loss of the output against a random target, backward, Adam update.
LSTM(32, 64, batch_first=True) on a batch of 32 sequences of 50 steps, float32.

    python benchmarks/bench_lstm.py [--threads N] [--steps 20] [--repeats 5]
"""

import sys

from timing import compare_with_torch, parse_args, training_step

ARGS = parse_args(__doc__, steps=20)

import numpy as np  # noqa: E402

import aino  # noqa: E402
from aino import optim  # noqa: E402
from aino.nn import LSTM, MSELoss  # noqa: E402

BATCH, STEPS, INPUT, HIDDEN = 32, 50, 32, 64


def aino_step_function(X, Y):
    aino.manual_seed(0)
    model = LSTM(INPUT, HIDDEN, batch_first=True)
    loss_fn, inputs, targets = MSELoss(), aino.Tensor(X), aino.Tensor(Y)
    return training_step(optim.Adam(model.parameters(), lr=1e-3), lambda: loss_fn(model(inputs)[0], targets))


def torch_step_function(X, Y):
    import torch

    torch.manual_seed(0)
    model = torch.nn.LSTM(INPUT, HIDDEN, batch_first=True)
    inputs, targets = torch.from_numpy(X), torch.from_numpy(Y)
    return training_step(torch.optim.Adam(model.parameters(), lr=1e-3),
                         lambda: torch.nn.functional.mse_loss(model(inputs)[0], targets))


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((BATCH, STEPS, INPUT)).astype(np.float32)
    Y = rng.standard_normal((BATCH, STEPS, HIDDEN)).astype(np.float32)
    print(f"threads: {ARGS.threads}, batch {BATCH} x {STEPS} steps, LSTM({INPUT}, {HIDDEN}, batch_first=True), "
          f"MSE, float32, Adam")
    compare_with_torch(ARGS, aino_step_function(X, Y), lambda: torch_step_function(X, Y))
    return 0


if __name__ == "__main__":
    sys.exit(main())

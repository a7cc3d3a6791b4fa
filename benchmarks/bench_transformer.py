"""One training step of a transformer encoder layer, aino's fast path against PyTorch on the CPU, same run,
same threads.

Step = forward, loss (mean of squares of the output), backward, Adam update.
TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, dropout=0, batch_first=True) on a batch of
16 sequences of 64 tokens, float32. PyTorch trains through its ordinary path (its "fast path" is for
inference only), which is the one compared here.

    python benchmarks/bench_transformer.py [--threads N] [--steps 20] [--repeats 5]
"""

import sys

from timing import compare_with_torch, parse_args, training_step

ARGS = parse_args(__doc__, steps=20)

import numpy as np  # noqa: E402

import aino  # noqa: E402
from aino import optim  # noqa: E402
from aino.nn import TransformerEncoderLayer  # noqa: E402

D_MODEL, HEADS, FEEDFORWARD, BATCH, TOKENS = 128, 4, 256, 16, 64


def aino_step_function(X):
    aino.manual_seed(0)
    layer = TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dropout=0.0, batch_first=True)
    inputs = aino.Tensor(X)
    return training_step(optim.Adam(layer.parameters(), lr=1e-3), lambda: (layer(inputs) ** 2).mean())


def torch_step_function(X):
    import torch

    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dropout=0.0, batch_first=True)
    inputs = torch.from_numpy(X)
    return training_step(torch.optim.Adam(layer.parameters(), lr=1e-3), lambda: (layer(inputs) ** 2).mean())


def main():
    X = np.random.default_rng(0).standard_normal((BATCH, TOKENS, D_MODEL)).astype(np.float32)
    print(f"threads: {ARGS.threads}, TransformerEncoderLayer({D_MODEL}, {HEADS}, {FEEDFORWARD}, dropout=0, "
          f"batch_first=True) on {BATCH} x {TOKENS} tokens, float32, Adam")
    compare_with_torch(ARGS, aino_step_function(X), lambda: torch_step_function(X))
    return 0


if __name__ == "__main__":
    sys.exit(main())

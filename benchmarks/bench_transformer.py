"""One training step of a transformer encoder layer, aino's fast path against PyTorch on the CPU, in
alternating rounds.

Step = forward, loss (mean of squares of the output), backward, Adam update.
TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, dropout=0, batch_first=True) on a batch of
16 sequences of 64 tokens, float32. PyTorch trains through its ordinary path (its "fast path" is for
inference only), which is the one compared here.

    python benchmarks/bench_transformer.py [--threads 1 2] [--rounds 10] [--quick]
"""

import numpy as np
from timing import against_torch, parse_args, report, training_step

D_MODEL, HEADS, FEEDFORWARD, BATCH, TOKENS = 128, 4, 256, 16, 64


def encoder_step(lib):
    inputs = np.random.default_rng(0).standard_normal((BATCH, TOKENS, D_MODEL)).astype(np.float32)
    lib.manual_seed(0)
    layer = lib.nn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dropout=0.0, batch_first=True)
    return training_step(lib, layer, lambda outputs, _: (outputs ** 2).mean(), inputs, inputs)


def main():
    args = parse_args(__doc__)
    name = f"TransformerEncoderLayer({D_MODEL},{HEADS},{FEEDFORWARD}) b{BATCH}x{TOKENS} training"
    report(args, [against_torch(name, encoder_step)])


if __name__ == "__main__":
    main()

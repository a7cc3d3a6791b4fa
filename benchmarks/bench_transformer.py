"""Training steps of attention models, aino's fast path against PyTorch on the CPU, in alternating rounds.

Step = forward, loss, backward, Adam update, float32, on a batch of 16 sequences of 64 tokens. Workloads (--only):

- encoder: TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, dropout=0, batch_first=True)
  on random inputs, loss the mean of squares of the output;
- attention: Embedding(1000, 128), MultiheadAttention(128, 4, batch_first=True) (self-attention, no dropout,
  need_weights=False), the mean over the tokens, Linear(128, 10), cross-entropy over 10 classes.

PyTorch trains through its ordinary path (its "fast path" is for inference only), which is the one compared here.

    python benchmarks/bench_transformer.py [--threads 1 2] [--only encoder attention] [--rounds 10] [--quick]
"""

import numpy as np
from timing import against_torch, parse_args, report, training_step

D_MODEL, HEADS, FEEDFORWARD, BATCH, TOKENS = 128, 4, 256, 16, 64
VOCABULARY, CLASSES = 1000, 10


def encoder_step(lib, device="cpu"):
    inputs = np.random.default_rng(0).standard_normal((BATCH, TOKENS, D_MODEL)).astype(np.float32)
    lib.manual_seed(0)
    layer = lib.nn.TransformerEncoderLayer(D_MODEL, HEADS, FEEDFORWARD, dropout=0.0, batch_first=True)
    return training_step(lib, layer, lambda outputs, _: (outputs ** 2).mean(), inputs, inputs, device=device)


def embedding_attention(nn):
    """Tokens -> Embedding -> self-attention -> mean over the tokens -> Linear, in aino.nn or torch.nn."""

    class EmbeddingAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCABULARY, D_MODEL)
            self.attention = nn.MultiheadAttention(D_MODEL, HEADS, batch_first=True)
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, tokens):
            x = self.embedding(tokens)  # (N, L, E)
            x, _ = self.attention(x, x, x, need_weights=False)
            return self.head(x.mean(dim=1))

    return EmbeddingAttention()


def attention_step(lib, device="cpu"):
    rng = np.random.default_rng(0)
    tokens, labels = rng.integers(0, VOCABULARY, size=(BATCH, TOKENS)), rng.integers(0, CLASSES, size=BATCH)
    lib.manual_seed(0)
    return training_step(lib, embedding_attention(lib.nn), lib.nn.CrossEntropyLoss(), tokens, labels, device=device)


# --only name: (table row, build)
WORKLOADS = {
    "encoder": (f"TransformerEncoderLayer({D_MODEL},{HEADS},{FEEDFORWARD}) b{BATCH}x{TOKENS} training", encoder_step),
    "attention": (f"Embedding({VOCABULARY},{D_MODEL}) + MultiheadAttention({D_MODEL},{HEADS}) b{BATCH}x{TOKENS} training",
                  attention_step),
}


def main():
    args = parse_args(__doc__, workloads=WORKLOADS)
    report(args, [against_torch(*WORKLOADS[name]) for name in args.only])


if __name__ == "__main__":
    main()

"""One training step of an MLP, aino's fast path against PyTorch on the CPU, in alternating rounds.

Step = forward, cross-entropy loss, backward, Adam update. Network 784-256-128-10 with ReLU, batch 128,
float32.

    python benchmarks/bench_mlp.py [--threads 1 2] [--rounds 10] [--steps N] [--quick]
"""

from timing import against_torch, parse_args, random_batch, report, training_step

SIZES, BATCH = (784, 256, 128, 10), 128


def mlp(nn):
    """The 784-256-128-10 ReLU network in aino.nn or torch.nn."""
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def mlp_step(lib, device="cpu"):
    lib.manual_seed(0)
    return training_step(lib, mlp(lib.nn), lib.nn.CrossEntropyLoss(), *random_batch((BATCH, SIZES[0]), SIZES[-1]),
                         device=device)


def main():
    args = parse_args(__doc__)
    report(args, [against_torch(f"MLP {'-'.join(map(str, SIZES))} b{BATCH} training", mlp_step)])


if __name__ == "__main__":
    main()

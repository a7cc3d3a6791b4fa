"""Training steps on a GPU: aino on CuPy against PyTorch on CUDA, and against aino on the CPU.

The workloads of the other benchmarks (an MLP, the CNN, the LSTM, the transformer encoder) and a large MLP,
each built once per side. Every round runs as many steps of each of the three sides, in turn, the GPU
sides ending in a synchronize (CuPy and CUDA queue their kernels), after one untimed step each. A row
gives ms per step (the median of the rounds) and two median ratios with their quartiles, taken within
each round: aino-GPU / PyTorch-GPU (below 1: aino is faster) and aino-CPU / aino-GPU (how many times the
GPU speeds aino up; the issue's goal is 10x or more on the large MLP).

    python benchmarks/bench_gpu.py [--rounds 10] [--only mlp large cnn lstm encoder] [--quick]
    python benchmarks/bench_gpu.py --device fake-gpu --quick    # a check that it runs, without a GPU

Where no GPU is there it says so and stops (exit status 2). `--device fake-gpu` times aino's stand-in GPU
(aino.testing.fake_gpu: NumPy behind CuPy's interface) with PyTorch on the CPU: its figures mean nothing,
it only shows that the script and aino's device path run.
"""

import argparse
import math
import os
import statistics
import sys

import torch
from bench_cnn import WORKLOADS as CNN_WORKLOADS
from bench_cnn import step_function
from bench_lstm import training
from bench_mlp import mlp_step
from bench_transformer import encoder_step
from timing import alternate, median_quartiles, parse_args, random_batch, training_step

import aino

LARGE = (1024, 2048, 2048, 10)
LARGE_BATCH = 512


def large_mlp_step(lib, device="cpu"):
    """The 1024-2048-2048-10 ReLU MLP at batch 512: the products are large enough to fill a GPU."""
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(LARGE[0], LARGE[1]), nn.ReLU(), nn.Linear(LARGE[1], LARGE[2]), nn.ReLU(),
                          nn.Linear(LARGE[2], LARGE[3]))
    return training_step(lib, model, nn.CrossEntropyLoss(), *random_batch((LARGE_BATCH, LARGE[0]), LARGE[3]),
                         device=device)


# --only name: (table row, build(lib, device))
WORKLOADS = {
    "mlp": ("MLP 784-256-128-10 b128 training", mlp_step),
    "large": (f"MLP {'-'.join(map(str, LARGE))} b{LARGE_BATCH} training", large_mlp_step),
    "cnn": (CNN_WORKLOADS["cnn"][0], step_function(*CNN_WORKLOADS["cnn"][1:])),
    "lstm": ("LSTM(32,64) b32x50 training", training("LSTM", 32, 50)),
    "encoder": ("TransformerEncoderLayer(128,4,256) b16x64 training", encoder_step),
}


def synchronized(step, synchronize):
    """run(steps): that many steps, then wait for the device to finish them."""

    def run(steps):
        for _ in range(steps):
            step()
        synchronize()

    return run


def sides(build, device):
    """{label: run(steps)} of the three sides of one workload."""
    if device == "cuda":
        torch_device, torch_sync = "cuda", torch.cuda.synchronize
    else:  # the stand-in: PyTorch on the CPU, only so that the row has its columns
        torch_device, torch_sync = "cpu", lambda: None
    aino_sync = aino.cuda.synchronize if device == "cuda" else lambda: None
    return {"aino GPU": synchronized(build(aino, device), aino_sync),
            "PyTorch GPU": synchronized(build(torch, torch_device), torch_sync),
            "aino CPU": synchronized(build(aino, "cpu"), lambda: None)}


def row(args, name, build):
    """One Markdown row: ms per step of each side, and the two median ratios with quartiles."""
    runs = sides(build, args.device)
    warmup = alternate({label: lambda run=run: run(args.warmup) for label, run in runs.items()}, 1)
    steps = args.steps or math.ceil(args.round_time / (max(s[0] for s in warmup.values()) / args.warmup))
    settle = {label: lambda run=run: run(1) for label, run in runs.items()}
    seconds = alternate({label: lambda run=run: run(steps) for label, run in runs.items()}, args.rounds, settle)
    ms = {label: statistics.median(values) / steps * 1e3 for label, values in seconds.items()}
    against_torch = median_quartiles([a / b for a, b in zip(seconds["aino GPU"], seconds["PyTorch GPU"])])
    speedup = median_quartiles([c / a for c, a in zip(seconds["aino CPU"], seconds["aino GPU"])])
    return (f"| {name} | {ms['aino GPU']:.3f} | {ms['PyTorch GPU']:.3f} | {ms['aino CPU']:.2f} | "
            f"{against_torch[1]:.2f}x ({against_torch[0]:.2f}–{against_torch[2]:.2f}) | "
            f"{speedup[1]:.1f}x ({speedup[0]:.1f}–{speedup[2]:.1f}) | {args.rounds} x {steps} |")


def main():
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--device", default="cuda", choices=("cuda", "fake-gpu"))
    known, rest = pre.parse_known_args()
    sys.argv[1:] = rest
    args = parse_args(__doc__, workloads=WORKLOADS)
    args.device = known.device
    if args.device == "fake-gpu":
        from aino.testing import fake_gpu  # test-only: imported only when asked for
        fake_gpu.enable()
    elif not (aino.cuda.is_available() and torch.cuda.is_available()):
        print(f"bench_gpu.py: no GPU here (aino.cuda.is_available(): {aino.cuda.is_available()}, "
              f"torch.cuda.is_available(): {torch.cuda.is_available()}); run it on a machine with an NVIDIA GPU, "
              "CuPy and a CUDA build of PyTorch, or with --device fake-gpu to check that it runs", file=sys.stderr)
        sys.exit(2)
    aino.set_num_threads(os.cpu_count())  # the CPU side at its best: every core
    torch.set_num_threads(os.cpu_count())
    print(f"device {args.device}; {os.cpu_count()} cores for the CPU side; {args.rounds} rounds, ms per step: median")
    print("| workload | aino GPU ms | PyTorch GPU ms | aino CPU ms | aino GPU / PyTorch GPU | aino CPU / aino GPU "
          "| rounds x steps |")
    print("| --- | ---: | ---: | ---: | --- | --- | ---: |", flush=True)
    for name in args.only:
        print(row(args, *WORKLOADS[name]), flush=True)


if __name__ == "__main__":
    main()

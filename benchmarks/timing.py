"""What the fast-path benchmarks share: the command line, thread limits set before NumPy loads its BLAS,
the best-of-repeats step time, and the printed comparison with PyTorch.

    from timing import parse_args      # first, before numpy is imported
    ARGS = parse_args(__doc__)
"""

import argparse
import os
import time


def parse_args(doc, steps=50, repeats=5):
    """--threads, --steps and --repeats; sets OMP/OPENBLAS/MKL_NUM_THREADS, so call it before importing numpy."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="BLAS/torch threads for both")
    parser.add_argument("--steps", type=int, default=steps, help="timed steps per repeat")
    parser.add_argument("--repeats", type=int, default=repeats, help="repeats; the best is reported")
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    return args


def best_step_time(step, args, warmup=5):
    """Seconds per call of step(): the best of args.repeats runs of args.steps calls, after `warmup` calls."""
    for _ in range(warmup):  # warm up caches and allocators
        step()
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        best = min(best, (time.perf_counter() - start) / args.steps)
    return best


def compare_with_torch(args, aino_step, torch_step_function):
    """Time aino's step, then PyTorch's (built by torch_step_function() with the same thread count); print both and the ratio."""
    aino_time = best_step_time(aino_step, args)
    print(f"aino    {aino_time * 1e3:8.3f} ms / step")
    try:
        import torch
    except ImportError:
        print("torch not installed: no comparison")
        return
    torch.set_num_threads(args.threads)
    torch_time = best_step_time(torch_step_function(), args)
    print(f"PyTorch {torch_time * 1e3:8.3f} ms / step")
    print(f"ratio aino / PyTorch: {aino_time / torch_time:.2f}x")


def training_step(optimizer, compute_loss):
    """A step() for aino and PyTorch alike: zero the gradients, compute the loss, backpropagate, update."""

    def step():
        optimizer.zero_grad()
        compute_loss().backward()
        optimizer.step()

    return step

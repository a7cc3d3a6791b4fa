"""Compare two checkouts of aino benchmark by benchmark, in alternating rounds (a change's cost).

    git worktree add /tmp/before <commit>
    python benchmarks/compare_trees.py /tmp/before . --rounds 5

Each round runs every benchmark once per tree, in a fresh process with PYTHONPATH set to that tree
(the benchmark scripts are this checkout's), and swaps the trees' order every round, so drifting load
falls on both alike. The figures compared are the benchmarks' own ratios, one per row of their tables
(aino / PyTorch, traced / untraced, aino classic / rival, each the median of the benchmark's own
alternating rounds), at each thread count of --threads. Each is printed as its median with quartiles
over the rounds.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("mlp", "cnn", "lstm", "transformer", "trace", "classic")
# a table row, "| LeNet-5 b64 training | 1 | 9.27 | 7.16 | 1.27x (1.25–1.29) | 10 x 11 | 1.02–1.05 |"
ROW = re.compile(r"^\| ([^|]+?) \| (\d+) \| [\d.]+ \| [\d.]+ \| (\d+\.\d+)x", re.MULTILINE)


def figures(output):
    """{"workload, threads N": median ratio} from one benchmark's printout."""
    return {f"{workload}, threads {threads}": float(ratio) for workload, threads, ratio in ROW.findall(output)}


def run(benchmark, tree, args):
    environment = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, str(HERE / f"bench_{benchmark}.py"), "--threads", *map(str, args.threads),
               "--rounds", str(args.inner_rounds)] + (["--quick"] if args.quick else [])
    result = subprocess.run(command, env=environment, capture_output=True, text=True, cwd=tree, check=True)
    return figures(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the checkout before the change")
    parser.add_argument("after", type=Path, help="the checkout with it")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--inner-rounds", type=int, default=5, help="each benchmark's own alternating rounds")
    parser.add_argument("--quick", action="store_true", help="each benchmark with --quick (a check)")
    parser.add_argument("--only", nargs="*", default=BENCHMARKS, choices=BENCHMARKS)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    values = {}  # (benchmark, figure) -> {tree: [value per round]}
    for number in range(args.rounds):
        order = list(trees.items()) if number % 2 == 0 else list(trees.items())[::-1]
        for benchmark in args.only:
            for label, tree in order:
                for what, value in run(benchmark, tree, args).items():
                    values.setdefault((benchmark, what), {}).setdefault(label, []).append(value)
        print(f"round {number + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    for (benchmark, what), by_tree in values.items():
        cells = [f"{label} {_median_quartiles(by_tree.get(label, []))}" for label in trees]
        print(f"{benchmark:12s} {what:52s} " + "   ".join(cells))


def _median_quartiles(series):
    if len(series) < 2:
        return f"{series[0]:.2f}" if series else "-"
    low, _, high = statistics.quantiles(series, n=4)
    return f"{statistics.median(series):.2f} ({low:.2f}-{high:.2f})"


if __name__ == "__main__":
    main()

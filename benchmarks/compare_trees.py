"""Compare two checkouts of aino benchmark by benchmark, in alternating rounds (a change's cost).

    git worktree add /tmp/before <commit>
    python benchmarks/compare_trees.py /tmp/before . --rounds 5

Each round runs every benchmark once per tree, in a fresh process with PYTHONPATH set to that tree,
and swaps the trees' order every round, so drifting load falls on both alike. The figures compared
are the benchmarks' own ratios (aino / PyTorch, traced / untraced) and, for bench_classic.py, aino's
milliseconds per epoch. Each is printed as its median with quartiles over the rounds.
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
RATIO = re.compile(r"^ratio (.*?): (\d+\.\d+)x", re.M)  # "ratio aino / PyTorch: 1.02x"
CLASSIC = re.compile(r"^aino classic\s+(\d+\.\d+)", re.M)  # "aino classic   2.083   1.0x"


def figures(output):
    """{what: value} from one benchmark's printout."""
    found = {f"ratio {what}": float(value) for what, value in RATIO.findall(output)}
    found.update({"aino classic ms / epoch": float(value) for value in CLASSIC.findall(output)})
    return found


def run(benchmark, tree, threads):
    environment = dict(os.environ, PYTHONPATH=str(tree))
    result = subprocess.run([sys.executable, str(HERE / f"bench_{benchmark}.py"), "--threads", str(threads)],
                            env=environment, capture_output=True, text=True, cwd=tree, check=True)
    return figures(result.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the checkout before the change")
    parser.add_argument("after", type=Path, help="the checkout with it")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=BENCHMARKS, choices=BENCHMARKS)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    values = {}  # (benchmark, figure) -> {tree: [value per round]}
    for number in range(args.rounds):
        order = list(trees.items()) if number % 2 == 0 else list(trees.items())[::-1]
        for benchmark in args.only:
            for label, tree in order:
                for what, value in run(benchmark, tree, args.threads).items():
                    values.setdefault((benchmark, what), {}).setdefault(label, []).append(value)
        print(f"round {number + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    for (benchmark, what), by_tree in values.items():
        cells = [f"{label} {_median_quartiles(by_tree.get(label, []))}" for label in trees]
        print(f"{benchmark:12s} {what:28s} " + "   ".join(cells))


def _median_quartiles(series):
    if len(series) < 2:
        return f"{series[0]:.2f}" if series else "-"
    low, _, high = statistics.quantiles(series, n=4)
    return f"{statistics.median(series):.2f} ({low:.2f}-{high:.2f})"


if __name__ == "__main__":
    main()

"""benchmarks/bench_gpu.py cannot be timed without a GPU, but it can be run: on the stand-in GPU its rows
come out whole, and where no GPU is there it says so instead of timing the CPU twice."""

import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("torch")
SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gpu.py"


def run(*options):
    return subprocess.run([sys.executable, str(SCRIPT), *options], capture_output=True, text=True, timeout=300,
                          cwd=SCRIPT.parent)


def test_on_the_stand_in_every_asked_workload_gives_a_whole_row():
    done = run("--device", "fake-gpu", "--rounds", "1", "--warmup", "1", "--steps", "1", "--only", "mlp", "lstm")
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "training" in line]
    assert [r.split(" | ")[0] for r in rows] == ["| MLP 784-256-128-10 b128 training", "| LSTM(32,64) b32x50 training"]
    for cells in (r.strip("| ").split(" | ") for r in rows):
        assert len(cells) == 7 and all(float(cell) > 0 for cell in cells[1:4]) and cells[4].endswith(")")


def test_without_a_gpu_it_says_so_and_stops():
    import aino
    if aino.cuda.is_available():
        pytest.skip("this machine has a GPU")
    done = run("--quick", "--only", "mlp")
    assert done.returncode == 2 and "no GPU here" in done.stderr and "| MLP" not in done.stdout

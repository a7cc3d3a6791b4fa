"""A PyTorch training script of the kind a paper releases (tests/compat/paper_script.py: a two-stream CNN and
causal transformer on the bundled digits, a NumPy batch loader and torch.utils.data, Adam with a cosine
schedule, gradient clipping, best-model checkpointing with deepcopy(state_dict()) and torch.save/torch.load)
runs under `import aino as torch`, `import aino.nn as nn`, `import aino.nn.functional as F` with no other
change, and reaches PyTorch's test accuracy on the same data (issue 15).

Both runs are subprocesses, started together on one thread each, reading the same .npz file, so the script
imports nothing but its framework and NumPy. Tolerance: each run >= 0.90 test accuracy on 360 digits, and the two within 0.03 (about 11
digits) of each other: the runs draw different random numbers, so only the accuracy can agree.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import aino
from aino.datasets import load_digits

SCRIPT = Path(__file__).with_name("paper_script.py")
TORCH_IMPORTS = ["import torch", "import torch.nn as nn", "import torch.nn.functional as F"]
AINO_IMPORTS = ["import aino as torch", "import aino.nn as nn", "import aino.nn.functional as F"]
EPOCHS = "10"
MIN_ACCURACY, MAX_GAP = 0.90, 0.03
DEVICE = aino.device("cuda" if aino.cuda.is_available() else "cpu")  # the script's choice


def aino_source():
    """The script with its three import lines replaced, and nothing else."""
    lines = SCRIPT.read_text().splitlines(keepends=True)
    assert [line.rstrip("\n") for line in lines[:3]] == TORCH_IMPORTS
    return "".join(line + "\n" for line in AINO_IMPORTS) + "".join(lines[3:])


@pytest.fixture(scope="module")
def digits_file(tmp_path_factory):
    """aino's bundled digits, 360 held out for the test, as the arrays a paper's script reads."""
    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.target))
    test, train = order[:360], order[360:]
    path = tmp_path_factory.mktemp("data") / "digits.npz"
    np.savez(path, x_train=digits.data[train], y_train=digits.target[train], x_test=digits.data[test],
             y_test=digits.target[test])
    return path


def start(script, data, out):
    """`python script --data data --out out` started on one thread (BLAS and PyTorch's both), so that the two
    runs share two cores without waiting on each other's threads."""
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    return subprocess.Popen([sys.executable, str(script), "--data", str(data), "--out", str(out), "--epochs", EPOCHS],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=out.parent,
                            env=dict(os.environ, **threads))


def finish(process, out):
    """The run's results.json, or a failure showing the end of its output."""
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, f"{process.args[1]} failed:\n{stdout[-2000:]}\n{stderr[-4000:]}"
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def runs(digits_file, tmp_path_factory):
    """Both runs at once: {"aino": (script, output folder), "torch": (script, output folder) or None where
    PyTorch is not installed}, each with its results.json read; the aino one is the script with its imports
    replaced."""
    folder = tmp_path_factory.mktemp("runs")
    aino_script = folder / "paper_script_aino.py"
    aino_script.write_text(aino_source())
    scripts = {"aino": aino_script, "torch": SCRIPT if importlib.util.find_spec("torch") else None}
    started = {name: (script, folder / name, start(script, digits_file, folder / name))
               for name, script in scripts.items() if script is not None}
    try:
        done = {name: (script, out, finish(process, out)) for name, (script, out, process) in started.items()}
    finally:  # a failed run leaves no other running
        for _, _, process in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return {"aino": done["aino"], "torch": done.get("torch")}


@pytest.fixture(scope="module")
def aino_run(runs):
    return runs["aino"]


@pytest.fixture(scope="module")
def torch_run(runs):
    if runs["torch"] is None:
        pytest.skip("PyTorch is not installed")
    return runs["torch"]


def test_only_the_imports_change():
    """The script's framework comes in by its first three lines alone, so replacing them is the whole change."""
    theirs, ours = SCRIPT.read_text().splitlines(), aino_source().splitlines()
    assert theirs[:3] == TORCH_IMPORTS and ours[:3] == AINO_IMPORTS and ours[3:] == theirs[3:]
    rest = "\n".join(theirs[3:])
    assert "aino" not in rest and "from torch" not in rest and "import torch" not in rest


def test_aino_reaches_the_accuracy_of_pytorch(aino_run, torch_run):
    aino_accuracy, torch_accuracy = aino_run[2]["test_acc"], torch_run[2]["test_acc"]
    assert aino_accuracy >= MIN_ACCURACY and torch_accuracy >= MIN_ACCURACY, (aino_accuracy, torch_accuracy)
    assert abs(aino_accuracy - torch_accuracy) <= MAX_GAP, (aino_accuracy, torch_accuracy)


def imported(script):
    """The script as a module: its model, loaders and evaluate (main() does not run on import)."""
    spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_aino_checkpoint_reloads_to_the_same_predictions(aino_run, digits_file):
    script, out, results = aino_run
    paper = imported(script)
    model = paper.TwoStreamNet()
    model.load_state_dict(aino.load(out / "best.pt"))
    _, _, test_loader = paper.load_data(str(digits_file), val_frac=0.1, batch_size=64)
    metrics, predictions = paper.evaluate(model.to(DEVICE), test_loader, DEVICE)
    assert np.array_equal(np.asarray(predictions.numpy()), np.load(out / "test_preds.npy"))
    assert metrics["acc"] == results["test_acc"]


def test_pytorchs_checkpoint_runs_in_aino(aino_run, torch_run, digits_file):
    """The checkpoints have the same keys and shapes, and PyTorch's, loaded into the aino model, predicts
    what it predicted under PyTorch (float32 sums in another order may flip a near tie, no more)."""
    import torch

    theirs = torch.load(torch_run[1] / "best.pt")
    ours = aino.load(aino_run[1] / "best.pt")
    assert {key: tuple(value.shape) for key, value in ours.items()} == \
        {key: tuple(value.shape) for key, value in theirs.items()}
    paper = imported(aino_run[0])
    model = paper.TwoStreamNet()
    model.load_state_dict({key: value.numpy() for key, value in theirs.items()})
    _, _, test_loader = paper.load_data(str(digits_file), val_frac=0.1, batch_size=64)
    _, predictions = paper.evaluate(model.to(DEVICE), test_loader, DEVICE)
    agree = np.mean(np.asarray(predictions.numpy()) == np.load(torch_run[1] / "test_preds.npy"))
    assert agree >= 0.99

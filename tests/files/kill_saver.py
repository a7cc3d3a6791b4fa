"""The child of the kill test: saves two models in turn, forever, until the test kills it.

    python tests/files/kill_saver.py KIND FOLDER

prints "ready" once both models are built, then saves model A, model B, A, ... to the same target in
FOLDER. The test imports this module too, for `build`, `save`, `load` and `fingerprint`, so both sides
agree on what A and B are.
"""

import hashlib
import sys
from pathlib import Path

import numpy as np

import aino
from aino import nn, optim
from aino.nn import CustomAIModel, Dense
from aino.trace import Recorder, Trace

KINDS = ["NeuralNetwork.save", "save_model_parameters", "CustomAIModel.save_model", "Trace.save", "export_html"]
TARGETS = {  # kind -> the files one save writes, inside FOLDER
    "NeuralNetwork.save": ["model.dit"],
    "save_model_parameters": ["model.npz"],
    "CustomAIModel.save_model": ["model_config.json", "model_weights.json"],
    "Trace.save": ["run.npz"],
    "export_html": ["report.html"],
}


def build(kind, version):
    """Model (or trace) A (version 0) or B (version 1) for `kind`, large enough that a save takes a while."""
    rng = np.random.default_rng(version)
    if kind == "NeuralNetwork.save":
        return aino.NeuralNetwork([256, 384, 128], seed=version)
    if kind == "save_model_parameters":
        aino.manual_seed(version)
        return nn.Sequential(nn.Linear(512, 768), nn.ReLU(), nn.Linear(768, 512))
    if kind == "CustomAIModel.save_model":
        aino.manual_seed(version)
        return CustomAIModel().add(Dense(96, 192)).add(Dense(192, 96))
    aino.manual_seed(version)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 8))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    X = aino.Tensor(rng.normal(size=(256, 64)).astype(np.float32))
    y = aino.Tensor(rng.integers(0, 8, 256))
    with Recorder(model, optimizer, probe=X) as recorder:
        for _ in range(4 if kind == "Trace.save" else 1):
            optimizer.zero_grad()
            nn.CrossEntropyLoss()(model(X), y).backward()
            optimizer.step()
    return recorder.trace


def save(kind, thing, folder):
    folder = Path(folder)
    if kind == "NeuralNetwork.save":
        thing.save(folder / "model.dit")
    elif kind == "save_model_parameters":
        aino.save_model_parameters(thing, folder / "model.npz")
    elif kind == "CustomAIModel.save_model":
        thing.save_model(folder / "model")
    elif kind == "Trace.save":
        thing.save(folder / "run.npz")
    else:
        from visualizer import export_html

        export_html(thing, folder / "report.html", steps=[0])


def load(kind, folder):
    """The fingerprint of what the target in `folder` holds now (loading it as a user would)."""
    folder = Path(folder)
    if kind == "NeuralNetwork.save":
        return fingerprint(kind, aino.NeuralNetwork.load(folder / "model.dit"))
    if kind == "save_model_parameters":
        return _digest(aino.load_state_dict_from_file(folder / "model.npz"))
    if kind == "CustomAIModel.save_model":
        return fingerprint(kind, CustomAIModel.load_model(folder / "model"))
    if kind == "Trace.save":
        return fingerprint(kind, Trace.load(folder / "run.npz"))
    return hashlib.sha256((folder / "report.html").read_bytes()).hexdigest()


def fingerprint(kind, thing):
    if kind == "NeuralNetwork.save":
        return _digest({f"{i}": W for i, (W, _) in enumerate(thing.get_weights())})
    if kind in ("save_model_parameters", "CustomAIModel.save_model"):
        return _digest(thing.state_dict())
    if kind == "Trace.save":
        return _digest({f"{step}": thing.weights(thing.params[0], step) for step in thing.steps} | {"loss": thing.loss})
    return None  # an HTML report: its own bytes (see load)


def _digest(arrays):
    hasher = hashlib.sha256()
    for name in sorted(arrays):
        hasher.update(name.encode())
        hasher.update(np.ascontiguousarray(arrays[name]).tobytes())
    return hasher.hexdigest()


if __name__ == "__main__":
    kind, folder = sys.argv[1], sys.argv[2]
    things = [build(kind, 0), build(kind, 1)]
    print("ready", flush=True)
    turn = 0
    while True:
        save(kind, things[turn % 2], folder)
        turn += 1

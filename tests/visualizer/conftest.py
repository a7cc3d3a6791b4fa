"""Traces for the visualizer tests: one from each path, made the way a student makes them (fit with
trace=True), small so that rendering stays quick."""

import numpy
import pytest


def _moons():
    from aino.datasets import moons

    data = moons(60, noise=0.1, seed=0)
    return data.data, data.target


@pytest.fixture(scope="session")
def classic_trace():
    from aino.classic.network import NeuralNetwork

    X, y = _moons()
    network = NeuralNetwork([2, 5, 3, 1], activation_type="tanh", output_activation="sigmoid", loss="bce", seed=0)
    network.fit(X, y, epochs=8, n=0.5, batch_size=20, trace=True, probe=X)
    return network.trace_


@pytest.fixture(scope="session")
def fast_trace():
    from aino import nn
    from aino import fit

    X, y = _moons()
    numpy.random.seed(0)
    model = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 2))
    history = fit(model, X, y.astype(numpy.int64), epochs=6, batch_size=20, lr=0.05, seed=0, trace={"record_ops": True},
                  probe=X, verbose=False)
    return history.trace


@pytest.fixture(params=["classic", "fast"])
def trace(request, classic_trace, fast_trace):
    return classic_trace if request.param == "classic" else fast_trace

"""The iris demo behind `aino demo`, callable from Python too."""

from dataclasses import dataclass
from pathlib import Path

from aino.classic import NeuralNetwork
from aino.datasets import StandardScaler, load_iris, train_test_split


@dataclass
class DemoResult:
    network: NeuralNetwork
    accuracy: float
    n_train: int
    n_test: int
    path: Path


def train_iris(epochs=200, hidden=8, activation="tanh", lr=0.1, batch_size=16, test_size=0.3, seed=0,
               output="aino-iris.dit", progress=True):
    """Train NeuralNetwork([4, hidden, 3]) on standardised iris; score held-out flowers; save."""
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=y, seed=seed)
    scaler = StandardScaler().fit(X_train)
    network = NeuralNetwork([4, hidden, 3], activation_type=activation, loss="cross_entropy", seed=seed)
    network.fit(scaler.transform(X_train), y_train, epochs=epochs, n=lr, batch_size=batch_size, verbose=progress)
    accuracy = network.score(scaler.transform(X_test), y_test)
    path = network.save(output)
    return DemoResult(network, accuracy, len(X_train), len(X_test), Path(path))

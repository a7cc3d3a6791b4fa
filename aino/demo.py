"""The iris demo behind `aino demo`, callable from Python too."""

from dataclasses import dataclass
from pathlib import Path

from aino.classic import NeuralNetwork
from aino.datasets import StandardScaler, load_iris, train_test_split
from visualizer.export import export_html  # the report needs no extra: the browser draws it


@dataclass
class DemoResult:
    network: NeuralNetwork
    accuracy: float
    n_train: int
    n_test: int
    path: Path
    report: Path = None  # the HTML report, or None with report=False


def train_iris(epochs=200, hidden=8, activation="tanh", lr=0.1, batch_size=16, test_size=0.3, seed=0,
               output="aino-iris.dit", progress=True, report=True):
    """Train NeuralNetwork([4, hidden, 3]) on standardised iris; score held-out flowers; save.

    With `report` training is traced, with the held-out flowers as the
    probe (their species as its labels, and the names of the features and species in the trace), and an
    offline HTML report of it is written beside the model (same name, .html).
    """
    dataset = load_iris()
    X, y = dataset
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=y, seed=seed)
    scaler = StandardScaler().fit(X_train)
    network = NeuralNetwork([4, hidden, 3], activation_type=activation, loss="cross_entropy", seed=seed)
    network.fit(scaler.transform(X_train), y_train, epochs=epochs, n=lr, batch_size=batch_size, verbose=progress,
                trace=bool(report), probe=scaler.transform(X_test), probe_labels=y_test,
                feature_names=dataset.feature_names, class_names=dataset.target_names)
    accuracy = network.score(scaler.transform(X_test), y_test)
    path = Path(network.save(output))
    result = DemoResult(network, accuracy, len(X_train), len(X_test), path)
    if report:
        result.report = Path(export_html(network.trace_, path.with_suffix(".html"), progress=progress))
    return result

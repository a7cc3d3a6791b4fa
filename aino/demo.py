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
    report: Path = None  # the HTML report, or None without the viz extra or with report=False
    report_note: str = ""


def train_iris(epochs=200, hidden=8, activation="tanh", lr=0.1, batch_size=16, test_size=0.3, seed=0,
               output="aino-iris.dit", progress=True, report=True):
    """Train NeuralNetwork([4, hidden, 3]) on standardised iris; score held-out flowers; save.

    With `report` (and the viz extra installed) training is traced, with the held-out flowers as the
    probe, and an offline HTML report of it is written beside the model (same name, .html).
    """
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, stratify=y, seed=seed)
    scaler = StandardScaler().fit(X_train)
    network = NeuralNetwork([4, hidden, 3], activation_type=activation, loss="cross_entropy", seed=seed)
    export_html, note = _html_exporter() if report else (None, "")
    network.fit(scaler.transform(X_train), y_train, epochs=epochs, n=lr, batch_size=batch_size, verbose=progress,
                trace=export_html is not None, probe=scaler.transform(X_test))
    accuracy = network.score(scaler.transform(X_test), y_test)
    path = Path(network.save(output))
    result = DemoResult(network, accuracy, len(X_train), len(X_test), path, report_note=note)
    if export_html is not None:
        result.report = Path(export_html(network.trace_, path.with_suffix(".html"), progress=progress))
    return result


def _html_exporter():
    """visualizer.export_html, or (None, why not) when the viz extra is missing."""
    try:
        from visualizer import export_html
    except ImportError as error:
        return None, f"no HTML report: {error.name or error} is missing (pip install 'aino[viz]')"
    return export_html, ""

"""Wall time to 97% held-out accuracy on the bundled digits: aino's MLPClassifier against scikit-learn's.

Both are MLPClassifier(hidden_layer_sizes=(64,)) with scikit-learn's defaults otherwise (Adam,
learning_rate_init=0.001, batch_size="auto", ...); aino's runs its default engine, "fast" (float32).
The same split for both (80% to train, 20% held out, stratified), standardised on the training part;
five seeds (random_state 0..4), one thread.

For each seed and library, first the epochs k it needs: the smallest k whose fit(max_iter=k) scores
97% on the held-out part (untimed; fit(max_iter=k) trains exactly the first k epochs of a longer fit).
Then the wall time of fit(max_iter=k), in alternating rounds (aino, scikit-learn, aino, ...), the median
of ROUNDS each. The ratio aino / scikit-learn of each seed; printed: their median and quartiles.

    python benchmarks/bench_estimators.py
"""

import os

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import statistics
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.preprocessing import StandardScaler
from timing import alternate, median_quartiles

from aino.datasets import load_digits
from aino.estimators import MLPClassifier as AinoMLP

TARGET, SEEDS, ROUNDS, MOST_EPOCHS = 0.97, range(5), 5, 200
LIBRARIES = {"aino": AinoMLP, "scikit-learn": SklearnMLP}


def split():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def fit(library, seed, epochs, X_train, y_train):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fit stopped at k epochs has not converged
        return LIBRARIES[library](hidden_layer_sizes=(64,), max_iter=epochs, random_state=seed).fit(X_train, y_train)


def epochs_to_target(library, seed, data):
    """The smallest k with fit(max_iter=k) at TARGET held-out accuracy, or None within MOST_EPOCHS."""
    X_train, X_test, y_train, y_test = data
    for epochs in range(1, MOST_EPOCHS + 1):
        model = fit(library, seed, epochs, X_train, y_train)
        if model.score(X_test, y_test) >= TARGET:
            return epochs
        if model.n_iter_ < epochs:  # it stopped by itself (tol): more epochs change nothing
            return None
    return None


def timed_fits(seed, epochs, data):
    """{library: median seconds of fit(max_iter=epochs[library])}, in alternating rounds."""
    runs = {library: lambda library=library: fit(library, seed, epochs[library], data[0], data[2])
            for library in LIBRARIES}
    return {library: statistics.median(seconds) for library, seconds in alternate(runs, ROUNDS).items()}


def main():
    data = split()
    print(f"digits: {len(data[0])} to train, {len(data[1])} held out; target {TARGET:.0%} held-out accuracy")
    print(f"{'seed':>4} {'aino epochs':>11} {'sklearn epochs':>14} {'aino s':>8} {'sklearn s':>9} {'ratio':>6}")
    ratios = []
    for seed in SEEDS:
        epochs = {library: epochs_to_target(library, seed, data) for library in LIBRARIES}
        if None in epochs.values():
            print(f"{seed:>4} target not reached within {MOST_EPOCHS} epochs: {epochs}")
            continue
        seconds = timed_fits(seed, epochs, data)
        ratios.append(seconds["aino"] / seconds["scikit-learn"])
        print(f"{seed:>4} {epochs['aino']:>11} {epochs['scikit-learn']:>14} {seconds['aino']:>8.3f} "
              f"{seconds['scikit-learn']:>9.3f} {ratios[-1]:>6.2f}")
    if ratios:
        low, middle, high = median_quartiles(ratios)
        print(f"time to {TARGET:.0%}, aino / scikit-learn: median {middle:.2f}x (quartiles {low:.2f}x to {high:.2f}x)")


if __name__ == "__main__":
    main()

"""Speed of the classic path against scikit-learn and PyTorch on the same small task.

One epoch = one pass of mini-batch gradient descent over standardised iris (105 training flowers,
batch 16), network 4 -> 16 (tanh) -> 3 (softmax, cross-entropy), float64, one thread.
The classic path is slow on purpose (one Python object per neuron); this measures by how much.

    python benchmarks/bench_classic.py
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402
import warnings  # noqa: E402


from aino import NeuralNetwork  # noqa: E402
from aino.datasets import StandardScaler, load_iris, train_test_split  # noqa: E402

EPOCHS, BATCH, HIDDEN, REPEATS = 50, 16, 16, 5


def best_time(run):
    """The fastest of REPEATS runs, in seconds per epoch."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) / EPOCHS)
    return min(times)


def main():
    X, y = load_iris()
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, stratify=y, seed=0)
    X_train = StandardScaler().fit_transform(X_train)
    results = {}

    network = NeuralNetwork([4, HIDDEN, 3], activation_type="tanh", loss="cross_entropy", seed=0)
    results["aino classic"] = best_time(lambda: network.fit(X_train, y_train, epochs=EPOCHS, n=0.1, batch_size=BATCH))

    try:
        from sklearn.neural_network import MLPClassifier

        mlp = MLPClassifier((HIDDEN,), activation="tanh", solver="sgd", learning_rate_init=0.1, momentum=0,
                            batch_size=BATCH, max_iter=EPOCHS, tol=0.0, n_iter_no_change=EPOCHS + 1, alpha=0,
                            random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it warns that EPOCHS iterations did not converge
            results["scikit-learn MLPClassifier"] = best_time(lambda: mlp.fit(X_train, y_train))
    except ImportError:
        print("scikit-learn not installed: skipped")

    try:
        import torch

        torch.set_num_threads(1)
        model = torch.nn.Sequential(torch.nn.Linear(4, HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, 3)).double()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        Xt, yt = torch.from_numpy(X_train), torch.from_numpy(y_train)

        def torch_epochs():
            for _ in range(EPOCHS):
                order = torch.randperm(len(Xt))
                for start in range(0, len(Xt), BATCH):
                    rows = order[start:start + BATCH]
                    optimizer.zero_grad()
                    torch.nn.functional.cross_entropy(model(Xt[rows]), yt[rows]).backward()
                    optimizer.step()

        results["PyTorch (CPU)"] = best_time(torch_epochs)
    except ImportError:
        print("torch not installed: skipped")

    base = results["aino classic"]
    print(f"{'implementation':<28} {'ms / epoch':>10} {'aino classic / this':>20}")
    for name, seconds in results.items():
        print(f"{name:<28} {seconds * 1e3:>10.3f} {base / seconds:>20.1f}x")


if __name__ == "__main__":
    main()

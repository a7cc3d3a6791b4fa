"""Speed of the classic path against scikit-learn and PyTorch on the same small task, in alternating rounds.

One epoch = one pass of mini-batch gradient descent over standardised iris (105 training flowers,
batch 16), network 4 -> 16 (tanh) -> 3 (softmax, cross-entropy), plain SGD (learning rate 0.1), float64.
The classic path is slow on purpose (one Python object per neuron); this measures by how much: each row
is aino's classic `NeuralNetwork.fit` against one rival, per epoch.

    python benchmarks/bench_classic.py [--threads 1 2] [--rounds 10] [--quick]
"""

import warnings

import torch
from sklearn.neural_network import MLPClassifier
from timing import Workload, parse_args, report

from aino import NeuralNetwork
from aino.datasets import StandardScaler, load_iris, train_test_split

BATCH, HIDDEN = 16, 16


def iris():
    X, y = load_iris()
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.3, stratify=y, seed=0)
    return StandardScaler().fit_transform(X_train), y_train


def classic(X, y):
    network = NeuralNetwork([4, HIDDEN, 3], activation_type="tanh", loss="cross_entropy", seed=0)
    return lambda epochs: network.fit(X, y, epochs=epochs, n=0.1, batch_size=BATCH)


def scikit_learn(X, y):
    def run(epochs):  # a fresh fit of that many epochs, no early stopping
        mlp = MLPClassifier((HIDDEN,), activation="tanh", solver="sgd", learning_rate_init=0.1, momentum=0,
                            batch_size=BATCH, max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, alpha=0,
                            random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it warns that the epochs did not converge
            mlp.fit(X, y)

    return run


def pytorch(X, y):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, 3)).double()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, labels = torch.from_numpy(X), torch.from_numpy(y)

    def run(epochs):
        for _ in range(epochs):
            order = torch.randperm(len(inputs))
            for start in range(0, len(inputs), BATCH):
                rows = order[start:start + BATCH]
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(inputs[rows]), labels[rows]).backward()
                optimizer.step()

    return run


def main():
    args = parse_args(__doc__)
    X, y = iris()
    rivals = {"scikit-learn MLPClassifier (sgd)": scikit_learn, "PyTorch nn.Sequential + optim.SGD": pytorch}
    workloads = [Workload(f"iris epoch against {name}", classic(X, y), rival(X, y)) for name, rival in rivals.items()]
    report(args, workloads, labels=("aino classic", "rival"))


if __name__ == "__main__":
    main()

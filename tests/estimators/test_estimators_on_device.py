"""The estimators on a GPU (`device`: "cpu", the stand-in "fake-gpu", and "cuda" where there is one): the
`device` parameter is scikit-learn's kind (kept by __init__, cloned, used by fit), the network trains there,
predictions and coefs_ come back as NumPy arrays, and a seeded fit gives what the same fit gives on the CPU."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402

from aino.estimators import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor  # noqa: E402
from aino.testing.transfers import counting_transfers  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # a few epochs only


def blobs(n_classes=3, n_samples=60):
    return make_blobs(n_samples=n_samples, centers=n_classes, n_features=4, cluster_std=1.5, random_state=0)


def _fit_both(make, X, y, device):
    """The estimator `make(device)` fitted on the CPU and on `device`, from the same seed."""
    return make("cpu").fit(X, y), make(device).fit(X, y)


def _same(ours, theirs, device, err_msg=""):
    """Equal to the bit on the stand-in (NumPy computes behind its wall); on a real GPU, to float32's rounding."""
    if device == "cuda":
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6, err_msg=err_msg)
    else:
        np.testing.assert_array_equal(ours, theirs, err_msg=err_msg)


def _assert_same_answers(reference, fitted, X, methods, device):
    for method in methods:
        ours, theirs = getattr(fitted, method)(X), getattr(reference, method)(X)
        assert type(ours) is np.ndarray, method
        _same(ours, theirs, device, err_msg=method)
    _same(fitted.loss_curve_, reference.loss_curve_, device, err_msg="loss_curve_")


MLPS = {
    "binary classifier": (lambda d: MLPClassifier((8,), max_iter=6, random_state=0, device=d), 2),
    "multiclass, sgd, early stopping": (lambda d: MLPClassifier((8, 5), solver="sgd", early_stopping=True,
                                                                max_iter=6, random_state=0, device=d), 3),
    "regressor, tanh": (lambda d: MLPRegressor((6,), activation="tanh", batch_size=16, max_iter=4,
                                               random_state=0, device=d), None),
}


@pytest.mark.parametrize("case", MLPS)
def test_an_mlp_trained_on_the_device_answers_as_the_cpu_s(case, device):
    make, classes = MLPS[case]
    X, y = blobs(classes or 3)
    target = y if classes else X[:, 0] - 2 * X[:, 1]
    reference, fitted = _fit_both(make, X, target, device)
    assert all(p.device == device for p in fitted.model_.parameters())
    methods = ("predict", "predict_proba") if classes else ("predict",)
    _assert_same_answers(reference, fitted, X, methods, device)
    for ours, theirs in zip(fitted.coefs_ + fitted.intercepts_, reference.coefs_ + reference.intercepts_):
        assert type(ours) is np.ndarray
        _same(ours, theirs, device)
    _same(fitted.score(X, target), reference.score(X, target), device)


NETS = {
    "classifier": (lambda d: NeuralNetClassifier(module__hidden=8, max_epochs=3, random_state=0, device=d), True),
    "regressor": (lambda d: NeuralNetRegressor(module__hidden=8, max_epochs=3, random_state=0, device=d), False),
}


@pytest.mark.parametrize("case", NETS)
def test_a_neural_net_trained_on_the_device_answers_as_the_cpu_s(case, device):
    make, classifier = NETS[case]
    X, y = blobs()
    target = y if classifier else X[:, :2] * [1.0, -0.5]
    reference, fitted = _fit_both(make, X, target, device)
    assert all(p.device == device for p in fitted.module_.parameters())
    _assert_same_answers(reference, fitted, X, ("predict", "predict_proba") if classifier else ("predict",), device)


def test_the_device_is_a_parameter_scikit_learn_clones(device):
    for estimator in (MLPClassifier(device=device), NeuralNetRegressor(device=device, module__hidden=4)):
        assert estimator.get_params()["device"] == device
        assert clone(estimator).device == device
    assert MLPRegressor().device == "cpu" and NeuralNetClassifier().device == "cpu"  # the default


def test_partial_fit_and_warm_start_go_on_on_the_device(device):
    X, y = blobs()
    runs = []
    for where in ("cpu", device):
        partial = MLPClassifier((8,), random_state=0, device=where)
        for rows in (slice(0, 30), slice(30, 60)):
            partial.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
        warm = MLPClassifier((8,), max_iter=3, random_state=0, warm_start=True).fit(X, y)  # on the CPU first,
        warm.set_params(device=where).fit(X, y)  # then moved to `where` and trained on
        assert all(p.device == where for p in warm.model_.parameters())
        runs.append((partial.predict_proba(X), warm.predict_proba(X), warm.loss_curve_))
    for ours, theirs in zip(runs[1], runs[0]):
        _same(ours, theirs, device)


def test_an_mlp_trained_on_the_device_saves_and_loads_there(device, tmp_path):
    X, y = blobs()
    fitted = MLPClassifier((8,), max_iter=4, random_state=0, device=device).fit(X, y)
    path = fitted.save(tmp_path / "net.dit")
    loaded = MLPClassifier.load(path)
    assert loaded.device == device and all(p.device == device for p in loaded.model_.parameters())
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    on_the_cpu = MLPClassifier.load(path, device="cpu")  # as torch.load's map_location
    assert on_the_cpu.device == "cpu" and all(p.device == "cpu" for p in on_the_cpu.model_.parameters())
    _same(on_the_cpu.predict_proba(X), fitted.predict_proba(X), device)


def test_the_trace_of_a_fit_on_the_device_is_the_cpu_s(device):
    X, y = blobs()
    reference, fitted = _fit_both(lambda d: MLPClassifier((8,), max_iter=3, batch_size=20, random_state=0,
                                                          trace=True, device=d), X, y, device)
    assert fitted.trace_.n_steps == reference.trace_.n_steps == 9
    _same(fitted.trace_.loss, reference.trace_.loss, device)
    for step in reference.trace_.steps:
        for name in reference.trace_.params:
            _same(fitted.trace_.weights(name, step), reference.trace_.weights(name, step), device, err_msg=name)


def test_each_training_step_brings_only_its_loss_to_the_host(device):
    X, y = blobs()
    target = X[:, 0] - X[:, 1]
    estimator = MLPRegressor((8,), batch_size=20, max_iter=5, random_state=0, device=device)
    with warnings.catch_warnings(), counting_transfers() as moved:
        warnings.simplefilter("ignore")
        estimator.fit(X, target)
    steps = 5 * 3  # 5 epochs of 60 samples in batches of 20
    weights = 2 * (estimator.n_layers_ - 1)  # coefs_ and intercepts_, read once at the end (a finite check)
    # onto the device: X and y once, the shuffled order once per epoch, the initial weights once
    assert moved.to_host <= steps + weights, moved.report()
    assert moved.to_device <= 2 + 5 + weights, moved.report()
    if device == "fake-gpu":  # counted on the stand-in
        assert (moved.to_host, moved.to_device) == (steps + weights, 2 + 5 + weights), moved.report()


def test_a_device_that_cannot_be_used_is_refused_naming_it():
    X, y = blobs()
    with pytest.raises(ValueError, match="classic engine computes on the CPU.*device='fake-gpu'"):
        MLPClassifier(engine="classic", device="fake-gpu").fit(X, y)
    with pytest.raises(ValueError, match="MLPRegressor: device must be 'cpu', 'cuda'.*'tpu'"):
        MLPRegressor(device="tpu").fit(X, X[:, 0])
    with pytest.raises(ValueError, match="NeuralNetClassifier: device must be"):
        NeuralNetClassifier(device=3).fit(X, y)

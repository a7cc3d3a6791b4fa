"""The oracle: aino's MLPs follow scikit-learn's own MLPClassifier and MLPRegressor step for step.

With the same settings and random_state, both start from the same weights, shuffle in the same order and
take the same steps, so after 20 epochs (float64: the classic engine, and the fast one with dtype="float64")
their weights agree to 1e-9, and so do the loss curves and the epochs run. First the settings of the issue
(full-batch SGD without momentum, full-batch Adam), then the rest of the training loop: minibatches with
shuffling, momentum with and without Nesterov, L2, the learning-rate schedules, early stopping with its
validation split and its best weights, and the tol / n_iter_no_change stopping rule.
"""

import warnings

import numpy
import pytest

pytest.importorskip("sklearn")

from sklearn import neural_network  # noqa: E402

from aino.estimators import MLPClassifier, MLPRegressor  # noqa: E402

TOLERANCE = 1e-9
ENGINES = [{"engine": "classic"}, {"engine": "fast", "dtype": "float64"}]
N = 60
SETTINGS = [
    dict(solver="sgd", momentum=0, alpha=0, batch_size=N, shuffle=False),
    dict(solver="adam", alpha=0, batch_size=N, shuffle=False),
    dict(solver="sgd", batch_size=16, learning_rate="invscaling", learning_rate_init=0.1),
    dict(solver="adam", batch_size=16, activation="tanh", early_stopping=True),
    dict(solver="sgd", batch_size=7, activation="logistic", nesterovs_momentum=False, alpha=0.01,
         learning_rate="adaptive", early_stopping=True),
    dict(solver="sgd", batch_size=7, activation="identity", learning_rate="adaptive", tol=0.01, max_iter=60),
]


def data():
    rng = numpy.random.RandomState(0)
    X = rng.randn(N, 4)
    targets = {"multiclass": rng.randint(0, 3, N), "binary": numpy.array(["no", "yes"])[rng.randint(0, 2, N)],
               "multilabel": rng.randint(0, 2, (N, 3)), "one target": X @ rng.randn(4),
               "two targets": numpy.c_[X @ rng.randn(4), X[:, 0] ** 2]}
    return X, targets


def fit_both(aino_class, sklearn_class, X, y, settings, engine):
    settings = {"max_iter": 20, "random_state": 1, **settings}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both say that 20 epochs did not converge
        ours = aino_class(hidden_layer_sizes=(6, 5), **settings, **engine).fit(X, y)
        theirs = sklearn_class(hidden_layer_sizes=(6, 5), **settings).fit(X, y)
    return ours, theirs


def largest_difference(ours, theirs):
    return max(numpy.abs(a - b).max() for a, b in zip(ours.coefs_ + ours.intercepts_,
                                                     theirs.coefs_ + theirs.intercepts_))


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e["engine"])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel", "one target", "two targets"])
def test_the_weights_follow_scikit_learns(task, settings, engine):
    X, targets = data()
    classifier = task in ("multiclass", "binary", "multilabel")
    pair = (MLPClassifier, neural_network.MLPClassifier) if classifier else (MLPRegressor, neural_network.MLPRegressor)
    ours, theirs = fit_both(*pair, X, targets[task], settings, engine)
    assert ours.coefs_[0].dtype == numpy.float64
    assert largest_difference(ours, theirs) < TOLERANCE
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    numpy.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=0, atol=TOLERANCE)
    if settings.get("early_stopping"):
        numpy.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=0, atol=TOLERANCE)
        assert ours.best_validation_score_ == pytest.approx(theirs.best_validation_score_, abs=TOLERANCE)
    else:
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, abs=TOLERANCE)
    assert ours.out_activation_ == theirs.out_activation_ and ours.n_layers_ == theirs.n_layers_
    numpy.testing.assert_allclose(ours.predict_proba(X) if classifier else ours.predict(X),
                                  theirs.predict_proba(X) if classifier else theirs.predict(X), rtol=0, atol=1e-9)


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e["engine"])
def test_partial_fit_and_warm_start_follow_scikit_learns(engine):
    """partial_fit keeps the solver's state from call to call; warm_start keeps the weights, not the solver."""
    X, targets = data()
    y = targets["multiclass"]
    ours = MLPClassifier((6,), random_state=0, **engine)
    theirs = neural_network.MLPClassifier((6,), random_state=0)
    for start in (0, 20, 40):
        ours.partial_fit(X[start:start + 20], y[start:start + 20], classes=[0, 1, 2])
        theirs.partial_fit(X[start:start + 20], y[start:start + 20], classes=[0, 1, 2])
    assert largest_difference(ours, theirs) < TOLERANCE
    warm = dict(max_iter=5, warm_start=True, random_state=0, solver="sgd")
    ours, theirs = fit_both(MLPClassifier, neural_network.MLPClassifier, X, y, warm, engine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y)
        theirs.fit(X, y)
    assert largest_difference(ours, theirs) < TOLERANCE and len(ours.loss_curve_) == len(theirs.loss_curve_) == 10

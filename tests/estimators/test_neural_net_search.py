"""NeuralNetClassifier and NeuralNetRegressor in scikit-learn's machinery: grid searches over nested
parameters, Pipelines, clone and pickle, on the bundled digits."""

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")

from neural_net_modules import DigitsCNN, RowsLSTM, TwoLayers, digits_split  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from aino import nn, optim  # noqa: E402
from aino.estimators import NeuralNetClassifier, NeuralNetRegressor  # noqa: E402


def test_grid_search_over_module_and_lr_picks_a_cnn_that_recognises_held_out_digits():
    X_train, X_test, y_train, y_test = digits_split()
    grid = {"module__channels": [4, 8], "lr": [0.003, 0.01]}
    net = NeuralNetClassifier(DigitsCNN, max_epochs=10, random_state=0)
    search = GridSearchCV(net, grid, cv=3).fit(X_train, y_train)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["module__channels"] in (4, 8) and search.best_params_["lr"] in (0.003, 0.01)
    best = search.best_estimator_
    assert best.module_.conv.out_channels == search.best_params_["module__channels"]
    assert best.optimizer_.lr == search.best_params_["lr"]
    assert search.score(X_test, y_test) > 0.93


def test_an_lstm_module_reads_digits_row_by_row():
    X_train, X_test, y_train, y_test = digits_split()
    net = NeuralNetClassifier(RowsLSTM, module__hidden=16, max_epochs=5, random_state=0).fit(X_train, y_train)
    assert net.module_.out.out_features == 10  # num_classes filled in
    assert net.score(X_test, y_test) > 0.8


def test_a_pipeline_passes_nested_parameters_through():
    X_train, X_test, y_train, y_test = digits_split()
    pipe = Pipeline([("scale", StandardScaler()), ("net", NeuralNetClassifier(module__hidden=16, random_state=0))])
    assert pipe.get_params()["net__module__hidden"] == 16
    search = GridSearchCV(pipe, {"net__module__hidden": [8, 32]}, cv=2).fit(X_train, y_train)
    hidden = search.best_params_["net__module__hidden"]
    assert search.best_estimator_.named_steps["net"].module_.layers[0].out_features == hidden
    assert search.score(X_test, y_test) > 0.9


def test_set_params_changes_the_module_that_fit_builds():
    X_train, _, y_train, _ = digits_split()
    net = NeuralNetClassifier(module__hidden=8, max_epochs=1)
    assert net.get_params()["module__hidden"] == 8
    assert net.set_params(module__hidden=32, lr=0.02) is net
    net.fit(X_train, y_train)
    assert net.get_params()["module__hidden"] == 32
    assert net.module_.layers[0].out_features == 32 and net.optimizer_.lr == 0.02


def test_clone_keeps_every_parameter_and_no_fitted_state():
    net = NeuralNetClassifier(DigitsCNN, module__channels=4, optimizer=optim.SGD, optimizer__momentum=0.9,
                              criterion=nn.CrossEntropyLoss, criterion__label_smoothing=0.1, lr=0.05, max_epochs=1)
    X_train, _, y_train, _ = digits_split()
    copy = clone(net.fit(X_train, y_train))
    assert copy.get_params() == net.get_params()
    assert copy.get_params()["optimizer__momentum"] == 0.9 and copy.get_params()["module__channels"] == 4
    assert not hasattr(copy, "module_")


def test_the_nested_arguments_reach_the_optimizer_and_the_criterion():
    X_train, _, y_train, _ = digits_split()
    net = NeuralNetClassifier(optimizer=optim.SGD, optimizer__momentum=0.9, criterion=nn.CrossEntropyLoss,
                              criterion__label_smoothing=0.1, max_epochs=1).fit(X_train, y_train)
    assert isinstance(net.optimizer_, optim.SGD) and net.optimizer_.param_groups[0]["momentum"] == 0.9
    assert net.criterion_.label_smoothing == 0.1


@pytest.mark.parametrize("make", [
    lambda: (NeuralNetClassifier(DigitsCNN, max_epochs=2, random_state=0), "predict_proba"),
    lambda: (NeuralNetRegressor(TwoLayers, max_epochs=2, random_state=0), "predict"),
])
def test_a_pickled_estimator_predicts_the_same(make):
    net, method = make()
    X_train, X_test, y_train, _ = digits_split()
    net.fit(X_train, y_train)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(getattr(restored, method)(X_test), getattr(net, method)(X_test))
    assert restored.loss_curve_ == net.loss_curve_

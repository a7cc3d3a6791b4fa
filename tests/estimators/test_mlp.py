"""MLPClassifier and MLPRegressor as a user meets them: in a Pipeline, a grid search and cross-validation on
the bundled digits, cloned, pickled, saved and loaded; their labels, their network, their trace, their
progress bar and their errors."""

import pickle
import warnings

import numpy
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from aino import Tensor, nn  # noqa: E402
from aino.classic import NeuralNetwork  # noqa: E402
from aino.datasets import load_digits  # noqa: E402
from aino.estimators import MLPClassifier, MLPRegressor  # noqa: E402
from aino.io import load_dit, save_dit  # noqa: E402
from aino.trace import Trace  # noqa: E402

ENGINES = ["fast", "classic"]
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def small_problem(n=80, seed=0):
    rng = numpy.random.RandomState(seed)
    X = rng.randn(n, 3)
    return X, numpy.where(X[:, 0] + X[:, 1] > 0, "up", "down")


def digits_pipeline(max_iter=100, **mlp):
    return Pipeline([("scale", StandardScaler()),
                     ("mlp", MLPClassifier(hidden_layer_sizes=(32,), max_iter=max_iter, random_state=0, **mlp))])


def test_a_pipeline_in_a_grid_search_on_the_digits():
    X, y = load_digits()
    search = GridSearchCV(digits_pipeline(), {"mlp__alpha": [1e-4, 1.0]}, cv=3).fit(X, y)
    assert search.best_score_ > 0.9  # 3 folds in the file's order, as scikit-learn's own MLP scores them
    assert search.best_estimator_.score(X, y) > 0.99
    assert set(search.cv_results_["param_mlp__alpha"]) == {1e-4, 1.0}


@pytest.mark.parametrize("engine", ENGINES)
def test_cross_validation_on_the_digits(engine):
    X, y = load_digits()
    scores = cross_val_score(digits_pipeline(engine=engine, max_iter=30 if engine == "classic" else 100), X, y, cv=3)
    assert len(scores) == 3 and scores.min() > (0.85 if engine == "classic" else 0.9)


def test_clone_keeps_the_parameters_and_nothing_fitted():
    original = MLPClassifier((7, 3), "tanh", solver="sgd", engine="classic", trace=True, momentum=0.5)
    original.fit(*small_problem())
    copy = clone(original)
    assert copy.get_params() == original.get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "classes_")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_pickled_estimator_predicts_and_trains_on_as_the_original(engine):
    X, y = small_problem()
    original = MLPClassifier((5,), max_iter=5, random_state=0, engine=engine).fit(X, y)
    copy = pickle.loads(pickle.dumps(original))
    numpy.testing.assert_array_equal(copy.predict_proba(X), original.predict_proba(X))
    original.partial_fit(X, y)  # random_state=0: both shuffle alike
    copy.partial_fit(X, y)  # and the solver's moments came along: the same steps
    for a, b in zip(copy.coefs_ + copy.intercepts_, original.coefs_ + original.intercepts_):
        numpy.testing.assert_array_equal(a, b)


def fitted_examples():
    X, y = small_problem()
    rng = numpy.random.RandomState(1)
    return {
        "strings, fast": (MLPClassifier((6,), max_iter=20, random_state=0), X, y),
        "strings as objects, classic": (MLPClassifier((6,), max_iter=5, engine="classic"), X, y.astype(object)),
        "multiclass, float64, early stopping": (MLPClassifier(max_iter=20, dtype="float64", early_stopping=True),
                                                X, rng.randint(0, 4, len(X))),
        "multilabel": (MLPClassifier((4,), max_iter=10), X, rng.randint(0, 2, (len(X), 3))),
        "two targets": (MLPRegressor((4, 4), max_iter=10, activation="logistic"), X, X[:, :2] ** 2),
        "one target, classic": (MLPRegressor((4,), max_iter=10, engine="classic", solver="sgd"), X, X[:, 0]),
    }


@pytest.mark.parametrize("example", list(fitted_examples()))
def test_save_and_load_predict_the_same(example, tmp_path):
    estimator, X, y = fitted_examples()[example]
    estimator.fit(X, y)
    loaded = type(estimator).load(estimator.save(tmp_path / "model.dit"))
    assert loaded.get_params() == estimator.get_params()
    numpy.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    for name in ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_", "n_features_in_",
                 "n_outputs_", "n_layers_", "out_activation_"):
        assert getattr(loaded, name) == getattr(estimator, name), name
    if hasattr(estimator, "classes_"):
        numpy.testing.assert_array_equal(loaded.classes_, estimator.classes_)
        assert loaded.classes_.dtype == estimator.classes_.dtype
        numpy.testing.assert_array_equal(loaded.predict_proba(X), estimator.predict_proba(X))
    if not estimator.early_stopping:  # (which partial_fit refuses)
        loaded.partial_fit(X, y)  # a loaded estimator trains on
        assert loaded.n_iter_ == 1 and len(loaded.loss_curve_) == len(estimator.loss_curve_) + 1


def test_a_data_frame_gives_feature_names_that_save_and_load(tmp_path):
    pandas = pytest.importorskip("pandas")
    X, y = small_problem()
    frame = pandas.DataFrame(X, columns=["height", "width", "depth"])
    estimator = MLPClassifier((4,), max_iter=5).fit(frame, y)
    assert estimator.feature_names_in_.tolist() == ["height", "width", "depth"]
    loaded = MLPClassifier.load(estimator.save(tmp_path / "frame.dit"))
    assert loaded.feature_names_in_.tolist() == ["height", "width", "depth"]
    with pytest.warns(UserWarning, match="feature names"):
        loaded.predict(X)  # scikit-learn's warning: fitted with names, given none


def test_a_bad_file_is_a_value_error_naming_the_fault(tmp_path):
    X, y = small_problem()
    path = MLPClassifier((4,), max_iter=3).fit(X, y).save(tmp_path / "good.dit")
    with pytest.raises(ValueError, match="not a MLPRegressor"):
        MLPRegressor.load(path)
    network = NeuralNetwork([3, 2]).save(tmp_path / "network.dit")
    with pytest.raises(ValueError, match="holds a 'NeuralNetwork'"):
        MLPClassifier.load(network)
    (tmp_path / "junk.dit").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a readable"):
        MLPClassifier.load(tmp_path / "junk.dit")
    header, arrays = load_dit(path)
    for part, change, message in [
        ("params", {"hidden_layer_sizes": [5]}, "array 'coefs.0' has shape"),
        ("params", {"solver": "lbfgs"}, "solver must be one of"),
        ("params", {"epochs": 3}, "exactly the parameters"),
        ("fitted", {"n_outputs_": 3}, "array 'coefs.1' has shape"),
        ("fitted", {"classes": {"multilabel": False, "labels": ["a", "b", "c"]}}, "saved classes must be 2"),
        ("fitted", {"n_iter_": -1}, "integers"),
    ]:
        save_dit(tmp_path / "bad.dit", {**header, part: {**header[part], **change}}, arrays)
        with pytest.raises(ValueError, match=message):
            MLPClassifier.load(tmp_path / "bad.dit")


def test_save_refuses_what_a_file_cannot_hold(tmp_path):
    with pytest.raises(NotFittedError):
        MLPClassifier().save(tmp_path / "unfitted.dit")
    estimator = MLPClassifier((3,), max_iter=2, random_state=numpy.random.RandomState(0)).fit(*small_problem())
    with pytest.raises(ValueError, match="random_state"):
        estimator.save(tmp_path / "seeded.dit")
    assert not (tmp_path / "seeded.dit").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_model_is_the_aino_network_and_coefs_are_its_weights(engine):
    X, y = small_problem()
    clf = MLPClassifier((5, 4), max_iter=5, engine=engine).fit(X, y)
    assert [W.shape for W in clf.coefs_] == [(3, 5), (5, 4), (4, 1)] and clf.n_layers_ == 4
    if engine == "fast":
        assert isinstance(clf.model_, nn.Sequential)
        z = clf.model_(Tensor(X.astype(numpy.float32))).data
    else:
        assert isinstance(clf.model_, NeuralNetwork) and clf.model_.layer_sizes == [3, 5, 4, 1]
        z = clf.model_.predict(X)
    p = 1 / (1 + numpy.exp(-z[:, 0]))  # model_ computes z; out_activation_ (logistic) makes it a probability
    numpy.testing.assert_allclose(clf.predict_proba(X)[:, 1], p, rtol=1e-5)
    if engine == "fast":
        clf.model_[0].weight.data[0, 0] += 1.0  # coefs_ are views of the Linear weights, transposed
        assert clf.coefs_[0][0, 0] == clf.model_[0].weight.data[0, 0]


@pytest.mark.parametrize("engine", ENGINES)
def test_labels_of_every_kind(engine):
    X, y = small_problem()
    clf = MLPClassifier((8,), max_iter=300, random_state=0, engine=engine).fit(X, y)
    assert clf.classes_.tolist() == ["down", "up"] and set(clf.predict(X)) <= {"down", "up"}
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2) and numpy.allclose(proba.sum(axis=1), 1)
    numpy.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.decision_function(X).shape == (len(X),)
    Y = numpy.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0].astype(int)
    multilabel = MLPClassifier((8,), learning_rate_init=0.01, max_iter=300, random_state=0, engine=engine).fit(X, Y)
    assert multilabel.predict(X).shape == (len(X), 3) and multilabel.out_activation_ == "logistic"
    assert multilabel.score(X, Y) > 0.7  # every label of a sample right


def test_partial_fit_needs_the_classes_first_and_then_knows_them():
    X, y = small_problem()
    clf = MLPClassifier((4,))
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:40], y[:40], classes=["down", "up", "sideways"])
    assert clf.classes_.tolist() == ["down", "sideways", "up"] and clf.predict_proba(X).shape == (80, 3)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:2], ["down", "left"])
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X, y, classes=["down", "up"])
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=["down", "up"])


def test_warm_start_goes_on_from_the_weights_and_checks_the_classes():
    X, y = small_problem()
    clf = MLPClassifier((4,), max_iter=3, warm_start=True, random_state=0).fit(X, y)
    first = [W.copy() for W in clf.coefs_]
    clf.fit(X, y)
    assert len(clf.loss_curve_) == 6 and not numpy.array_equal(first[0], clf.coefs_[0])
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X, numpy.where(y == "up", "up", "left"))
    with pytest.raises(ValueError, match="layer sizes"):
        clf.set_params(hidden_layer_sizes=(9,)).fit(X, y)


@pytest.mark.parametrize("engine", ENGINES)
def test_trace_records_every_step(engine):
    X = small_problem()[0]
    reg = MLPRegressor((5,), batch_size=20, max_iter=3, alpha=0, shuffle=False, trace=True, engine=engine,
                       dtype="float64", random_state=0).fit(X, X[:, 0])
    assert isinstance(reg.trace_, Trace) and reg.trace_.n_steps == 12  # 3 epochs of 4 batches
    epoch_losses = numpy.asarray(reg.trace_.loss).reshape(3, 4).mean(axis=1)
    numpy.testing.assert_allclose(epoch_losses, reg.loss_curve_, rtol=1e-12)
    assert not hasattr(MLPRegressor((5,), max_iter=1).fit(X, X[:, 0]), "trace_")


def test_the_two_engines_train_the_same_network():
    """Autograd on aino.nn and the classic path's hand-written backward give the same weights (float64)."""
    X, y = small_problem()
    fast, classic = (MLPClassifier((6, 3), max_iter=10, random_state=0, dtype="float64" if e == "fast" else None,
                                   engine=e).fit(X, y) for e in ENGINES)
    for a, b in zip(fast.coefs_ + fast.intercepts_, classic.coefs_ + classic.intercepts_):
        numpy.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_warm_start_can_move_the_network_to_the_other_engine():
    X, y = small_problem()
    settings = dict(hidden_layer_sizes=(4,), max_iter=5, warm_start=True, random_state=0)
    moved = MLPClassifier(**settings, dtype="float64").fit(X, y)
    moved.set_params(engine="classic", dtype=None).fit(X, y)
    stayed = MLPClassifier(**settings, engine="classic").fit(X, y).fit(X, y)
    assert isinstance(moved.model_, NeuralNetwork) and len(moved.loss_curve_) == 10
    for a, b in zip(moved.coefs_ + moved.intercepts_, stayed.coefs_ + stayed.intercepts_):
        numpy.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_verbose_shows_a_progress_bar(capsys):
    X, y = small_problem()
    MLPClassifier((3,), max_iter=4, verbose=True).fit(X, y)
    shown = capsys.readouterr().err
    assert "MLPClassifier" in shown and "4/4" in shown and "loss=" in shown


def test_max_iter_reached_is_a_convergence_warning():
    X, y = small_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="max_iter=2"):
            MLPClassifier((3,), max_iter=2).fit(X, y)


@pytest.mark.parametrize("settings, message", [
    ({"solver": "lbfgs"}, "solver must be one of"),
    ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
    ({"engine": "gpu"}, "engine must be one of"),
    ({"engine": "classic", "dtype": "float32"}, "classic engine computes in float64"),
    ({"dtype": "int8"}, "dtype must be"),
    ({"alpha": -1}, r"alpha must be a number in \[0, inf\)"),
    ({"momentum": 1.5}, "momentum"),
    ({"batch_size": 0}, "batch_size must be 'auto' or an integer"),
    ({"max_iter": 2.5}, "max_iter"),
    ({"shuffle": "yes"}, "shuffle must be True or False"),
])
def test_bad_settings_are_value_errors_naming_them(settings, message):
    with pytest.raises(ValueError, match=message):
        MLPClassifier(**settings).fit(*small_problem())


def test_early_stopping_needs_two_samples_to_validate_on():
    X = small_problem()[0]
    with pytest.raises(ValueError, match="validation set holds 1 sample"):
        MLPRegressor(early_stopping=True, validation_fraction=0.01).fit(X, X[:, 0])


@pytest.mark.parametrize("engine", ENGINES)
def test_the_trace_opens_in_the_debugger(engine):
    pytest.importorskip("matplotlib")
    pytest.importorskip("ipywidgets")
    from visualizer import Debugger

    X, y = small_problem()
    clf = MLPClassifier((4,), batch_size=40, max_iter=3, trace=True, engine=engine).fit(X, y)
    view = Debugger(clf.trace_)
    view.step = clf.trace_.steps[-1]
    assert view.to_png().startswith(b"\x89PNG")

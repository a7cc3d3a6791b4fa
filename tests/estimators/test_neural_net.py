"""NeuralNetClassifier and NeuralNetRegressor as a user meets them: sizes filled in from the data, the kinds of
targets, training more (partial_fit, warm_start), randomness, the trace, and clear refusals."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from neural_net_modules import LogProbabilities, TwoLayers  # noqa: E402
from sklearn.datasets import make_blobs, make_multilabel_classification  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402

import aino  # noqa: E402
from aino import nn, optim  # noqa: E402
from aino.estimators import NeuralNetClassifier, NeuralNetRegressor  # noqa: E402
from aino.estimators.modules import MLPModule  # noqa: E402
from aino.tensor import get_rng  # noqa: E402
from aino.trace import Trace  # noqa: E402


def blobs(n_classes=3, n_samples=150):
    X, y = make_blobs(n_samples=n_samples, centers=n_classes, n_features=4, cluster_std=0.5, random_state=0)
    return X, y


# --- sizes ---------------------------------------------------------------------------------------


def test_the_sizes_the_module_names_are_filled_in_from_the_data():
    X, y = blobs(n_classes=3)
    net = NeuralNetClassifier(TwoLayers, max_epochs=1).fit(X, y)
    assert (net.module_.input_size, net.module_.n_outputs, net.n_outputs_) == (4, 3, 3)
    Y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]])
    reg = NeuralNetRegressor(TwoLayers, max_epochs=1).fit(X, Y)
    assert (reg.module_.input_size, reg.module_.n_outputs) == (4, 2) and reg.predict(X).shape == (150, 2)


def test_a_size_given_as_a_module_argument_wins_and_a_wrong_one_is_named_before_training():
    X, y = blobs(n_classes=3)
    with pytest.raises(ValueError, match=r"gives outputs of shape \(1, 5\).*needs \(1, 3\)"):
        NeuralNetClassifier(TwoLayers, module__n_outputs=5).fit(X, y)


def test_a_module_instance_is_copied_and_never_changed():
    X, y = blobs(n_classes=3)
    start = MLPModule(4, 3, hidden=8)
    before = {name: value.copy() for name, value in start.state_dict().items()}
    net = NeuralNetClassifier(start, max_epochs=3, random_state=0).fit(X, y)
    assert net.module_ is not start
    assert all(np.array_equal(start.state_dict()[name], value) for name, value in before.items())
    assert not np.array_equal(net.module_.state_dict()["layers.0.weight"], before["layers.0.weight"])
    with pytest.raises(ValueError, match="need module to be a class"):
        NeuralNetClassifier(start, module__hidden=4).fit(X, y)


# --- targets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("labels", [["cat", "dog"], ["ant", "bee", "cow"]])
def test_string_labels_come_back_as_given(labels):
    X, y = blobs(n_classes=len(labels))
    names = np.array(labels)[y]
    net = NeuralNetClassifier(random_state=0).fit(X, names)
    assert net.classes_.tolist() == sorted(labels)
    assert np.mean(net.predict(X) == names) > 0.95
    proba = net.predict_proba(X)
    assert proba.shape == (150, len(labels)) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(net.predict_log_proba(X), np.log(proba))


@pytest.mark.parametrize("criterion, n_outputs", [(nn.CrossEntropyLoss, 2), (nn.BCEWithLogitsLoss, 1)])
def test_binary_targets_with_one_logit_or_two(criterion, n_outputs):
    X, y = blobs(n_classes=2)
    net = NeuralNetClassifier(criterion=criterion, random_state=0).fit(X, y)
    assert net.n_outputs_ == n_outputs and isinstance(net.criterion_, criterion)
    assert net.score(X, y) > 0.95
    scores = net.decision_function(X)
    assert scores.shape == (150,)
    np.testing.assert_array_equal(net.classes_[(scores > 0).astype(int)], net.predict(X))
    assert net.predict_proba(X).shape == (150, 2)


def test_multilabel_targets_train_with_bce_with_logits_by_default():
    X, Y = make_multilabel_classification(n_samples=200, n_features=5, n_classes=4, random_state=0)
    net = NeuralNetClassifier(max_epochs=30, random_state=0).fit(scale(X), Y)
    assert isinstance(net.criterion_, nn.BCEWithLogitsLoss) and net.classes_.tolist() == [0, 1, 2, 3]
    predicted = net.predict(scale(X))
    assert predicted.shape == Y.shape and set(np.unique(predicted)) <= {0, 1}
    assert np.mean(predicted == Y) > 0.75  # label by label; each label's majority alone gets 0.55 right
    assert net.predict_proba(scale(X)).shape == (200, 4)


def test_nll_loss_reads_the_module_outputs_as_log_probabilities():
    X, y = blobs(n_classes=3)
    net = NeuralNetClassifier(LogProbabilities, criterion=nn.NLLLoss, random_state=0).fit(X, y)
    np.testing.assert_allclose(net.predict_proba(X), np.exp(net.module_(aino.Tensor(X.astype(np.float32))).numpy()),
                               rtol=1e-6)
    assert net.score(X, y) > 0.95


@pytest.mark.parametrize("make, target, error, words", [
    (lambda: NeuralNetClassifier(criterion=nn.CrossEntropyLoss), "multilabel", ValueError, "one class per sample"),
    (lambda: NeuralNetClassifier(criterion=nn.BCEWithLogitsLoss), "3 classes", ValueError, "binary or multilabel"),
    (lambda: NeuralNetClassifier(criterion=nn.MSELoss), "3 classes", TypeError, "classification loss"),
    (lambda: NeuralNetClassifier(), "continuous", ValueError, "Unknown label type"),
    (lambda: NeuralNetClassifier(hidden=8), "3 classes", TypeError, "unexpected keyword argument 'hidden'"),
    (lambda: NeuralNetClassifier(optimizer__lr=0.1), "3 classes", ValueError, "as lr=0.1"),
    (lambda: NeuralNetClassifier(optimizer=optim.SGD([nn.Parameter(np.ones(1))])), "3 classes", TypeError,
     "aino.optim class"),
    (lambda: NeuralNetClassifier(module="mlp"), "3 classes", TypeError, "aino.nn.Module class"),
    (lambda: NeuralNetClassifier(dtype="int32"), "3 classes", ValueError, "'float32' or 'float64'"),
    (lambda: NeuralNetRegressor(max_epochs=0), "continuous", ValueError, "max_epochs must be an integer >= 1"),
])
def test_what_cannot_work_is_refused_with_a_reason(make, target, error, words):
    X, y = blobs(n_classes=3)
    targets = {"3 classes": y, "continuous": X[:, 0], "multilabel": np.eye(3, dtype=int)[y] | (X[:, :3] > 0)}
    with pytest.raises(error, match=words):
        make().fit(X, targets[target])


# --- training more -------------------------------------------------------------------------------


def test_partial_fit_trains_one_epoch_a_call_over_the_classes_given_first():
    X, y = blobs(n_classes=3)
    net = NeuralNetClassifier(random_state=0)
    for start in (0, 50, 100):
        net.partial_fit(X[start:start + 50], y[start:start + 50], classes=[0, 1, 2, 3])
    assert net.n_iter_ == 3 and len(net.loss_curve_) == 3 and net.classes_.tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="not in classes_"):
        net.partial_fit(X[:5], [0, 1, 2, 3, 7])
    with pytest.raises(ValueError, match="differs from the classes of the first call"):
        net.partial_fit(X[:5], y[:5], classes=[0, 1])


def test_warm_start_trains_the_same_module_further():
    X, y = blobs(n_classes=3)
    net = NeuralNetClassifier(max_epochs=4, warm_start=True, random_state=0).fit(X, y)
    module = net.module_
    net.fit(X, y)
    assert net.module_ is module and net.n_iter_ == 8 and net.loss_curve_[-1] < net.loss_curve_[0]
    net.set_params(warm_start=False).fit(X, y)
    assert net.module_ is not module and net.n_iter_ == 4


def test_random_state_repeats_a_fit_and_leaves_aino_generator_as_it_was():
    X, y = blobs(n_classes=3)
    state = get_rng().bit_generator.state
    first = NeuralNetClassifier(random_state=7).fit(X, y).predict_proba(X)
    again = NeuralNetClassifier(random_state=7).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, again)
    assert get_rng().bit_generator.state == state
    aino.manual_seed(3)  # random_state=None: aino's generator decides
    seeded = NeuralNetClassifier().fit(X, y).predict_proba(X)
    aino.manual_seed(3)
    np.testing.assert_array_equal(NeuralNetClassifier().fit(X, y).predict_proba(X), seeded)


def test_trace_records_every_training_step():
    X, y = blobs(n_classes=3, n_samples=100)
    net = NeuralNetClassifier(max_epochs=2, batch_size=25, trace=True, random_state=0).fit(X, y)
    assert isinstance(net.trace_, Trace) and len(net.trace_.loss) == 2 * 4
    assert NeuralNetClassifier(max_epochs=1).fit(X, y).trace_ is None


def test_verbose_shows_a_progress_bar_over_the_epochs(capsys):
    X, y = blobs(n_classes=3)
    NeuralNetClassifier(max_epochs=3, verbose=True).fit(X, y)
    assert "3/3" in capsys.readouterr().err


def test_dtype_float64_trains_and_answers_in_float64():
    X, _ = blobs(n_classes=3)
    net = NeuralNetRegressor(dtype="float64", random_state=0).fit(X, X[:, 0] - 2 * X[:, 1])
    assert all(param.dtype == np.float64 for param in net.module_.parameters())
    assert net.predict(X).dtype == np.float64 and net.score(X, X[:, 0] - 2 * X[:, 1]) > 0.95


def test_feature_names_from_a_data_frame_are_kept_and_checked():
    pandas = pytest.importorskip("pandas")
    X, y = blobs(n_classes=3)
    frame = pandas.DataFrame(X, columns=["a", "b", "c", "d"])
    net = NeuralNetClassifier(max_epochs=1).fit(frame, y)
    assert net.feature_names_in_.tolist() == ["a", "b", "c", "d"] and net.n_features_in_ == 4
    with pytest.raises(ValueError, match="feature names should match"):
        net.predict(frame.rename(columns={"a": "z"}))

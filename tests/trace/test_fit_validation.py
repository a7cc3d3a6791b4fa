"""aino.fit(validation_data=): the validation scores after each epoch, and what they leave unchanged."""

import numpy as np
import pytest

import aino
from aino import nn
from aino.tensor import Tensor, no_grad


# --- aino.fit(validation_data=) --------------------------------------------------------------------


def _fit(validation, trace=False, epochs=3, device=None):
    aino.manual_seed(7)
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((40, 4)).astype(np.float32), rng.integers(0, 3, 40)
    model = nn.Sequential(nn.Linear(4, 6), nn.Dropout(0.3), nn.ReLU(), nn.Linear(6, 3))
    X_val, y_val = rng.standard_normal((15, 4)).astype(np.float32), rng.integers(0, 3, 15)
    history = aino.fit(model, X, y, epochs=epochs, batch_size=16, lr=0.05, seed=0, verbose=False, trace=trace,
                       probe=X_val if trace else None, probe_labels=y_val if trace else None,
                       validation_data=(X_val, y_val) if validation else None, device=device)
    return history, model, X_val, y_val


def test_fit_scores_the_validation_data_after_each_epoch(device):
    history, model, X_val, y_val = _fit(validation=True, trace=True, device=device)
    assert model.training  # the mode is restored after each validation
    assert model[0].weight.device == device  # fit(device=...) moved the model there
    model.eval()
    with no_grad():
        output = model(Tensor(X_val).to(device))
        loss = float(nn.CrossEntropyLoss()(output, Tensor(y_val).to(device)).item())
    accuracy = np.mean(np.argmax(output.numpy(), axis=1) == y_val)
    assert len(history.val_loss) == len(history.val_accuracy) == 3
    assert history.val_loss[-1] == pytest.approx(loss, rel=1e-6)
    assert history.val_accuracy[-1] == pytest.approx(accuracy)
    trace = history.trace
    assert trace.n_steps == 9  # 3 batches (16, 16, 8) per epoch
    ends = [2, 5, 8]  # the last step of each epoch carries its validation
    np.testing.assert_allclose(trace.metric("val_loss")[ends], history.val_loss)
    np.testing.assert_allclose(trace.metric("val_accuracy")[ends], history.val_accuracy)
    assert np.isnan(np.delete(trace.metric("val_loss"), ends)).all()
    assert trace.probe_labels.tolist() == y_val.tolist()
    assert np.isfinite(trace.loss).all() and trace.ops == {}


def test_validation_changes_neither_training_nor_the_trace_s_steps(device):
    with_validation, model_a, _, _ = _fit(validation=True, trace=True, device=device)
    without, model_b, _, _ = _fit(validation=False, trace=True, device=device)
    assert with_validation.loss == without.loss
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    for step in with_validation.trace.steps:
        np.testing.assert_array_equal(with_validation.trace.activations("3", step), without.trace.activations("3", step))
    assert without.val_loss == [] and without.trace.metrics == {}


def test_regression_validation_has_no_accuracy():
    aino.manual_seed(0)
    X = np.linspace(-1, 1, 20, dtype=np.float32).reshape(-1, 1)
    model = nn.Linear(1, 1)
    history = aino.fit(model, X, 2 * X, epochs=2, verbose=False, validation_data=(X[:5], 2 * X[:5]))
    with no_grad():
        expected = float(np.mean((model(Tensor(X[:5])).data - 2 * X[:5]) ** 2))
    assert history.val_loss[-1] == pytest.approx(expected, rel=1e-6)
    assert len(history.val_accuracy) == 2 and np.isnan(history.val_accuracy).all()


@pytest.mark.parametrize("validation_data, error, message", [
    (np.zeros((3, 4)), TypeError, "validation_data must be a pair"),
    ((np.zeros((3, 4)),), TypeError, "a pair .* of 1 items"),
    ((np.zeros((3, 4)), np.zeros(2, int)), ValueError, "3 samples in X_val but 2 in y_val"),
    ((np.zeros((3, 5)), np.zeros(3, int)), ValueError, "samples shaped like X's"),
    ((np.zeros((3, 4)), np.zeros(3)), ValueError, "y_val must too"),
    ((np.zeros((0, 4)), np.zeros(0, int)), ValueError, "validation_data is empty"),
])
def test_bad_validation_data_is_refused(validation_data, error, message):
    model = nn.Linear(4, 2)
    with pytest.raises(error, match=message):
        aino.fit(model, np.zeros((5, 4), np.float32), np.zeros(5, int), verbose=False, validation_data=validation_data)

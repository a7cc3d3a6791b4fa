"""fit(): a ready training loop for aino.nn models, with a progress bar, a history and (optionally) a trace.

    from aino import fit
    history = fit(model, X, y, epochs=50, lr=0.01, trace=True)
    history.loss       # mean loss of each epoch
    history.trace      # an aino.trace.Trace (or None), ready for visualizer.Debugger

    history = fit(model, X, y, validation_data=(X_val, y_val))
    history.val_loss, history.val_accuracy   # after each epoch, on the held-out samples

    history = fit(model, X, y, device="cuda")   # the model moves there; X and y are copied there once

On a GPU the data goes to the device once, the shuffled order once per epoch, and each step brings back
only its loss (the float the epoch's mean loss sums), so that training is not held up by copies.
"""

import warnings
from contextlib import nullcontext

import numpy
from tqdm.auto import tqdm

from aino import nn, optim
from aino.backend import Device, device_of, move_array
from aino.nn.module import Module
from aino.tensor import Tensor, get_rng, no_grad
from aino.trace import Recorder
from aino.validation import check_positive_int, check_real, random_generator


VALIDATION_CHUNK = 1024  # samples per forward pass of the validation


class History:
    """What fit() returns: `loss` (mean loss per epoch), `val_loss` and `val_accuracy` (per epoch, with
    validation_data; the accuracy NaN unless the labels are integer classes), `trace` (a Trace, or None),
    and the model."""

    def __init__(self, model):
        self.model = model
        self.loss = []
        self.val_loss, self.val_accuracy = [], []
        self.trace = None

    def __repr__(self):
        last = f", last loss {self.loss[-1]:.4g}" if self.loss else ""
        last += f", last val_loss {self.val_loss[-1]:.4g}" if self.val_loss else ""
        return f"History({len(self.loss)} epochs{last}, trace={'yes' if self.trace is not None else 'no'})"


def fit(model, X, y, loss_fn=None, optimizer=None, epochs=10, batch_size=32, lr=0.01, shuffle=True, seed=None,
        trace=False, probe=None, verbose=True, validation_data=None, probe_labels=None, device=None):
    """Train `model` on (X, y) with mini-batches; returns a History.

    `loss_fn` defaults to CrossEntropyLoss for integer labels and MSELoss otherwise; `optimizer` to
    Adam(model.parameters(), lr=lr). `seed` fixes the shuffling (by default aino's generator, seeded by aino.manual_seed). `trace=True` records a Trace (a dict
    is passed on to Recorder as options, e.g. {"every": 5}); `probe` is the Recorder's probe batch and
    `probe_labels` its labels. `validation_data=(X_val, y_val)`: after each epoch the model, in eval mode
    and without gradients, is scored there with loss_fn (and, for integer labels, the accuracy), into
    history.val_loss / val_accuracy and, when tracing, the trace's metrics "val_loss" / "val_accuracy".
    `device` ("cpu", "cuda", a Device; None: where the model's parameters are) is where training runs: the
    model is moved there in place, as model.to(device) does.
    """
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be an aino.nn Module, got {type(model).__name__} "
                        f"(a classic NeuralNetwork has its own .fit)")
    if optimizer is not None and not isinstance(optimizer, optim.Optimizer):
        raise TypeError(f"fit: optimizer must be an aino optimizer such as aino.optim.Adam(model.parameters()), "
                        f"got {type(optimizer).__name__}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable, such as aino.nn.MSELoss(), got {type(loss_fn).__name__}")
    if not isinstance(trace, (bool, dict)):
        raise TypeError(f"fit: trace must be True, False or a dict of Recorder options, got {type(trace).__name__}")
    X, y = _host(X, "X"), _host(y, "y")
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} samples but y has {len(y)}")
    if not len(X):
        raise ValueError("fit: X and y are empty (0 samples); expected at least one sample to train on")
    epochs = check_positive_int(epochs, "epochs", "fit")
    batch_size = check_positive_int(batch_size, "batch_size", "fit")
    if optimizer is None:
        check_real(lr, "lr", "fit", minimum=0)
        if not any(True for _ in model.parameters()):
            raise ValueError(f"fit: the model {type(model).__name__} has no parameters to train")
    device = _device(model, device)
    dtype = next((p.dtype for p in model.parameters()), numpy.dtype(numpy.float32))
    X = X.astype(dtype) if X.dtype.kind in "fiub" else X
    labels = y.dtype.kind in "iub" and y.ndim == 1
    y = y.astype(numpy.int64) if labels else y.astype(dtype)
    validation = None if validation_data is None else _validation(validation_data, X, y, labels)
    on_host = device == "cpu"
    X_run, y_run = (X, y) if on_host else (move_array(X, device), move_array(y, device))  # once, not per batch
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss() if labels else nn.MSELoss()
    if optimizer is None:
        optimizer = optim.Adam(model.parameters(), lr=lr)
    history = History(model)
    rng = get_rng() if seed is None else random_generator(seed, owner="fit")  # aino.manual_seed covers it too
    recorder = None
    if trace:
        options = dict(trace) if isinstance(trace, dict) else {}
        if probe_labels is not None:
            options["probe_labels"] = probe_labels
        recorder = Recorder(model, optimizer, probe=probe, **options).__enter__()
    try:
        progress = tqdm(range(epochs), desc="training", unit="epoch", disable=not verbose)
        for epoch in progress:
            order = rng.permutation(len(X)) if shuffle else numpy.arange(len(X))  # drawn on the host, as on the CPU
            order = order if on_host else move_array(order, device)  # one copy per epoch; the batches index there
            total = 0.0
            for start in range(0, len(X), batch_size):
                rows = order[start:start + batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(Tensor(X_run[rows])), Tensor(y_run[rows]))
                loss.backward()
                optimizer.step()
                total += float(loss.item()) * len(rows)
            history.loss.append(total / len(X))
            if validation is not None:
                _validate(model, loss_fn, validation, labels, history, recorder, device)
            progress.set_postfix(loss=f"{history.loss[-1]:.4f}", refresh=False)
            if not numpy.isfinite(history.loss[-1]):
                warnings.warn(f"fit: the loss became {history.loss[-1]} in epoch {epoch + 1}; training stopped. "
                              f"A smaller learning rate (now {optimizer.lr}) usually helps.", RuntimeWarning,
                              stacklevel=2)
                break
    finally:
        if recorder is not None:
            recorder.__exit__(None, None, None)
            history.trace = recorder.trace
    return history


def _validation(validation_data, X, y, labels):
    """(X_val, y_val) from validation_data, as host arrays shaped and typed like the training's X and y."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError(f"fit: validation_data must be a pair (X_val, y_val), got {type(validation_data).__name__}"
                        + (f" of {len(validation_data)} items" if isinstance(validation_data, (tuple, list)) else ""))
    X_val, y_val = _host(validation_data[0], "X_val"), _host(validation_data[1], "y_val")
    if len(X_val) != len(y_val):
        raise ValueError(f"fit: validation_data has {len(X_val)} samples in X_val but {len(y_val)} in y_val")
    if not len(X_val):
        raise ValueError("fit: validation_data is empty (0 samples); expected at least one sample to score on")
    if X_val.shape[1:] != X.shape[1:] or y_val.shape[1:] != y.shape[1:]:
        raise ValueError(f"fit: validation_data must have samples shaped like X's {X.shape[1:]} and targets like "
                         f"y's {y.shape[1:]}, got {X_val.shape[1:]} and {y_val.shape[1:]}")
    if labels and y_val.dtype.kind not in "iub":
        raise ValueError(f"fit: y holds integer labels, so y_val must too, got dtype {y_val.dtype}")
    X_val = X_val.astype(X.dtype) if X_val.dtype.kind in "fiub" else X_val
    return X_val, y_val.astype(y.dtype)


def _device(model, device):
    """The Device training runs on: `device`, with the model moved there, or (None) the model's own."""
    if device is None:
        first = next(iter(model.parameters()), None)
        return Device("cpu") if first is None else device_of(first.data)
    device = Device(device)
    model.to(device)
    return device


def _validate(model, loss_fn, validation, labels, history, recorder, device="cpu"):
    """Score the model on the validation data after an epoch: into the history and (tracing) the trace."""
    with recorder.paused() if recorder is not None else nullcontext():  # no part of the next step's trace
        loss, accuracy = evaluate(model, loss_fn, *validation, labels, device)
    history.val_loss.append(loss)
    history.val_accuracy.append(accuracy)
    if recorder is not None and recorder.trace.n_steps:
        recorder.log_metric("val_loss", loss)
        if labels:
            recorder.log_metric("val_accuracy", accuracy)


def evaluate(model, loss_fn, X, y, labels, device="cpu"):
    """(loss, accuracy) of `model` on host arrays (X, y), in eval mode under no_grad (each module's mode is
    restored after), computed on `device` (each chunk copied there). The loss is loss_fn's, over chunks of
    VALIDATION_CHUNK samples weighted by their size
    (for a mean-reduced loss, the mean over all samples); the accuracy is the fraction of samples whose
    largest output is their label (NaN unless `labels`, integer classes, with one output per class)."""
    modes = [(module, module.training) for module in model.modules()]
    total, correct = 0.0, 0
    try:
        model.eval()
        with no_grad():
            for start in range(0, len(X), VALIDATION_CHUNK):
                rows = slice(start, start + VALIDATION_CHUNK)
                output = model(Tensor(move_array(X[rows], device)))
                total += float(loss_fn(output, Tensor(move_array(y[rows], device))).item()) * len(y[rows])
                scores = move_array(output.data, "cpu")
                if labels and scores.shape[:-1] == y[rows].shape and scores.shape[-1] > 1:
                    correct += int(numpy.count_nonzero(scores.argmax(axis=-1) == y[rows]))
                else:
                    labels = False
    finally:
        for module, mode in modes:
            module.training = mode
    return total / len(X), (correct / len(X) if labels else float("nan"))


def _host(values, name):
    """`values` (an array, a Tensor or nested lists) as a NumPy array of numbers with one sample per row."""
    data = move_array(values.data if isinstance(values, Tensor) else values, "cpu")  # a CuPy array is copied
    try:
        array = numpy.asarray(data)
    except (TypeError, ValueError) as error:
        raise ValueError(f"fit: {name} must be an array of numbers, got a ragged {type(values).__name__} "
                         f"({error})") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"fit: {name} must be numbers, got {type(values).__name__} of dtype {array.dtype}")
    if not array.ndim:
        raise ValueError(f"fit: {name} must hold one sample per row, got a single number of shape ()")
    return array

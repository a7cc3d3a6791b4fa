"""fit(): a ready training loop for aino.nn models, with a progress bar, a history and (optionally) a trace.

    from aino import fit
    history = fit(model, X, y, epochs=50, lr=0.01, trace=True)
    history.loss       # mean loss of each epoch
    history.trace      # an aino.trace.Trace (or None), ready for visualizer.Debugger
"""

import warnings

import numpy
from tqdm.auto import tqdm

from aino import nn, optim
from aino.backend import move_array
from aino.nn.module import Module
from aino.tensor import Tensor, get_rng
from aino.trace import Recorder
from aino.validation import check_positive_int, check_real, random_generator


class History:
    """What fit() returns: `loss` (mean loss per epoch), `trace` (a Trace, or None), and the model."""

    def __init__(self, model):
        self.model = model
        self.loss = []
        self.trace = None

    def __repr__(self):
        last = f", last loss {self.loss[-1]:.4g}" if self.loss else ""
        return f"History({len(self.loss)} epochs{last}, trace={'yes' if self.trace is not None else 'no'})"


def fit(model, X, y, loss_fn=None, optimizer=None, epochs=10, batch_size=32, lr=0.01, shuffle=True, seed=None,
        trace=False, probe=None, verbose=True):
    """Train `model` on (X, y) with mini-batches; returns a History.

    `loss_fn` defaults to CrossEntropyLoss for integer labels and MSELoss otherwise; `optimizer` to
    Adam(model.parameters(), lr=lr). `seed` fixes the shuffling (by default aino's generator, seeded by aino.manual_seed). `trace=True` records a Trace (a dict
    is passed on to Recorder as options, e.g. {"every": 5}); `probe` is the Recorder's probe batch.
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
    dtype = next((p.dtype for p in model.parameters()), numpy.dtype(numpy.float32))
    X = X.astype(dtype) if X.dtype.kind in "fiub" else X
    labels = y.dtype.kind in "iub" and y.ndim == 1
    y = y.astype(numpy.int64) if labels else y.astype(dtype)
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss() if labels else nn.MSELoss()
    if optimizer is None:
        optimizer = optim.Adam(model.parameters(), lr=lr)
    history = History(model)
    rng = get_rng() if seed is None else random_generator(seed, owner="fit")  # aino.manual_seed covers it too
    recorder = None
    if trace:
        options = dict(trace) if isinstance(trace, dict) else {}
        recorder = Recorder(model, optimizer, probe=probe, **options).__enter__()
    try:
        progress = tqdm(range(epochs), desc="training", unit="epoch", disable=not verbose)
        for epoch in progress:
            order = rng.permutation(len(X)) if shuffle else numpy.arange(len(X))
            total = 0.0
            for start in range(0, len(X), batch_size):
                rows = order[start:start + batch_size]
                optimizer.zero_grad()
                loss = loss_fn(model(Tensor(X[rows])), Tensor(y[rows]))
                loss.backward()
                optimizer.step()
                total += float(loss.item()) * len(rows)
            history.loss.append(total / len(X))
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

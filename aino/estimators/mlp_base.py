"""What MLPClassifier and MLPRegressor share: their parameters, and scikit-learn's training loop for them.

One `fit` is, as in scikit-learn's MLPs:

    rng = RandomState(random_state)            (a new one for each fit and partial_fit call)
    start: W, b of each layer drawn from rng (engines.initial_weights), unless warm_start or partial_fit
    early_stopping: split off validation_fraction of the samples (train_test_split, rng; stratified for
                    a binary classifier), to score after each epoch
    for each epoch (at most max_iter; one for partial_fit):
        shuffle: order = order[rng.permutation(n)]           (the permutations compound, epoch after epoch)
        for each minibatch of batch_size rows: forward, loss, backward, L2, the solver's update
        loss_curve_ gets the epoch's loss: the mean of the batch losses, weighted by their sizes
        stalled? the loss did not fall below best_loss_ - tol (or, with early stopping, the validation
                 score did not rise above the best + tol): one more stalled epoch; otherwise none
        more than n_iter_no_change stalled epochs: stop (or, learning_rate="adaptive", divide lr by 5)
    max_iter reached without stopping: a ConvergenceWarning
    early_stopping: the weights of the best validation score are put back

The steps themselves (the network, the losses, the solvers) are in engines.py, losses.py and solvers.py.
"""

import contextlib
import math
import numbers
import warnings

import numpy
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, check_random_state

from aino.backend import CPU
from aino.estimators import mlp_files
from aino.estimators.base import batch_size_for, check_device, check_X, float_dtype, minibatches, progress_bar
from aino.estimators.engines import ClassicEngine, FastEngine, initial_weights
from aino.estimators.solvers import AdamSolver, SGDSolver
from aino.trace import Recorder

ENGINE_DTYPES = {"fast": numpy.float32, "classic": numpy.float64}
CHOICES = {"activation": ("identity", "logistic", "tanh", "relu"), "solver": ("adam", "sgd"),
           "learning_rate": ("constant", "invscaling", "adaptive"), "engine": ("fast", "classic")}
FLAGS = ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping", "trace")
# name: (lowest, highest, whether the lowest itself is allowed, whether the highest is)
RANGES = {"alpha": (0, math.inf, True, False), "learning_rate_init": (0, math.inf, False, False),
          "power_t": (0, math.inf, True, False), "tol": (0, math.inf, True, False),
          "momentum": (0, 1, True, True), "validation_fraction": (0, 1, True, False),
          "beta_1": (0, 1, True, False), "beta_2": (0, 1, True, False), "epsilon": (0, math.inf, False, False)}


class BaseMLP(BaseEstimator):
    """The parameters and the training of MLPClassifier and MLPRegressor (their docstrings say what each
    parameter means). A subclass writes `_check_data` (X and the target matrix Y), `_loss_function`,
    `_validation_score` and whether early stopping stratifies (`_stratify`)."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, engine="fast", dtype=None, trace=False, device="cpu"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.engine = engine
        self.dtype = dtype
        self.trace = trace
        self.device = device

    # --- the fitted network, in scikit-learn's layout ---------------------------------------------

    @property
    def coefs_(self):
        """The weight matrices, one per layer, of shape (n_in, n_out): layer i computes a_i @ coefs_[i] +
        intercepts_[i]. On the fast engine they are views of model_'s Linear weights (transposed)."""
        return self._engine.coefs()

    @property
    def intercepts_(self):
        """The bias vectors, one per layer, of shape (n_out,)."""
        return self._engine.intercepts()

    def _outputs(self, X):
        """The output layer's weighted sums z for X (checked against the fit): shape (samples, n_outputs_).

        Computed in float64 whatever the engine's dtype (float32 weights widen exactly), so that a sample's
        prediction does not depend on the others predicted with it: in float32, the matrix products of
        BLAS round differently for different numbers of rows."""
        check_is_fitted(self)
        return self._engine.forward(check_X(self, X, reset=False, dtype=numpy.float64))

    def _activations(self, X):
        """The network's predictions a = out_activation_(z) for X: shape (samples, n_outputs_)."""
        z = self._outputs(X)  # first: it checks that the estimator is fitted
        return self._loss.output(z)

    def save(self, path):
        """Write the fitted estimator to the .dit file `path` (atomically, never pickled); returns the path.
        `load` reads it back. The solver's running state is not kept: a partial_fit after load starts it anew."""
        return mlp_files.save_mlp(self, path)

    @classmethod
    def load(cls, path, device=None):
        """The fitted estimator saved at `path` by `save`; a damaged or foreign file is a ValueError. `device`
        ("cpu", "cuda"; None: the one it was saved from) is where it computes, as torch.load's map_location."""
        return mlp_files.load_mlp(cls, path, device)

    # --- fitting ----------------------------------------------------------------------------------

    def _fit(self, X, y, incremental):
        hidden, dtype, device = self._check_parameters()
        if self.early_stopping and incremental:
            raise ValueError(f"{self._owner()}: partial_fit does not support early_stopping=True (it trains on "
                             f"each batch it is given, with nothing set aside to validate on)")
        first = not hasattr(self, "_engine") or (not self.warm_start and not incremental)
        X, Y = self._check_data(X, y, incremental, reset=first, dtype=dtype)
        layer_units = [X.shape[1], *hidden, Y.shape[1]]
        rng = check_random_state(self.random_state)
        if first:
            self._start(layer_units, rng, dtype, device)
        elif layer_units != self._layer_units():
            raise ValueError(f"{self._owner()}: warm_start and partial_fit go on with the fitted network of layer "
                             f"sizes {self._layer_units()}; these data and parameters need {layer_units}")
        elif (self._engine.name, self._engine.dtype, self._engine.activation, _device_of(self._engine)) != (
                self.engine, dtype, self.activation, device):
            self._build([W.astype(dtype) for W in self.coefs_], [b.astype(dtype) for b in self.intercepts_], dtype,
                        device)
            vars(self).pop("_solver", None)  # the same weights, on the engine, dtype, activation and device asked for
        if not incremental or not hasattr(self, "_solver"):
            self._solver = self._new_solver()
        with self._recording():
            self._train(X, Y, rng, incremental)
        if not all(numpy.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ValueError(f"{self._owner()}: training made some weights infinite or NaN; the input data may hold "
                             f"large values: scale them (StandardScaler) or lower learning_rate_init")
        return self

    def _start(self, layer_units, rng, dtype, device=CPU):
        """A new network from scikit-learn's initial weights, and a fresh training record."""
        coefs, intercepts = initial_weights(layer_units, self.activation, rng)
        coefs = [W.astype(dtype) for W in coefs]
        intercepts = [b.astype(dtype) for b in intercepts]
        self._loss = self._loss_function(layer_units[-1])
        self._build(coefs, intercepts, dtype, device)
        self.n_iter_, self.t_ = 0, 0
        self.n_layers_, self.n_outputs_ = len(layer_units), layer_units[-1]
        self.out_activation_ = self._loss.out_activation
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self._best_weights = _copies(coefs, intercepts)
        if self.early_stopping:
            self.validation_scores_, self.best_validation_score_, self.best_loss_ = [], -numpy.inf, None
        else:
            self.validation_scores_, self.best_validation_score_, self.best_loss_ = None, None, numpy.inf

    def _build(self, coefs, intercepts, dtype, device=CPU):
        """The engine and model_ holding these weights (on `device`, the fast engine)."""
        if self.engine == "classic":
            self._engine = ClassicEngine(coefs, intercepts, self.activation, self._loss)
        else:
            self._engine = FastEngine(coefs, intercepts, self.activation, dtype, device)
        self.model_ = self._engine.model

    def _restore(self, coefs, intercepts, coding, attributes):
        """Become the fitted estimator that `save` wrote, from the parts mlp_files.load_mlp read and checked:
        the weights, the class coding (a classifier's; None for a regressor) and the fitted attributes."""
        if coding is not None:
            self._coding, self.classes_ = coding, coding.classes
        self._loss = self._loss_function(attributes["n_outputs_"])
        self._build(coefs, intercepts, coefs[0].dtype, check_device(self.device, self._owner()))
        self._best_weights = _copies(coefs, intercepts)
        self.n_layers_, self.out_activation_ = len(coefs) + 1, self._loss.out_activation
        for name, value in attributes.items():
            setattr(self, name, value)

    def _layer_units(self):
        return [self.coefs_[0].shape[0]] + [W.shape[1] for W in self.coefs_]

    def _new_solver(self):
        params = self._engine.parameters()
        if self.solver == "sgd":
            return SGDSolver(params, self.learning_rate_init, self.momentum, self.nesterovs_momentum,
                             self.learning_rate, self.power_t)
        return AdamSolver(params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)

    def _recording(self):
        """With trace=True, a Recorder filling `trace_` while the network trains; else nothing."""
        if not self.trace:
            return contextlib.nullcontext()
        fast = self._engine.name == "fast"
        recorder = Recorder(self.model_, self._solver if fast else None)
        stack = contextlib.ExitStack()
        stack.enter_context(recorder)
        stack.callback(lambda: setattr(self, "trace_", recorder.trace))
        return stack

    def _train(self, X, Y, rng, incremental):
        """The epochs (see the module docstring)."""
        X_val = Y_val = None
        if self.early_stopping:
            X, X_val, Y, Y_val = train_test_split(X, Y, random_state=rng, test_size=self.validation_fraction,
                                                  stratify=Y if self._stratify() else None)
            if len(X_val) < 2:
                raise ValueError(f"{self._owner()}: the validation set holds {len(X_val)} sample(s); early "
                                 f"stopping needs at least 2: raise validation_fraction, or give more data")
        n = len(X)
        batch = batch_size_for(self.batch_size, n, self._owner())
        order = numpy.arange(n)
        X, Y = self._engine.to_device(X), self._engine.to_device(Y)  # once: a GPU then reads only its own memory
        self.n_iter_ = 0
        epochs = progress_bar(1 if incremental else self.max_iter, self.verbose, self._owner())
        for _ in epochs:
            if self.shuffle:
                order = order[rng.permutation(n)]
            total = 0.0
            on_device = self._engine.to_device(order) if self.shuffle else None  # one copy per epoch
            for rows in minibatches(n, batch, on_device):
                X_batch = X[rows]
                total += self._engine.train_step(X_batch, Y[rows], self._loss, self._solver, self.alpha) * len(X_batch)
            self.n_iter_ += 1
            self.t_ += n
            self.loss_ = total / n
            self.loss_curve_.append(self.loss_)
            epochs.set_postfix(loss=f"{self.loss_:.6f}", refresh=False)
            self._count_stalled_epochs(X_val, Y_val)
            self._solver.end_epoch(self.t_)
            if self._no_improvement_count > self.n_iter_no_change:
                if not self._solver.keep_going():
                    if self.verbose:
                        watched = "validation score" if self.early_stopping else "training loss"
                        epochs.write(f"{self._owner()}: the {watched} did not improve by tol={self.tol} for "
                                     f"{self._no_improvement_count} epochs: training stopped.")
                    break
                self._no_improvement_count = 0
            if not incremental and self.n_iter_ == self.max_iter:
                warnings.warn(f"{self._owner()}: max_iter={self.max_iter} epochs ran and training has not "
                              f"converged yet (the loss still changes by more than tol={self.tol}); raise "
                              f"max_iter to train longer", ConvergenceWarning, stacklevel=4)
        if self.early_stopping:
            self._engine.set_weights(*self._best_weights)

    def _count_stalled_epochs(self, X_val, Y_val):
        """Count one more stalled epoch, or start again from none, and keep the best loss (or validation
        score, and its weights)."""
        if self.early_stopping:
            score = self._validation_score(X_val, Y_val)
            self.validation_scores_.append(score)
            stalled = score < self.best_validation_score_ + self.tol
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_weights = _copies(self.coefs_, self.intercepts_)
        else:
            stalled = self.loss_ > self.best_loss_ - self.tol
            self.best_loss_ = min(self.best_loss_, self.loss_)
        self._no_improvement_count = self._no_improvement_count + 1 if stalled else 0

    # --- checks -----------------------------------------------------------------------------------

    def _owner(self):
        return type(self).__name__

    def _check_parameters(self):
        """Refuse a parameter outside its range, naming it; return (hidden layer sizes, the float dtype)."""
        owner = self._owner()
        for name, options in CHOICES.items():
            if not isinstance(getattr(self, name), str) or getattr(self, name) not in options:
                extra = " (lbfgs is scikit-learn's; aino's MLPs train with adam or sgd)" if name == "solver" else ""
                raise ValueError(f"{owner}: {name} must be one of {list(options)}, got {getattr(self, name)!r}{extra}")
        for name in FLAGS:
            if not isinstance(getattr(self, name), (bool, numpy.bool_)):
                raise ValueError(f"{owner}: {name} must be True or False, got {getattr(self, name)!r}")
        for name, (low, high, low_in, high_in) in RANGES.items():
            value = getattr(self, name)
            fits = (isinstance(value, numbers.Real) and not isinstance(value, bool)
                    and (low <= value if low_in else low < value) and (value <= high if high_in else value < high))
            if not fits:
                interval = f"{'[' if low_in else '('}{low}, {high}{']' if high_in else ')'}"
                raise ValueError(f"{owner}: {name} must be a number in {interval}, got {value!r}")
        _check_count(owner, "max_iter", self.max_iter)
        if self.n_iter_no_change != numpy.inf:
            _check_count(owner, "n_iter_no_change", self.n_iter_no_change)
        if self.batch_size != "auto":
            _check_count(owner, "batch_size", self.batch_size, "'auto' or ")
        if not isinstance(self.verbose, (bool, numbers.Integral)):
            raise ValueError(f"{owner}: verbose must be True, False or an integer, got {self.verbose!r}")
        dtype = float_dtype(self.dtype, ENGINE_DTYPES[self.engine], owner)
        if self.engine == "classic" and dtype != numpy.float64:
            raise ValueError(f"{owner}: the classic engine computes in float64; got dtype={self.dtype!r}")
        device = check_device(self.device, owner)
        if self.engine == "classic" and device != CPU:
            raise ValueError(f"{owner}: the classic engine computes on the CPU (NumPy); got device={self.device!r}: "
                             f"use engine='fast' to train on a GPU")
        return _hidden_sizes(owner, self.hidden_layer_sizes), dtype, device


def _device_of(engine):
    return getattr(engine, "device", CPU)


def _copies(coefs, intercepts):
    return [W.copy() for W in coefs], [b.copy() for b in intercepts]


def _check_count(owner, name, value, other=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be {other}an integer >= 1, got {value!r}")


def _hidden_sizes(owner, sizes):
    """hidden_layer_sizes as a list of integers >= 1: (100,), [64, 32], or one integer for one layer."""
    listed = list(sizes) if hasattr(sizes, "__iter__") and not isinstance(sizes, str) else [sizes]
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in listed):
        raise ValueError(f"{owner}: hidden_layer_sizes must be integers >= 1, one per hidden layer, such as "
                         f"(100,) or (64, 32); got {sizes!r}")
    return [int(n) for n in listed]

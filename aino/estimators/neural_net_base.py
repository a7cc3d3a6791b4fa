"""What NeuralNetClassifier and NeuralNetRegressor share: building the module, its criterion and its optimizer
from classes and their `module__name=value` arguments, training with aino.fit, and running the module.

Nested parameters, as scikit-learn's convention has them: `NeuralNetClassifier(MyNet, module__hidden=32)`
builds `MyNet(hidden=32)` at fit; `optimizer__momentum=0.9` goes to the optimizer and `criterion__weight=w` to
the loss. They are listed by `get_params()` (so `clone` keeps them) and changed by `set_params(module__hidden=16)`
(so `GridSearchCV(param_grid={"module__hidden": [16, 32]})` searches them).

Sizes the data decides: when the module class's `__init__` has a parameter named in INPUT_SIZES, the
estimator passes `n_features_in_` to it, and to one named in OUTPUT_SIZES the number of outputs its
criterion needs (classes, or targets), unless the user gives that parameter as `module__name=...`.

Randomness: with `random_state` set, aino's generator (the layers' initial weights, dropout, the shuffling)
draws from the estimator's own stream while it trains, and is left as it was after; with None it draws from
aino's generator as it is (seeded by `aino.manual_seed`).
"""

import contextlib
import copy
import inspect

import numpy
from sklearn.base import BaseEstimator, is_regressor
from sklearn.utils.validation import check_is_fitted, check_random_state

from aino import optim
from aino.estimators.base import check_X, check_X_y, check_device, float_dtype
from aino.estimators.modules import MLPModule
from aino.nn.module import Module
from aino.tensor import Tensor, get_rng, no_grad
from aino.training import fit as train
from aino.validation import check_bool, check_positive_int

PREFIXES = ("module__", "optimizer__", "criterion__")
INPUT_SIZES = ("in_features", "input_size", "n_features")
OUTPUT_SIZES = ("out_features", "output_size", "n_outputs", "n_classes", "num_classes")
FLOATS = (numpy.float64, numpy.float32)  # X keeps either, other numbers become float64; the module casts it


class NeuralNetBase(BaseEstimator):
    """The shared part of the NeuralNet estimators (see NeuralNetClassifier for the parameters).

    A subclass writes `_encode(y)`: the targets as the built criterion wants them and the number of
    outputs the module needs; `_criterion_class()`: the loss class to build when `criterion` is None; and,
    if it learns something from the targets of a first fit (the classes), `_learn_targets(y, classes)`.
    """

    def __init__(self, module=MLPModule, *, criterion=None, optimizer=optim.Adam, lr=0.01, max_epochs=10,
                 batch_size=32, shuffle=True, random_state=None, warm_start=False, verbose=False, trace=False,
                 dtype=None, device="cpu", **prefixed):
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.trace = trace
        self.dtype = dtype
        self.device = device
        # Kept aside, private: scikit-learn's checks expect __init__ to set its named parameters only.
        self._prefixed = dict(prefixed)

    # --- nested parameters -------------------------------------------------------------------------

    def get_params(self, deep=True):
        """The estimator's parameters, its `module__`, `optimizer__` and `criterion__` ones included."""
        return {**super().get_params(deep), **self._prefixed}

    def set_params(self, **params):
        """Set parameters, `module__hidden=32` style ones included; returns the estimator.

        As in __init__, a name that is not a named parameter is kept as a prefixed one and checked at fit.
        """
        named = self._get_param_names()
        super().set_params(**{name: value for name, value in params.items() if name in named})
        self._prefixed.update((name, value) for name, value in params.items() if name not in named)
        return self

    def _check_prefixed(self):
        for name in self._prefixed:
            if not name.startswith(PREFIXES) or name in PREFIXES:
                raise TypeError(f"{type(self).__name__} got an unexpected keyword argument {name!r}; arguments of "
                                f"the module, the optimizer and the criterion are given as module__name, "
                                f"optimizer__name and criterion__name (module__hidden=32)")

    def _arguments_for(self, prefix):
        """{name: value} of the parameters given as `prefix__name=value`."""
        start = len(prefix) + 2
        return {name[start:]: value for name, value in self._prefixed.items() if name.startswith(prefix + "__")}

    # --- training ----------------------------------------------------------------------------------

    def fit(self, X, y):
        """Train the module on (X, y) for `max_epochs` epochs (more epochs of the same one with `warm_start`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples; a module that wants images or sequences reshapes each row itself.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        keep = check_bool(self.warm_start, "warm_start", type(self).__name__) and self.__sklearn_is_fitted__()
        return self._train(X, y, self.max_epochs, restart=not keep)

    def _train(self, X, y, epochs, restart, classes=None):
        """Check the data, build everything on a restart, run `epochs` epochs of aino.fit, record the losses."""
        owner = type(self).__name__
        X, y = check_X_y(self, X, y, reset=restart, dtype=FLOATS, y_numeric=is_regressor(self))
        batch_size = check_positive_int(self.batch_size, "batch_size", owner)
        epochs = check_positive_int(epochs, "max_epochs", owner)
        device = check_device(self.device, owner)
        if restart:
            self._check_prefixed()
            self._learn_targets(y, classes)
            self.criterion_ = self._build_criterion().to(device)  # a class weight, say, goes along
        targets, n_outputs = self._encode(y)
        if not restart and n_outputs != self.n_outputs_:
            raise ValueError(f"{owner}: y has {n_outputs} targets per sample, but the module was fitted with "
                             f"{self.n_outputs_}")
        if restart:
            self._generator = _generator(self.random_state)
            with drawing_from(self._generator):
                self.module_ = self._build_module(n_outputs).to(device)  # drawn on the host, as on the CPU
            self._check_outputs(X, n_outputs)
            self.optimizer_ = self._build_optimizer()
            self.n_outputs_, self.loss_curve_ = n_outputs, []
        self.module_.train()
        with drawing_from(self._generator):
            history = train(self.module_, X, targets, loss_fn=self.criterion_, optimizer=self.optimizer_,
                            epochs=epochs, batch_size=batch_size, shuffle=check_bool(self.shuffle, "shuffle", owner),
                            trace=self.trace, verbose=self.verbose, device=device)
        self.module_.eval()
        self.loss_curve_ = self.loss_curve_ + history.loss
        self.n_iter_ = len(self.loss_curve_)
        self.trace_ = history.trace
        return self

    def _learn_targets(self, y, classes):
        """What a first fit learns from the targets, before the criterion is built: nothing here."""

    def _build_module(self, n_outputs):
        """The module to train: the class built with the sizes and the module__ arguments, or a copy of an
        instance (fit never changes what the user passed, and each fit starts from it again)."""
        owner, arguments = type(self).__name__, self._arguments_for("module")
        if isinstance(self.module, type) and issubclass(self.module, Module):
            module = self.module(**{**module_sizes(self.module, self.n_features_in_, n_outputs), **arguments})
        elif isinstance(self.module, Module):
            if arguments:
                raise ValueError(f"{owner}: module__ arguments ({', '.join(sorted(arguments))}) need module to be a "
                                 f"class, got an instance of {type(self.module).__name__}; pass the class itself")
            module = copy.deepcopy(self.module)
        else:
            raise TypeError(f"{owner}: module must be an aino.nn.Module class (or an instance), got "
                            f"{self.module!r:.60}")
        if not module.parameters():
            raise ValueError(f"{owner}: the module {type(module).__name__} has no parameters to train")
        return module.to(dtype=float_dtype(self.dtype, module.parameters()[0].dtype, owner))

    def _build_criterion(self):
        criterion = self._criterion_class() if self.criterion is None else self.criterion
        if not (isinstance(criterion, type) and issubclass(criterion, Module)):
            raise TypeError(f"{type(self).__name__}: criterion must be an aino.nn loss class such as "
                            f"aino.nn.MSELoss (or None), got {criterion!r:.60}")
        return criterion(**self._arguments_for("criterion"))

    def _build_optimizer(self):
        owner, arguments = type(self).__name__, self._arguments_for("optimizer")
        if not (isinstance(self.optimizer, type) and issubclass(self.optimizer, optim.Optimizer)):
            raise TypeError(f"{owner}: optimizer must be an aino.optim class such as aino.optim.Adam, got "
                            f"{self.optimizer!r:.60}")
        if "lr" in arguments:
            raise ValueError(f"{owner}: give the learning rate as lr={arguments['lr']!r}, not optimizer__lr")
        return self.optimizer(self.module_.parameters(), lr=self.lr, **arguments)

    # --- running the module ------------------------------------------------------------------------

    def _outputs(self, X):
        """The module's outputs for X, computed in batches of `batch_size` without a graph, as one float64
        Tensor (scikit-learn's estimators answer in float64; probabilities computed from it keep their ranks)."""
        check_is_fitted(self)
        X = check_X(self, X, reset=False, dtype=FLOATS)
        step = check_positive_int(self.batch_size, "batch_size", type(self).__name__)
        outputs = numpy.concatenate([self._run(X[start:start + step]) for start in range(0, len(X), step)])
        return Tensor(outputs.astype(numpy.float64))

    def _run(self, X):
        """The module's outputs for the rows X, in evaluation mode, as a NumPy array (copied back from a GPU)."""
        self.module_.eval()
        first = self.module_.parameters()[0]
        with no_grad():
            return self.module_(Tensor(X.astype(first.dtype, copy=False)).to(first.device)).numpy()

    def _check_outputs(self, X, n_outputs):
        """Refuse, before training, a module that does not give `n_outputs` outputs per sample."""
        shape = self._run(X[:1]).shape
        if shape != (1, n_outputs):
            raise ValueError(f"{type(self).__name__}: the module {type(self.module_).__name__} gives outputs of "
                             f"shape {shape} for 1 sample, but the criterion {type(self.criterion_).__name__} needs "
                             f"(1, {n_outputs}) here; name its output size out_features (or n_classes) so that "
                             f"the estimator fills it in, or give it as module__...")

    def __sklearn_is_fitted__(self):
        return hasattr(self, "module_")


def module_sizes(module_class, n_inputs, n_outputs):
    """{parameter name: size} for the parameters of `module_class.__init__` named in INPUT_SIZES (given
    `n_inputs`) and OUTPUT_SIZES (given `n_outputs`)."""
    names = inspect.signature(module_class).parameters
    return {**{name: n_inputs for name in INPUT_SIZES if name in names},
            **{name: n_outputs for name in OUTPUT_SIZES if name in names}}


def _generator(random_state):
    """A NumPy Generator seeded from `random_state` (an int or a RandomState), or None to use aino's own."""
    if random_state is None:
        return None
    return numpy.random.default_rng(check_random_state(random_state).randint(numpy.iinfo(numpy.int32).max))


@contextlib.contextmanager
def drawing_from(generator):
    """Within the block, aino's generator draws as `generator` would, and `generator` moves on by as much;
    after it, aino's generator is as before. `None` leaves aino's generator to draw on its own."""
    if generator is None:
        yield
        return
    shared = get_rng()
    saved = shared.bit_generator.state
    shared.bit_generator.state = generator.bit_generator.state
    try:
        yield
    finally:
        generator.bit_generator.state = shared.bit_generator.state
        shared.bit_generator.state = saved

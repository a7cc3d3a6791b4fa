"""What aino's scikit-learn estimators share: checking inputs, encoding class labels, minibatches, a progress bar.

    X, y = check_X_y(self, X, y, reset=True, dtype=numpy.float32)   # scikit-learn's own checks and messages
    coding = ClassCoding.from_targets(y)                            # classes_, and the targets a network learns
    Y = coding.targets(y, numpy.float32)                            # (samples, coding.n_outputs)
    for rows in minibatches(len(X), batch_size_for("auto", len(X), "MyEstimator"), order):
        ...
    labels = coding.labels(probabilities)                           # back to the user's labels

The checks are scikit-learn's (`validate_data`, `type_of_target`), so an estimator built on them raises the
errors, in the words, that `sklearn.utils.estimator_checks` expects: a NaN in X, a 1-D X, an empty X,
continuous targets given to a classifier, a column vector y (a DataConversionWarning).
"""

import warnings

import numpy
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data
from tqdm.auto import tqdm

from aino.backend import Device, module_for

AUTO_BATCH = 200  # batch_size="auto" means min(AUTO_BATCH, samples), as in scikit-learn
FLOAT_DTYPES = {"float32": numpy.dtype(numpy.float32), "float64": numpy.dtype(numpy.float64)}


def check_X(estimator, X, *, reset, dtype, allow_nd=False):
    """X as a finite array of `dtype`, checked as scikit-learn checks it.

    `reset=True` (in fit) records `n_features_in_` and, from a DataFrame, `feature_names_in_` on the
    estimator; `reset=False` (in predict, or a later partial_fit) checks X against them. `allow_nd` lets
    X have more than 2 dimensions (images for a convolutional network).
    """
    return validate_data(estimator, X, reset=reset, dtype=dtype, allow_nd=allow_nd)


def check_X_y(estimator, X, y, *, reset, dtype, y_numeric=False, allow_nd=False):
    """(X, y) checked as `check_X` checks X, and y: one target per sample, finite, 1-D or 2-D.

    y of one column comes back 1-D, with scikit-learn's DataConversionWarning ("A column-vector y was
    passed when a 1d array was expected"). `y_numeric=True` (a regressor) turns labels of object dtype
    into floats. A missing y (None) is a ValueError saying the estimator needs one.
    """
    X, y = validate_data(estimator, X, y, reset=reset, dtype=dtype, multi_output=True, y_numeric=y_numeric,
                         allow_nd=allow_nd)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    return X, y


def check_device(device, owner):
    """The Device an estimator computes on: "cpu" (the default), "cuda", "cuda:1", a Device; an unknown
    spelling is a ValueError, a GPU without CuPy (or the test stand-in not switched on) a RuntimeError."""
    try:
        device = Device(device)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{owner}: device must be 'cpu', 'cuda', 'cuda:1' or an aino Device, got {device!r} "
                         f"({error})") from None
    module_for(device)  # there, or a RuntimeError naming what is missing
    return device


def float_dtype(dtype, default, owner):
    """The float dtype `dtype` names (None: `default`); float32 and float64 are the choices."""
    if dtype is None:
        return numpy.dtype(default)
    try:
        name = numpy.dtype(dtype).name
    except TypeError:
        name = None
    if name not in FLOAT_DTYPES:
        raise ValueError(f"{owner}: dtype must be None, 'float32' or 'float64', got {dtype!r}")
    return FLOAT_DTYPES[name]


class ClassCoding:
    """The classes of a classifier, and the targets a network learns for them.

    - binary (2 classes): one output, the probability of `classes[1]`; target 1 for it, 0 for `classes[0]`;
    - multiclass (3 or more): one output per class, one-hot targets;
    - multilabel (y an indicator matrix of 0s and 1s, one column per label): one output per column,
      targets as given; `classes` is 0 .. labels - 1, as scikit-learn has it.

    Labels may be any sortable values: integers, strings, booleans. `classes` is sorted.
    """

    def __init__(self, classes, multilabel=False):
        self.classes = numpy.asarray(classes)
        self.multilabel = bool(multilabel)
        if not self.multilabel and len(self.classes) < 2:
            raise ValueError(f"a classifier needs samples of at least 2 classes to learn from; "
                             f"got 1 class: {self.classes.tolist()!r:.80}")

    @classmethod
    def from_targets(cls, y):
        """The coding of the classes found in y (1-D labels or a 2-D indicator matrix)."""
        kind = _target_kind(y)
        if kind == "multilabel-indicator":
            return cls(numpy.arange(y.shape[1]), multilabel=True)
        return cls(unique_labels(y))

    @classmethod
    def from_classes(cls, classes, y):
        """The coding for a first partial_fit: of `classes`, every label to come, or of y's labels when y
        is a multilabel indicator matrix (scikit-learn's convention)."""
        if _target_kind(y) == "multilabel-indicator":
            return cls.from_targets(y)
        return cls(unique_labels(classes))

    @property
    def n_outputs(self):
        """How many outputs the network needs: 1 for two classes, else one per class (or label)."""
        return 1 if len(self.classes) == 2 and not self.multilabel else len(self.classes)

    def check_known(self, y):
        """A ValueError unless y holds only these classes (or, multilabel, has one column per label)."""
        kind = _target_kind(y)
        if self.multilabel or kind == "multilabel-indicator":
            if not self.multilabel:
                raise ValueError(f"y is a multilabel indicator matrix, but the classifier learnt the classes "
                                 f"{self.classes.tolist()!r:.80}")
            if kind != "multilabel-indicator" or y.shape[1] != len(self.classes):
                raise ValueError(f"y must be an indicator matrix of {len(self.classes)} labels (0s and 1s), "
                                 f"as in the first fit; got {kind} targets of shape {y.shape}")
            return
        unknown = numpy.setdiff1d(unique_labels(y), self.classes)
        if len(unknown):
            raise ValueError(f"y has classes {unknown.tolist()!r:.80} that are not in classes_ "
                             f"{self.classes.tolist()!r:.80}")

    def targets(self, y, dtype):
        """The network's targets for labels y: shape (samples, n_outputs), 0s and 1s of `dtype`."""
        self.check_known(y)
        if self.multilabel:
            return numpy.asarray(y, dtype=dtype)
        if self.n_outputs == 1:
            return (y == self.classes[1]).astype(dtype).reshape(-1, 1)
        one_hot = numpy.zeros((len(y), len(self.classes)), dtype=dtype)
        one_hot[numpy.arange(len(y)), self.indices(y)] = 1
        return one_hot

    def indices(self, y):
        """Each label's position in `classes` (0 .. classes - 1): what CrossEntropyLoss takes."""
        if self.multilabel:
            raise ValueError("multilabel targets have no single class index per sample; use targets()")
        return numpy.searchsorted(self.classes, y)

    def labels(self, probabilities):
        """The predicted labels, from outputs shaped (samples, n_outputs) in [0, 1]: a multilabel indicator
        matrix (1 where p > 0.5), `classes[1]` where p > 0.5 for two classes, else the most probable class."""
        if self.multilabel:
            return (probabilities > 0.5).astype(int)
        if self.n_outputs == 1:
            return self.classes[(probabilities[:, 0] > 0.5).astype(int)]
        return self.classes[numpy.argmax(probabilities, axis=1)]


def _target_kind(y):
    """scikit-learn's name for the kind of classification targets y holds, refusing what no coding fits."""
    check_classification_targets(y)  # continuous targets: "Unknown label type"
    kind = type_of_target(y)
    if kind == "multiclass-multioutput":
        raise ValueError("y has several columns of several classes each (multiclass-multioutput); expected 1-D "
                         "labels or a multilabel indicator matrix of 0s and 1s")
    return kind


def batch_size_for(batch_size, n_samples, owner):
    """The number of samples per minibatch: "auto" means min(200, n_samples); a number larger than the data
    is clipped to n_samples, with a UserWarning, as scikit-learn does."""
    if batch_size == "auto":
        return min(AUTO_BATCH, n_samples)
    if batch_size > n_samples:
        warnings.warn(f"{owner}: batch_size={batch_size} is larger than the {n_samples} training samples; "
                      f"each minibatch holds all {n_samples}", UserWarning, stacklevel=3)
    return min(batch_size, n_samples)


def minibatches(n_samples, batch_size, order=None):
    """The rows of each minibatch, in turn: slices of 0 .. n_samples - 1 (`order` None, no copy needed), or
    consecutive pieces of the permutation `order`. The last batch holds what is left."""
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        yield slice(start, stop) if order is None else order[start:stop]


def progress_bar(epochs, verbose, owner):
    """range(epochs) as a tqdm progress bar when `verbose`, silent otherwise; `bar.set_postfix(loss=...)`
    shows the latest loss."""
    return tqdm(range(epochs), desc=owner, unit="epoch", disable=not verbose)

"""NeuralNetClassifier and NeuralNetRegressor: any aino.nn Module (an MLP, a CNN, an LSTM) as a scikit-learn
estimator, in Pipelines, grid searches and cross-validation.

    class DigitsCNN(nn.Module):                 # a row of 64 pixels -> reshape to (1, 8, 8) -> conv -> ...
        def __init__(self, n_classes, channels=8): ...   # n_classes is filled in from y

    net = NeuralNetClassifier(DigitsCNN, module__channels=8, lr=0.01, max_epochs=20, random_state=0)
    GridSearchCV(net, {"module__channels": [4, 8], "lr": [0.003, 0.01]}).fit(X, y)

(tests/estimators/neural_net_modules.py has that CNN whole, and an LSTM that reads the rows as a sequence.)

How the nested parameters, the module's sizes and the randomness work is in neural_net_base.py. Here: what
each estimator makes of its targets. For a classifier the criterion says what the module's outputs mean:

    criterion                      the module gives, per sample           targets       predict_proba
    CrossEntropyLoss (the default  a logit per class                      class index   softmax
      for binary and multiclass)
    NLLLoss                        a log-probability per class            class index   exp
    BCEWithLogitsLoss (the default a logit per label; 1 for binary        0 or 1 each   sigmoid
      for multilabel targets)
    BCELoss                        a probability per label; 1 for binary  0 or 1 each   as given
"""

import numpy
from sklearn.base import ClassifierMixin, RegressorMixin

from aino import nn
from aino.estimators.base import ClassCoding
from aino.estimators.neural_net_base import NeuralNetBase
from aino.nn.loss import ClassLoss

_MODULE = """
    Parameters
    ----------
    module : aino.nn.Module class or instance, default=MLPModule
        The network. A class (the recommended form) is built at each fit with the ``module__`` arguments,
        its parameters named ``in_features``, ``input_size`` or ``n_features`` given ``n_features_in_``,
        and those named ``out_features``, ``output_size``, ``n_outputs``, ``n_classes`` or ``num_classes``
        given the number of outputs the criterion needs, unless set by ``module__name``. An instance is
        copied at each fit (``clone`` copies it too), so fitting never changes it; it takes no
        ``module__`` arguments. Each row of X is one sample: a module for images reshapes it.
"""

_PARAMETERS = """
    optimizer : aino.optim.Optimizer class, default=aino.optim.Adam
        Built at fit as ``optimizer(module_.parameters(), lr=lr, **optimizer__arguments)``.
    lr : float, default=0.01
        The learning rate.
    max_epochs : int, default=10
        Passes over the training data in ``fit``; ``partial_fit`` runs one.
    batch_size : int, default=32
        Samples per gradient step (and per forward pass in ``predict``).
    shuffle : bool, default=True
        Whether each epoch visits the samples in a new random order.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout and the shuffling, so that two fits agree. None draws from aino's
        generator (seeded by ``aino.manual_seed``).
    warm_start : bool, default=False
        When True, ``fit`` on a fitted estimator trains its module further instead of starting anew.
    verbose : bool, default=False
        Show a progress bar over the epochs (tqdm), with the latest epoch's loss.
    trace : bool or dict, default=False
        When true, ``trace_`` holds an ``aino.trace.Trace`` of the training, ready for
        ``visualizer.Debugger``; a dict is passed on to ``aino.trace.Recorder`` as options
        (``{"every": 5}``).
    dtype : str or numpy dtype, default=None
        Cast the module to this floating-point type ("float32", "float64"); None keeps its own (aino's
        layers are float32).
    device : str, default="cpu"
        Where the module trains and predicts: "cpu", or a GPU ("cuda", "cuda:1", with CuPy); the data is
        copied there, and predictions come back as NumPy arrays.
    **prefixed : module__name, optimizer__name, criterion__name
        Constructor arguments of the module, the optimizer (``optimizer__momentum=0.9``) and the criterion
        (``criterion__weight=[1, 2]``). ``get_params`` lists them and ``set_params`` changes them, so
        ``GridSearchCV(param_grid={"module__hidden": [16, 32]})`` searches them.

    Attributes
    ----------
    module_ : aino.nn.Module
        The trained network.
    criterion_ : aino.nn.Module
        The loss it was trained with.
    optimizer_ : aino.optim.Optimizer
        The optimizer, with its state (``partial_fit`` and ``warm_start`` continue from it).
    loss_curve_ : list of float
        The mean training loss of each epoch, over every call that trained this module.
    n_iter_ : int
        The number of epochs run, ``len(loss_curve_)``.
    n_outputs_ : int
        Outputs per sample the module gives.
    n_features_in_ : int
        Features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X was a DataFrame with string column names.
    trace_ : aino.trace.Trace or None
        The trace of the latest call that trained, when ``trace`` is on.
"""


class NeuralNetClassifier(ClassifierMixin, NeuralNetBase):
    __doc__ = """A classifier that trains an aino.nn Module: binary, multiclass or multilabel targets, any labels.
""" + _MODULE + """    criterion : aino.nn loss class or None, default=None
        None is CrossEntropyLoss for binary and multiclass targets (the module gives a logit per class) and
        BCEWithLogitsLoss for multilabel ones (a logit per label). NLLLoss and BCELoss work too; see the
        table in this module's docstring for what each wants the module to give.
""" + _PARAMETERS + """    classes_ : ndarray of shape (n_classes,)
        The class labels (for multilabel targets, the label indices 0 .. n_labels - 1).

    Examples
    --------
    >>> from aino.datasets import load_digits
    >>> digits = load_digits()
    >>> net = NeuralNetClassifier(module__hidden=32, random_state=0).fit(digits.data / 16, digits.target)
    >>> net.predict(digits.data[:3] / 16)
    array([0, 1, 2])
    """

    def partial_fit(self, X, y, classes=None):
        """Train for one epoch on (X, y), building the module on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The labels, or a 0/1 indicator matrix for multilabel targets.
        classes : array-like of shape (n_classes,), default=None
            Every class any call may bring. Needed on the first call unless its y holds every class (None
            for multilabel y: its columns are the labels); later calls may give it again, unchanged.

        Returns
        -------
        self : object
            The estimator, trained one epoch more.
        """
        restart = not self.__sklearn_is_fitted__()
        if not restart and classes is not None and not numpy.array_equal(numpy.unique(classes), self.classes_):
            raise ValueError(f"{type(self).__name__}: classes={numpy.unique(classes).tolist()} differs from the "
                             f"classes of the first call, {self.classes_.tolist()}")
        return self._train(X, y, 1, restart, classes)

    def predict_proba(self, X):
        """The probability of each class (of each label, for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            One row per sample; for binary and multiclass targets each row sums to 1.
        """
        outputs, criterion = self._outputs(X), self.criterion_
        if isinstance(criterion, nn.NLLLoss):
            proba = outputs.exp()
        elif isinstance(criterion, ClassLoss):
            proba = outputs.softmax(dim=1)
        elif isinstance(criterion, nn.BCEWithLogitsLoss):
            proba = outputs.sigmoid()
        else:
            proba = outputs
        proba = proba.numpy()
        if self._coding.multilabel or isinstance(criterion, ClassLoss):
            return proba
        return numpy.hstack([1 - proba, proba])  # one output: the probability of classes_[1]

    def decision_function(self, X):
        """Confidence scores: the module's logits (or log-probabilities), higher for the likelier class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For binary targets the log-odds of ``classes_[1]`` (positive: predicted); otherwise one column per
            class (per label, for multilabel targets).
        """
        outputs, criterion = self._outputs(X), self.criterion_
        if isinstance(criterion, nn.BCELoss):
            outputs = outputs.log() - (1 - outputs).log()  # probabilities back to logits
        scores = outputs.numpy()
        if self._coding.multilabel or len(self.classes_) > 2:
            return scores
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]  # log-odds: a softmax over two classes is sigmoid(z1 - z0)
        return scores[:, 0]

    def predict_log_proba(self, X):
        """The logarithm of ``predict_proba(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probabilities.
        """
        return numpy.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each sample (each label above probability 0.5, for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``, or a 0/1 indicator matrix for multilabel targets.
        """
        proba = self.predict_proba(X)
        if self._coding.multilabel:
            return (proba > 0.5).astype(int)
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # --- targets -----------------------------------------------------------------------------------

    def _learn_targets(self, y, classes):
        self._coding = ClassCoding.from_targets(y) if classes is None else ClassCoding(numpy.unique(classes))
        self.classes_ = self._coding.classes

    def _criterion_class(self):
        return nn.BCEWithLogitsLoss if self._coding.multilabel else nn.CrossEntropyLoss

    def _encode(self, y):
        """(targets, outputs per sample) for the criterion: class indices, or 0/1 columns for the BCE losses."""
        owner, coding, criterion = type(self).__name__, self._coding, self.criterion_
        name = type(criterion).__name__
        if isinstance(criterion, (nn.BCEWithLogitsLoss, nn.BCELoss)):
            if not coding.multilabel and len(coding.classes) > 2:
                raise ValueError(f"{owner}: {name} takes binary or multilabel targets, got {len(coding.classes)} "
                                 f"classes; use CrossEntropyLoss for one class per sample")
            return coding.targets(y, numpy.float64), coding.n_outputs
        if not isinstance(criterion, ClassLoss):
            raise TypeError(f"{owner}: criterion must be a classification loss (CrossEntropyLoss, NLLLoss, "
                            f"BCEWithLogitsLoss, BCELoss), got {name}")
        if coding.multilabel:
            raise ValueError(f"{owner}: {name} needs one class per sample; for multilabel targets use "
                             f"BCEWithLogitsLoss (the default)")
        coding.check_known(y)
        return coding.indices(y), len(coding.classes)


class NeuralNetRegressor(RegressorMixin, NeuralNetBase):
    __doc__ = """A regressor that trains an aino.nn Module on one target or several.
""" + _MODULE + """    criterion : aino.nn loss class or None, default=None
        None is MSELoss. The module gives one output per target; the loss compares it with the target.
""" + _PARAMETERS + """
    Examples
    --------
    >>> import numpy
    >>> X = numpy.linspace(-1, 1, 200)[:, None]
    >>> net = NeuralNetRegressor(max_epochs=50, random_state=0).fit(X, X[:, 0] ** 2)
    >>> bool(net.score(X, X[:, 0] ** 2) > 0.9)
    True
    """

    def partial_fit(self, X, y):
        """Train for one epoch on (X, y), building the module on the first call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The targets.

        Returns
        -------
        self : object
            The estimator, trained one epoch more.
        """
        return self._train(X, y, 1, restart=not self.__sklearn_is_fitted__())

    def predict(self, X):
        """The module's outputs for X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            The predictions, one column per target (a 1-d array for one target).
        """
        outputs = self._outputs(X).numpy()
        return outputs.ravel() if self.n_outputs_ == 1 else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _criterion_class(self):
        return nn.MSELoss

    def _encode(self, y):
        """(targets, outputs per sample): y as one column per target."""
        targets = y.reshape(len(y), -1)
        return targets, targets.shape[1]

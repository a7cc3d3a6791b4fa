"""MLPClassifier and MLPRegressor: scikit-learn's multilayer perceptrons, trained by aino on either of its paths.

They take scikit-learn's parameters with scikit-learn's meanings and defaults, start from the same weights
for the same random_state, and take the same steps: in float64 their weights follow scikit-learn's own
MLPClassifier and MLPRegressor to about 1e-12. aino adds `engine` (the fast path, aino.nn, or the classic
one, Perceptron -> Layer -> NeuralNetwork), `dtype`, `trace` and `device`, and keeps the network it trained in
`model_`, for a student to open. How training goes is in mlp_base.py.
"""

import numpy
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import unique_labels

from aino.estimators.base import ClassCoding, check_X_y
from aino.estimators.losses import SquaredError, classification_loss
from aino.estimators.mlp_base import BaseMLP

PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        The number of neurons of each hidden layer: (100,) is one layer of 100, (64, 32) two layers.
    activation : {"identity", "logistic", "tanh", "relu"}, default="relu"
        The activation of the hidden layers.
    solver : {"adam", "sgd"}, default="adam"
        The update rule: Adam, or stochastic gradient descent with momentum, in scikit-learn's forms.
    alpha : float, default=0.0001
        Strength of the L2 penalty alpha/2 * (sum of squared weights) / batch size.
    batch_size : int or "auto", default="auto"
        Samples per minibatch; "auto" is min(200, n_samples).
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        The learning-rate schedule of solver="sgd": constant; learning_rate_init / (t + 1)**power_t, t the
        samples seen; or divided by 5 each time training stalls.
    learning_rate_init : float, default=0.001
        The (first) learning rate.
    power_t : float, default=0.5
        The exponent of the "invscaling" schedule.
    max_iter : int, default=200
        The most epochs (passes over the data) that fit runs.
    shuffle : bool, default=True
        Whether to shuffle the samples before each epoch.
    random_state : int, RandomState instance or None, default=None
        Draws the initial weights, the shuffling and the early-stopping split, as in scikit-learn.
    tol : float, default=1e-4
        Training has stalled in an epoch whose loss did not fall by tol below the best (with early stopping:
        whose validation score did not rise by tol above the best).
    verbose : bool or int, default=False
        Show a progress bar with the loss.
    warm_start : bool, default=False
        fit goes on from the weights of the previous fit instead of starting anew.
    momentum : float, default=0.9
        The momentum of solver="sgd", in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (solver="sgd").
    early_stopping : bool, default=False
        Set validation_fraction of the data aside, stop when its score stalls, and keep the best weights.
    validation_fraction : float, default=0.1
        The share of the data set aside by early_stopping.
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of its first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's term that keeps its division finite.
    n_iter_no_change : int, default=10
        Stop after more than this many stalled epochs in a row.
    engine : {"fast", "classic"}, default="fast"
        "fast": an aino.nn network (Linear and activation layers) with autograd. "classic": an aino.classic
        NeuralNetwork (Perceptron -> Layer -> NeuralNetwork, derivatives by hand), slow and float64.
    dtype : {None, "float32", "float64"}, default=None
        The network's float type; None: float32 on the fast engine, float64 on the classic one.
    trace : bool, default=False
        Record the training in `trace_`, an aino.trace.Trace ready for visualizer.Debugger.
    device : str, default="cpu"
        Where the fast engine computes: "cpu", or a GPU ("cuda", "cuda:1", with CuPy). The data is copied
        there once per fit; predictions, coefs_ and intercepts_ come back as NumPy arrays.
"""

ATTRIBUTES = """
    Attributes
    ----------
    {first}model_ : aino.nn.Sequential or aino.classic.NeuralNetwork
        The trained network. It computes the output layer's weighted sums z; out_activation_ turns them
        into {what}.
    coefs_, intercepts_ : list of ndarray
        The weights (n_in, n_out) and biases (n_out,) of each layer (views of model_'s on the fast engine
        on the CPU; host copies of them from a GPU).
    loss_ : float
        The last epoch's loss.
    loss_curve_ : list of float
        The loss of each epoch: the mean of the batch losses (data term + L2 term).
    best_loss_ : float or None
        The lowest loss so far (None with early stopping).
    validation_scores_ : list of float or None
        The validation score ({score}) after each epoch, with early stopping.
    best_validation_score_ : float or None
        The best of them.
    n_iter_ : int
        The epochs the last fit ran.
    t_ : int
        The samples trained on so far (epochs times samples).
    n_layers_, n_outputs_ : int
        The layers, the input and output ones included, and the outputs.
    out_activation_ : str
        {out}
    n_features_in_ : int
        The features seen in fit.
    feature_names_in_ : ndarray of str
        The features' names, when X was a DataFrame with string column names.
    trace_ : aino.trace.Trace
        The training recorded, when trace=True.
"""


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = ("""A multilayer perceptron classifier: scikit-learn's MLPClassifier, trained by aino.

    Binary, multiclass and multilabel targets; any sortable labels (integers, strings).
    """ + PARAMETERS + ATTRIBUTES.format(
        first="classes_ : ndarray\n        The class labels (for multilabel targets, 0 .. labels - 1).\n    ",
        what="probabilities", score="accuracy",
        out='"logistic" (two classes, or multilabel) or "softmax" (several classes).') + """
    Examples
    --------
    >>> from aino.datasets import load_digits
    >>> from aino.estimators import MLPClassifier
    >>> X, y = load_digits()
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), random_state=0).fit(X / 16, y)
    >>> clf.predict(X[:3] / 16)
    array([0, 1, 2])
    """)

    def fit(self, X, y):
        """Train the network from scikit-learn's start (or, with warm_start, from the fitted weights).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix of 0s and 1s.

        Returns
        -------
        self : MLPClassifier
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch on (X, y), going on from the current weights and the solver's state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            Every label the classifier will ever see; needed on the first call (not for multilabel y).

        Returns
        -------
        self : MLPClassifier
        """
        if not hasattr(self, "_coding"):
            if classes is None:
                raise ValueError(f"{self._owner()}: classes must be passed on the first call to partial_fit "
                                 f"(all the labels it will see, e.g. classes=numpy.unique(y_all))")
            self._coding = ClassCoding.from_classes(classes, y)
        elif classes is not None and not numpy.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(f"{self._owner()}: classes={classes!r:.80} is not the same as in the first call to "
                             f"partial_fit, {self.classes_.tolist()!r:.80}")
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """The predicted labels.

        Returns
        -------
        y : ndarray of shape (n_samples,), or (n_samples, n_labels) of 0s and 1s for multilabel targets
        """
        probabilities = self._activations(X)
        return self._coding.labels(probabilities)

    def predict_proba(self, X):
        """The probabilities (float64).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Of each class, in the order of classes_ (multilabel: of each label, independently).
        """
        probabilities = self._activations(X)
        if self._coding.n_outputs == 1:
            return numpy.hstack([1 - probabilities, probabilities])
        return probabilities

    def predict_log_proba(self, X):
        """The log of predict_proba."""
        return numpy.log(self.predict_proba(X))

    def decision_function(self, X):
        """The output layer's weighted sums z (before out_activation_): shape (samples,) for two classes,
        whose z > 0 means classes_[1], else (samples, outputs)."""
        z = self._outputs(X)
        return z[:, 0] if z.shape[1] == 1 and not self._coding.multilabel else z

    def _check_data(self, X, y, incremental, reset, dtype):
        X, y = check_X_y(self, X, y, reset=reset, dtype=dtype)
        if not hasattr(self, "_coding") or (not self.warm_start and not incremental):
            self._coding = ClassCoding.from_targets(y)
        elif not incremental:  # warm_start: the same classes again
            classes = ClassCoding.from_targets(y).classes
            if not numpy.array_equal(classes, self._coding.classes):
                raise ValueError(f"{self._owner()}: warm_start needs y with the same classes as the previous fit, "
                                 f"{self._coding.classes.tolist()!r:.80}; y has {classes.tolist()!r:.80}")
        self.classes_ = self._coding.classes
        return X, self._coding.targets(y, dtype)

    def _loss_function(self, n_outputs):
        return classification_loss(n_outputs, self._coding.multilabel)

    def _validation_score(self, X, Y):
        predicted = self._coding.labels(self._loss.output(self._engine.forward(X)))
        return accuracy_score(self._coding.labels(Y), predicted)

    def _stratify(self):
        return self.n_outputs_ == 1

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = ("""A multilayer perceptron regressor: scikit-learn's MLPRegressor (squared error), trained by aino.

    One or several targets per sample.
    """ + PARAMETERS + ATTRIBUTES.format(
        first="", what="the predictions (identity)", score="R^2", out='"identity".') + """
    Examples
    --------
    >>> import numpy
    >>> from aino.estimators import MLPRegressor
    >>> X = numpy.linspace(-1, 1, 200).reshape(-1, 1)
    >>> reg = MLPRegressor((32,), learning_rate_init=0.01, tol=1e-6, max_iter=1000, random_state=0)
    >>> reg.fit(X, X[:, 0] ** 2).score(X, X[:, 0] ** 2) > 0.99
    True
    """)

    def fit(self, X, y):
        """Train the network from scikit-learn's start (or, with warm_start, from the fitted weights).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : MLPRegressor
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X, y):
        """One epoch on (X, y), going on from the current weights and the solver's state; returns self."""
        return self._fit(X, y, incremental=True)

    def predict(self, X):
        """The predicted targets.

        Returns
        -------
        y : ndarray of shape (n_samples,) for one target, else (n_samples, n_targets); float64
        """
        z = self._outputs(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def _check_data(self, X, y, incremental, reset, dtype):
        X, y = check_X_y(self, X, y, reset=reset, dtype=dtype, y_numeric=True)
        return X, y.reshape(len(y), -1).astype(dtype, copy=False)

    def _loss_function(self, n_outputs):
        return SquaredError()

    def _validation_score(self, X, Y):
        z = self._engine.forward(X)
        return r2_score(Y, z) if numpy.isfinite(z).all() else numpy.nan

    def _stratify(self):
        return False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

"""A neural network as a stack of layers, trained by explicit backpropagation."""

import warnings

import numpy
from tqdm.auto import tqdm

from aino import hooks
from aino.activations import get_activation
from aino.classic import bridge, dit, targets
from aino.classic.layer import Layer
from aino.classic.losses import get_loss
from aino.validation import (as_float_matrix, check_bool, check_positive_int, check_positive_number, check_same_length,
                             random_generator)

PROBABILITY_OUTPUTS = ("sigmoid", "softmax")


class NeuralNetwork:
    """A fully connected network, e.g. NeuralNetwork([4, 8, 3]): 4 inputs, 8 hidden neurons, 3 outputs.

    `activation_type` is used by the hidden layers; `output_activation` by the last layer (it defaults
    to `activation_type`, or to softmax for loss="cross_entropy"). `loss` is "mse", "bce" or
    "cross_entropy". Everything is float64, and the same `seed` gives the same network and training.
    """

    def __init__(self, layer_sizes, activation_type="sigmoid", output_activation=None, loss="mse", seed=None):
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        self.loss_function = get_loss(loss)
        if output_activation is None:
            output_activation = "softmax" if self.loss_function.name == "cross_entropy" else activation_type
        hidden, output = get_activation(activation_type), get_activation(output_activation)
        _check_loss_fits_output(self.loss_function.name, output.name, self.layer_sizes[-1])
        self.seed = seed
        self.rng = random_generator(seed, owner="NeuralNetwork")
        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))
        self.layers = [
            Layer(n_in, n_out, output if i == len(shapes) - 1 else hidden, rng=self.rng)
            for i, (n_in, n_out) in enumerate(shapes)
        ]
        self.history_ = []
        self.is_classifier = self.loss_function.name != "mse"

    @property
    def activation_type(self):
        return self.layers[0].activation.name if len(self.layers) > 1 else self.output_activation

    @property
    def output_activation(self):
        return self.layers[-1].activation.name

    @property
    def n_inputs(self):
        return self.layer_sizes[0]

    @property
    def n_outputs(self):
        return self.layer_sizes[-1]

    # ---- the forward and backward passes -------------------------------------------------------

    def forward(self, X):
        """Feed X through every layer in turn; returns the output layer's activations."""
        a = X
        for layer in self.layers:
            a = layer.forward(a)
        return a

    def backward(self, output, Y):
        """Backpropagate: dL/da of the output, handed from each layer to the one before it."""
        grad = self.loss_function.gradient(output, Y)
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def train_step(self, X, Y, n):
        """One gradient-descent step on a batch: forward, loss, backward, update. Returns the loss."""
        output = self.forward(X)
        loss = self.loss_function.value(output, Y)
        self.backward(output, Y)
        if hooks.active: hooks.classic_before_update(self, X, Y, output, loss)  # noqa: E701  (aino.trace)
        for layer in self.layers:
            layer.update_weights(n)
        if hooks.active: hooks.classic_after_update(self)  # noqa: E701  (aino.trace)
        return loss

    # ---- the scikit-learn style interface ------------------------------------------------------

    def fit(self, X, y, epochs=100, n=0.1, batch_size=None, shuffle=True, verbose=False, trace=False, probe=None,
            probe_labels=None, feature_names=None, class_names=None):
        """Train with gradient descent, learning rate `n`, for `epochs` passes over the data.

        y holds one row of targets per sample; 1-D integer labels are one-hot encoded when the
        network has several outputs. `batch_size=None` uses the whole data set per step. The mean
        loss of each epoch is appended to `history_`. Returns the network.

        `trace=True` records every update into `self.trace_` (an aino.trace.Trace; `probe=X` records
        the activations on a fixed batch, `probe_labels` its labels; `feature_names` and `class_names`
        name the inputs and classes in the trace's meta). Its names map to those of `to_module()`'s trace as
        `aino.trace.classic_names(network)` says: `layers.i.z` -> `2i` (the weighted sums),
        `layers.i` -> `2i+1` (the activations), `layers.i.weight` -> `2i.weight` (n_out, n_in).
        """
        if check_bool(trace, "trace", "NeuralNetwork.fit"):
            with hooks.recording(self, probe=probe, probe_labels=probe_labels, feature_names=feature_names,
                                 class_names=class_names) as recorder:  # an aino.trace Recorder, through the seam
                try:
                    return self.fit(X, y, epochs, n, batch_size, shuffle, verbose)
                finally:
                    self.trace_ = recorder.trace
        X, Y, labelled = self._check_data(X, y)
        epochs = check_positive_int(epochs, "epochs", "NeuralNetwork.fit")
        n = check_positive_number(n, "learning rate n", "NeuralNetwork.fit")
        batch = len(X) if batch_size is None else check_positive_int(batch_size, "batch_size", "NeuralNetwork.fit")
        shuffle = check_bool(shuffle, "shuffle", "NeuralNetwork.fit")
        verbose = check_bool(verbose, "verbose", "NeuralNetwork.fit")
        self.is_classifier = self.is_classifier or labelled
        progress = tqdm(range(epochs), desc="training", unit="epoch", disable=not verbose)
        for epoch in progress:
            order = self.rng.permutation(len(X)) if shuffle else numpy.arange(len(X))
            batches = [order[start:start + batch] for start in range(0, len(X), batch)]
            losses = [self.train_step(X[rows], Y[rows], n) * len(rows) for rows in batches]
            loss = sum(losses) / len(X)
            self.history_.append(loss)
            progress.set_postfix(loss=f"{loss:.4f}", refresh=False)
            if not numpy.isfinite(loss):
                warnings.warn(
                    f"NeuralNetwork.fit: the loss became {loss} in epoch {epoch + 1}; training stopped. "
                    f"A smaller learning rate n (now {n}) usually helps.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                break
        return self

    def predict(self, X):
        """The network's outputs for X: shape (samples, outputs)."""
        return self.forward(self._check_X(X))

    def predict_classes(self, X):
        """Class labels: the index of the largest output, or output >= 0.5 for a single output."""
        return targets.classes_from_outputs(self.predict(X))

    def score(self, X, y):
        """Accuracy for a classifier (loss bce/cross_entropy, or fitted on labels); R^2 otherwise."""
        X, Y, labelled = self._check_data(X, y)
        output = self.forward(X)
        if self.is_classifier or labelled:
            return targets.accuracy(output, Y)
        return targets.r2_score(output, Y)

    def loss(self, X, y):
        """The mean loss over X and y."""
        X, Y, _ = self._check_data(X, y)
        return self.loss_function.value(self.forward(X), Y)

    def gradients(self, X, y):
        """The gradient of the mean loss, per layer (dL/dW (n_out, n_in), dL/db (n_out,)); no update."""
        X, Y, _ = self._check_data(X, y)
        self.backward(self.forward(X), Y)
        return [layer.gradient_matrices() for layer in self.layers]

    def get_weights(self):
        """A list per layer of (W (n_out, n_in), b (n_out,)), copies."""
        return [(layer.weight_matrix(), layer.bias_vector()) for layer in self.layers]

    def set_weights(self, weights):
        """Set every layer from a list of (W, b) as `get_weights` returns it. Every pair is checked before
        any is set, so a refused list leaves the network as it was."""
        owner = "NeuralNetwork.set_weights"
        if isinstance(weights, (str, bytes, dict)) or not hasattr(weights, "__iter__"):
            raise TypeError(f"{owner}: expected a list of (W, b) pairs as get_weights() returns, "
                            f"got {type(weights).__name__}")
        weights = list(weights)
        if len(weights) != len(self.layers):
            raise ValueError(f"{owner}: expected {len(self.layers)} (W, b) pairs, got {len(weights)}")
        for i, pair in enumerate(weights):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"{owner}: entry {i} must be a (W, b) pair, got {type(pair).__name__} {_short(pair)}")
        checked = [layer.check_weights(W, b) for layer, (W, b) in zip(self.layers, weights)]
        for layer, (W, b) in zip(self.layers, checked):
            layer.assign_weights(W, b)

    def to_module(self):
        """The same network on the fast path: an aino.nn.Sequential with these weights (float64)."""
        return bridge.to_module(self)

    def save(self, path):
        """Write the network to a .dit file (atomically); returns the path written."""
        return dit.save_network(self, path)

    @classmethod
    def load(cls, path):
        """Read a network saved by `save` (every part checked against the file's arrays before building)."""
        saved = dit.read_network(path)
        try:
            network = cls(saved["layer_sizes"], activation_type=saved["activation_type"],
                          output_activation=saved["output_activation"], loss=saved["loss"])
            network.set_weights(saved["weights"])
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: the saved network is inconsistent ({error})") from None
        network.history_, network.is_classifier = saved["history"], saved["is_classifier"]
        return network

    def __repr__(self):
        return (
            f"NeuralNetwork({self.layer_sizes}, activation_type={self.activation_type!r}, "
            f"output_activation={self.output_activation!r}, loss={self.loss_function.name!r})"
        )

    # ---- input checks --------------------------------------------------------------------------

    def _check_X(self, X):
        return as_float_matrix(X, "X", "NeuralNetwork", self.n_inputs)

    def _check_data(self, X, y):
        """X as a matrix, y as a target matrix, and whether y came as class labels."""
        X = self._check_X(X)
        Y, labelled = targets.target_matrix(y, self.n_outputs)
        check_same_length(X, Y, "NeuralNetwork")
        self.loss_function.check_targets(Y, "NeuralNetwork")
        return X, Y, labelled


def _check_layer_sizes(layer_sizes):
    try:
        sizes = [check_positive_int(size, "each layer size", "NeuralNetwork") for size in layer_sizes]
    except TypeError:
        raise ValueError(f"NeuralNetwork: layer_sizes must be a list such as [2, 3, 1], got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"NeuralNetwork: layer_sizes needs at least an input and an output size, got {sizes}")
    return sizes


def _short(value, n=60):
    text = repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."


def _check_loss_fits_output(loss, output_activation, n_outputs):
    if loss == "cross_entropy" and output_activation != "softmax":
        raise ValueError(f"NeuralNetwork: loss 'cross_entropy' needs output_activation='softmax', got {output_activation!r}")
    if loss == "bce" and output_activation not in PROBABILITY_OUTPUTS:
        raise ValueError(
            f"NeuralNetwork: loss 'bce' needs outputs between 0 and 1 (output_activation='sigmoid'), "
            f"got {output_activation!r}"
        )
    if output_activation == "softmax" and n_outputs < 2:
        raise ValueError("NeuralNetwork: a softmax output needs at least 2 output units; use 'sigmoid' for one")

"""CustomAIModel: a Keras-like model of reference document 000 ("dearning"): add layers, train, save as JSON."""

import json
from pathlib import Path

import numpy

from aino.io import atomic_write
from aino.nn.activation import ACTIVATION_MODULES, Activation
from aino.nn.basic import Dropout
from aino.nn.linear import Dense, Linear
from aino.nn.loss import BCELoss, CrossEntropyLoss, MSELoss
from aino.nn.module import Module
from aino.nn.neurons import NEURONS
from aino.tensor import Tensor

LOSSES = {"mse": MSELoss, "bce": BCELoss, "cross_entropy": CrossEntropyLoss}
FORMAT = "aino.CustomAIModel"


class CustomAIModel(Module):
    """A stack of layers built with `add`, trained with `train(X, y, epochs, learning_rate)` (plain SGD).

        model = CustomAIModel(loss="mse")
        model.add(Dense(4, 8)); model.add(Activation("relu")); model.add(Dense(8, 1))
        model.train(X, y, epochs=10, learning_rate=0.01)      # prints "Epoch 1/10, Loss: ..."

    `addneuron(kind=...)` appends an advanced neuron ("memory", "attention", "nalu", "graph",
    "spiking") as wide as the model's current output.
    """

    def __init__(self, loss="mse"):
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"CustomAIModel: unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
        self.loss = loss
        self.layers = []
        self.history_ = []
        self._specs = []  # how to rebuild each layer, for save_model

    def add(self, layer):
        """Append a layer (Dense, Activation(...), Dropout, or any Module); returns the model."""
        if not isinstance(layer, Module):
            raise TypeError(f"CustomAIModel.add: expected a layer, got {type(layer).__name__}")
        self.layers.append(layer)
        self._specs.append(_spec_of(layer))
        return self

    def addneuron(self, kind, **options):
        """Append an advanced neuron of `kind` with `options` (e.g. size=64 for "memory"); returns the model."""
        if kind not in NEURONS:
            raise ValueError(f"CustomAIModel.addneuron: unknown kind {kind!r}; expected one of {sorted(NEURONS)}")
        width = self.output_width()
        self.layers.append(NEURONS[kind](width, **options))
        self._specs.append({"type": "neuron", "kind": kind, "width": width, "options": options})
        return self

    def output_width(self):
        """The number of features the model outputs now (the last Dense layer's or neuron's width)."""
        for layer in reversed(self.layers):
            if isinstance(layer, Linear):
                return layer.out_features
            if hasattr(layer, "width"):
                return layer.width
        raise ValueError("CustomAIModel: add a Dense layer first, so the neuron knows how wide it is")

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def train(self, X=True, y=None, epochs=10, learning_rate=0.01, verbose=True):
        """Train on X, y with gradient descent for `epochs` full passes; returns the loss of each epoch.

        Called as `train()` or `train(False)` it only switches training mode, as Module.train does.
        """
        if y is None:
            return super().train(X)
        super().train(True)
        loss_fn = LOSSES[self.loss]()
        inputs = Tensor(numpy.asarray(X, dtype=numpy.float32))
        targets = Tensor(numpy.asarray(y, dtype=numpy.float32 if self.loss != "cross_entropy" else numpy.int64))
        for epoch in range(epochs):
            self.zero_grad()
            loss = loss_fn(self(inputs), targets)
            loss.backward()
            self.update_weights(learning_rate)
            self.history_.append(loss.item())
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}, Loss: {loss.item():.4f}")
        return self.history_[-epochs:]

    def predict(self, X):
        """The model's outputs for X, as a NumPy array (evaluation mode, no graph)."""
        was_training = self.training
        self.eval()
        with self.no_grad():
            output = self(Tensor(numpy.asarray(X, dtype=numpy.float32))).numpy()
        super().train(was_training)
        return output

    def save_model(self, name):
        """Write `name`_config.json (the layers) and `name`_weights.json (every parameter, as lists)."""
        config = {"format": FORMAT, "version": 1, "loss": self.loss, "layers": self._specs}
        weights = {key: value.tolist() for key, value in self.state_dict().items()}
        for suffix, content in (("config", config), ("weights", weights)):
            with atomic_write(Path(f"{name}_{suffix}.json")) as temporary:
                temporary.write_text(json.dumps(content))
        return Path(f"{name}_config.json"), Path(f"{name}_weights.json")

    @classmethod
    def load_model(cls, name):
        """Rebuild a model saved by `save_model(name)`; a damaged or foreign file raises ValueError."""
        config, weights = (_read_json(Path(f"{name}_{suffix}.json")) for suffix in ("config", "weights"))
        if not isinstance(config, dict) or config.get("format") != FORMAT or config.get("version") != 1:
            raise ValueError(f"{name}_config.json is not a CustomAIModel configuration (format {FORMAT}, version 1)")
        model = cls(loss=config.get("loss", "mse"))
        for spec in config.get("layers", []):
            _rebuild(model, spec)
        try:
            model.load_state_dict({key: numpy.asarray(value, dtype=numpy.float32) for key, value in weights.items()})
        except (AttributeError, TypeError, ValueError) as error:
            raise ValueError(f"{name}_weights.json does not fit the saved layers ({error})") from None
        return model


def _spec_of(layer):
    if isinstance(layer, Linear):
        return {"type": "dense", "input_dim": layer.in_features, "output_dim": layer.out_features}
    if isinstance(layer, Dropout):
        return {"type": "dropout", "rate": layer.p}
    for kind, module_class in ACTIVATION_MODULES.items():
        if type(layer) is module_class:
            return {"type": "activation", "kind": kind}
    return {"type": "module", "class": type(layer).__name__}


def _rebuild(model, spec):
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind == "dense":
        model.add(Dense(spec["input_dim"], spec["output_dim"]))
    elif kind == "activation":
        model.add(Activation(spec["kind"]))
    elif kind == "dropout":
        model.add(Dropout(spec["rate"]))
    elif kind == "neuron":
        model.addneuron(spec["kind"], **spec.get("options", {}))
    else:
        raise ValueError(f"CustomAIModel.load_model: cannot rebuild layer {spec!r}")


def _read_json(path):
    if not path.is_file():
        raise FileNotFoundError(f"no file {path}")
    try:
        return json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON ({error})") from None

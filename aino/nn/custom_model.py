"""CustomAIModel: a Keras-like model of reference document 000 ("dearning"): add layers, train, save as JSON."""

import json
import os
from pathlib import Path

import numpy

from aino.files import read_json
from aino.files.pair import digest, read_matching, write_pair
from aino.nn.activation import ACTIVATION_MODULES, activation_kind
from aino.nn.aliases import Activation, Dense
from aino.nn.basic import Dropout
from aino.nn.linear import Linear
from aino.nn.loss import BCELoss, CrossEntropyLoss, MSELoss
from aino.nn.module import Module
from aino.nn.neurons import NEURONS
from aino.tensor import Tensor

LOSSES = {"mse": MSELoss, "bce": BCELoss, "cross_entropy": CrossEntropyLoss}
FORMAT = "aino.CustomAIModel"
VERSION = 2  # 2: the config names the weights' SHA-256
MAX_CONFIG_BYTES = 16 << 20


class CustomAIModel(Module):
    """A stack of layers built with `add`, trained with `train(X, y, epochs, learning_rate)` (plain SGD).

        model = CustomAIModel(loss="mse")
        model.add(Dense(4, 8)); model.add(Activation("relu")); model.add(Dense(8, 1))
        model.train(X, y, epochs=10, learning_rate=0.01)      # prints "Epoch 1/10, Loss: ..."

    `addneuron(kind=...)` appends an advanced neuron ("memory", "attention", "nalu", "graph",
    "spiking", "moe": a mixture of experts, addneuron(kind="moe", experts=4, top_k=None)) as wide as the
    model's current output.
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
        device = self._device()  # X and y go where the weights are (model.to("cuda") trains on the GPU)
        inputs = Tensor(X, dtype=numpy.float32, device=device)
        targets = Tensor(y, dtype=numpy.float32 if self.loss != "cross_entropy" else numpy.int64, device=device)
        for epoch in range(epochs):
            self.zero_grad()
            loss = loss_fn(self(inputs), targets)
            loss.backward()
            self.update_weights(learning_rate)
            self.history_.append(loss.item())  # the one copy to the host a step makes
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}, Loss: {self.history_[-1]:.4f}")
        return self.history_[-epochs:]

    def _device(self):
        """Where the weights are: the device of the first parameter (the CPU for a model with none)."""
        params = self.parameters()
        return params[0].device if params else "cpu"

    def predict(self, X):
        """The model's outputs for X, as a NumPy array (evaluation mode, no graph)."""
        was_training = self.training
        self.eval()
        with self.no_grad():
            output = self(Tensor(X, dtype=numpy.float32, device=self._device())).numpy()
        super().train(was_training)
        return output

    def save_model(self, name):
        """Write `name`_config.json (the layers, the weights' SHA-256 and its own) and `name`_weights.json
        (every parameter, as lists). Both change together: a save stopped at any moment leaves the old pair or
        the new one (see aino/files/pair.py). Returns the two paths."""
        weights = json.dumps({key: value.tolist() for key, value in self.state_dict().items()}).encode("utf-8")
        config = {"format": FORMAT, "version": VERSION, "loss": self.loss, "layers": self._specs,
                  "weights_sha256": digest(weights)}
        config["config_sha256"] = digest(_canonical(config))
        config_path, weights_path = _paths(name)
        write_pair(config_path, json.dumps(config, allow_nan=False).encode("utf-8"), weights_path, weights)
        return config_path, weights_path

    @classmethod
    def load_model(cls, name):
        """Rebuild a model saved by `save_model(name)`. A damaged, foreign or mismatched pair raises
        ValueError; the layers are checked against the weights' shapes before anything is built."""
        config_path, weights_path = _paths(name)
        config = _read_config(config_path)
        raw = read_matching(weights_path, config["weights_sha256"], f"{config_path.name}")
        weights = _read_weights(raw, weights_path)
        _check_layers_fit_weights(config["layers"], weights, config_path)
        model = cls(loss=config["loss"])
        try:
            for spec in config["layers"]:
                _rebuild(model, spec)
            model.load_state_dict(weights)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name}: the saved layers and weights do not fit together ({error})") from None
        return model


def _spec_of(layer):
    if isinstance(layer, Linear):
        return {"type": "dense", "input_dim": layer.in_features, "output_dim": layer.out_features}
    if isinstance(layer, Dropout):
        return {"type": "dropout", "rate": layer.p}
    kind = activation_kind(layer)
    if kind is not None:
        return {"type": "activation", "kind": kind}
    return {"type": "module", "class": type(layer).__name__}


def _rebuild(model, spec):
    kind = spec["type"]
    if kind == "dense":
        model.add(Dense(spec["input_dim"], spec["output_dim"]))
    elif kind == "activation":
        model.add(Activation(spec["kind"]))
    elif kind == "dropout":
        model.add(Dropout(spec["rate"]))
    else:
        model.addneuron(spec["kind"], **spec["options"])


def _paths(name):
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"CustomAIModel: the model name must be a path or a string, got {type(name).__name__}")
    return Path(f"{os.fspath(name)}_config.json"), Path(f"{os.fspath(name)}_weights.json")


def _read_config(path):
    """The config at `path`, checked field by field (what each layer spec must hold: see _check_spec)."""
    if not path.is_file():
        raise FileNotFoundError(f"no file {path}")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ValueError(f"{path} is {path.stat().st_size} bytes; a CustomAIModel config is at most {MAX_CONFIG_BYTES}")
    config = read_json(path.read_bytes(), str(path))
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"{path} is not a CustomAIModel configuration (format {FORMAT!r})")
    if config.get("version") != VERSION:
        raise ValueError(f"{path} is CustomAIModel format version {config.get('version')!r}; this aino reads version {VERSION}")
    claimed = config.pop("config_sha256", None)
    if claimed != digest(_canonical(config)):
        raise ValueError(f"{path} is damaged: its content does not match its config_sha256")
    if not isinstance(config.get("loss"), str) or config["loss"] not in LOSSES:
        raise ValueError(f"{path}: loss must be one of {sorted(LOSSES)}, got {config.get('loss')!r}")
    if not isinstance(config.get("weights_sha256"), str) or len(config["weights_sha256"]) != 64:
        raise ValueError(f"{path}: weights_sha256 must be 64 hex digits, got {config.get('weights_sha256')!r}")
    if not isinstance(config.get("layers"), list):
        raise ValueError(f"{path}: layers must be a list of layer specs")
    for spec in config["layers"]:
        _check_spec(spec, path)
    return config


CHECKS = {  # what each field of a layer spec must be
    "size": lambda v: type(v) is int and v >= 1,
    "activation": lambda v: isinstance(v, str) and v in ACTIVATION_MODULES,
    "probability": lambda v: type(v) in (int, float) and 0 <= v < 1,
    "neuron": lambda v: isinstance(v, str) and v in NEURONS,
    "options": lambda v: isinstance(v, dict),
}
SPEC_FIELDS = {  # type -> {field: check}
    "dense": {"input_dim": "size", "output_dim": "size"},
    "activation": {"kind": "activation"},
    "dropout": {"rate": "probability"},
    "neuron": {"kind": "neuron", "width": "size", "options": "options"},
}


def _check_spec(spec, path):
    fields = SPEC_FIELDS.get(spec.get("type")) if isinstance(spec, dict) and isinstance(spec.get("type"), str) else None
    if fields is None or set(spec) != {"type", *fields}:
        raise ValueError(f"{path}: cannot rebuild layer {spec!r}"[:300])
    for field, check in fields.items():
        if not CHECKS[check](spec[field]):
            raise ValueError(f"{path}: layer {spec['type']!r} has {field} {spec[field]!r}, which is not a valid {check}"[:300])


def _canonical(config):
    """The config's bytes as its checksum covers them: sorted keys, no spaces."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _read_weights(raw, path):
    weights = read_json(raw, str(path), allow_nonfinite=True)
    if not isinstance(weights, dict):
        raise ValueError(f"{path}: expected an object {{name: nested lists of numbers}}, got {type(weights).__name__}")
    arrays = {}
    for key, value in weights.items():
        try:
            array = numpy.array(value) if isinstance(value, (list, int, float)) else None
        except (TypeError, ValueError):  # ragged lists
            array = None
        if array is None or array.dtype.kind not in "iuf":  # null, text or objects inside
            raise ValueError(f"{path}: {key!r} must be numbers in nested lists of equal length")
        with numpy.errstate(over="ignore"):
            arrays[key] = array.astype(numpy.float32)
        if (numpy.isfinite(array) & ~numpy.isfinite(arrays[key])).any():
            raise ValueError(f"{path}: {key!r} holds numbers beyond float32's range (±3.4e38)")
    return arrays


def _check_layers_fit_weights(specs, weights, path):
    """Every parameter the layers will hold must be in the weights, with its shape, before any is built."""
    expected, width = {}, None
    for i, spec in enumerate(specs):
        if spec["type"] == "dense":
            expected[f"layers.{i}.weight"] = (spec["output_dim"], spec["input_dim"])
            expected[f"layers.{i}.bias"] = (spec["output_dim"],)
            width = spec["output_dim"]
        elif spec["type"] == "neuron":
            if spec["width"] != width:
                raise ValueError(f"{path}: neuron {i} is {spec['width']} wide after a layer of width {width}")
            try:
                shapes = NEURONS[spec["kind"]].state_shapes(width, **spec["options"])
            except TypeError as error:
                raise ValueError(f"{path}: the options of neuron {i} do not fit a {spec['kind']!r} neuron ({error})") from None
            expected.update({f"layers.{i}.{name}": shape for name, shape in shapes.items()})
    for key, shape in expected.items():
        if key not in weights or weights[key].shape != tuple(shape):
            got = weights[key].shape if key in weights else "nothing"
            raise ValueError(f"{path}: the layers need {key!r} of shape {tuple(shape)}, the weights hold {got}")
    unexpected = sorted(set(weights) - set(expected))
    if unexpected:
        raise ValueError(f"{path}: the weights hold {unexpected[:5]}, which belong to no saved layer")

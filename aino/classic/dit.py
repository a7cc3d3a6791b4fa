"""NeuralNetwork <-> .dit file: the architecture in the header, the weights as arrays."""

import numpy

from aino.io import load_dit, save_dit

MODEL_NAME = "NeuralNetwork"


def save_network(network, path):
    """Write `network`'s architecture, weights and loss history to the .dit file `path`."""
    header = {
        "model": MODEL_NAME,
        "layer_sizes": network.layer_sizes,
        "activation_type": network.layers[0].activation.config(),
        "output_activation": network.layers[-1].activation.config(),
        "loss": network.loss_function.name,
        "is_classifier": network.is_classifier,
    }
    arrays = {"history": network.history_}
    for i, (W, b) in enumerate(network.get_weights()):
        arrays[f"layers.{i}.weight"] = W
        arrays[f"layers.{i}.bias"] = b
    return save_dit(path, header, arrays)


def read_network(path):
    """The parts of the NeuralNetwork saved in the .dit file `path`, each checked against the arrays:
    {"layer_sizes", "activation_type", "output_activation", "loss", "weights" (a (W, b) per layer),
    "history" (a list of floats), "is_classifier"}. `NeuralNetwork.load` builds the network from them."""
    header, arrays = load_dit(path)
    if header.get("model") != MODEL_NAME:
        raise ValueError(f"{path} holds a {header.get('model')!r}, not a {MODEL_NAME}")
    sizes = _layer_sizes_fitting(header.get("layer_sizes"), arrays, path)
    history = arrays.get("history", numpy.zeros(0))
    if history.ndim != 1:
        raise ValueError(f"{path}: the loss history must be 1-D, got shape {history.shape}")
    is_classifier = header.get("is_classifier")
    if not isinstance(is_classifier, bool):
        raise ValueError(f"{path}: is_classifier must be true or false, got {is_classifier!r}")
    return {"layer_sizes": sizes, "activation_type": header.get("activation_type"),
            "output_activation": header.get("output_activation"), "loss": header.get("loss"),
            "weights": [(arrays[f"layers.{i}.weight"], arrays[f"layers.{i}.bias"]) for i in range(len(sizes) - 1)],
            "history": [float(loss) for loss in history], "is_classifier": is_classifier}


def _layer_sizes_fitting(sizes, arrays, path):
    """The header's layer sizes, once every weight and bias array is there with the shape they imply.

    Checked before the network is built, so a header cannot make aino allocate what the file lacks.
    """
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(type(size) is int and size >= 1 for size in sizes):
        raise ValueError(f"{path}: layer_sizes must be a list of at least 2 integers >= 1, got {sizes!r}"[:300])
    expected = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        expected[f"layers.{i}.weight"], expected[f"layers.{i}.bias"] = (n_out, n_in), (n_out,)
    for name, shape in expected.items():
        if name not in arrays:
            raise ValueError(f"{path}: the saved network is inconsistent (layer_sizes {sizes} needs an array {name!r})")
        if arrays[name].shape != shape:
            raise ValueError(f"{path}: the saved network is inconsistent ({name!r} has shape "
                             f"{arrays[name].shape}, layer_sizes {sizes} needs {shape})")
    unexpected = sorted(set(arrays) - set(expected) - {"history"})
    if unexpected:
        raise ValueError(f"{path}: the saved network is inconsistent (arrays {unexpected[:5]} belong to no layer)")
    return sizes

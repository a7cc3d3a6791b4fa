"""NeuralNetwork <-> .dit file: the architecture in the header, the weights as arrays."""

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


def load_network(path):
    """Rebuild the NeuralNetwork saved in the .dit file `path`."""
    from aino.classic.network import NeuralNetwork

    header, arrays = load_dit(path)
    if header.get("model") != MODEL_NAME:
        raise ValueError(f"{path} holds a {header.get('model')!r}, not a {MODEL_NAME}")
    try:
        network = NeuralNetwork(
            header["layer_sizes"],
            activation_type=header["activation_type"],
            output_activation=header["output_activation"],
            loss=header["loss"],
        )
        network.set_weights([(arrays[f"layers.{i}.weight"], arrays[f"layers.{i}.bias"]) for i in range(len(network.layers))])
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: the saved network is inconsistent ({error})") from None
    network.history_ = [float(loss) for loss in arrays.get("history", [])]
    network.is_classifier = bool(header.get("is_classifier", network.is_classifier))
    return network


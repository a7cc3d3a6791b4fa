"""What the model looks like, for the Trace's meta: its layers (each leaf module, or each classic layer's
weighted sums and activations), its parameters, and per layer its role, activation and weight names.
The visualizer reads this to draw the network; a Recorder writes it when it is made."""

from aino.classic.network import NeuralNetwork
from aino.nn.activation import ACTIVATION_MODULES, activation_kind
from aino.nn.loss import Loss
from aino.nn.module import Module


def classic_names(network):
    """{classic trace name: name in the trace of network.to_module()}: layer i of a classic network is
    `layers.i.z` (weighted sums z = x @ W.T + b, module 2i, a Linear) and `layers.i` (its activations
    a = f(z), module 2i+1); its parameters `layers.i.weight` (n_out, n_in) and `layers.i.bias` are
    `2i.weight` and `2i.bias`."""
    names = {}
    for i in range(len(network.layers)):
        names[f"layers.{i}.z"], names[f"layers.{i}"] = str(2 * i), str(2 * i + 1)
        names[f"layers.{i}.weight"], names[f"layers.{i}.bias"] = f"{2 * i}.weight", f"{2 * i}.bias"
    return names


def is_classic(model):
    """Whether `model` is a classic NeuralNetwork."""
    return isinstance(model, NeuralNetwork)


def is_module(model):
    """Whether `model` is an aino.nn Module."""
    return isinstance(model, Module)


def leaf_modules(model):
    """(name, module) for each module without sub-modules (losses left out), as named_modules() names it."""
    leaves = []
    for name, module in model.named_modules():
        if not module.named_children() and not isinstance(module, Loss):
            leaves.append((name or type(module).__name__.lower(), module))
    return leaves


def module_layout(model, leaves):
    params = [name for name, _ in model.named_parameters()]
    own = {id(p): name for name, p in model.named_parameters()}
    layers, infos = [], []
    for name, module in leaves:
        kind = type(module).__name__
        info = {"name": name, "type": kind, "role": "other", "activation": None}
        activation = activation_kind(module)
        if activation is not None:
            info.update(role="activation", activation=activation)
            if activation == "leaky_relu":
                info["negative_slope"] = float(module.negative_slope)
        weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
        info["weight"] = own.get(id(weight)) if weight is not None else None
        info["bias"] = own.get(id(bias)) if bias is not None else None
        if hasattr(module, "in_features") and hasattr(module, "out_features"):
            info.update(role="linear", in_features=int(module.in_features), out_features=int(module.out_features))
        layers.append(name)
        infos.append(info)
    meta = {"path": "nn", "model": repr(model), "model_type": type(model).__name__, "layers": infos,
            "param_shapes": {name: list(p.shape) for name, p in model.named_parameters()}}
    return layers, params, meta


def classic_layout(network):
    layers, params, infos = [], [], []
    for i, layer in enumerate(network.layers):
        name = layer.activation.name
        module = ACTIVATION_MODULES.get(name)
        layers += [f"layers.{i}.z", f"layers.{i}"]
        params += [f"layers.{i}.weight", f"layers.{i}.bias"]
        infos.append({"name": f"layers.{i}.z", "type": "Linear", "role": "linear", "activation": None,
                      "in_features": layer.n_inputs, "out_features": layer.n_neurons,
                      "weight": f"layers.{i}.weight", "bias": f"layers.{i}.bias"})
        info = {"name": f"layers.{i}", "type": module.__name__ if module else "Activation", "role": "activation",
                "activation": name, "weight": None, "bias": None}
        info.update(layer.activation.options())
        infos.append(info)
    meta = {"path": "classic", "model": repr(network), "model_type": "NeuralNetwork", "layers": infos,
            "param_shapes": {p: list(s) for i, layer in enumerate(network.layers)
                             for p, s in ((f"layers.{i}.weight", (layer.n_neurons, layer.n_inputs)),
                                          (f"layers.{i}.bias", (layer.n_neurons,)))},
            "input_shape": [network.n_inputs], "input_width": network.n_inputs,
            "loss": network.loss_function.name, "equivalent_names": classic_names(network)}
    return layers, params, meta

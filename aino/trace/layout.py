"""What the model looks like, for the Trace's meta: its layers (each leaf module, or each classic layer's
weighted sums and activations), its parameters, and per layer its role, activation and weight names.
The visualizer reads this to draw the network; a Recorder writes it when it is made."""

import numpy

from aino.classic.network import NeuralNetwork
from aino.nn.activation import ACTIVATION_MODULES, activation_kind
from aino.nn.attention import MultiheadAttention
from aino.nn.loss import Loss
from aino.nn.module import Module

# what the visualizer may want to know of a layer beyond its role, read where the layer has it: recurrent
# layers and cells, convolutions, and normalisations (num_features; LayerNorm's normalized_shape)
LAYER_ATTRIBUTES = ("batch_first", "hidden_size", "num_layers", "bidirectional",
                    "in_channels", "out_channels", "kernel_size", "num_features", "normalized_shape")
ACTIVATION_OPTIONS = ("negative_slope", "alpha", "min_val", "max_val", "beta", "threshold")  # an activation
# module's numbers (ELU's alpha, Softplus's beta); GELU's `approximate` is kept too
RUNNING_STATS = ("running_mean", "running_var")  # the running statistics of a BatchNorm


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
            info.update({option: float(getattr(module, option)) for option in ACTIVATION_OPTIONS
                         if isinstance(getattr(module, option, None), (int, float))})
            if isinstance(getattr(module, "approximate", None), str):
                info["approximate"] = module.approximate
        weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
        info["weight"] = own.get(id(weight)) if weight is not None else None
        info["bias"] = own.get(id(bias)) if bias is not None else None
        if hasattr(module, "in_features") and hasattr(module, "out_features"):
            info.update(role="linear", in_features=int(module.in_features), out_features=int(module.out_features))
        info.update(layer_attributes(module))
        layers.append(name)
        infos.append(info)
    meta = {"path": "nn", "model": repr(model), "model_type": type(model).__name__, "layers": infos,
            "param_shapes": {name: list(p.shape) for name, p in model.named_parameters()}}
    return layers, params, meta


def layer_attributes(module):
    """{attribute: value} of the LAYER_ATTRIBUTES `module` has, as JSON values: a bool, an int, or a list of
    ints (kernel_size, normalized_shape); an attribute it lacks (or holds as None) is left out."""
    found = {}
    for attribute in LAYER_ATTRIBUTES:
        value = getattr(module, attribute, None)
        if isinstance(value, bool):
            found[attribute] = value
        elif isinstance(value, int):
            found[attribute] = int(value)
        elif isinstance(value, (tuple, list)) and all(isinstance(n, int) and not isinstance(n, bool) for n in value):
            found[attribute] = [int(n) for n in value]
    return found


def attention_modules(model):
    """(name, module) for every MultiheadAttention in `model`, in model order, named as named_modules()
    names it (the model itself, if it is one, by its type's name in lower case)."""
    return [(name or type(module).__name__.lower(), module) for name, module in model.named_modules()
            if isinstance(module, MultiheadAttention)]


def running_buffers(model):
    """(name, module, attribute) for the running statistics of every BatchNorm in `model` (any module
    holding running_mean and running_var; one made with track_running_stats=False holds none), named
    "module.running_mean" and "module.running_var" as in the state_dict."""
    found = []
    for name, module in model.named_modules():
        if all(getattr(module, attribute, None) is not None for attribute in RUNNING_STATS):
            found += [(f"{name}.{attribute}" if name else attribute, module, attribute) for attribute in RUNNING_STATS]
    return found


def classic_z(layer):
    """The weighted sums z of a classic layer's latest forward, one column per neuron."""
    if layer.layer_wide:
        return layer.z
    return numpy.column_stack([p.z for p in layer.perceptrons])


def classic_outputs(network):
    """{trace layer name: array} of a classic network's latest forward: layers.i.z (weighted sums) and layers.i."""
    out = {}
    for i, layer in enumerate(network.layers):
        out[f"layers.{i}.z"] = classic_z(layer)
        out[f"layers.{i}"] = layer.output
    return out


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

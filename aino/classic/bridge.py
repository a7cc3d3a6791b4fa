"""From the classic path to the fast path: the same network as an aino.nn.Sequential."""

import numpy

from aino import nn


def to_module(network):
    """An nn.Sequential of Linear layers and activation layers holding a float64 copy of `network`'s weights.

    Its outputs, and the gradients autograd computes through it, equal the classic network's.
    """
    layers = []
    for layer in network.layers:
        linear = nn.Linear(layer.n_inputs, layer.n_neurons, dtype=numpy.float64)
        linear.weight.data[...] = layer.weight_matrix()
        linear.bias.data[...] = layer.bias_vector()
        layers += [linear, _activation_module(layer.activation)]
    return nn.Sequential(layers)


def _activation_module(activation):
    options = activation.options()
    if activation.name == "leaky_relu":
        return nn.LeakyReLU(negative_slope=activation.negative_slope)
    if activation.name == "softmax":
        return nn.Softmax(dim=-1)
    return nn.Activation(activation.name, **options)

"""aino: a neural-network library for learning how networks work, and for teaching it.

The classic path, `NeuralNetwork -> Layer -> Perceptron`, spells out every derivative by hand.
"""

from aino import activations, datasets
from aino.activations import get_activation
from aino.classic import Layer, NeuralNetwork, Perceptron
from aino.io import load_dit, save_dit

__version__ = "0.1.0"

__all__ = [
    "Layer",
    "NeuralNetwork",
    "Perceptron",
    "activations",
    "datasets",
    "get_activation",
    "load_dit",
    "save_dit",
]

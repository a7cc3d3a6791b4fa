"""The classic path: Perceptron -> Layer -> NeuralNetwork, every derivative written by hand."""

from aino.classic.layer import Layer
from aino.classic.network import NeuralNetwork
from aino.classic.perceptron import Perceptron

__all__ = ["Perceptron", "Layer", "NeuralNetwork"]

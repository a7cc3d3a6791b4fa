"""aino: a neural-network library for learning how networks work, and for teaching it.

Two ways to build the same network:
- the classic path, `NeuralNetwork -> Layer -> Perceptron`, every derivative written by hand (float64);
- the fast path, `Tensor` with autograd, `aino.nn` layers and `aino.optim` optimizers (float32 by default).

Every public name of `aino.nn`, `aino.optim`, `aino.io` and the backend is also importable from `aino`.
"""

from aino import activations, datasets, nn, optim
from aino.activations import get_activation
from aino.backend import Device, DeviceType, get_available_devices, has_cupy, parse_dtype
from aino.classic import Layer, NeuralNetwork, Perceptron
from aino.io import load_dit, load_state_dict_from_file, save_dit, save_model_parameters
from aino.nn import *  # noqa: F401,F403  (the flat names of reference document 004)
from aino.nn import __all__ as _nn_names
from aino.optim import *  # noqa: F401,F403
from aino.optim import __all__ as _optim_names
from aino.functional import cat, concatenate, stack, where
from aino.tensor import DOtensor, Tensor, enable_grad, is_grad_enabled, manual_seed, no_grad
from aino.trace import Recorder, Trace, detect_anomaly
from aino.training import History, fit

__version__ = "0.1.0"

__all__ = [
    "DOtensor", "Device", "DeviceType", "History", "Recorder", "Trace", "detect_anomaly", "fit", "Layer", "NeuralNetwork", "Perceptron", "Tensor", "activations", "cat",
    "concatenate", "datasets", "enable_grad", "get_activation", "get_available_devices", "has_cupy",
    "is_grad_enabled", "load_dit", "load_state_dict_from_file", "manual_seed", "nn", "no_grad", "optim",
    "parse_dtype", "save_dit", "save_model_parameters", "stack", "where",
    *_nn_names, *_optim_names,
]

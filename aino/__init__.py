"""aino: a neural-network library for learning how networks work, and for teaching it.

Two ways to build the same network:
- the classic path, `NeuralNetwork -> Layer -> Perceptron`, every derivative written by hand (float64);
- the fast path, `Tensor` with autograd, `aino.nn` layers and `aino.optim` optimizers (float32 by default).

Every public name of `aino.nn`, `aino.optim`, `aino.io` and the backend is also importable from `aino`, and so
are PyTorch's module-level names (aino.tensor, aino.zeros, aino.cat, aino.einsum, aino.exp, aino.save, the
dtypes aino.float32 ... aino.long, aino.no_grad, aino.cuda.is_available), so that a PyTorch script runs with
`import aino as torch`.
"""

import numpy


from aino import activations, cuda, datasets, memory, nn, optim, utils
from aino.activations import get_activation
from aino.backend import (BOOL, FLOAT16, FLOAT32, FLOAT64, INT8, INT16, INT32, INT64, UINT8, Device, DeviceType,
                          get_available_devices, get_default_dtype, has_cupy, parse_dtype)
from aino.classic import Layer, NeuralNetwork, Perceptron
from aino.io import load_dit, load_state_dict_from_file, save_dit, save_model_parameters
from aino.nn import *  # noqa: F401,F403  (the flat names of reference document 004)
from aino.nn import __all__ as _nn_names
from aino.optim import *  # noqa: F401,F403
from aino.optim import __all__ as _optim_names
from aino.functional import *  # noqa: F401,F403  (torch's module-level functions: tensor, zeros, exp, ...)
from aino.functional import __all__ as _functional_names
from aino.functional_methods import BUILTIN_NAMES
from aino.parallel import get_num_threads, set_num_threads
from aino.serialization import load, save
from aino.tensor import DOtensor, Size, Tensor, enable_grad, is_grad_enabled, manual_seed, no_grad
from aino.trace import Recorder, Trace, detect_anomaly
from aino.training import History, fit

__version__ = "0.1.0"

device = Device  # aino.device("cpu"), aino.device("cuda", 0), as torch.device
dtype = numpy.dtype  # what aino.float32 and the others are: isinstance(x.dtype, aino.dtype)

# PyTorch's dtype names, as NumPy dtypes (x.dtype == aino.float32); float, int and bool shadow the builtins
# only as attributes of aino (aino.float is float32, aino.int int32, as torch.float and torch.int), and are
# left out of __all__ with the functions named like builtins (aino.sum, aino.max, ...).
float32 = float = FLOAT32
float64 = double = FLOAT64
float16 = half = FLOAT16
int64 = long = INT64
int32 = int = INT32
int16 = short = INT16
int8 = INT8
uint8 = UINT8
bool = BOOL

__all__ = [
    "DOtensor", "Device", "DeviceType", "History", "Layer", "NeuralNetwork", "Perceptron", "Recorder", "Size",
    "Tensor", "Trace", "activations", "cuda", "datasets", "utils", "detect_anomaly", "device", "double", "dtype",
    "enable_grad", "fit", "float16", "float32", "float64", "get_activation", "get_available_devices",
    "get_default_dtype", "get_num_threads", "half", "has_cupy", "int16", "int32", "int64", "int8", "is_grad_enabled", "load",
    "load_dit", "load_state_dict_from_file", "long", "manual_seed", "nn", "no_grad", "optim", "parse_dtype", "save",
    "save_dit", "save_model_parameters", "set_num_threads", "short", "uint8",
    *(name for name in _functional_names if name not in BUILTIN_NAMES), *_nn_names, *_optim_names,
]

"""Where arrays live: NumPy on the CPU, CuPy on an NVIDIA GPU.

Maths code never names NumPy directly; it asks `array_module(x)` for the module that owns `x`,
so the same line runs on either.
"""

import numpy

try:  # CuPy is optional: `pip install aino[gpu]` on a machine with CUDA.
    import cupy
except ImportError:
    cupy = None

has_cupy = cupy is not None


def array_module(array):
    """The module (numpy or cupy) that owns `array`."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return numpy

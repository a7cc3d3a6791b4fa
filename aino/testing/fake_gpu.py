"""aino's stand-in GPU, for tests: an array module spelt as CuPy's whose arrays refuse NumPy.

No GPU is needed. Tests switch it on and compute on it as on a CUDA device:

    from aino.testing import fake_gpu
    fake_gpu.enable()                        # the device "fake-gpu" now exists
    model = nn.Linear(3, 2).to("fake-gpu")   # parameters are DeviceArrays; xp is this module

    with fake_gpu.standing_in_for_cuda():    # "cuda" means the stand-in: model.cuda(), aino.cuda.is_available()
        ...

The module offers what aino asks of CuPy: `ndarray`, `asarray`/`array` (copies onto the device, counted),
`asnumpy` (the explicit way back, counted), `get_array_module`, `cuda.Device`, `cuda.runtime`, and NumPy's
functions, ufuncs and submodules, each taking and giving device arrays only (`fake_array.py` says how).
"""

import contextlib
import sys
import types

import numpy

from aino import backend
from aino.testing.fake_array import DeviceArray, FakeDevice, call
from aino.testing.transfers import count, counting_transfers

ndarray = DeviceArray


def asarray(a, dtype=None, order=None):
    """`a` on the device: a device array as it is (or cast), anything else copied over (counted)."""
    if type(a) is DeviceArray:
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    return array(a, dtype=dtype, order=order)


def array(obj, dtype=None, copy=True, order="K", ndmin=0):
    """A new device array of `obj`: device arrays are copied on the device, host data copied over (counted)."""
    if type(obj) is DeviceArray:
        return call(numpy.array, (obj,), {"dtype": dtype, "copy": copy, "order": order, "ndmin": ndmin}, "array")
    if type(obj) in (list, tuple) and any(type(item) is DeviceArray for item in obj):
        return call(numpy.array, (obj,), {"dtype": dtype, "order": order, "ndmin": ndmin}, "array")
    count("to_device", "fake_gpu.asarray(host data)")
    return DeviceArray(numpy.array(obj, dtype=dtype, copy=True, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order="C", out=None):
    """A NumPy copy of device array `a` (counted); host data comes back as an array, as in CuPy."""
    if type(a) is not DeviceArray:
        return numpy.asarray(a, order=order)
    count("to_host", "fake_gpu.asnumpy")
    if out is not None:
        out[...] = a._numbers
        return out
    return numpy.array(a._numbers, order=order, copy=True)


def get_array_module(*args):
    """This module when any argument is a device array, else numpy (as cupy.get_array_module)."""
    return sys.modules[__name__] if any(type(a) is DeviceArray for a in args) else numpy


class _Ufunc:
    """One of NumPy's ufuncs, on device arrays: called, or through at/reduce/accumulate/outer/reduceat."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = self.name = ufunc.__name__
        self.nin, self.nout, self.nargs = ufunc.nin, ufunc.nout, ufunc.nargs

    def __call__(self, *args, **kwargs):
        return call(self._ufunc, args, kwargs, self.name)

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        found = getattr(self._ufunc, method)
        return lambda *args, **kwargs: call(found, args, kwargs, f"{self.name}.{method}")

    def __repr__(self):
        return f"<fake_gpu ufunc {self.name!r}>"


class _Namespace(types.ModuleType):
    """A NumPy submodule (linalg, random, fft, lib.stride_tricks) whose functions take device arrays."""

    def __init__(self, module, name):
        super().__init__(f"{__name__}.{name}")
        self._module = module

    def __getattr__(self, name):
        found = _device_version(getattr(self._module, name), f"{self.__name__}.{name}")
        setattr(self, name, found)
        return found


def _device_version(found, name):
    """What `name` of NumPy becomes here: types and constants as they are, callables on device arrays."""
    if isinstance(found, types.ModuleType):
        return _Namespace(found, name.rpartition(".")[2])
    if isinstance(found, type) or not callable(found):
        return found  # numpy.float32, numpy.dtype, numpy.inf, numpy.newaxis: CuPy shares them
    if isinstance(found, numpy.ufunc):
        return _Ufunc(found)
    return lambda *args, **kwargs: call(found, args, kwargs, name)


def __getattr__(name):  # NumPy's namespace, as device functions (cached after the first look)
    if name.startswith("_"):
        raise AttributeError(name)
    found = _device_version(getattr(numpy, name), name)
    globals()[name] = found
    return found


class _Stream:
    """cupy.cuda.Stream's spelling: work on the stand-in is done when the call returns."""

    def synchronize(self):
        """Nothing to wait for."""


cuda = types.SimpleNamespace(
    Device=FakeDevice, Stream=_Stream, get_current_stream=_Stream,
    runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))


def enable():
    """Make the device "fake-gpu" compute on this module (idempotent)."""
    backend.register_gpu(backend.DeviceType.FAKE_GPU, sys.modules[__name__])


@contextlib.contextmanager
def standing_in_for_cuda():
    """Inside the block, "cuda" is the stand-in: tensor.cuda(), model.to("cuda"), aino.cuda.is_available()
    are True and compute here. The real CuPy, if any, comes back after."""
    before = backend.register_gpu(backend.DeviceType.CUDA, sys.modules[__name__])
    try:
        yield
    finally:
        backend.register_gpu(backend.DeviceType.CUDA, before)


__all__ = ["DeviceArray", "asarray", "array", "asnumpy", "counting_transfers", "cuda", "enable", "get_array_module",
           "ndarray", "standing_in_for_cuda"]

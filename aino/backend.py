"""Where arrays live: NumPy on the CPU, CuPy on an NVIDIA GPU.

Maths code never names NumPy directly; it asks `array_module(x)` for the module that owns `x`,
so the same line runs on either.
"""

import enum

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


# --- devices -----------------------------------------------------------------------------------

class DeviceType(enum.Enum):
    """The kinds of device a tensor can live on. Only CPU (NumPy) and CUDA (CuPy) run today."""

    CPU = "cpu"
    CUDA = "cuda"
    ROCM = "rocm"
    WEBGPU = "webgpu"


class Device:
    """A device: a type and an index, spelt "cpu", "cuda" or "cuda:1".

    Compares equal to its spelling: Device("cuda:0") == "cuda", Device("cpu") == "cpu".
    A device without an index matches any index of its type.
    """

    __slots__ = ("type", "index")

    def __init__(self, device="cpu", index=None):
        if isinstance(device, Device):
            device, index = device.type, device.index if index is None else index
        if isinstance(device, str):
            name, _, number = device.strip().lower().partition(":")
            try:
                device = DeviceType(name)
            except ValueError:
                kinds = [kind.value for kind in DeviceType]
                raise ValueError(f"unknown device {name!r}; expected one of {kinds}") from None
            if number:
                if not number.isdigit():
                    raise ValueError(f"device index must be a whole number, got {number!r}")
                index = int(number)
        if not isinstance(device, DeviceType):
            raise TypeError(f"device must be a string, a Device or a DeviceType, got {type(device).__name__}")
        self.type = device
        self.index = index

    def __eq__(self, other):
        if isinstance(other, (str, DeviceType)):
            try:
                other = Device(other)
            except ValueError:
                return False
        if not isinstance(other, Device):
            return NotImplemented
        same_index = self.index is None or other.index is None or self.index == other.index
        return self.type is other.type and same_index

    def __hash__(self):
        return hash(self.type)

    def __str__(self):
        return self.type.value if self.index is None else f"{self.type.value}:{self.index}"

    def __repr__(self):
        return f"Device({str(self)!r})"


CPU = Device("cpu")


def get_available_devices():
    """The devices aino can compute on here: the CPU, then every CUDA GPU CuPy can see."""
    devices = [Device("cpu")]
    if has_cupy:
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception:  # CuPy installed without a working driver
            count = 0
        devices += [Device(DeviceType.CUDA, i) for i in range(count)]
    return devices


def device_of(array):
    """The Device that holds `array`."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return Device(DeviceType.CUDA, array.device.id)
    return CPU


def module_for(device):
    """The array module for `device`: numpy for "cpu", cupy for "cuda"; a clear error otherwise."""
    device = Device(device)
    if device.type is DeviceType.CPU:
        return numpy
    if device.type is DeviceType.CUDA:
        if cupy is None:
            raise RuntimeError(
                f"device {str(device)!r} needs CuPy, which is not installed; "
                "install it (pip install aino[gpu]) on a machine with an NVIDIA GPU, or use device='cpu'"
            )
        return cupy
    raise RuntimeError(f"device {str(device)!r} is not supported yet; use 'cpu' or 'cuda'")


def move_array(array, device):
    """`array` on `device` (the same array when it is already there)."""
    device = Device(device)
    xp = module_for(device)
    if xp is numpy:
        return cupy.asnumpy(array) if cupy is not None and isinstance(array, cupy.ndarray) else array
    with cupy.cuda.Device(device.index or 0):
        return cupy.asarray(array)


# --- dtypes ------------------------------------------------------------------------------------

_DTYPE_NAMES = {
    "float": "float32", "double": "float64", "half": "float16", "long": "int64", "int": "int32",
    "bool": "bool", "float16": "float16", "float32": "float32", "float64": "float64", "int8": "int8",
    "int16": "int16", "int32": "int32", "int64": "int64", "uint8": "uint8", "bool_": "bool",
}


def parse_dtype(dtype):
    """A numpy.dtype from any common spelling; None stays None.

    Accepts numpy dtypes and types (numpy.float32), Python types (float -> float64, int -> int64,
    bool), and strings: "float32", "<class 'numpy.float64'>", "np.float32", "torch.float64".
    Unknown spellings raise ValueError.
    """
    if dtype is None:
        return None
    if isinstance(dtype, numpy.dtype):
        return dtype
    if dtype is float:
        return numpy.dtype(numpy.float64)
    if dtype is int:
        return numpy.dtype(numpy.int64)
    if dtype is bool:
        return numpy.dtype(numpy.bool_)
    if isinstance(dtype, type):
        try:
            result = numpy.dtype(dtype)
        except TypeError:
            result = None
        if result is None or result.kind not in "biufc":
            raise ValueError(f"unknown dtype {dtype!r}; expected a numeric type such as numpy.float32")
        return result
    text = str(dtype).strip()  # also torch.float64 and similar objects, through their str()
    if text.startswith("<class '") and text.endswith("'>"):
        text = text[len("<class '"):-2]
    name = text.rsplit(".", 1)[-1].lower()
    if name in _DTYPE_NAMES:
        return numpy.dtype(_DTYPE_NAMES[name])
    raise ValueError(f"unknown dtype {dtype!r}; expected e.g. 'float32', 'float64', 'int64' or numpy.float32")

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


# --- devices -----------------------------------------------------------------------------------

class DeviceType(enum.Enum):
    """The kinds of device a tensor can live on: CPU (NumPy) and CUDA (CuPy) run; FAKE_GPU is the test
    stand-in of aino.testing.fake_gpu, there once that module's enable() has run."""

    CPU = "cpu"
    CUDA = "cuda"
    FAKE_GPU = "fake-gpu"
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
                raise ValueError(f"Device: unknown device {name!r}; expected one of {kinds}") from None
            if number:
                if not number.isdigit():
                    raise ValueError(f"Device: device index must be a whole number, got {number!r}")
                index = int(number)
        if not isinstance(device, DeviceType):
            raise TypeError(f"Device: device must be a string, a Device or a DeviceType, got {type(device).__name__}")
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


def cuda_device(device=None):
    """The Device that torch's `.cuda(device)` means: the first GPU for None, GPU number `device` for an int,
    else `device` as spelt ("cuda:1", a Device)."""
    return Device(DeviceType.CUDA, device) if device is None or isinstance(device, int) else Device(device)

# The GPU array modules aino computes with, by device type: CuPy for CUDA where it is installed, and the
# test stand-in once enabled. _KIND_OF maps each module's array type back to its device type.
_GPU_MODULES = {}
_KIND_OF = {}


def register_gpu(kind, module):
    """Let `module` (CuPy's spelling: ndarray, asarray, asnumpy, cuda.Device) compute for DeviceType `kind`;
    None forgets the kind. Returns the module it had before (or None), so that a caller can restore it."""
    before = _GPU_MODULES.pop(kind, None)
    if module is not None:
        _GPU_MODULES[kind] = module
    _KIND_OF.clear()
    _KIND_OF.update({gpu.ndarray: gpu_kind for gpu_kind, gpu in _GPU_MODULES.items()})
    return before


if cupy is not None:
    register_gpu(DeviceType.CUDA, cupy)


def waits_for_device(xp):
    """True when reading a value of `xp`'s arrays on the host (float(x), bool(x.any())) waits for a GPU to finish
    and copies it over: CuPy and the test stand-in. Code that would branch on array values does the work
    unasked there instead, or checks on the device."""
    return xp is not numpy


def scalar(xp, value, dtype):
    """A 0-d array of `value` in `dtype`, of module `xp`: on a GPU filled in there (asarray would copy it over
    from the host); on the CPU made by asarray, 6x faster than full, and quicker to compute with in a loop
    (measured: an LSTM step at batch 1 is 5-10% slower with full's 0.5)."""
    return xp.full((), value, dtype=dtype) if waits_for_device(xp) else xp.asarray(value, dtype=dtype)


def array_module(array):
    """The module (numpy, cupy or the test stand-in) that owns `array`."""
    kind = _KIND_OF.get(type(array))
    return numpy if kind is None else _GPU_MODULES[kind]


def get_available_devices():
    """The devices aino can compute on here: the CPU, then every CUDA GPU CuPy can see."""
    devices = [Device("cpu")]
    for kind, module in _GPU_MODULES.items():
        if kind is not DeviceType.FAKE_GPU:  # the test stand-in is not a device to run work on
            devices += [Device(kind, i) for i in range(_device_count(module))]
    return devices


def _device_count(module):
    """How many GPUs the array module `module` sees (0 where CuPy is installed without a working driver)."""
    try:
        return module.cuda.runtime.getDeviceCount()
    except Exception:  # CuPy's CUDARuntimeError without a driver; any failure means no usable GPU
        return 0


def device_of(array):
    """The Device that holds `array`."""
    kind = _KIND_OF.get(type(array))
    return CPU if kind is None else Device(kind, array.device.id)


def module_for(device):
    """The array module for `device`: numpy for "cpu", cupy for "cuda"; a clear error otherwise."""
    device = Device(device)
    if device.type is DeviceType.CPU:
        return numpy
    if device.type in _GPU_MODULES:
        module = _GPU_MODULES[device.type]
        count = _device_count(module)
        if (device.index or 0) >= count:
            raise RuntimeError(f"device {str(device)!r}: {module.__name__} sees {count} GPU(s) on this machine; "
                               "use device='cpu' here, or a machine with an NVIDIA GPU and its driver")
        return module
    if device.type is DeviceType.CUDA:
        raise RuntimeError(
            f"device {str(device)!r} needs CuPy, which is not installed; "
            "install it (pip install aino[gpu]) on a machine with an NVIDIA GPU, or use device='cpu'"
        )
    if device.type is DeviceType.FAKE_GPU:
        raise RuntimeError("device 'fake-gpu' is aino's stand-in GPU for tests; switch it on first with "
                           "`from aino.testing import fake_gpu; fake_gpu.enable()`")
    raise RuntimeError(f"device {str(device)!r} is not supported yet; use 'cpu' or 'cuda'")


def device_or_dtype(device, dtype, owner):
    """(device, dtype) for `to(device, dtype)`, where the first argument may be either (to("float64"),
    to(numpy.float32), to("cuda")); something that is neither is a ValueError naming both readings."""
    if device is None or isinstance(device, Device):
        return device, parse_dtype(dtype, owner)
    try:
        return Device(device), parse_dtype(dtype, owner)
    except (ValueError, TypeError):
        pass
    if dtype is not None:
        Device(device)  # both given: the first must be the device, and this says what is wrong with it
    try:
        return None, parse_dtype(device)
    except ValueError:
        raise ValueError(f"{owner}: expected a device ('cpu', 'cuda', 'cuda:1') or a dtype ('float32', "
                         f"'float64', 'int64', numpy.float32), got {device!r}") from None


def move_array(array, device):
    """`array` on `device` (the same array when it is already there); between two kinds of GPU it goes
    through the host."""
    device = Device(device)
    xp, source = module_for(device), array_module(array)
    if source is not numpy and source is not xp:
        array, source = source.asnumpy(array), numpy
    if xp is numpy:
        return array if source is numpy else source.asnumpy(array)
    with xp.cuda.Device(device.index or 0):
        return xp.asarray(array)


# --- dtypes ------------------------------------------------------------------------------------

_DTYPE_NAMES = {
    "float": "float32", "double": "float64", "half": "float16", "long": "int64", "int": "int32",
    "short": "int16", "bool": "bool", "float16": "float16", "float32": "float32", "float64": "float64", "int8": "int8",
    "int16": "int16", "int32": "int32", "int64": "int64", "uint8": "uint8", "bool_": "bool",
}


def parse_dtype(dtype, owner="parse_dtype"):
    """A numpy.dtype from any common spelling; None stays None.

    Accepts numpy dtypes and types (numpy.float32), Python types (float -> float64, int -> int64,
    bool), and strings: "float32", "<class 'numpy.float64'>", "np.float32", "torch.float64".
    Unknown spellings raise ValueError naming `owner` (the function that was given the dtype).
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
            raise ValueError(f"{owner}: unknown dtype {dtype!r}; expected a numeric type such as numpy.float32")
        return result
    text = str(dtype).strip()  # also torch.float64 and similar objects, through their str()
    if text.startswith("<class '") and text.endswith("'>"):
        text = text[len("<class '"):-2]
    name = text.rsplit(".", 1)[-1].lower()
    if name in _DTYPE_NAMES:
        return numpy.dtype(_DTYPE_NAMES[name])
    raise ValueError(f"{owner}: unknown dtype {dtype!r}; expected e.g. 'float32', 'float64', 'int64' or numpy.float32")


# --- arrays from what users pass ---------------------------------------------------------------

FLOAT32 = numpy.dtype(numpy.float32)
INT64 = numpy.dtype(numpy.int64)
FLOAT64, FLOAT16 = numpy.dtype(numpy.float64), numpy.dtype(numpy.float16)
INT32, INT16, INT8, UINT8 = (numpy.dtype(t) for t in (numpy.int32, numpy.int16, numpy.int8, numpy.uint8))
BOOL = numpy.dtype(numpy.bool_)


def get_default_dtype():
    """The dtype Python floats become and float ops on integers give: float32, as PyTorch's default."""
    return FLOAT32


def as_array(data, dtype=None, device=None, owner="Tensor"):
    """`data` (an array, a number or a nested list of them) as an array with aino's dtype rules: arrays
    keep their dtype, Python floats become float32 and Python ints int64 (as PyTorch). Text, objects,
    ragged lists and integers beyond int64 are refused, naming `owner`, rather than stored."""
    if device is None:
        device = device_of(data) if hasattr(data, "dtype") else CPU
    xp = module_for(device)
    if hasattr(data, "dtype"):  # NumPy or CuPy array, or a NumPy scalar: keeps its dtype
        array = move_array(data, device) if device_of(data) != device else data
        array = xp.asarray(array)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"{owner}: data must be numbers, got an array of dtype {array.dtype}")
    else:  # Python numbers and (nested) lists
        try:
            array = numpy.asarray(data)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{owner}: data must be a number or nested lists of equal length, got a ragged "
                             f"{type(data).__name__} ({error})") from None
        kind = array.dtype.kind
        if kind == "f":
            array = array.astype(FLOAT32 if dtype is None else dtype)  # 0.2 as float64 stays 0.2, not float32's
        elif kind in "iuO" and _beyond_int64(array):
            raise ValueError(f"{owner}: integers must fit in int64 (-2**63 <= n < 2**63), got "
                             f"{type(data).__name__} holding a larger one")
        elif kind in "iu":
            array = array.astype(INT64, copy=False)
        elif kind != "b":
            raise TypeError(f"{owner}: data must be numbers, got {type(data).__name__} of dtype {array.dtype}")
        array = xp.asarray(array) if xp is not numpy else array
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    return array


def _beyond_int64(array):
    """True when an array made from Python numbers holds an integer int64 cannot: NumPy made it uint64,
    or an object array of ints."""
    if array.dtype.kind == "O":
        return any(isinstance(v, int) and not -2**63 <= v < 2**63 for v in array.flat)
    return array.dtype == numpy.uint64 and array.size > 0 and int(array.max()) >= 2**63

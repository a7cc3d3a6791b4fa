"""The array of aino's stand-in GPU: NumPy numbers kept behind a wall, the way CuPy keeps them on a device.

A `DeviceArray` behaves as a `cupy.ndarray` does where code written on NumPy breaks:

- it is not a `numpy.ndarray`, and NumPy will not take it: `numpy.asarray(x)` raises TypeError (CuPy's
  "Implicit conversion to a NumPy array is not allowed"), and so do `numpy.exp(x)`, `numpy.sum(x)` and
  every other NumPy function, so a `numpy.` call on a device array fails where it is made;
- maths with a host array (`x + numpy_array`) raises TypeError, as mixing devices does in CuPy;
- reductions and integer indexing give 0-d device arrays, not NumPy scalars;
- the numbers reach the host only through `.get()`, `asnumpy`, `.item()`, `.tolist()`, `float(x)`,
  `int(x)` or `bool(x)`, and each of those is counted (see `transfers`), as is every copy onto the device.

Its own module (`aino.testing.fake_gpu`) computes on it; the wall is kept by unwrapping the arguments of
every call and wrapping what comes back.
"""

import numpy

from aino.testing.transfers import count


class FakeDevice:
    """The one device of the stand-in, spelt as `cupy.cuda.Device`: an id, usable as a context."""

    def __init__(self, device=0):
        self.id = int(device or 0)

    def __enter__(self):
        return self

    def __exit__(self, *error):
        return False

    def synchronize(self):
        """Nothing runs asynchronously on the stand-in."""

    def __repr__(self):
        return f"<FakeDevice {self.id}>"


def unwrap(value, where):
    """`value` with every DeviceArray inside it replaced by its numbers; a host array is refused."""
    kind = type(value)
    if kind is DeviceArray:
        return value._numbers
    if kind is tuple or kind is list:
        return kind(unwrap(item, where) for item in value)
    if isinstance(value, numpy.ndarray):
        raise TypeError(f"{where}: got a host (NumPy) array where a device array belongs; mixing the two is "
                        "an error on a GPU: move it first with xp.asarray(...)")
    return value


def wrap(value, originals=()):
    """What NumPy returned, as it would come from CuPy: arrays (and NumPy scalars, as 0-d arrays) on the
    device; an array that is one of the call's own DeviceArrays (an `out=`, an in-place op) as that object."""
    if isinstance(value, numpy.ndarray):
        for original in originals:
            if original._numbers is value:
                return original
        return DeviceArray(value)
    if isinstance(value, numpy.generic):
        return DeviceArray(numpy.asarray(value))
    if type(value) is tuple or type(value) is list:
        return type(value)(wrap(item, originals) for item in value)
    return value


def call(function, args, kwargs, where, owner=None):
    """`function` (NumPy's) applied to unwrapped arguments, its result wrapped back onto the device; `owner` is
    the array whose method `function` is, so that an in-place operator (x += y) gives x itself, as CuPy's does."""
    originals = [a for a in (owner, *args, *kwargs.values()) if type(a) is DeviceArray]
    result = function(*unwrap(args, where), **{k: unwrap(v, where) for k, v in kwargs.items()})
    return wrap(result, originals)


class DeviceArray:
    """An array on the stand-in GPU (see the module docstring)."""

    __slots__ = ("_numbers", "__weakref__")
    __array_ufunc__ = None  # numpy.exp(x) raises TypeError; numpy_scalar * x falls back to x.__rmul__
    __hash__ = None

    def __init__(self, numbers):
        self._numbers = numbers

    # --- the wall: NumPy may not read it ---
    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed (a device array of aino's "
                        "stand-in GPU). Use .get() or xp.asnumpy(x) to copy it to the host explicitly.")

    def __array_function__(self, function, types, args, kwargs):
        raise TypeError(f"numpy.{function.__name__} was called on a device array; call it through the array's "
                        "own module (xp = tensor.xp, or aino.backend.array_module(array)) instead")

    # --- explicit ways to the host, each counted ---
    def get(self):
        count("to_host", "DeviceArray.get")
        return self._numbers.copy()

    def item(self, *args):
        count("to_host", "DeviceArray.item")
        return self._numbers.item(*args)

    def tolist(self):
        count("to_host", "DeviceArray.tolist")
        return self._numbers.tolist()

    def tobytes(self, order="C"):
        count("to_host", "DeviceArray.tobytes")
        return self._numbers.tobytes(order)

    __float__ = property(lambda self: _host_value(self, float, "float(device array)"))
    __int__ = property(lambda self: _host_value(self, int, "int(device array)"))
    __complex__ = property(lambda self: _host_value(self, complex, "complex(device array)"))
    __bool__ = property(lambda self: _host_value(self, bool, "bool(device array)"))

    def __index__(self):
        count("to_host", "device array used as an index")
        return self._numbers.__index__()

    # --- what it is ---
    shape = property(lambda self: self._numbers.shape, lambda self, shape: setattr(self._numbers, "shape", shape))
    dtype = property(lambda self: self._numbers.dtype)
    ndim = property(lambda self: self._numbers.ndim)
    size = property(lambda self: self._numbers.size)
    itemsize = property(lambda self: self._numbers.itemsize)
    nbytes = property(lambda self: self._numbers.nbytes)
    strides = property(lambda self: self._numbers.strides)
    flags = property(lambda self: self._numbers.flags)
    T = property(lambda self: DeviceArray(self._numbers.T))
    mT = property(lambda self: DeviceArray(numpy.swapaxes(self._numbers, -1, -2)))
    real = property(lambda self: DeviceArray(self._numbers.real))
    imag = property(lambda self: DeviceArray(self._numbers.imag))
    base = property(lambda self: None if self._numbers.base is None else DeviceArray(self._numbers.base))
    device = property(lambda self: FakeDevice(0))

    @property
    def __cuda_array_interface__(self):
        """CuPy's description of device memory; here only its shape, type and layout."""
        return {"shape": self.shape, "typestr": self.dtype.str, "strides": self.strides, "version": 3}

    def __len__(self):
        return len(self._numbers)

    def __iter__(self):
        return (wrap(row) for row in self._numbers)

    def __getitem__(self, key):
        return wrap(self._numbers[_device_key(key)])

    def __setitem__(self, key, value):
        if isinstance(value, numpy.ndarray):  # CuPy copies a host value onto the device: counted
            count("to_device", "device_array[...] = host array")
            self._numbers[_device_key(key)] = value
            return
        self._numbers[_device_key(key)] = unwrap(value, "DeviceArray.__setitem__")

    def __getattr__(self, name):  # the methods: reshape, sum, astype, transpose, ...
        if name.startswith("_"):
            raise AttributeError(name)
        found = getattr(self._numbers, name)
        if not callable(found):
            return wrap(found)
        return lambda *args, **kwargs: call(found, args, kwargs, f"DeviceArray.{name}", owner=self)

    def __deepcopy__(self, memo):
        return DeviceArray(self._numbers.copy())

    def __copy__(self):
        return DeviceArray(self._numbers.copy())

    def __reduce__(self):
        return DeviceArray, (self._numbers,)

    def __repr__(self):
        return repr(self._numbers).replace("array(", "device_array(", 1)

    def __str__(self):
        return str(self._numbers)

    def __format__(self, spec):
        count("to_host", "format(device array)")
        return format(self._numbers, spec)


def _host_value(array, convert, what):
    """The method behind float(x), int(x), ...: counts the copy, then converts the numbers."""
    def method():
        count("to_host", what)
        return convert(array._numbers)
    return method


def _device_key(key):
    """An index for the numbers: device arrays unwrapped; a host index array is copied over, counted."""
    if type(key) is tuple:
        return tuple(_device_key(part) for part in key)
    if type(key) is DeviceArray:
        return key._numbers
    if isinstance(key, numpy.ndarray):
        count("to_device", "host array used as an index")
    return key


def _operator(name):
    """The operator `name` (__add__, __iadd__, __lt__, ...) done by NumPy on the numbers."""
    def apply(self, *others):
        return call(getattr(self._numbers, name), others, {}, f"device array {name}", owner=self)
    apply.__name__ = name
    return apply


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
              "lshift", "rshift", "divmod"):
    for _form in ("__{}__", "__r{}__", "__i{}__"):
        if _form.format(_name) != "__idivmod__":
            setattr(DeviceArray, _form.format(_name), _operator(_form.format(_name)))
for _name in ("__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__", "__neg__", "__pos__", "__abs__",
              "__invert__"):
    setattr(DeviceArray, _name, _operator(_name))

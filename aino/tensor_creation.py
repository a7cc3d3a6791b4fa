"""Making tensors: Tensor.randn, rand, randint, randperm, zeros, ones, empty, full, arange, linspace, eye and
the *_like makers, with PyTorch's signatures and dtypes, and the random generator they draw from (seeded by
manual_seed). aino.zeros(...) and the other module-level spellings are these (aino/functional.py).

A shape is given as separate numbers, as one tuple (or aino.Size), or as size=: zeros(2, 3),
zeros((2, 3)), zeros(size=(2, 3)). Floats are float32 unless dtype= says otherwise.
"""

import numbers

import numpy

from aino.backend import BOOL, FLOAT32, INT64, as_array, device_of, parse_dtype
from aino.ops.function import Node
from aino.validation import as_shape, check_int, check_real

_rng = numpy.random.default_rng()


def manual_seed(seed):
    """Seed the generator behind Tensor.randn, rand and randint (and aino's layer initialisers)."""
    global _rng
    _rng = numpy.random.default_rng(seed)


def get_rng():
    """The NumPy Generator that Tensor.randn/rand/randint draw from (seeded by manual_seed)."""
    return _rng


class CreationMethods:
    """Mixed into Tensor: the class methods that make new leaves."""

    __slots__ = ()

    @classmethod
    def _filled(cls, make, shape, dtype, device, requires_grad, owner, size=None):
        """A new leaf from NumPy `make(shape, dtype)`, moved to `device`; `owner` names the maker in errors.
        `shape`: the maker's separate numbers or one tuple, or () and PyTorch's size= keyword."""
        dtype = FLOAT32 if dtype is None else parse_dtype(dtype, owner)
        shape = as_shape(_shape(shape, size, owner), owner, minimum=0)
        return cls(make(shape, dtype), requires_grad=requires_grad, device=device)

    @classmethod
    def randn(cls, *shape, size=None, dtype=None, device=None, requires_grad=False):
        """Standard normal samples; shape as a tuple or as separate numbers."""
        return cls._filled(_sample(_rng.standard_normal), shape, dtype, device, requires_grad, "Tensor.randn", size)

    @classmethod
    def rand(cls, *shape, size=None, dtype=None, device=None, requires_grad=False):
        """Uniform samples in [0, 1)."""
        return cls._filled(_sample(_rng.random), shape, dtype, device, requires_grad, "Tensor.rand", size)

    @classmethod
    def randint(cls, low, high=None, size=(), dtype=None, device=None, requires_grad=False):
        """Random integers in [low, high) (int64 by default); randint(high, size) counts from 0."""
        if isinstance(high, (tuple, list)):  # randint(high, size), as torch.randint(10, (3,))
            high, size = None, high
        if high is None:
            low, high = 0, low
        dtype = INT64 if dtype is None else parse_dtype(dtype, "Tensor.randint")
        low, high = as_shape((low, high), "Tensor.randint", "low and high")
        if not low < high:
            raise ValueError(f"Tensor.randint: expected low < high, got low={low}, high={high}")
        data = _rng.integers(low, high, size=as_shape((size,), "Tensor.randint", minimum=0)).astype(dtype)
        return cls(data, requires_grad=requires_grad, device=device)

    @classmethod
    def randperm(cls, n, dtype=None, device=None, requires_grad=False):
        """0 .. n-1 in a random order (int64 by default)."""
        n = check_int(n, "n", "Tensor.randperm", minimum=0)
        dtype = INT64 if dtype is None else parse_dtype(dtype, "Tensor.randperm")
        return cls(_rng.permutation(n).astype(dtype), requires_grad=requires_grad, device=device)

    @classmethod
    def zeros(cls, *shape, size=None, dtype=None, device=None, requires_grad=False):
        return cls._filled(numpy.zeros, shape, dtype, device, requires_grad, "Tensor.zeros", size)

    @classmethod
    def ones(cls, *shape, size=None, dtype=None, device=None, requires_grad=False):
        return cls._filled(numpy.ones, shape, dtype, device, requires_grad, "Tensor.ones", size)

    @classmethod
    def empty(cls, *shape, size=None, dtype=None, device=None, requires_grad=False):
        """torch.empty's shape and dtype, filled with zeros (aino never hands out uninitialised memory)."""
        return cls._filled(numpy.zeros, shape, dtype, device, requires_grad, "Tensor.empty", size)

    @classmethod
    def full(cls, size, fill_value, dtype=None, device=None, requires_grad=False):
        """`fill_value` everywhere; the dtype follows it as PyTorch's: a bool gives bool, an int int64, a
        float float32."""
        if not isinstance(fill_value, numbers.Number):
            raise TypeError(f"Tensor.full: fill_value must be a number, got {type(fill_value).__name__}")
        if dtype is None:
            dtype = BOOL if isinstance(fill_value, bool) else INT64 if isinstance(fill_value, numbers.Integral) else None
        return cls._filled(lambda s, d: numpy.full(s, fill_value, d), (size,), dtype, device, requires_grad,
                           "Tensor.full")

    @classmethod
    def eye(cls, n, m=None, dtype=None, device=None, requires_grad=False):
        """The n x m identity matrix (m = n by default), float32 unless dtype says otherwise."""
        n = check_int(n, "n", "Tensor.eye", minimum=0)
        m = n if m is None else check_int(m, "m", "Tensor.eye", minimum=0)
        return cls._filled(lambda s, d: numpy.eye(*s, dtype=d), (n, m), dtype, device, requires_grad, "Tensor.eye")

    @classmethod
    def linspace(cls, start, end, steps, dtype=None, device=None, requires_grad=False):
        """`steps` evenly spaced values from start to end, both included (float32 unless dtype says otherwise)."""
        check_real(start, "start", "Tensor.linspace")
        check_real(end, "end", "Tensor.linspace")
        steps = check_int(steps, "steps", "Tensor.linspace", minimum=0)
        return cls._filled(lambda s, d: numpy.linspace(start, end, s[0]).astype(d), (steps,), dtype, device,
                           requires_grad, "Tensor.linspace")

    @classmethod
    def arange(cls, start, stop=None, step=1, dtype=None, device=None, requires_grad=False, *, end=None):
        """start, start + step, ... below stop (PyTorch's end=); int64 when all arguments are integers (as torch),
        else float32."""
        stop = end if stop is None else stop
        if stop is None:
            start, stop = 0, start
        _check_range(start, stop, step)
        if dtype is None:
            dtype = INT64 if all(isinstance(v, int) for v in (start, stop, step)) else FLOAT32
        values = numpy.arange(start, stop, step).astype(parse_dtype(dtype, "Tensor.arange"))
        return cls(values, requires_grad=requires_grad, device=device)

    @classmethod
    def zeros_like(cls, other, dtype=None, device=None, requires_grad=False):
        shape, dtype, device = _like(other, dtype, device, "Tensor.zeros_like")
        return cls.zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)

    @classmethod
    def ones_like(cls, other, dtype=None, device=None, requires_grad=False):
        shape, dtype, device = _like(other, dtype, device, "Tensor.ones_like")
        return cls.ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)

    @classmethod
    def empty_like(cls, other, dtype=None, device=None, requires_grad=False):
        """Zeros of `other`'s shape, dtype and device (aino never hands out uninitialised memory)."""
        return cls.zeros_like(other, dtype=dtype, device=device, requires_grad=requires_grad)

    @classmethod
    def full_like(cls, other, fill_value, dtype=None, device=None, requires_grad=False):
        shape, dtype, device = _like(other, dtype, device, "Tensor.full_like")
        return cls.full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)

    @classmethod
    def rand_like(cls, other, dtype=None, device=None, requires_grad=False):
        shape, dtype, device = _like(other, dtype, device, "Tensor.rand_like")
        return cls.rand(shape, dtype=dtype, device=device, requires_grad=requires_grad)

    @classmethod
    def randn_like(cls, other, dtype=None, device=None, requires_grad=False):
        shape, dtype, device = _like(other, dtype, device, "Tensor.randn_like")
        return cls.randn(shape, dtype=dtype, device=device, requires_grad=requires_grad)

    @classmethod
    def randint_like(cls, other, low, high=None, dtype=None, device=None, requires_grad=False):
        """Random integers in [low, high) (randint_like(x, high) counts from 0) of `other`'s shape and dtype."""
        shape, dtype, device = _like(other, dtype, device, "Tensor.randint_like")
        return cls.randint(low, high, shape, dtype=dtype, device=device, requires_grad=requires_grad)


def _shape(shape, size, owner):
    """The shape of a maker: its separate numbers or tuple, or PyTorch's size= keyword (not both)."""
    if size is None:
        return shape
    if shape:
        raise TypeError(f"{owner}: expected the shape once, as numbers or as size=, got {shape!r} and size={size!r}")
    return (size,)


def _array_like(other, owner):
    """The array of `other` for zeros_like and ones_like: a Tensor's, or an array checked as Tensor(array)
    checks it; anything else is a TypeError."""
    if isinstance(other, Node):
        return other.data
    if hasattr(other, "dtype") and hasattr(other, "shape"):
        return as_array(other)
    raise TypeError(f"{owner}: expected a tensor (or an array), got {type(other).__name__}")


def _like(other, dtype, device, owner):
    """(shape, dtype, device) for a *_like maker: `other`'s shape, and its dtype and device where dtype= and
    device= are not given."""
    other = _array_like(other, owner)
    return other.shape, dtype or other.dtype, device or device_of(other)


def _check_range(start, stop, step):
    """arange's bounds as PyTorch checks them: finite numbers, a step that is not 0 and points from start to stop."""
    for name, value in (("start", start), ("end", stop), ("step", step)):
        check_real(value, name, "Tensor.arange")
    if step == 0 or (stop - start) * step < 0:
        raise ValueError(f"Tensor.arange: upper bound and lower bound inconsistent with step sign, got start={start}, "
                         f"end={stop}, step={step} (expected a step that is not 0 and points from start to end)")


def _sample(draw):
    """A NumPy `make(shape, dtype)` from a Generator method; float32 and float64 drawn directly."""

    def make(shape, dtype):
        if dtype in (FLOAT32, numpy.dtype(numpy.float64)):
            return draw(shape, dtype=dtype)
        return draw(shape).astype(dtype)

    return make

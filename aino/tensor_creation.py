"""Making tensors: Tensor.randn, rand, randint, zeros, ones, full, arange, zeros_like, ones_like, and
the random generator they draw from (seeded by manual_seed).
"""

import numbers

import numpy

from aino.backend import FLOAT32, INT64, as_array, device_of, parse_dtype
from aino.ops.function import Node
from aino.validation import as_shape, check_real

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
    def _filled(cls, make, shape, dtype, device, requires_grad, owner):
        """A new leaf from NumPy `make(shape, dtype)`, moved to `device`; `owner` names the maker in errors."""
        dtype = FLOAT32 if dtype is None else parse_dtype(dtype, owner)
        return cls(make(as_shape(shape, owner, minimum=0), dtype), requires_grad=requires_grad, device=device)

    @classmethod
    def randn(cls, *shape, dtype=None, device=None, requires_grad=False):
        """Standard normal samples; shape as a tuple or as separate numbers."""
        return cls._filled(_sample(_rng.standard_normal), shape, dtype, device, requires_grad, "Tensor.randn")

    @classmethod
    def rand(cls, *shape, dtype=None, device=None, requires_grad=False):
        """Uniform samples in [0, 1)."""
        return cls._filled(_sample(_rng.random), shape, dtype, device, requires_grad, "Tensor.rand")

    @classmethod
    def randint(cls, low, high=None, size=(), dtype=None, device=None, requires_grad=False):
        """Random integers in [low, high) (int64 by default); randint(high, size) counts from 0."""
        if high is None:
            low, high = 0, low
        dtype = INT64 if dtype is None else parse_dtype(dtype, "Tensor.randint")
        low, high = as_shape((low, high), "Tensor.randint", "low and high")
        if not low < high:
            raise ValueError(f"Tensor.randint: expected low < high, got low={low}, high={high}")
        data = _rng.integers(low, high, size=as_shape((size,), "Tensor.randint", minimum=0)).astype(dtype)
        return cls(data, requires_grad=requires_grad, device=device)

    @classmethod
    def zeros(cls, *shape, dtype=None, device=None, requires_grad=False):
        return cls._filled(numpy.zeros, shape, dtype, device, requires_grad, "Tensor.zeros")

    @classmethod
    def ones(cls, *shape, dtype=None, device=None, requires_grad=False):
        return cls._filled(numpy.ones, shape, dtype, device, requires_grad, "Tensor.ones")

    @classmethod
    def full(cls, shape, fill_value, dtype=None, device=None, requires_grad=False):
        if not isinstance(fill_value, numbers.Number):
            raise TypeError(f"Tensor.full: fill_value must be a number, got {type(fill_value).__name__}")
        return cls._filled(lambda s, d: numpy.full(s, fill_value, d), (shape,), dtype, device, requires_grad,
                           "Tensor.full")

    @classmethod
    def arange(cls, start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
        """start, start + step, ... below stop; int64 when all arguments are integers (as torch), else float32."""
        if stop is None:
            start, stop = 0, start
        _check_range(start, stop, step)
        if dtype is None:
            dtype = INT64 if all(isinstance(v, int) for v in (start, stop, step)) else FLOAT32
        return cls(numpy.arange(start, stop, step).astype(parse_dtype(dtype, "Tensor.arange")), requires_grad=requires_grad, device=device)

    @classmethod
    def zeros_like(cls, other, dtype=None, device=None, requires_grad=False):
        other = _array_like(other, "Tensor.zeros_like")
        return cls.zeros(other.shape, dtype=dtype or other.dtype, device=device or device_of(other),
                         requires_grad=requires_grad)

    @classmethod
    def ones_like(cls, other, dtype=None, device=None, requires_grad=False):
        other = _array_like(other, "Tensor.ones_like")
        return cls.ones(other.shape, dtype=dtype or other.dtype, device=device or device_of(other),
                        requires_grad=requires_grad)


def _array_like(other, owner):
    """The array of `other` for zeros_like and ones_like: a Tensor's, or an array checked as Tensor(array)
    checks it; anything else is a TypeError."""
    if isinstance(other, Node):
        return other.data
    if hasattr(other, "dtype") and hasattr(other, "shape"):
        return as_array(other)
    raise TypeError(f"{owner}: expected a tensor (or an array), got {type(other).__name__}")


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

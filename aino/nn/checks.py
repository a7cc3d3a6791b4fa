"""The checks the layers and losses of aino.nn run on what they are given, in one place.

A wrong argument is refused in the layer's own words (the layer, what it expected, what came) before
any NumPy code sees it: a TypeError for the wrong kind of thing (None where a size goes, text, a float
size, an integer tensor where a float one is needed), a ValueError for the right kind with the wrong
value (a negative size, a wrong shape). The checks on a forward call compare types, dtypes and shapes
only; they never pass over the data.

`owner`, in every function here, is a Module (named by its `_name()`, e.g. "Linear(3 -> 4)", which is
only built when there is something to report) or a string. The last two functions turn what users pass to
a loss or a metric (a Tensor, an array, a list) into an array of numbers.
"""

import math
import sys

import numpy

from aino.backend import parse_dtype
from aino.tensor import Tensor
from aino.validation import check_int, check_real

FLOAT32 = numpy.dtype(numpy.float32)
KIND_WORDS = {"f": "floating-point", "iuf": "numeric (integer or floating-point)"}


def name_of(owner):
    """The words an error uses for `owner`: a module's _name(), or the string itself."""
    return owner if isinstance(owner, str) else owner._name()


def size(value, name, owner, minimum=1):
    """A layer size (features, channels, heads, a length): an int >= minimum (TypeError for None, 2.5, "3")."""
    return check_int(value, name, name_of(owner), minimum=minimum)


def optional_size(value, name, owner, minimum=1):
    """A size that may be left out (None)."""
    return None if value is None else size(value, name, owner, minimum)


def probability(value, name, owner):
    """A probability such as dropout's p: a finite number in [0, 1]."""
    return check_real(value, name, name_of(owner), minimum=0.0, maximum=1.0)


def positive(value, name, owner):
    """A number > 0 such as eps: finite, and not 0 (eps = 0 divides by zero on a constant input)."""
    value = check_real(value, name, name_of(owner), minimum=0.0)
    if value == 0:
        raise ValueError(f"{name_of(owner)}: {name} must be a finite number > 0, got {value!r}")
    return value


def float_dtype(dtype, owner):
    """The dtype of a layer's parameters: float32 by default; an integer, bool or complex dtype is a TypeError."""
    dtype = parse_dtype(dtype, name_of(owner))
    if dtype is None:
        return FLOAT32
    if dtype.kind != "f":
        raise TypeError(f"{name_of(owner)}: dtype must be a floating-point type (float32, float64), got {dtype}")
    return dtype


def check_elements(owner, shape, dtype, what="a parameter"):
    """Refuse (ValueError) `what` of `shape` when it is larger than any array can be, before NumPy tries to make it."""
    count = math.prod(shape)
    if count * numpy.dtype(dtype).itemsize > sys.maxsize:
        raise ValueError(f"{name_of(owner)}: {what} of shape {tuple(shape)} would hold {count} elements, "
                         f"more than an array can address; expected smaller sizes")


def tensor_input(owner, value, name="input", kinds="f"):
    """`value` as a Tensor (an array becomes one) of a dtype kind in `kinds` ("f": floating point; None: any).

    Anything else, None, a list, a number or text, is a TypeError, as PyTorch's layers want a tensor.
    """
    if not isinstance(value, Tensor):
        if not (hasattr(value, "__array_interface__") or hasattr(value, "__cuda_array_interface__")):
            raise TypeError(f"{name_of(owner)}: expected {name} to be a Tensor (or an array), "
                            f"got {type(value).__name__}")
        value = Tensor(value)
    if kinds is not None and value.dtype.kind not in kinds:
        raise TypeError(f"{name_of(owner)}: expected a {KIND_WORDS[kinds]} {name}, got dtype {value.dtype}"
                        + (" (convert it with .float())" if kinds == "f" else ""))
    return value


def check_not_empty(owner, x, first_axis=1, name="input"):
    """Refuse an input with a size-0 axis from `first_axis` on: PyTorch's layers allow an empty batch only."""
    if 0 in x.shape[first_axis:]:
        raise ValueError(f"{name_of(owner)}: expected {name} with non-zero sizes on every axis but the batch axis, "
                         f"got shape {tuple(x.shape)}")


def as_array(value):
    """A weight, a target or an option as an array: Tensors give their data, lists become NumPy arrays."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.data
    return value if hasattr(value, "dtype") and hasattr(value, "shape") else numpy.asarray(value)


def as_numbers(value, name, owner):
    """`value` as an array of booleans, integers or floats: None, text, objects and complex numbers are a TypeError."""
    if value is None:
        raise TypeError(f"{owner}: expected {name} as a Tensor or an array of numbers, got None")
    try:
        array = as_array(value)
    except (TypeError, ValueError) as error:  # a ragged list
        raise TypeError(f"{owner}: expected {name} as a Tensor or an array of numbers, got {type(value).__name__} "
                        f"({error})") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: expected {name} as a Tensor or an array of numbers, got {type(value).__name__} "
                        f"of dtype {array.dtype}")
    return array

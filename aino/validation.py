"""Checks on what users pass in, with messages that say what was expected and what came."""

import math
import numbers

import numpy


def as_float_matrix(X, name="X", owner="model", n_features=None, dtype=numpy.float64, finite=True):
    """X as a 2-D float array (one sample per row), refusing the wrong width and (if `finite`) NaN or inf.

    A 1-D X is read as a single sample when `n_features` > 1 and as one feature per sample
    when `n_features` == 1.
    """
    array = as_float_array(X, name, owner, dtype)
    if array.ndim == 1:
        array = array.reshape(1, -1) if n_features not in (None, 1) else array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"{owner}: {name} must be 2-D (samples, features), got shape {array.shape}")
    if array.shape[0] == 0:
        raise ValueError(f"{owner}: {name} is empty")
    if n_features is not None and array.shape[1] != n_features:
        raise ValueError(
            f"{owner}: expected {name} with {n_features} features, got shape {array.shape}"
        )
    if finite:
        check_finite(array, name, owner)
    return array


def as_float_array(value, name="X", owner="model", dtype=numpy.float64):
    """`value` as a float array of any shape. Text and complex numbers are refused (as scikit-learn
    refuses them) rather than parsed as numbers or silently cut to their real part; so are ragged lists."""
    try:
        array = numpy.asarray(value)
        converted = array.astype(dtype, copy=False) if array.dtype.kind in "biufO" else None
    except (TypeError, ValueError) as error:
        raise ValueError(f"{owner}: {name} must be numeric, got {_describe(value)} ({error})") from None
    if converted is None:
        what = {"U": "text", "S": "bytes", "c": "complex numbers"}.get(array.dtype.kind, f"dtype {array.dtype}")
        raise ValueError(f"{owner}: {name} must be numeric (real numbers), got {what}")
    return converted


def check_finite(array, name="X", owner="model"):
    """Raise ValueError pointing at the first NaN or infinity in `array`."""
    bad = ~numpy.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in numpy.argwhere(bad)[0])
        raise ValueError(f"{owner}: {name} contains NaN or infinity (first at index {where})")


def check_same_length(X, y, owner="model"):
    """Raise ValueError when X and y do not hold the same number of samples."""
    if len(X) != len(y):
        raise ValueError(f"{owner}: X has {len(X)} samples but y has {len(y)}")


def check_positive_int(value, name, owner="model", minimum=1):
    """`value` as an int >= minimum, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_int(value, name, owner="model", minimum=None, maximum=None):
    """`value` as an int with minimum <= value <= maximum (None: no bound): a TypeError for what is not an
    integer (None, text, 2.5, 3.0, NaN, True), as PyTorch refuses a float size; a ValueError out of range."""
    if type(value) is not int and (isinstance(value, bool) or not isinstance(value, numbers.Integral)):
        raise TypeError(f"{owner}: {name} must be an integer{_bounds(minimum, maximum)}, got {_describe(value)} {value!r:.60}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{owner}: {name} must be an integer{_bounds(minimum, maximum)}, got {value!r}")
    return int(value)


def _bounds(minimum, maximum):
    if minimum is not None and maximum is not None:
        return f" in [{minimum}, {maximum}]"
    return f" >= {minimum}" if minimum is not None else (f" <= {maximum}" if maximum is not None else "")


def check_positive_number(value, name, owner="model"):
    """`value` as a float > 0, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < numpy.inf:
        raise ValueError(f"{owner}: {name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_real(value, name, owner="model", minimum=None, maximum=None):
    """`value` as a finite float with minimum <= value <= maximum (None: no bound): a TypeError for a
    non-number (text, None, a list), a ValueError for NaN, inf or a number out of range."""
    if type(value) is not float and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise TypeError(f"{owner}: {name} must be a number, got {_describe(value)} {value!r:.60}")
    outside = (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
    if outside or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number{_bounds(minimum, maximum)}, got {value!r}")
    return float(value)


def check_bool(value, name, owner="model"):
    """`value` as a bool; anything else (a string such as "no", a number) is a TypeError."""
    if not isinstance(value, (bool, numpy.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {_describe(value)} {value!r}")
    return bool(value)


def random_generator(seed=None, rng=None, owner="model"):
    """`rng` when given (a numpy.random.Generator), else a new Generator from `seed` (None or an int >= 0)."""
    if rng is not None:
        if not isinstance(rng, numpy.random.Generator):
            raise TypeError(f"{owner}: rng must be a numpy.random.Generator, got {_describe(rng)}")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ValueError(f"{owner}: seed must be None or an integer >= 0, got {seed!r}")
    return numpy.random.default_rng(seed)


# --- dims, shapes and broadcasting, for tensors (messages in PyTorch's words) --------------------


class OutOfRangeError(IndexError, ValueError):
    """A dim or an index outside a tensor: an IndexError, as PyTorch raises it (`except IndexError` keeps
    working), and a ValueError, as every other refusal in aino."""


class InvalidOperationError(RuntimeError, ValueError):
    """A call that cannot run on this tensor (backward of a non-scalar, a second backward through a freed
    graph): a RuntimeError, as PyTorch raises it, and a ValueError, as every other refusal in aino."""


def check_dim(dim, ndim, owner, name="dim"):
    """`dim` as an axis in [0, ndim), negatives counting from the end, for a tensor with `ndim` dimensions.

    As PyTorch, a 0-d tensor takes dim 0 and -1 (both give 0). A non-integer is a TypeError; a dim
    outside [-ndim, ndim - 1] an OutOfRangeError naming that range.
    """
    if type(dim) is not int:
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise TypeError(f"{owner}: {name} must be an integer, got {_describe(dim)} {dim!r}")
        dim = int(dim)
    size = ndim if ndim else 1
    if not -size <= dim < size:
        raise OutOfRangeError(f"{owner}: dimension out of range (expected to be in range of "
                              f"[{-size}, {size - 1}], but got {dim})")
    return dim + size if dim < 0 else dim


def check_dims(dims, ndim, owner, name="dim"):
    """The axes a reduction works on, as a sorted tuple: all of them for None or an empty list (as
    PyTorch), else each dim checked by `check_dim`; a dim named twice is a ValueError. A 0-d tensor has
    no axis to reduce, so it gives ()."""
    if dims is None or (isinstance(dims, (tuple, list)) and not dims):
        return tuple(range(ndim))
    if not isinstance(dims, (tuple, list)):
        axis = check_dim(dims, ndim, owner, name)
        return (axis,) if ndim else ()
    axes = sorted(check_dim(d, ndim, owner, name) for d in dims)
    for first, second in zip(axes, axes[1:]):
        if first == second:
            raise ValueError(f"{owner}: dim {first} appears more than once in {name}={tuple(dims)!r}")
    return tuple(axes) if ndim else ()


def as_shape(sizes, owner, name="size", minimum=None):
    """A shape given as separate numbers or as one tuple/list, as a tuple of ints. An entry that is not an
    integer (2.5, "3", None) is a TypeError, rather than cut to an int; with `minimum`, a smaller
    entry (a negative size) is a ValueError."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    shape = []
    for n in sizes:
        if type(n) is not int:
            if isinstance(n, bool) or not isinstance(n, numbers.Integral):
                raise TypeError(f"{owner}: {name} must be a tuple of integers, got {tuple(sizes)!r} "
                                f"(an entry is {_describe(n)})")
            n = int(n)
        if minimum is not None and n < minimum:
            raise ValueError(f"{owner}: {name} must be integers >= {minimum}, got {tuple(sizes)!r}")
        shape.append(n)
    return tuple(shape)


def check_broadcast(owner, *shapes):
    """Raise ValueError naming the first dimension (from the right) where `shapes` clash, when they do not
    broadcast together; return quietly when they do."""
    for d in range(1, max(len(s) for s in shapes) + 1):
        sizes = sorted({s[-d] for s in shapes if len(s) >= d} - {1})
        if len(sizes) > 1:
            listed = " and ".join(str(tuple(s)) for s in shapes)
            raise ValueError(f"{owner}: shapes {listed} do not broadcast: sizes {sizes} at dimension {-d} "
                             f"(expected equal sizes, or 1)")


def _describe(value):
    return type(value).__name__

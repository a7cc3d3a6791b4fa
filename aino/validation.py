"""Checks on what users pass in, with messages that say what was expected and what came."""

import numbers

import numpy


def as_float_matrix(X, name="X", owner="model", n_features=None, dtype=numpy.float64, finite=True):
    """X as a 2-D float array (one sample per row), refusing the wrong width and (if `finite`) NaN or inf.

    A 1-D X is read as a single sample when `n_features` > 1 and as one feature per sample
    when `n_features` == 1.
    """
    try:
        array = numpy.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{owner}: {name} must be numeric, got {_describe(X)} ({error})") from None
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


def check_positive_number(value, name, owner="model"):
    """`value` as a float > 0, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < numpy.inf:
        raise ValueError(f"{owner}: {name} must be a finite number > 0, got {value!r}")
    return float(value)


def _describe(value):
    return type(value).__name__

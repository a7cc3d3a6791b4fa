"""Comparing what a student's code returned with what was expected, and saying what kind of error it is.

Outputs may be arrays, numbers, Tensors, or tuples, lists and dicts of them: `flatten` turns any of
them into named arrays ("output", "output[1]", "grads['W']"), so that two outputs compare entry by
entry and a message can say which one is wrong.
"""

import numpy

NUMERIC_TOLERANCE = dict(rtol=1e-4, atol=1e-6)  # central differences agree to about eps**2 = 1e-12, relatively


def flatten(output, name="output"):
    """[(name, float64 array)] for every array in `output`; a non-numeric leaf is kept as it is."""
    if isinstance(output, dict):
        return [item for key in sorted(output, key=str) for item in flatten(output[key], f"{name}[{key!r}]")]
    if isinstance(output, (tuple, list)):
        return [item for i, value in enumerate(output) for item in flatten(value, f"{name}[{i}]")]
    data = getattr(output, "data", output) if hasattr(output, "requires_grad") else output
    if data is None:
        return [(name, None)]
    try:
        return [(name, numpy.array(data, dtype=numpy.float64))]
    except (TypeError, ValueError):
        return [(name, data)]


def first_difference(got, expected, rtol, atol):
    """(name, got array, expected array, why) of the first entry that differs, or None when all agree.
    `got` and `expected` are flattened outputs."""
    if len(got) == 1 and got[0][1] is None and expected and expected[0][1] is not None:
        return got[0][0], None, expected[0][1], "is None: nothing was returned (a missing `return`?)"
    if len(got) != len(expected):
        return ("output", None, None,
                f"returned {len(got)} value{'s' * (len(got) != 1)}, expected {len(expected)}")
    got_names, expected_names = [name for name, _ in got], [name for name, _ in expected]
    if got_names != expected_names:
        return ("output", None, None, f"is shaped as {', '.join(got_names)[:120]}, expected "
                                      f"{', '.join(expected_names)[:120]} (a tuple, a dict or a list, as the task says)")
    for (name, mine), (_, theirs) in zip(got, expected):
        if mine is None and theirs is not None:
            return name, None, theirs, "is None: nothing was returned (a missing `return`?)"
        if not isinstance(mine, numpy.ndarray) or not isinstance(theirs, numpy.ndarray):
            if not _same_value(mine, theirs):
                return name, mine, theirs, f"is {type(mine).__name__} {mine!r:.60}, expected {theirs!r:.60}"
            continue
        if mine.shape != theirs.shape:
            return name, mine, theirs, f"has shape {mine.shape}, expected {theirs.shape}"
        if not numpy.allclose(mine, theirs, rtol=rtol, atol=atol, equal_nan=False):
            return name, mine, theirs, "has the wrong values"
    return None


def _same_value(mine, theirs):
    try:
        return bool(mine == theirs)
    except (TypeError, ValueError):
        return False


def agrees(got, expected, rtol, atol):
    return first_difference(got, expected, rtol, atol) is None


def kind_of_error(got, expected, inputs, batch=None):
    """A sentence on what kind of error `got` (an array) shows against `expected`, or None when no
    simple pattern fits: the shape, transposed, zeros, NaN, the sign, a constant factor, or wrong only
    where the inputs are negative."""
    if got is None or not isinstance(got, numpy.ndarray) or not isinstance(expected, numpy.ndarray):
        return None
    if got.shape != expected.shape:
        if got.ndim == 2 and got.T.shape == expected.shape and numpy.allclose(got.T, expected):
            return "It is the right matrix transposed: rows and columns are swapped."
        if got.size == expected.size and numpy.allclose(got.reshape(expected.shape), expected):
            return "The numbers are right but the shape is not: reshape (or keep the dimension you summed)."
        return f"Wrong shape: {got.shape} where {expected.shape} was expected."
    if not numpy.isfinite(got).all():
        return "It holds NaN or inf: look for a division by zero, or exp or log of a large number."
    if not numpy.any(got) and numpy.any(expected):
        return "It is all zeros: is anything computed and returned (and not only assigned)?"
    if numpy.allclose(got, -expected):
        return "It has the wrong sign everywhere: check the direction of a subtraction."
    factor = _constant_factor(got, expected)
    if factor is not None:
        named = (" (the batch size: a mean where a sum was meant, or a sum where a mean was)"
                 if batch and (numpy.isclose(factor, batch) or numpy.isclose(factor, 1 / batch)) else
                 " (a factor 2 of a square's derivative?)" if numpy.isclose(factor, 2) or numpy.isclose(factor, 0.5)
                 else "")
        return f"It is off by a constant factor: every entry is {factor:.4g} times the expected one{named}."
    negative = _negative_inputs(inputs, expected.shape)
    if negative is not None:
        wrong = ~numpy.isclose(got, expected, rtol=1e-6, atol=1e-9)
        if wrong.any() and negative[wrong].all() and not negative[~wrong].all():
            return "It is right where the inputs are positive and wrong only where they are negative."
    return None


def _constant_factor(got, expected):
    nonzero = numpy.abs(expected) > 1e-12
    if nonzero.sum() < 2 or numpy.any(numpy.abs(got[~nonzero]) > 1e-9):
        return None
    ratios = got[nonzero] / expected[nonzero]
    factor = float(numpy.median(ratios))
    if numpy.isclose(factor, 1) or not numpy.allclose(ratios, factor, rtol=1e-6):
        return None
    return factor


def _negative_inputs(inputs, shape):
    """A boolean mask (shaped like the output) of where the first input of that shape is negative."""
    for value in inputs:
        array = numpy.asarray(getattr(value, "data", value)) if not callable(value) else None
        if array is not None and array.dtype.kind == "f" and array.shape == shape:
            return array < 0
    return None

"""Argument checks shared by the dataset generators.

Each check raises a ValueError that names the argument, says what was
expected and shows what was received, so a typo is easy to spot.
"""

import numpy as np


def _is_number(value):
    """Return True for real numbers (int or float), False for bool and others."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_count(name, value, minimum):
    """Raise ValueError unless ``value`` is an int >= ``minimum``; return None."""
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not is_int or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")


def check_non_negative(name, value):
    """Raise ValueError unless ``value`` is a number >= 0; return None."""
    if not _is_number(value) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")


def check_positive(name, value):
    """Raise ValueError unless ``value`` is a number > 0; return None."""
    if not _is_number(value) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")


def check_between(name, value, low, high):
    """Raise ValueError unless ``low < value < high`` for a number ``value``; return None."""
    if not _is_number(value) or not low < value < high:
        raise ValueError(f"{name} must be a number with {low} < {name} < {high}, got {value!r}")

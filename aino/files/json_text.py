"""JSON read with bounds: limited nesting, no duplicate keys, finite numbers unless asked otherwise.

Python's own parser recurses once per nesting level, answers a deep enough document with a
RecursionError and silently keeps the last of two equal keys; `read_json` turns every way a text can
be wrong into a ValueError naming `what` was read.
"""

import json
import math

MAX_DEPTH = 32  # aino's own files nest at most 5 levels
MAX_INT_DIGITS = 24  # larger integers are no size, count or seed aino writes


def read_json(data, what, allow_nonfinite=False, max_depth=MAX_DEPTH):
    """The JSON value in `data` (bytes or str), or a ValueError naming `what` and what is wrong.

    `allow_nonfinite`: accept NaN and Infinity (aino writes them for weights that became NaN).
    """
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray, memoryview)) else data
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_bounded_int,
            parse_float=float if allow_nonfinite else _finite_float,
            parse_constant=_nonfinite if allow_nonfinite else _refuse_constant,
        )
    except RecursionError:
        raise ValueError(f"{what}: the JSON nests deeper than Python can read") from None
    except (UnicodeDecodeError, ValueError, TypeError) as error:  # JSONDecodeError is a ValueError
        raise ValueError(f"{what} is not valid JSON ({error})") from None
    if _depth(value) > max_depth:
        raise ValueError(f"{what}: the JSON nests deeper than {max_depth} levels")
    return value


def _unique_keys(pairs):
    table = {}
    for key, value in pairs:
        if key in table:
            raise ValueError(f"the key {key!r} appears twice in one object")
        table[key] = value
    return table


def _bounded_int(text):
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"the integer {text[:12]}... has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:24]} is too large for a float")
    return value


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed here")


def _nonfinite(name):
    return float(name)


def _depth(value):
    """How deeply lists and objects nest in `value` (0 for a number or a string), without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest

"""Arrays as the browser receives them: each one a binary buffer, referenced from the JSON data as
{"buffer": i, "dtype": "float32" | "uint8", "shape": [...], "scale": s, "offset": o}; the value is
offset + scale * stored (for float32: scale 1, offset 0). A stacked reference holds one array per row
of its first axis, and a scale and offset per row.

A uint8 array is quantised over its own range: offset at or below its minimum, scale the smallest
step that reaches its maximum in 255 steps, both rounded to 8 significant digits (short in the JSON,
and the quantisation uses the rounded numbers, so each value decodes within scale / 2). A constant
array has scale 0 and its value as offset; an array holding NaN or inf stays float32.
"""

import numpy

LEVELS = 255
DIGITS = 5  # significant digits of scale and offset


class Buffers:
    """The buffers of one payload, filled by `add` and `add_rows`, each returning the references."""

    def __init__(self):
        self.list = []

    def _ref(self, payload, dtype, shape, scale=1.0, offset=0.0):
        self.list.append(payload)
        return {"buffer": len(self.list) - 1, "dtype": dtype, "shape": [int(n) for n in shape],
                "scale": scale, "offset": offset}

    def add(self, array, quantize=False):
        """The reference of one array (float32, or uint8 when `quantize`)."""
        array = numpy.asarray(array)
        return self.add_rows(array.reshape((1,) + array.shape), quantize)[0]

    def add_rows(self, stack, quantize=False):
        """References of each stack[i] (arrays of one shape), quantised row by row when `quantize`."""
        stack = numpy.asarray(stack)
        shape = stack.shape[1:]
        rows = stack.reshape(len(stack), -1)
        if not quantize or not rows.size:
            values = rows.astype(numpy.float32)
            return [self._ref(row.tobytes(), "float32", shape) for row in values]
        rows = rows.astype(numpy.float64)
        finite = numpy.isfinite(rows).all(axis=1)
        q, scale, offset = _quantise(numpy.where(finite[:, None], rows, 0.0))
        plain = rows.astype(numpy.float32)
        refs = []
        for i, (s, o) in enumerate(zip(scale.tolist(), offset.tolist())):
            if finite[i]:
                refs.append(self._ref(q[i].tobytes(), "uint8", shape, s, o))
            else:
                refs.append(self._ref(plain[i].tobytes(), "float32", shape))
        return refs

    def add_stack(self, stack, quantize=False):
        """One reference for the whole stack (shape [k, ...]); quantised, its scale and offset are lists
        of k numbers, one per row (row i is offset[i] + scale[i] * stored[i]). A stack holding NaN or
        inf stays float32."""
        stack = numpy.asarray(stack)
        rows = stack.reshape(len(stack), -1).astype(numpy.float64)
        if not quantize or not rows.size or not numpy.isfinite(rows).all():
            return self._ref(rows.astype(numpy.float32).tobytes(), "float32", stack.shape)
        q, scale, offset = _quantise(rows)
        return self._ref(q.tobytes(), "uint8", stack.shape, scale.tolist(), offset.tolist())


def _quantise(rows):
    """(uint8 rows, scale per row, offset per row) with offset + scale * q within scale / 2 of each value."""
    low, high = rows.min(axis=1), rows.max(axis=1)
    offset = _round(low, up=False)
    scale = _round((high - offset) / LEVELS, up=True)
    short = offset + scale * LEVELS < high  # rounding the scale up still left it short: one more digit step
    scale = numpy.where(short, _round(scale * (1 + 10.0 ** (1 - DIGITS)), up=True), scale)
    constant = high == low
    offset, scale = numpy.where(constant, low, offset), numpy.where(constant, 0.0, scale)
    step = numpy.where(scale > 0, scale, 1.0)
    q = numpy.rint((rows - offset[:, None]) / step[:, None])
    return numpy.clip(q, 0, LEVELS).astype(numpy.uint8), scale, offset


def _round(x, up):
    """x rounded down (or up) to DIGITS significant digits: never above (below) x."""
    x = numpy.asarray(x, dtype=numpy.float64)
    magnitude = numpy.floor(numpy.log10(numpy.where(x != 0, numpy.abs(x), 1.0)))
    factor = 10.0 ** (DIGITS - 1 - magnitude)
    scaled = x * factor
    digits = numpy.ceil(scaled) if up else numpy.floor(scaled)
    y = digits / factor
    wrong = y < x if up else y > x
    return numpy.where(wrong, (digits + (1 if up else -1)) / factor, y)

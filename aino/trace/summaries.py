"""Per-array statistics and fixed-bin histograms: what a trace keeps for every step.

`array_stats(x)` reads each array in a few passes: sum, dot(x, x), min, max (all fast vectorised loops),
and from them mean, std and norm. The fraction of zeros and the histogram are exact for arrays of up to
SAMPLE values; for larger arrays they are computed on a deterministic strided sample of about SAMPLE
values (every k-th value), which keeps the cost of a step's summaries bounded and is indistinguishable
on a 32-bin plot.

Histograms (`Histogram`): 32 equal bins whose edges are fixed per (kind, name) for the whole trace, so
the bars of different steps compare directly. The first step with finite values sets the range (its
min to max, padded by 5% each side). When a later step has values outside, the range doubles -
to the left, to the right, or by half its width each side - until they fit; because the range exactly
doubles, every old bin falls inside one new bin, so the stored histograms of earlier steps are
re-binned exactly (pairs of bins summed) and every step keeps sharing one set of edges. Each row holds
the fraction of the step's finite values in each bin (the row sums to 1; 0 where nothing was finite).
"""

import math

import numpy

N_BINS = 32
SAMPLE = 1 << 13
MAX_DOUBLINGS = 200  # a range beyond this (about 1e60 times the first) clips into the end bins
STAT_NAMES = ("mean", "std", "min", "max", "norm", "zeros")
NAN = float("nan")


def to_host(array):
    """A NumPy array from a NumPy or CuPy array."""
    return array.get() if hasattr(array, "get") and not isinstance(array, numpy.ndarray) else numpy.asarray(array)


def sample_of(flat, row=1):
    """`flat` itself, or every k-th value of it when it has more than SAMPLE values; k shares no factor
    with the row length `row`, so the sample visits every column (unit) of a matrix, not every k-th."""
    n = flat.size
    if n <= SAMPLE:
        return flat
    k = -(-n // SAMPLE)
    while math.gcd(k, row) != 1:
        k += 1
    return flat[::k]


_ONES = {}


def _ones(n, dtype):
    """A cached vector of ones: sum(x) as dot(x, ones) runs in BLAS, about three times faster than x.sum()."""
    key = (n, dtype.str)
    if key not in _ONES:
        if len(_ONES) > 64:
            _ONES.clear()
        _ONES[key] = numpy.ones(n, dtype=dtype)
    return _ONES[key]


def array_stats(x):
    """(stats dict, finite sample for the histogram, finite min, finite max) of an array of numbers."""
    flat = x.reshape(-1)
    if flat.dtype.kind not in "f":
        flat = flat.astype(numpy.float64)
    n = flat.size
    if n == 0:
        return dict.fromkeys(STAT_NAMES, NAN), flat, NAN, NAN
    low, high = flat.min(), flat.max()
    if not (math.isfinite(low) and math.isfinite(high)):
        finite = flat[numpy.isfinite(flat)]
        stats = _slow_stats(flat, finite)
        if finite.size == 0:
            return stats, finite, NAN, NAN
        return stats, sample_of(finite), float(finite.min()), float(finite.max())
    if max(-low, high) > 1e18 and flat.dtype != numpy.float64:  # squares would overflow float32
        flat = flat.astype(numpy.float64)
    total, squares = float(numpy.dot(flat, _ones(n, flat.dtype))), float(numpy.dot(flat, flat))
    mean = total / n
    sample = sample_of(flat, x.shape[-1] if x.ndim else 1)
    zeros = 1.0 - numpy.count_nonzero(sample) / sample.size
    stats = {
        "mean": mean, "std": math.sqrt(max(squares / n - mean * mean, 0.0)), "min": float(low),
        "max": float(high), "norm": math.sqrt(squares), "zeros": zeros,
    }
    return stats, sample, float(low), float(high)


def _slow_stats(flat, finite):
    """Statistics of an array holding NaN or inf: mean, std and norm become NaN/inf as NumPy says."""
    with numpy.errstate(all="ignore"):
        values = flat.astype(numpy.float64)
        return {
            "mean": float(values.mean()), "std": float(values.std()), "min": float(numpy.min(values)),
            "max": float(numpy.max(values)), "norm": float(numpy.sqrt(numpy.dot(values, values))),
            "zeros": float(numpy.mean(values == 0)),
        }


class Histogram:
    """The histograms of one (kind, name) over all steps, on edges that only ever widen (see above)."""

    def __init__(self):
        self.low = self.high = None
        self.rows = numpy.zeros((16, N_BINS), dtype=numpy.float32)
        self.n = 0

    def edges(self):
        if self.low is None:
            return numpy.linspace(0.0, 1.0, N_BINS + 1)
        return numpy.linspace(self.low, self.high, N_BINS + 1)

    def table(self):
        return self.rows[: self.n].copy()

    def add(self, sample, low, high):
        """Append one step's row from a finite sample whose finite range is [low, high] (NaN: none)."""
        if self.n == len(self.rows):
            self.rows = numpy.concatenate([self.rows, numpy.zeros_like(self.rows)])
        row = self.rows[self.n]
        self.n += 1
        if sample.size == 0 or not math.isfinite(low):
            return
        if self.low is None:
            width = high - low
            if width <= 0:
                width = max(abs(low) * 0.1, 1e-6)
            self.low, self.high = low - 0.05 * width, high + 0.05 * width
        self._widen(low, high)
        scale = N_BINS / (self.high - self.low)
        index = (sample - self.low) * scale  # >= 0: the range was widened to hold every value
        index = index.astype(numpy.intp)
        numpy.minimum(index, N_BINS - 1, out=index)
        row[:] = numpy.bincount(index, minlength=N_BINS)[:N_BINS] * (1.0 / sample.size)

    def _widen(self, low, high):
        for _ in range(MAX_DOUBLINGS):
            below, above = low < self.low, high > self.high
            if not (below or above):
                return
            width = self.high - self.low
            old = self.rows[: self.n - 1]  # the earlier steps (the new row is still empty)
            merged = old.reshape(len(old), N_BINS // 2, 2).sum(axis=2)
            old[:] = 0
            if below and above:
                self.low, self.high = self.low - width / 2, self.high + width / 2
                old[:, N_BINS // 4: 3 * N_BINS // 4] = merged
            elif below:
                self.low -= width
                old[:, N_BINS // 2:] = merged
            else:
                self.high += width
                old[:, : N_BINS // 2] = merged


def units_alive(activations):
    """For each unit (axis 1: features, or channels of a conv output), whether any sample made it non-zero."""
    if activations.ndim < 2:
        return None
    axes = (0,) + tuple(range(2, activations.ndim))
    return numpy.any(activations != 0, axis=axes)


SATURATION = {"sigmoid": (0.5, 0.49), "tanh": (0.0, 0.98)}  # (centre, half-width beyond which a value counts)


def saturated_fraction(activations, activation_name):
    """The fraction of a sigmoid's outputs below 0.01 or above 0.99 (tanh: |a| > 0.98); NaN for others."""
    if activation_name not in SATURATION or activations.size == 0:
        return NAN
    centre, reach = SATURATION[activation_name]
    sample = sample_of(activations.reshape(-1), activations.shape[-1])
    return float(numpy.count_nonzero(numpy.abs(sample - centre) > reach)) / sample.size

"""Per-array statistics and fixed-bin histograms: what a trace keeps for every step.

`Summaries` holds, for the K series of a trace (one per (kind, name)), a table of statistics and a table
of histograms with one row per step; `Summaries.add(arrays)` computes one step's rows for all K arrays
together, which keeps the cost of recording a step small (see benchmarks/bench_trace.py):

  - mean, std, min, max and norm are exact, over every value. An array of up to SAMPLE values is read
    in one batch with the other small arrays of the step (one concatenation, then `reduceat` per
    statistic; the std in two passes). A larger array is read in four fast passes: min, max, and the
    BLAS dot products x.x and x.1 (sum of squares, sum), from which mean, std and norm follow; if the
    std is small against the mean, where that formula would lose digits, it is computed again in two
    passes (float64).
  - the fraction of zeros and the histogram are exact for arrays of up to SAMPLE values; for larger
    arrays they are computed on a deterministic strided sample of SAMPLE values (every k-th value,
    k sharing no factor with the row length, so the sample visits every column), which keeps the cost
    bounded and is indistinguishable on a 32-bin plot (each bar within about a percent).

Histograms: 32 equal bins whose edges are fixed per series for the whole trace, so the bars of
different steps compare directly. The first step with finite values sets the range (its min to max,
padded by 5% each side). When a later step has values outside, the range doubles - to the left, to the
right, or by half its width each side - until they fit; because the range exactly doubles, every old bin
falls inside one new bin, so the stored histograms of earlier steps are re-binned exactly (pairs of bins
summed) and every step keeps sharing one set of edges. Each row holds the fraction of the step's finite
values in each bin (the row sums to 1; 0 where nothing was finite). NaN and inf are left out of the
histogram; the statistics of an array holding them are NaN or inf as NumPy says.
"""

import math

import numpy

N_BINS = 32
SAMPLE = 1024  # values per array for its histogram and fraction of zeros
BATCH = 4096  # arrays of up to this many values have their statistics computed together
MAX_DOUBLINGS = 200  # a range beyond this (about 1e60 times the first) clips into the end bins
STAT_NAMES = ("mean", "std", "min", "max", "norm", "zeros")
MEAN, STD, MIN, MAX, NORM, ZEROS = range(6)
NAN = float("nan")
ILL_CONDITIONED = 1e-2  # var < this * mean**2: sum(x*x)/n - mean**2 cancels, recompute in two passes


def to_host(array):
    """A NumPy array from a NumPy or CuPy array."""
    return array.get() if hasattr(array, "get") and not isinstance(array, numpy.ndarray) else numpy.asarray(array)


def stride_of(n, row=1, size=SAMPLE):
    """1 when n <= size, else the smallest k >= ceil(n / size) that shares no factor with `row`:
    flat[::k][:size] then visits every column (unit) of a matrix whose rows are `row` long."""
    if n <= size:
        return 1
    k = -(-n // size)
    while math.gcd(k, row) != 1:
        k += 1
    return k


def sample_of(flat, row=1, size=SAMPLE):
    """`flat` itself, or at most `size` values of it, every k-th (see stride_of)."""
    k = stride_of(flat.size, row, size)
    return flat if k == 1 else flat[::k][:size]


_ONES = {}


def _ones(n, dtype):
    """A cached vector of ones: sum(x) as dot(x, ones) runs in BLAS, about three times faster than x.sum()."""
    key = (n, dtype.str)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 64:
            _ONES.clear()
        ones = _ONES[key] = numpy.ones(n, dtype=dtype)
    return ones


def _slow_stats(flat):
    """Statistics of an array holding NaN or inf: all of them as NumPy says (NaN or inf)."""
    with numpy.errstate(all="ignore"):
        values = flat.astype(numpy.float64)
        return (float(values.mean()), float(values.std()), float(numpy.min(values)), float(numpy.max(values)),
                float(numpy.sqrt(numpy.dot(values, values))), float(numpy.mean(values == 0)))


def _flat(array):
    flat = array.reshape(-1)
    return flat if flat.dtype.kind == "f" else flat.astype(numpy.float64)


def measure(array):
    """The statistics of one array, computed now - best right after the array was made or copied, while
    it is still in the cache - for `Summaries.add`; None for an array of up to BATCH values (add does
    those together) or None. The array must not change afterwards when None is returned."""
    if array is None:
        return None
    flat = _flat(array)
    return None if flat.size <= BATCH else _measure(flat, array, copy=True)


def _measure(flat, array, copy):
    """(stats with zeros NaN, histogram sample, finite low, finite high, zeros known) of a large array."""
    n = flat.size
    low, high = float(numpy.minimum.reduce(flat)), float(numpy.maximum.reduce(flat))
    if not (math.isfinite(low) and math.isfinite(high)):
        return _measure_nonfinite(flat, array)
    if max(-low, high) > 1e18 and flat.dtype != numpy.float64:  # squares would overflow float32
        flat = flat.astype(numpy.float64)
    squares, total = float(numpy.dot(flat, flat)), float(numpy.dot(flat, _ones(n, flat.dtype)))
    mean = total / n
    var = squares / n - mean * mean
    if var < ILL_CONDITIONED * mean * mean:
        var = float(numpy.var(flat, dtype=numpy.float64))
    sample = sample_of(flat, array.shape[-1] if array.ndim else 1)
    if copy:
        sample = sample.copy()
    return (mean, math.sqrt(max(var, 0.0)), low, high, math.sqrt(squares), NAN), sample, low, high, False


def _measure_nonfinite(flat, array):
    finite = flat[numpy.isfinite(flat)]
    stats = _slow_stats(flat)
    if not finite.size:
        return stats, None, NAN, NAN, True
    sample = sample_of(finite, array.shape[-1] if array.ndim else 1)
    return stats, sample, float(finite.min()), float(finite.max()), True


class Summaries:
    """The per-step statistics and histograms of K series. `stats[:n]` is (n, K, 6) float64 in the order
    of STAT_NAMES, `rows[:n]` (n, K, 32) float32 histograms on the edges `low[i]`..`high[i]`."""

    def __init__(self, k, capacity=16):
        self.k = k
        self.n = 0
        self.stats = numpy.full((capacity, k, len(STAT_NAMES)), NAN)
        self.rows = numpy.zeros((capacity, k, N_BINS), dtype=numpy.float32)
        self.low = numpy.full(k, NAN)
        self.high = numpy.full(k, NAN)
        self._layout = None

    # --- reading -----------------------------------------------------------------------------------

    def column(self, i, stat):
        return self.stats[: self.n, i, stat].copy()

    def table(self, i):
        return self.rows[: self.n, i].copy()

    def edges(self, i):
        if math.isnan(self.low[i]):
            return numpy.linspace(0.0, 1.0, N_BINS + 1)
        return numpy.linspace(self.low[i], self.high[i], N_BINS + 1)

    # --- filling -----------------------------------------------------------------------------------

    def _grow(self):
        if self.n == len(self.stats):
            extra = len(self.stats)
            self.stats = numpy.concatenate([self.stats, numpy.full_like(self.stats[:extra], NAN)])
            self.rows = numpy.concatenate([self.rows, numpy.zeros_like(self.rows[:extra])])

    def set_series(self, i, stats, rows, low, high):
        """Fill series i from saved columns (a loaded trace): stats (n, 6), rows (n, 32)."""
        n = len(stats)
        if len(self.stats) < n:
            extra = n - len(self.stats)
            self.stats = numpy.concatenate([self.stats, numpy.full((extra,) + self.stats.shape[1:], NAN)])
            self.rows = numpy.concatenate([self.rows, numpy.zeros((extra,) + self.rows.shape[1:], self.rows.dtype)])
        self.n = n
        self.stats[:n, i] = stats
        self.rows[:n, i] = rows
        self.low[i], self.high[i] = low, high

    def add(self, arrays, measured=None):
        """Append one step: `arrays` holds K host arrays (None: nothing recorded); `measured`, if given,
        K results of `measure` (None: measure here). Returns the step's (K, 6) statistics (a view)."""
        self._grow()
        step = self.n
        self.n += 1
        stats = self.stats[step]
        hist = []  # (series, sample, finite low, finite high, zeros known)
        small = []
        for i, array in enumerate(arrays):
            record = measured[i] if measured is not None else None
            if record is None:
                if array is None:
                    continue
                flat = _flat(array)
                if flat.size <= BATCH:
                    if flat.size:
                        small.append((i, flat, array))
                    continue
                record = _measure(flat, array, copy=False)
            stats[i] = record[0]
            if record[1] is not None:
                hist.append((i,) + record[1:])
        if small:
            self._add_small(small, stats, hist)
        if hist:
            self._histograms(hist, stats, self.rows[step])
        return stats

    def _add_small(self, small, stats, hist):
        """Exact statistics of the arrays of up to SAMPLE values, all at once."""
        lengths = tuple(flat.size for _, flat, _ in small)
        layout = self._layout
        if layout is None or layout[0] != lengths:
            n = numpy.array(lengths, dtype=numpy.float64)
            offsets = numpy.concatenate([[0], numpy.cumsum(lengths)[:-1]]).astype(numpy.intp)
            layout = self._layout = (lengths, n, offsets)
        _, n, offsets = layout
        buffer = numpy.concatenate([flat for _, flat, _ in small], dtype=numpy.float64, casting="same_kind")
        low, high = numpy.minimum.reduceat(buffer, offsets), numpy.maximum.reduceat(buffer, offsets)
        finite = numpy.isfinite(low) & numpy.isfinite(high)
        if not finite.all():
            keep = []
            for j, (i, flat, array) in enumerate(small):
                if finite[j]:
                    keep.append((i, flat, array))
                else:
                    self._nonfinite(i, flat, array, stats, hist)
            if keep:
                self._add_small(keep, stats, hist)
            return
        mean = numpy.add.reduceat(buffer, offsets) / n
        squares = numpy.add.reduceat(buffer * buffer, offsets)
        var = squares / n - mean * mean
        for j in numpy.flatnonzero(var < ILL_CONDITIONED * mean * mean):  # would lose digits: two passes
            var[j] = numpy.var(buffer[offsets[j]: offsets[j] + lengths[j]])
        norm = numpy.sqrt(squares)
        index = [i for i, _, _ in small]
        stats[index, MEAN], stats[index, STD], stats[index, NORM] = mean, numpy.sqrt(numpy.maximum(var, 0)), norm
        stats[index, MIN], stats[index, MAX] = low, high
        low, high = low.tolist(), high.tolist()
        for j, (i, flat, array) in enumerate(small):
            sample = flat if flat.size <= SAMPLE else sample_of(flat, array.shape[-1] if array.ndim else 1)
            hist.append((i, sample, low[j], high[j], False))

    def _nonfinite(self, i, flat, array, stats, hist):
        record = _measure_nonfinite(flat, array)
        stats[i] = record[0]
        if record[1] is not None:
            hist.append((i,) + record[1:])

    def _fit(self, i, low, high):
        """Set or widen series i's range to hold [low, high], re-binning the earlier rows exactly."""
        if math.isnan(self.low[i]):
            width = high - low
            if width <= 0:
                width = max(abs(low) * 0.1, 1e-6)
            self.low[i], self.high[i] = low - 0.05 * width, high + 0.05 * width
        old = self.rows[: self.n - 1, i]  # the earlier steps (the new row is still empty)
        for _ in range(MAX_DOUBLINGS):
            below, above = low < self.low[i], high > self.high[i]
            if not (below or above):
                return
            width = self.high[i] - self.low[i]
            merged = old.reshape(len(old), N_BINS // 2, 2).sum(axis=2)
            old[:] = 0
            if below and above:
                self.low[i], self.high[i] = self.low[i] - width / 2, self.high[i] + width / 2
                old[:, N_BINS // 4: 3 * N_BINS // 4] = merged
            elif below:
                self.low[i] -= width
                old[:, N_BINS // 2:] = merged
            else:
                self.high[i] += width
                old[:, : N_BINS // 2] = merged

    def _histograms(self, hist, stats, rows):
        """Histogram rows and the fraction of zeros for each (series, sample, low, high, zeros known),
        all in one bincount: the samples are laid out as the rows of one matrix, short ones padded
        with the series' low edge (which falls in bin 0 and is taken out again); row j counts into
        slots 33j .. 33j+32, the 33rd catching a value on the top edge, added to bin 31 after."""
        series, samples, lows, highs, known = zip(*hist)
        series = list(series)
        lows, highs = numpy.array(lows), numpy.array(highs)
        outside = ~((lows >= self.low[series]) & (highs <= self.high[series]))  # NaN: no range yet
        if outside.any():
            for j in numpy.flatnonzero(outside):
                self._fit(series[j], lows[j], highs[j])
        count = len(series)
        sizes = [sample.size for sample in samples]
        width = max(sizes)
        dtype = numpy.float32 if all(sample.dtype == numpy.float32 for sample in samples) else numpy.float64
        low = self.low[series]
        scale = (N_BINS / (self.high[series] - low)).astype(dtype)[:, None]
        low = low.astype(dtype)[:, None]
        matrix = numpy.repeat(low, width, axis=1)
        for j, sample in enumerate(samples):
            matrix[j, : sizes[j]] = sample
        sizes = numpy.array(sizes)
        pads = width - sizes
        zeros = numpy.count_nonzero(matrix == 0, axis=1) - numpy.where(low[:, 0] == 0, pads, 0)
        matrix -= low
        matrix *= scale  # now in [0, 32]: the range was widened to hold every value
        matrix += _offsets(count, dtype)
        index = matrix.astype(numpy.intp)
        counts = numpy.bincount(index.reshape(-1), minlength=count * (N_BINS + 1)).reshape(count, N_BINS + 1)
        counts[:, 0] -= pads
        counts[:, N_BINS - 1] += counts[:, N_BINS]
        rows[series] = counts[:, :N_BINS] / sizes[:, None]
        fractions = (zeros / sizes).tolist()
        for j, i in enumerate(series):
            if not known[j]:
                stats[i, ZEROS] = fractions[j]


_OFFSETS = {}


def _offsets(count, dtype):
    """(count, 1): (N_BINS + 1) * row, which moves each row's bin numbers to a range of its own."""
    key = (count, dtype)
    if key not in _OFFSETS:
        _OFFSETS[key] = (numpy.arange(count) * (N_BINS + 1)).astype(dtype)[:, None]
    return _OFFSETS[key]


def units_alive(activations):
    """For each unit (axis 1: features, or channels of a conv output), whether any sample made it non-zero."""
    if activations.ndim < 2:
        return None
    axes = (0,) + tuple(range(2, activations.ndim))
    return numpy.any(activations != 0, axis=axes)


SATURATION = {"sigmoid": (0.5, 0.49), "tanh": (0.0, 0.98)}  # (centre, half-width beyond which a value counts)


def saturated_fraction(activations, activation_name):
    """The fraction of a sigmoid's outputs below 0.01 or above 0.99 (tanh: |a| > 0.98); NaN for others.
    Exact up to SAMPLE values, else on the strided sample."""
    if activation_name not in SATURATION or activations.size == 0:
        return NAN
    centre, reach = SATURATION[activation_name]
    sample = sample_of(activations.reshape(-1), activations.shape[-1])
    return float(numpy.count_nonzero(numpy.abs(sample - centre) > reach)) / sample.size

"""Per-array statistics and fixed-bin histograms: what a trace keeps for every step.

`Summaries` holds, for the K series of a trace (one per (kind, name)), a table of statistics and a table
of histograms with one row per step. What a step needs from each array is taken when the Recorder hands
the array over, while it is still in the cache (aino/trace/store.py): a large array's sum of squares,
sum and variance (`moments_of`), and the values its histogram samples. `commit` queues those;
`flush` turns a batch of queued steps into rows all at once - a few numpy calls for many steps and all
their arrays, which keeps the cost of recording a step small (see benchmarks/bench_trace.py). The Trace
flushes before anyone reads the rows.

  - mean, std and norm are exact, over every value. A large array (more than SMALL values): the sum of
    squares as a BLAS dot product, the sum as ones @ X @ ones (see _sum), the variance as sum(x*x)/n - mean**2, or, where the std is below half the
    mean (var < mean**2 / 4) and that formula would lose digits, in two passes. A small array: every value
    is in the sample, and the batch reads them all together, in float64.
  - min, max, the fraction of zeros and the histogram are exact for arrays of up to SMALL values; for
    larger arrays they are those of a deterministic strided sample of SAMPLE values (every k-th value,
    k sharing no factor with the row length, so the sample visits every column), which keeps the cost
    bounded (reading every value for them would double it) and is indistinguishable on a 32-bin plot
    (each bar within about two percent). The Trace reports a large array's own min and max at the steps
    whose full arrays it keeps. An array holding NaN or inf is read in full: its statistics are NaN or
    inf as NumPy says.
  - `saturated`: for a sigmoid or tanh layer's activations, the fraction of sampled values near the
    asymptotes (sigmoid below 0.01 or above 0.99, tanh |a| > 0.98).

Histograms: 32 equal bins whose edges are fixed per series for the whole trace, so the bars of
different steps compare directly. The first step with finite values sets the range (its min to max,
padded by 5% each side). When a later step has values outside, the range doubles - to the left, to the
right, or by half its width each side - until they fit; because the range exactly doubles, every old bin
falls inside one new bin, so the stored histograms of earlier steps are re-binned exactly (pairs of bins
summed) and every step keeps sharing one set of edges. (So a batch of steps is binned on the range its
last step needs: the rows come out as one step at a time would make them, to the rounding of float32.) Each row holds the fraction of the
step's finite values in each bin (the row sums to 1; 0 where nothing was finite). NaN and inf are left
out of the histogram; the statistics of an array holding them are NaN or inf as NumPy says.
"""

import math

import numpy

from aino.backend import array_module

N_BINS = 32
SAMPLE = 512  # values per large array for its histogram, fraction of zeros, min and max
SMALL = 1024  # an array of up to this many values is read whole, together with the other small ones
ONES = 65536  # see _sum
CANCELLATION = 4  # see moments_of: the one-pass variance where the std is at least half the mean
MAX_DOUBLINGS = 200  # a range beyond this (about 1e60 times the first) clips into the end bins
BATCH_BYTES = 4 * 2**20  # the queued samples of a batch of steps stay within this
MAX_BATCH = 32
CHUNK_VALUES = 32768  # the histograms of a batch are made a few steps at a time, about this many values
STAT_NAMES = ("mean", "std", "min", "max", "norm", "zeros")
MEAN, STD, MIN, MAX, NORM, ZEROS = range(6)
NAN = float("nan")
SATURATION = {"sigmoid": (0.5, 0.49), "tanh": (0.0, 0.98)}  # (centre, half-width beyond which a value counts)
# the activations whose outputs are never negative, by their aino.nn class (a subclass may differ)
NONNEGATIVE = {"relu": "ReLU", "relu6": "ReLU6", "sigmoid": "Sigmoid", "softmax": "Softmax", "hardsigmoid": "Hardsigmoid"}


def to_host(array):
    """A NumPy array from a NumPy or CuPy array (a GPU's array is copied: one transfer)."""
    module = array_module(array)
    return numpy.asarray(array) if module is numpy else module.asnumpy(array)


def stride_of(n, row=1, size=SAMPLE):
    """1 when n <= size, else the smallest k >= ceil(n / size) that shares no factor with `row`:
    flat[::k][:size] then visits every column (unit) of a matrix whose rows are `row` long."""
    if n <= size:
        return 1
    k = -(-n // size)
    while math.gcd(k, row) != 1:
        k += 1
    return k


_PLANS = {}  # (shape, dtype) -> how _sum sums an array of that shape (see _plan)


def _plan(shape, dtype):
    """(ones(m), (m, n), ones(n)) to sum an array of `shape` as an m x n matrix (its first axis by the rest),
    or None for one _sum gives to einsum; kept per shape, so that a step's arrays look nothing up twice."""
    key = (shape, dtype)
    if key not in _PLANS:
        if len(_PLANS) > 64:
            _PLANS.clear()
        rows = shape[0] if len(shape) > 1 else 0
        columns = math.prod(shape) // rows if rows else 0
        _PLANS[key] = ((numpy.ones(rows, dtype), (rows, columns), numpy.ones(columns, dtype))
                       if 0 < max(rows, columns) <= ONES else None)
    return _PLANS[key]


def _sum(array):
    """(sum(x), column sums) of an array of two or more axes: X the array as an m x n matrix (its first axis
    by the rest), the column sums ones(m) @ X (n values: the sum over the first axis) and the sum as they
    @ ones(n) - two BLAS matrix-vector products, about twice as fast as einsum, which sums the others (a
    1-D array, or one of more than ONES rows or columns; their column sums are None)."""
    plan = _plan(array.shape, array.dtype)
    if plan is None:
        return float(numpy.einsum("i->", array.reshape(-1))), None
    ones_rows, matrix, ones_columns = plan
    column_sums = ones_rows.dot(array.reshape(matrix))
    return float(column_sums.dot(ones_columns)), column_sums


def moments_of(array):
    """(sum of x*x, sum of x, variance, column sums) of a float array: two fast passes, a BLAS dot product
    and a sum (its column sums, see _sum, come with it: the Trace reads a ReLU layer's dead units from
    them); NaN if the array holds NaN or inf. var = sum(x*x)/n - mean**2 carries the rounding of the sums
    times (1 + mean**2 / var), so where mean**2 > CANCELLATION * var it is taken again as
    sum((x - mean)**2)/n."""
    flat = array.reshape(-1)
    squares, (total, column_sums) = float(flat.dot(flat)), _sum(array)
    if not math.isfinite(squares) and flat.dtype != numpy.float64:  # x*x beyond float32, or NaN or inf
        wide = flat.astype(numpy.float64)
        squares, total = float(numpy.dot(wide, wide)), float(wide.sum())
    if not (math.isfinite(squares) and math.isfinite(total)):
        return NAN, NAN, NAN, column_sums
    mean = total / flat.size
    var = squares / flat.size - mean * mean
    if CANCELLATION * var < mean * mean:
        deviations = flat - flat.dtype.type(mean)
        var = float(numpy.dot(deviations, deviations)) / flat.size
    return squares, total, var, column_sums


def moments_on_device(array):
    """moments_of for an array on a GPU, computed there with its own module: ((3,) float64 array of the sum
    of x*x, the sum of x and the variance; column sums or None), every value a device array, so that
    nothing comes to the host (a float() would be a copy). The variance is the two-pass one,
    sum((x - mean)**2) / n, which loses no digits to cancellation and costs a GPU little; an array holding
    NaN or inf gives a non-finite sum of squares, and the Trace then reads it in full (slow_stats)."""
    xp = array_module(array)
    flat = array.reshape(-1)
    squares, total = flat.dot(flat), flat.sum()
    deviations = flat - total / flat.size
    variance = deviations.dot(deviations) / flat.size
    column_sums = array.reshape(array.shape[0], -1).sum(axis=0) if array.ndim > 1 else None
    return xp.stack([squares, total, variance]).astype(numpy.float64), column_sums


def slow_stats(values):
    """(stats in the order of STAT_NAMES, finite min, finite max) of an array holding NaN or inf: the
    statistics as NumPy says (NaN or inf), the range of its finite values (NaN if there are none)."""
    with numpy.errstate(all="ignore"):
        wide = values.reshape(-1).astype(numpy.float64)
        stats = (wide.mean(), wide.std(), numpy.min(wide), numpy.max(wide), numpy.sqrt(numpy.dot(wide, wide)),
                 numpy.mean(wide == 0))
        finite = wide[numpy.isfinite(wide)]
    return tuple(map(float, stats)), (float(finite.min()) if finite.size else NAN), (
        float(finite.max()) if finite.size else NAN)


class Summaries:
    """The per-step statistics and histograms of K series. `stats[:n]` is (n, K, 6) float64 in the order
    of STAT_NAMES, `rows[:n]` (n, K, 32) float32 histograms on the edges `low[i]`..`high[i]`,
    `saturated[:n]` (n, K). `saturation` maps a series to (centre, reach) (see SATURATION)."""

    def __init__(self, k, saturation=None, capacity=16):
        self.k, self.n = k, 0
        self.saturation = dict(saturation or {})
        self.stats = numpy.full((capacity, k, len(STAT_NAMES)), NAN)
        self.rows = numpy.zeros((capacity, k, N_BINS), dtype=numpy.float32)
        self.saturated = numpy.full((capacity, k), NAN)
        self.low = numpy.full(k, NAN)
        self.high = numpy.full(k, NAN)
        self._widened = 0  # how many times a series' range was set or widened
        self._unfit = False  # whether a range stopped doubling short of a value (which then clips)
        self._cached = (None, None)  # see _per_value
        self._base_key = self._base = None  # see _bases
        self._batch = None  # the queued steps (see commit)

    # --- reading (after flush) -------------------------------------------------------------------------

    def column(self, i, stat):
        return self.stats[: self.n, i, stat].copy()

    def table(self, i):
        return self.rows[: self.n, i].copy()

    def edges(self, i):
        if math.isnan(self.low[i]):
            return numpy.linspace(0.0, 1.0, N_BINS + 1)
        return numpy.linspace(self.low[i], self.high[i], N_BINS + 1)

    # --- filling -----------------------------------------------------------------------------------

    def _grow(self, n):
        if n > len(self.stats):
            extra = max(n, 2 * len(self.stats)) - len(self.stats)
            self.stats = numpy.concatenate([self.stats, numpy.full((extra,) + self.stats.shape[1:], NAN)])
            self.rows = numpy.concatenate([self.rows, numpy.zeros((extra,) + self.rows.shape[1:], self.rows.dtype)])
            self.saturated = numpy.concatenate([self.saturated, numpy.full((extra, self.k), NAN)])

    def set_series(self, i, stats, rows, low, high, saturated):
        """Fill series i from saved columns (a loaded trace): stats (n, 6), rows (n, 32), saturated (n,)."""
        n = len(stats)
        self._grow(n)
        self.n = n
        self.stats[:n, i], self.rows[:n, i], self.saturated[:n, i] = stats, rows, saturated
        self.low[i], self.high[i] = low, high
        self._widened += 1

    def commit(self, layout, present, sample, moments, slow):
        """Queue one step: `layout` places its arrays (aino/trace/store.py); `present[j]` says whether
        slot j holds an array this step (the series of the others stay NaN, their rows empty); `sample`
        the values the histograms read; `moments` (sum of squares, sum, variance) of each large slot; `slow` {slot: slow_stats(...)} for the large slots holding NaN or inf."""
        batch = self._batch
        if batch is not None and (batch["layout"] is not layout or batch["n"] == len(batch["present"])):
            self.flush()
            batch = None
        if batch is None:
            size = max(1, min(MAX_BATCH, BATCH_BYTES // max(1, sample.nbytes)))
            batch = self._batch = {"layout": layout, "n": 0, "slow": {},
                                   "sample": numpy.empty((size,) + sample.shape, sample.dtype),
                                   "moments": numpy.empty((size,) + moments.shape),
                                   "present": numpy.empty((size, len(present)), dtype=bool)}
        b = batch["n"]
        batch["sample"][b], batch["moments"][b], batch["present"][b] = sample, moments, present
        batch["slow"].update({(b, j): result for j, result in slow.items()})
        batch["n"] = b + 1

    def flush(self):
        """Turn the queued steps into rows; returns how many steps that was."""
        batch, self._batch = self._batch, None
        if batch is None or not batch["n"]:
            return 0
        count, layout = batch["n"], batch["layout"]
        present, sample = batch["present"][:count], batch["sample"][:count]
        with numpy.errstate(all="ignore"):
            table, low, high = self._statistics(layout, present, sample, batch["moments"][:count], batch["slow"])
            finite = numpy.isfinite(table[:, :, MIN]) & numpy.isfinite(table[:, :, MAX]) & numpy.isfinite(table[:, :, NORM])
            self._fit_ranges(layout, present, low, high)
            rows = self._histograms(layout, present, finite, sample, table)
        self._grow(self.n + count)
        block = slice(self.n, self.n + count)
        present_rows = present[:, :, None]
        self.stats[block][:, layout.series] = numpy.where(present_rows, table, NAN)
        self.rows[block][:, layout.series] = numpy.where(present_rows, rows, 0)
        for j, i in enumerate(layout.series.tolist()):
            if i in self.saturation:
                self.saturated[block, i] = numpy.where(present[:, j], self._saturated(layout, j, sample, i), NAN)
        self.n += count
        return count

    def _statistics(self, layout, present, sample, moments, slow):
        """(table (B, slots, 6), finite low (B, slots), finite high) of a batch of B steps. The min and max
        are those of the sample: exact for a small array (its every value), the sample's for a large one
        (the Trace puts in exact ones where it keeps the full array)."""
        count, large, sizes = len(present), layout.n_large, layout.sizes
        table = numpy.full((count, len(layout.keys), len(STAT_NAMES)), NAN)
        table[:, :, MIN] = numpy.minimum.reduceat(sample, layout.sample_starts, axis=1)
        table[:, :, MAX] = numpy.maximum.reduceat(sample, layout.sample_starts, axis=1)
        squares, mean, var = (numpy.empty((count, len(sizes))) for _ in range(3))
        squares[:, :large], mean[:, :large], var[:, :large] = moments[:, :, 0], moments[:, :, 1] / sizes[:large], moments[:, :, 2]
        if large < len(sizes):  # the small slots: every value is in the sample
            values = sample[:, layout.tail_sample:].astype(numpy.float64)
            starts, small = layout.small_starts, sizes[large:]
            mean[:, large:] = numpy.add.reduceat(values, starts, axis=1) / small
            squares[:, large:] = numpy.add.reduceat(values * values, starts, axis=1)
            values -= numpy.repeat(mean[:, large:], small.astype(numpy.intp), axis=1)
            var[:, large:] = numpy.add.reduceat(values * values, starts, axis=1) / small
        table[:, :, MEAN], table[:, :, STD], table[:, :, NORM] = mean, numpy.sqrt(numpy.maximum(var, 0)), numpy.sqrt(squares)
        low, high = table[:, :, MIN].copy(), table[:, :, MAX].copy()
        bad = present & ~(numpy.isfinite(low) & numpy.isfinite(high) & numpy.isfinite(squares))
        for b, j in zip(*numpy.nonzero(bad)):  # NaN or inf: as NumPy says, and the range of the finite values
            begin, end = layout.sample_starts[j], layout.sample_starts[j] + layout.sample_sizes[j]
            stats, low[b, j], high[b, j] = slow.get((b, j)) or slow_stats(sample[b, begin:end])
            table[b, j] = stats
        return table, low, high

    def _fit_ranges(self, layout, present, low, high):
        """Set or widen the ranges to hold every present finite value, step by step in order."""
        series = layout.series
        usable = present & numpy.isfinite(low)
        outside = usable & ~((low >= self.low[series]) & (high <= self.high[series]))  # NaN: no range yet
        if not outside.any():
            return
        for b in range(len(present)):
            outside = usable[b] & ~((low[b] >= self.low[series]) & (high[b] <= self.high[series]))
            for j in numpy.flatnonzero(outside).tolist():
                self._fit(series[j], low[b, j], high[b, j])

    def _fit(self, i, low, high):
        """Set or widen series i's range to hold [low, high], re-binning the earlier rows exactly."""
        self._widened += 1
        if math.isnan(self.low[i]):
            width = high - low
            if width <= 0:
                width = max(abs(low) * 0.1, 1e-6)
            self.low[i], self.high[i] = low - 0.05 * width, high + 0.05 * width
        old = self.rows[: self.n, i]  # the rows already made
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
        self._unfit = True

    def _histograms(self, layout, present, finite, sample, table):
        """The histogram rows (B, slots, 32) of a batch, and the fraction of zeros of each slot whose
        values are all finite (into `table`). A few steps at a time, so that the work stays in the cache."""
        count, slots = present.shape
        rows = numpy.zeros((count, slots, N_BINS))
        zeros = numpy.empty((count, slots))
        chunk = max(1, CHUNK_VALUES // max(1, sample.shape[1]))
        for begin in range(0, count, chunk):
            part = slice(begin, begin + chunk)
            rows[part], zeros[part] = self._bin(layout, present[part], finite[part], sample[part])
        table[:, :, ZEROS] = numpy.where(finite, zeros, table[:, :, ZEROS])
        return rows

    def _bin(self, layout, present, finite, sample):
        """Histogram rows and fractions of zeros of a few steps, in one bincount: sampled value i of slot j
        at step b counts into (b * slots + j) * 33 + its bin, the 33rd catching a value on the top edge
        (added to bin 31 after)."""
        count, slots = present.shape
        sizes, starts = layout.sample_sizes, layout.sample_starts
        edge, scale = self._per_value(layout)
        position = sample - edge
        position *= scale  # in [0, 32], as the range holds every value (a hair below 0 truncates to 0)
        if self._unfit:  # unless a range stopped doubling
            numpy.clip(position, 0, N_BINS, out=position)
        index = position.astype(numpy.intp)
        index += self._bases(layout, count)
        counted = sizes
        if not (present.all() and finite.all()):  # leave out NaN, inf and the slots with no array
            keep = numpy.repeat(present, sizes, axis=1) & numpy.isfinite(sample)
            index, counted = index[keep], numpy.add.reduceat(keep, starts, axis=1, dtype=numpy.intp)
        counts = numpy.bincount(index.reshape(-1), minlength=count * slots * (N_BINS + 1))
        counts = counts.reshape(count, slots, N_BINS + 1)
        counts[:, :, N_BINS - 1] += counts[:, :, N_BINS]
        zero = (sample == 0).view(numpy.uint8)
        zeros = numpy.add.reduceat(zero, starts, axis=1, dtype=numpy.uint16) if zero.any() else numpy.zeros((count, slots))
        return counts[:, :, :N_BINS] / numpy.maximum(counted, 1)[..., None], zeros / sizes  # no finite value: empty

    def _per_value(self, layout):
        """(low edge, bins per unit) of each sampled value's series, as arrays the length of the sample;
        kept until a range widens or the layout changes."""
        key = (layout, self._widened)
        if self._cached[0] != key:
            edge = self.low[layout.series]
            scale = N_BINS / (self.high[layout.series] - edge)
            with numpy.errstate(invalid="ignore", over="ignore"):
                if numpy.isfinite(edge.astype(layout.dtype)).sum() == numpy.isfinite(edge).sum():
                    edge, scale = edge.astype(layout.dtype), scale.astype(layout.dtype)  # else float64: beyond float32
            self._cached = key, (numpy.repeat(edge, layout.sample_sizes), numpy.repeat(scale, layout.sample_sizes))
        return self._cached[1]

    def _bases(self, layout, count):
        """(count, n_sampled): where each sampled value's slot at each of `count` steps has its 33 bins in
        the joint bincount of _bin; kept until the layout or the count changes."""
        if self._base_key != (layout, count):
            steps = numpy.arange(count)[:, None] * (len(layout.keys) * (N_BINS + 1))
            self._base_key, self._base = (layout, count), layout.sample_base + steps
        return self._base

    def _saturated(self, layout, j, sample, i):
        """The fraction of slot j's sampled values near the asymptotes of series i's activation, per step."""
        centre, reach = self.saturation[i]
        values = sample[:, layout.sample_starts[j]: layout.sample_starts[j] + layout.sample_sizes[j]]
        return numpy.count_nonzero(numpy.abs(values - centre) > reach, axis=1) / values.shape[1]


def units_alive(activations):
    """For each unit (axis 1: features, or channels of a conv output), whether any sample made it non-zero."""
    if activations.ndim < 2:
        return None
    return activations.any(axis=(0,) + tuple(range(2, activations.ndim)))


def units_alive_from_sums(column_sums, shape):
    """units_alive of a layer's output of `shape` whose values are never negative (NONNEGATIVE), from its
    column sums (moments_of): a sum of values >= 0 is > 0 exactly when one of them is (NaN counts as
    non-zero, as in `any`). Saves reading the whole output again (LeNet's conv ReLU: 43 us a step). On a
    GPU's arrays it computes there."""
    return ~(column_sums.reshape(shape[1], -1).sum(axis=1) <= 0)

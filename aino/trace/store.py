"""One step's full arrays, and what the summaries need from them, taken as each array comes.

The Recorder hands each array of a step over as it comes (a gradient during backward, the weights after
the update, ...), and that is when it is read for the summaries, while it is still in the cache: a large
array's moments (summaries.moments_of) and the values its histogram samples. Then:

  - activations, gradients and weight_grads are kept by reference, not copied: aino makes a new array
    for each of them every step and never changes one in place afterwards (the autograd sums into new
    arrays, `zero_grad` gives a new zero array). One that is a view into a larger array (a layer that
    returns a slice of its input) is copied, so as not to keep the larger one alive;
  - weights are copied (the optimizer changes them in place), updates computed, each into a new array
    (the allocator hands back memory freed moments ago, still in the cache);
  - the small arrays of every kind are copied into one flat buffer per step, so that the summaries read
    them all at once.

A step is laid out like the one before it; the first step, or a step where an array's shape changes (a
smaller last batch), is laid out anew.
"""

import math
from typing import NamedTuple

import numpy

from aino.trace.summaries import N_BINS, SAMPLE, SMALL, moments_of, slow_stats, stride_of, to_host

REFERENCED = ("activations", "gradients", "weight_grads")  # kinds kept by reference when large


class Place(NamedTuple):
    """Where one array goes: its slot j (large ones first), its span of the buffer (None for a large
    array, kept as an array of its own), its shape, and the stride and span of its sample."""

    slot: int
    begin: int
    end: int
    shape: tuple
    stride: int
    sample_begin: int
    sample_end: int
    sample_stop: int  # flat[:sample_stop:stride] is the sample


class Layout:
    """Where each (kind, name) array of a step goes, and which of its values the histograms read.
    `shapes` maps each key to its array's shape. The arrays of more than SMALL values come first (a
    strided sample of SAMPLE values of each is read; they have no place in the buffer); the small ones
    follow, together in the buffer, and are read whole."""

    def __init__(self, shapes, dtype, series):
        self.dtype = numpy.dtype(dtype)
        sizes = {key: math.prod(shape) for key, shape in shapes.items()}
        large = [key for key in shapes if sizes[key] > SMALL]
        self.keys = large + [key for key in shapes if sizes[key] <= SMALL]
        self.n_large = len(large)
        self.places, sample_sizes = {}, []
        start = sample_start = 0
        for j, key in enumerate(self.keys):
            shape, size = shapes[key], sizes[key]
            stride = stride_of(size, shape[-1] if shape else 1) if size > SMALL else 1
            sampled = min(-(-size // stride), SAMPLE) if size > SMALL else size
            stored = j >= self.n_large
            begin, end = (start, start + size) if stored else (None, None)
            self.places[key] = Place(j, begin, end, shape, stride, sample_start, sample_start + sampled,
                                     stride * sampled)
            sample_sizes.append(sampled)
            start, sample_start = start + (size if stored else 0), sample_start + sampled
        self.size, self.n_sampled = start, sample_start
        self.sizes = numpy.array([sizes[key] for key in self.keys], dtype=numpy.float64)
        self.series = numpy.array([series[key] for key in self.keys], dtype=numpy.intp)
        self.sample_sizes = numpy.array(sample_sizes, dtype=numpy.intp)
        self.sample_starts = numpy.cumsum(self.sample_sizes) - self.sample_sizes
        # the small slots, read whole: where they start in the buffer and in the sample
        small = [self.places[key] for key in self.keys[self.n_large:]]
        self.tail, self.tail_sample = (small[0].begin, small[0].sample_begin) if small else (start, sample_start)
        self.small_starts = numpy.array([place.sample_begin - self.tail_sample for place in small], dtype=numpy.intp)
        # where each sampled value's slot has its bins in the joint bincount of the histograms: 32 bins
        # and one for a value on the top edge, per slot
        self.sample_base = numpy.repeat(numpy.arange(len(self.keys)) * (N_BINS + 1), self.sample_sizes)


class StepArrays:
    """The arrays of one step as the Trace keeps them (`arrays`), laid out by `layout` (None: the first
    step); an array the layout has no place for is copied aside until `pack` lays the step out anew.
    `moments` holds (sum of squares, sum, variance) of each large slot, `sample` the values the
    histograms read, `column_sums` {layer: its large activations' sums over the batch axis} (moments_of)."""

    def __init__(self, layout=None):
        self.layout = layout
        self.arrays = {}  # (kind, name) -> the array as kept
        self.column_sums = {}
        self._aside = False
        if layout is not None:
            self.buffer = numpy.empty(layout.size, layout.dtype)
            self.sample = numpy.empty(layout.n_sampled, layout.dtype)
            self.moments = numpy.full((layout.n_large, 3), numpy.nan)

    def put(self, key, array):
        """Hand `array` (NumPy or CuPy) over as (kind, name) = key; returns it as kept."""
        if type(array) is not numpy.ndarray:
            array = to_host(array)
        place = self._place(key, array)
        if place is None:
            self.arrays[key] = kept = numpy.array(array, copy=True)
            self._aside = self._aside or kept.size > 0
            if key[0] == "activations":  # the sums of an earlier call of the layer are not this array's
                self.column_sums.pop(key[1], None)
            return kept
        if place.begin is None:
            kept = self.arrays[key] = array if key[0] in REFERENCED and _owns_its_memory(array) else array.copy()
        else:
            kept = self.arrays[key] = self.buffer[place.begin: place.end].reshape(place.shape)
            numpy.copyto(kept, array)
        if place.slot < self.layout.n_large:
            self._measure(key, place, kept)
        return kept

    def put_difference(self, key, after, before):
        """Keep after - before as key (two host arrays of one shape), computed straight into its slot."""
        place = self._place(key, after)
        if place is None:
            self.put(key, after - before)
            return
        if place.begin is None:
            kept = self.arrays[key] = after - before
        else:
            kept = self.arrays[key] = self.buffer[place.begin: place.end].reshape(place.shape)
            numpy.subtract(after, before, out=kept)
        if place.slot < self.layout.n_large:
            self._measure(key, place, kept)

    def _place(self, key, array):
        place = None if self.layout is None else self.layout.places.get(key)
        if place is None or place.shape != array.shape or not (
                array.dtype is self.layout.dtype or numpy.can_cast(array.dtype, self.layout.dtype)):
            return None
        return place

    def _measure(self, key, place, kept):
        squares, total, var, column_sums = moments_of(kept)
        self.moments[place.slot] = squares, total, var
        if key[0] == "activations" and column_sums is not None:
            self.column_sums[key[1]] = column_sums
        self.sample[place.sample_begin: place.sample_end] = kept.reshape(-1)[: place.sample_stop: place.stride]

    @property
    def nbytes(self):
        return sum(array.nbytes for array in self.arrays.values())

    def pack(self, series):
        """Make the step ready for the summaries: lay it out anew if an array was copied aside (a new
        Layout, in the order of `series`, {key: series index}), fill the slots of the small arrays this
        step lacks with zeros, and copy the small arrays to the sample. Returns the layout, for each
        slot whether this step has an array there, and {slot: summaries.slow_stats} for the large
        arrays holding NaN or inf."""
        if self._aside:
            keys = sorted((key for key, array in self.arrays.items() if array.size), key=series.__getitem__)
            dtype = numpy.result_type(numpy.float32, *(self.arrays[key].dtype for key in keys))
            if dtype.kind != "f":
                dtype = numpy.dtype(numpy.float64)
            arrays = self.arrays
            self.__init__(Layout({key: arrays[key].shape for key in keys}, dtype, series))
            for key, array in arrays.items():
                place = self._place(key, array)
                if place is not None and place.begin is None:  # large: the array aside is a copy of its own
                    self.arrays[key] = array
                    self._measure(key, place, array)
                else:
                    self.put(key, array)
        layout = self.layout
        present = numpy.array([key in self.arrays for key in layout.keys], dtype=bool)
        if not present[layout.n_large:].all():
            for key, there in zip(layout.keys[layout.n_large:], present[layout.n_large:]):
                if not there:
                    place = layout.places[key]
                    self.buffer[place.begin: place.end] = 0
        self.sample[layout.tail_sample:] = self.buffer[layout.tail:]
        slow = {}
        if not numpy.isfinite(self.moments[:, 0]).all():
            for j in numpy.flatnonzero(present[: layout.n_large] & ~numpy.isfinite(self.moments[:, 0])):
                slow[int(j)] = slow_stats(self.arrays[layout.keys[j]])
        return layout, present, slow


def _owns_its_memory(array):
    """Whether keeping `array` keeps no more memory alive than its own: not a view into a larger array."""
    base = array.base
    return base is None or getattr(base, "nbytes", 0) <= array.nbytes


def _snapshot(array):
    """A host (NumPy) copy of `array`."""
    return array.get() if hasattr(array, "get") and not isinstance(array, numpy.ndarray) else numpy.array(array, copy=True)

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

On a GPU (the model's arrays on CuPy's device), the Recorder moves to the host only what the trace keeps:

  - a step whose full arrays the trace keeps (with `every=k`, steps 0, k, 2k, ...) is a StepArrays: each
    array is copied to the host once, as it comes, and that copy is what the trace keeps and what the
    summaries read (so they are exactly the CPU's);
  - any other step is a DeviceStepArrays: its arrays stay on the device, its summaries are computed
    there with the array's own module (moments_on_device, the strided sample, the units alive), and only
    those small results come to the host, in three copies (moments, sample, units alive). Its full arrays
    wait on the device while it is the newest step (the trace always keeps the newest) and move to the
    host only if someone reads them or the Recorder stops there (Trace._on_host).
"""

import math
from typing import NamedTuple

import numpy

from aino.backend import array_module
from aino.trace.summaries import (N_BINS, SAMPLE, SMALL, moments_of, moments_on_device, slow_stats, stride_of, to_host,
                                  units_alive, units_alive_from_sums)

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
    histograms read, `column_sums` {layer: its large activations' sums over the batch axis} (moments_of).
    Its arrays are host (NumPy) arrays: one handed over from a GPU is copied to the host as it comes."""

    xp = numpy  # the module the step's arrays are kept with

    def __init__(self, layout=None):
        self._start(layout)

    def _start(self, layout):
        self.layout = layout
        self.arrays = {}  # (kind, name) -> the array as kept
        self.column_sums = {}
        self._aside = False
        if layout is not None:
            self.buffer = self.xp.empty(layout.size, layout.dtype)
            self.sample = self.xp.empty(layout.n_sampled, layout.dtype)
            self.moments = self.xp.full((layout.n_large, 3), numpy.nan)

    def _adopt(self, array):
        """An array of another module, as this step keeps them: a GPU array copied to the host."""
        return to_host(array)

    def put(self, key, array):
        """Hand `array` (NumPy or CuPy) over as (kind, name) = key; returns it as kept."""
        if type(array) is not self.xp.ndarray:
            array = self._adopt(array)
        place = self._place(key, array)
        if place is None:
            self.arrays[key] = kept = self.xp.array(array, copy=True)
            self._aside = self._aside or kept.size > 0
            if key[0] == "activations":  # the sums of an earlier call of the layer are not this array's
                self.column_sums.pop(key[1], None)
            return kept
        if place.begin is None:
            kept = self.arrays[key] = array if key[0] in REFERENCED and _owns_its_memory(array) else array.copy()
        else:
            kept = self.arrays[key] = self.buffer[place.begin: place.end].reshape(place.shape)
            kept[...] = array  # an assignment, not xp.copyto: 0.73 -> 0.48 us (the dtype casts safely, see _place)
        if place.slot < self.layout.n_large:
            self._measure(key, place, kept)
        return kept

    def put_difference(self, key, after, before):
        """Keep after - before as key (two arrays of one shape), computed straight into its slot. Arrays of
        another module (a GPU's) are subtracted there, and the difference handed over as `put` takes it."""
        if type(after) is not self.xp.ndarray or type(before) is not self.xp.ndarray:
            if type(after) is not type(before):  # the model moved between two steps: before goes where after is
                before = array_module(after).asarray(to_host(before))
            self.put(key, after - before)
            return
        place = self._place(key, after)
        if place is None:
            self.put(key, after - before)
            return
        if place.begin is None:
            kept = self.arrays[key] = after - before
        else:
            kept = self.arrays[key] = self.buffer[place.begin: place.end].reshape(place.shape)
            self.xp.subtract(after, before, out=kept)
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
            self._start(Layout({key: arrays[key].shape for key in keys}, dtype, series))
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
        self._summaries_to_host()
        slow = {}
        if not numpy.isfinite(self.moments[:, 0]).all():
            for j in numpy.flatnonzero(present[: layout.n_large] & ~numpy.isfinite(self.moments[:, 0])):
                slow[int(j)] = slow_stats(to_host(self.arrays[layout.keys[j]]))  # NaN or inf: read in full
        return layout, present, slow

    def _summaries_to_host(self):
        """The sample and the moments are host arrays already."""

    def units_alive(self, layers):
        """{layer: host bool array, per unit whether any sample made it non-zero} for each of `layers`
        ({name: whether its outputs are never negative}) whose activations this step has, with at least 2
        axes: from the column sums where the layer is never negative (units_alive_from_sums)."""
        found = {}
        for name, nonnegative in layers.items():
            array = self.arrays.get(("activations", name))
            if array is None or array.ndim < 2:
                continue
            sums = self.column_sums.get(name)
            found[name] = units_alive_from_sums(sums, array.shape) if nonnegative and sums is not None else (
                units_alive(array))
        return found


class DeviceStepArrays(StepArrays):
    """A step whose arrays stay on the GPU of the array module `xp` (a step whose full arrays the trace
    keeps only while it is the newest, see the module docstring): the summaries are read there, and the
    moments, the sample and the units alive come to the host in one copy each."""

    def __init__(self, layout, xp):
        self.xp = xp
        super().__init__(layout)

    def _adopt(self, array):
        """A host array handed over (a classic network's, a buffer that stayed on the CPU) goes to the device."""
        return self.xp.asarray(to_host(array))

    def _measure(self, key, place, kept):
        moments, column_sums = moments_on_device(kept)
        self.moments[place.slot] = moments
        if key[0] == "activations" and column_sums is not None:
            self.column_sums[key[1]] = column_sums
        self.sample[place.sample_begin: place.sample_end] = kept.reshape(-1)[: place.sample_stop: place.stride]

    def _summaries_to_host(self):
        """Copy the sample and the moments (of the large arrays, if any) to the host: the step's two copies
        for its summaries."""
        self.sample = self.xp.asnumpy(self.sample)
        self.moments = self.xp.asnumpy(self.moments) if self.moments.size else numpy.empty(self.moments.shape)

    def units_alive(self, layers):
        """As StepArrays.units_alive, computed on the device and brought to the host in one copy."""
        found = super().units_alive(layers)
        if not found:
            return found
        names = list(found)
        together = self.xp.asnumpy(self.xp.concatenate([found[name].reshape(-1) for name in names]))
        ends = numpy.cumsum([found[name].size for name in names])
        return {name: part for name, part in zip(names, numpy.split(together, ends[:-1]))}


def _owns_its_memory(array):
    """Whether keeping `array` keeps no more memory alive than its own: not a view into a larger array."""
    base = array.base
    return base is None or getattr(base, "nbytes", 0) <= array.nbytes


def _snapshot(array):
    """A copy of `array` where it is (on the device for a GPU array: reading it there moves nothing)."""
    return array.copy()

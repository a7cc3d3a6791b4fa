"""Which steps keep their full arrays within a memory budget.

Every step is offered; the newest step is always kept (it may be the last one), the step kept before it
stays only if it was a candidate (with `every=k`, candidates are the steps 0, k, 2k, ...). While the
kept arrays exceed `max_bytes`, one kept step is dropped: never the first or the newest, and among the
others the one whose removal opens the smallest gap relative to how late it is,

    score(t_i) = (t_{i+1} - t_{i-1}) / (t_i + 1 + T / 8)        T = the newest step,

ties going to the earliest step. Kept steps therefore end up spaced roughly in proportion to
t + T/8: dense at the start, where a network changes fastest, and spaced out later, the final step
always present. Everything depends only on the steps and their sizes, so the choice is deterministic.
If even the first and the newest step do not fit, the first is dropped too; a single step larger than
the whole budget is not kept at all (its summaries still are).

The kept steps are a NumPy array, so the scores of all of them are a few array passes: a small model's
steps are small, and a budget of 64 MiB then holds ten thousand of them (a Python loop over them took
1.6 ms a step, ten times the step itself; the array passes take tens of microseconds).
"""

import numpy


class Thinner:
    """Tracks the kept steps and their sizes; `offer` says which steps to drop."""

    def __init__(self, max_bytes):
        self.max_bytes = int(max_bytes)
        self._steps = numpy.empty(64, dtype=numpy.int64)  # the kept steps, ascending, in _steps[:_count]
        self._count = 0
        self.sizes = {}  # step -> bytes
        self.total = 0
        self._newest_is_candidate = True

    @property
    def kept(self):
        """The kept steps, ascending, as a list of ints."""
        return self._steps[: self._count].tolist()

    def keep(self, step, nbytes):
        """Add `step` (of `nbytes` bytes), later than every kept step, without dropping any (a loaded trace's)."""
        if self._count == len(self._steps):
            self._steps = numpy.concatenate([self._steps, numpy.empty_like(self._steps)])
        self._steps[self._count] = step
        self._count += 1
        self.sizes[step] = nbytes
        self.total += nbytes

    def offer(self, step, nbytes, candidate=True):
        """Add `step` (of `nbytes` bytes); returns the steps whose arrays must now be dropped (maybe `step`)."""
        dropped = []
        if self._count and not self._newest_is_candidate:
            dropped.append(self._drop(self._count - 1))
        self._newest_is_candidate = candidate
        self.keep(step, nbytes)
        while self.total > self.max_bytes and self._count > 2:
            dropped.append(self._drop(self._cheapest()))
        if self.total > self.max_bytes and self._count == 2:
            dropped.append(self._drop(0))
        if self.total > self.max_bytes and self._count:
            dropped.append(self._drop(0))
        return dropped

    def _cheapest(self):
        """The position, among the kept steps, of the one to drop: the least score, the earliest on a tie."""
        kept = self._steps[: self._count]
        newest = int(kept[-1])
        scores = (kept[2:] - kept[:-2]) / ((kept[1:-1] + 1) + newest / 8)
        return 1 + int(scores.argmin())  # argmin: the first of equal scores

    def _drop(self, position):
        """Forget the kept step at `position`; returns the step."""
        steps, count = self._steps, self._count
        step = int(steps[position])
        steps[position: count - 1] = steps[position + 1: count]
        self._count = count - 1
        self.total -= self.sizes.pop(step)
        return step

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
"""


class Thinner:
    """Tracks the kept steps and their sizes; `offer` says which steps to drop."""

    def __init__(self, max_bytes):
        self.max_bytes = int(max_bytes)
        self.kept = []  # sorted steps
        self.sizes = {}  # step -> bytes
        self.total = 0
        self._newest_is_candidate = True

    def offer(self, step, nbytes, candidate=True):
        """Add `step` (of `nbytes` bytes); returns the steps whose arrays must now be dropped (maybe `step`)."""
        dropped = []
        if self.kept and not self._newest_is_candidate:
            dropped.append(self._drop(self.kept[-1]))
        self._newest_is_candidate = candidate
        self.kept.append(step)
        self.sizes[step] = nbytes
        self.total += nbytes
        while self.total > self.max_bytes and len(self.kept) > 2:
            dropped.append(self._drop(self._cheapest()))
        if self.total > self.max_bytes and len(self.kept) == 2:
            dropped.append(self._drop(self.kept[0]))
        if self.total > self.max_bytes and self.kept:
            dropped.append(self._drop(self.kept[0]))
        return dropped

    def _cheapest(self):
        kept, newest = self.kept, self.kept[-1]
        best, best_score = None, None
        for i in range(1, len(kept) - 1):
            score = (kept[i + 1] - kept[i - 1]) / (kept[i] + 1 + newest / 8)
            if best_score is None or score < best_score:
                best, best_score = kept[i], score
        return best

    def _drop(self, step):
        self.kept.remove(step)
        self.total -= self.sizes.pop(step)
        return step

"""The answer a student sees: pass or fail, the failing case worked small, what differs, and a hint.

A Result prints as text in a terminal and renders as a block in Jupyter (`_repr_html_`). It shows values
only, never the reference's code. `bool(result)` is whether every case passed.
"""

import html
from dataclasses import dataclass, field

import numpy

PASS, FAIL = "\u2713", "\u2717"


@dataclass
class Failure:
    """The failing case shown to the student: its label, its inputs, and where got and expected part."""

    case: str
    inputs: list  # [(name, value)]
    what: str  # "output[1] has the wrong values"
    got: object = None
    expected: object = None
    differ: str = ""  # "3 of 12 entries differ: at (0, 1) got 0.5, expected 0.25; ..."


@dataclass
class Result:
    exercise: str
    title: str
    passed: bool
    n_cases: int
    n_passed: int
    failure: Failure = None
    hint: str = ""
    mistake: str = None  # the name of the known mistake the code matched, if any
    notes: list = field(default_factory=list)

    def __bool__(self):
        return self.passed

    def lines(self):
        if self.passed:
            return [f"{PASS} {self.title} ({self.exercise}): all {self.n_cases} cases right, checked against the "
                    f"reference and against central differences where a derivative is asked for."]
        out = [f"{FAIL} {self.title} ({self.exercise}): {self.n_passed} of {self.n_cases} cases right."]
        f = self.failure
        if f is not None:
            out.append(f"  failing case: {f.case}")
            for name, value in f.inputs:
                out.append(f"    {name} = {_show(value, indent=len(name) + 7)}")
            out.append(f"  {f.what}")
            if f.expected is not None or f.got is not None:
                out.append(f"    expected: {_show(f.expected)}")
                out.append(f"    got:      {_show(f.got)}")
            if f.differ:
                out.append(f"  {f.differ}")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        out.extend(f"  note: {note}" for note in self.notes)
        return out

    def __str__(self):
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self):
        colour = "#1b7a3d" if self.passed else "#b3261e"
        head, *rest = self.lines()
        body = "\n".join(html.escape(line) for line in rest)
        return (f'<div style="border-left: 4px solid {colour}; padding: 4px 10px; margin: 4px 0">'
                f'<b style="color: {colour}">{html.escape(head)}</b>'
                + (f'<pre style="margin: 4px 0 0 0">{body}</pre>' if body else "") + "</div>")


def _show(value, limit=6, indent=14):
    """A short text of an array or value: small arrays whole (their rows lined up under the first one,
    `indent` characters in), large ones by shape and first entries."""
    if isinstance(value, numpy.ndarray):
        if value.size <= limit * limit:
            text = numpy.array2string(value, precision=4, suppress_small=True, separator=", ")
            rows = [row for row in text.split("\n") if row.strip()]  # no blank lines between 3-D blocks
            return ("\n" + " " * indent).join(rows)
        flat = ", ".join(f"{v:.4g}" for v in value.ravel()[:limit])
        return f"array of shape {value.shape}: [{flat}, ...]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {_brief(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)) and any(isinstance(item, numpy.ndarray) for item in value):
        return "(" + ", ".join(_brief(item) for item in value) + ")"
    if callable(value):
        return f"<{getattr(value, '__name__', type(value).__name__)}>"
    return repr(value)


def _brief(value, limit=4):
    """One line for an entry of a dict or tuple: an array's shape and its first entries."""
    if isinstance(value, numpy.ndarray):
        flat = ", ".join(f"{v:.4g}" for v in value.ravel()[:limit])
        return f"array {value.shape} [{flat}{', ...' if value.size > limit else ''}]"
    return _show(value)


def differing_entries(got, expected, rtol, atol, limit=3):
    """'k of n entries differ: at (i, j) got a, expected b; ...' for two arrays of one shape."""
    got, expected = numpy.atleast_1d(got), numpy.atleast_1d(expected)  # a 0-d value shows as entry (0,)
    wrong = ~numpy.isclose(got, expected, rtol=rtol, atol=atol)
    where = list(zip(*numpy.nonzero(wrong)))
    shown = "; ".join(f"at {tuple(int(i) for i in index)} got {got[index]:.6g}, expected {expected[index]:.6g}"
                      for index in where[:limit])
    return f"{int(wrong.sum())} of {wrong.size} entries differ: {shown}" + ("; ..." if len(where) > limit else "")

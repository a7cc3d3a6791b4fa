"""Rounding, sign, and the division that rounds: floor, ceil, trunc, round, frac, sign, remainder, fmod and
div with a rounding mode.

A rounding is flat between its steps, so its derivative is 0 wherever it has one (PyTorch gives 0 at the
steps too). Integer tensors round to themselves and stay integers, as PyTorch. The remainders keep
the derivative of a - q * b with the quotient q held still: 1 for a, -q for b.
"""

from aino.ops.elementwise import Broadcasting
from aino.ops.function import Function, unbroadcast

ROUNDING_MODES = (None, "trunc", "floor")


class Flat(Function):
    """Base of the steps (floor, ceil, ...): derivative 0 for every input. An integer input is its own
    value; a float one goes through `step`."""

    def forward(self, *arrays):
        self.shapes = [a.shape for a in arrays]
        return self.step(*arrays)

    def step(self, x):
        return x.copy() if x.dtype.kind in "iub" else self.rounded(x)

    def rounded(self, x):
        raise NotImplementedError

    def backward(self, grad):
        zeros = [self.xp.zeros(shape, dtype=grad.dtype) for shape in self.shapes]
        return zeros[0] if len(zeros) == 1 else tuple(zeros)


class Floor(Flat):
    """the largest whole number <= x; derivative 0."""

    def rounded(self, x):
        return self.xp.floor(x)


class Ceil(Flat):
    """the smallest whole number >= x; derivative 0."""

    def rounded(self, x):
        return self.xp.ceil(x)


class Trunc(Flat):
    """x with its fraction dropped (towards 0); derivative 0."""

    def rounded(self, x):
        return self.xp.trunc(x)


class Round(Flat):
    """x rounded to `decimals` places, halves to the even neighbour (round(2.5) = 2, as PyTorch); derivative 0."""

    def __init__(self, decimals=0):
        if isinstance(decimals, bool) or not isinstance(decimals, int):
            raise TypeError(f"Tensor.round: decimals must be an int, got {type(decimals).__name__} {decimals!r:.60}")
        self.decimals = decimals

    def rounded(self, x):
        return self.xp.round(x, self.decimals)


class Sign(Flat):
    """-1, 0 or 1 as x is negative, zero or positive, in x's dtype (a bool stays itself); derivative 0."""

    def step(self, x):
        return x.copy() if x.dtype.kind == "b" else self.xp.sign(x)


class Frac(Function):
    """x - trunc(x), the fraction with x's sign; derivative 1."""

    def forward(self, x):
        if x.dtype.kind not in "fc":
            raise TypeError(f"Tensor.frac: expected a floating-point tensor, got dtype {x.dtype}")
        return x - self.xp.trunc(x)

    def backward(self, grad):
        return grad


def rounded_quotient(xp, a, b, rounding_mode):
    """a / b rounded as `rounding_mode` says: None (true division), "trunc" (towards 0) or "floor" (down);
    integers stay integers under "trunc" and "floor", as PyTorch."""
    if rounding_mode is None:
        return a / b
    if rounding_mode == "floor":
        return xp.floor_divide(a, b)
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return xp.trunc(a / b)
    floor = xp.floor_divide(a, b)  # whole numbers: floor, one step up where it rounded a negative away from 0
    return floor + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0)))


def check_rounding_mode(rounding_mode, owner="Tensor.div"):
    """`rounding_mode` itself when it is one PyTorch takes; else a ValueError naming them."""
    if rounding_mode not in ROUNDING_MODES:
        raise ValueError(f"{owner}: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r:.60}")
    return rounding_mode


class DivRounded(Broadcasting, Flat):
    """a / b rounded towards 0 ("trunc") or down ("floor"); derivative 0 for both, as PyTorch."""

    name = "div"

    def __init__(self, rounding_mode):
        self.rounding_mode = check_rounding_mode(rounding_mode)

    def step(self, a, b):
        return rounded_quotient(self.xp, a, b, self.rounding_mode)


class Remainder(Broadcasting):
    """a - floor(a / b) * b, with the sign of b (Python's and PyTorch's %); d/da = 1, d/db = -floor(a / b)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return self.xp.remainder(a, b)

    def backward(self, grad):
        a, b = self.a, self.b
        ga = unbroadcast(grad, a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(-grad * self.xp.floor_divide(a, b), b.shape) if self.needs_grad[1] else None
        return ga, gb


class Fmod(Broadcasting):
    """a - trunc(a / b) * b, with the sign of a (C's fmod); d/da = 1, d/db = -trunc(a / b)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return self.xp.fmod(a, b)

    def backward(self, grad):
        a, b = self.a, self.b
        ga = unbroadcast(grad, a.shape) if self.needs_grad[0] else None
        gb = unbroadcast(-grad * self.xp.trunc(a / b), b.shape) if self.needs_grad[1] else None
        return ga, gb

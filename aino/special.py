"""Special functions written out with array operations, so they run on NumPy and CuPy alike."""

import math

from aino.backend import array_module

_SERIES_LIMIT = 3.0  # below |x| = 3 the power series; above, the continued fraction
_SERIES_TERMS = 90
_FRACTION_DEPTH = 60


def erf(x):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt, to about 1e-15.

    Small |x|: erf(x) = 2/sqrt(pi) * exp(-x**2) * sum_n 2**n x**(2n+1) / (1*3*...*(2n+1)),
    a series of positive terms (no cancellation).
    Large |x|: erfc(x) = exp(-x**2) / sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
    a continued fraction evaluated from the bottom up.
    """
    xp = array_module(x)
    x = xp.asarray(x, dtype=float)
    a = xp.abs(x)
    small = xp.minimum(a, _SERIES_LIMIT)
    term = small.copy()
    total = small.copy()
    for n in range(_SERIES_TERMS):
        term = term * (2 * small * small) / (2 * n + 3)
        total = total + term
    series = 2 / math.sqrt(math.pi) * xp.exp(-small * small) * total

    large = xp.maximum(a, _SERIES_LIMIT)
    fraction = large.copy()
    for k in range(_FRACTION_DEPTH, 0, -1):
        fraction = large + (k / 2) / fraction
    tail = 1 - xp.exp(-large * large) / (math.sqrt(math.pi) * fraction)

    return xp.sign(x) * xp.where(a < _SERIES_LIMIT, series, tail)

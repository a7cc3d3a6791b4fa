"""Check a derivative written by hand against the definition: central differences in float64."""

import numpy


def numerical_gradient(f, x, eps=1e-6):
    """dF/dx by central differences: (F(x + eps) - F(x - eps)) / (2 * eps), one entry at a time.

    `f` maps an array shaped like `x` to a number; `x` is not modified. Error is O(eps**2).
    """
    x = numpy.array(x, dtype=numpy.float64)
    grad = numpy.zeros_like(x)
    for index in numpy.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = f(x.copy())
        x[index] = original - eps
        below = f(x.copy())
        x[index] = original
        grad[index] = (above - below) / (2 * eps)
    return grad


def numerical_jacobian_product(f, z, v, eps=1e-6):
    """J^T v for the function f: R^n -> R^n, as the gradient of the number v . f(z)."""
    return numerical_gradient(lambda point: float(numpy.sum(v * f(point))), z, eps)

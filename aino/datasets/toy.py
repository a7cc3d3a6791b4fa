"""Small two-dimensional classification problems to train a first network on.

Every generator returns a Dataset with ``data`` float64 of shape
(n_samples, 2) and ``target`` int64 of shape (n_samples,) holding class
labels 0..k-1. Samples are ordered by class: all of class 0 first.
"""

import numpy as np

from aino.datasets._checks import check_between, check_count, check_non_negative
from aino.datasets.dataset import Dataset

_POINT_NAMES = ("x1", "x2")


def _class_sizes(n_samples, n_classes):
    """Return int64 array (n_classes,) splitting n_samples as evenly as possible.

    The remainder goes to the first classes: 7 samples in 3 classes -> [3, 2, 2].
    """
    sizes = np.full(n_classes, n_samples // n_classes, dtype=np.int64)
    sizes[: n_samples % n_classes] += 1
    return sizes


def _noisy_dataset(class_points, noise, seed, target_names, description):
    """Stack per-class point clouds into a Dataset and add gaussian noise.

    ``class_points[k]`` is a float array (n_k, 2) with the points of class k.
    Returns a Dataset with data float64 (n, 2) and target int64 (n,).
    """
    data = np.vstack(class_points)
    sizes = [len(points) for points in class_points]
    target = np.repeat(np.arange(len(class_points), dtype=np.int64), sizes)
    rng = np.random.default_rng(seed)
    data = data + noise * rng.standard_normal(data.shape)
    return Dataset(data, target, _POINT_NAMES, target_names, description)


def xor():
    """Return the four points of the XOR truth table as a Dataset.

    data: float64 (4, 2), the inputs (0,0), (0,1), (1,0), (1,1).
    target: int64 (4,), their exclusive or: [0, 1, 1, 0].
    No straight line separates the two classes, so a network needs a hidden layer.
    """
    data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    target = np.array([0, 1, 1, 0], dtype=np.int64)
    description = "XOR: label 1 when exactly one of the two inputs is 1."
    return Dataset(data, target, _POINT_NAMES, ("0", "1"), description)


def spirals(n_samples=200, n_classes=2, noise=0.0, seed=None):
    """Return interleaved spiral arms, one arm per class, as a Dataset.

    data: float64 (n_samples, 2); each arm winds 1.5 turns outwards from
    radius 0.1 to radius 1, the arms rotated evenly around the origin.
    target: int64 (n_samples,), labels 0..n_classes-1, classes balanced.
    noise: standard deviation of gaussian noise added to every coordinate.
    seed: seed for numpy.random.default_rng; the same seed gives the same arrays.
    """
    check_count("n_classes", n_classes, 2)
    check_count("n_samples", n_samples, n_classes)
    check_non_negative("noise", noise)
    arms = []
    for label, size in enumerate(_class_sizes(n_samples, n_classes)):
        radius = np.linspace(0.1, 1.0, size)
        angle = 3 * np.pi * radius + 2 * np.pi * label / n_classes
        arms.append(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]))
    names = tuple(f"arm {label}" for label in range(n_classes))
    description = f"{n_classes} interleaved spiral arms, one class per arm."
    return _noisy_dataset(arms, noise, seed, names, description)


def moons(n_samples=200, noise=0.0, seed=None):
    """Return two interleaving half circles as a Dataset.

    data: float64 (n_samples, 2). Class 0 is the upper half of the unit
    circle centred at (0, 0); class 1 is the lower half of the unit circle
    centred at (1, 0.5).
    target: int64 (n_samples,), labels 0 and 1, classes balanced.
    noise: standard deviation of gaussian noise added to every coordinate.
    seed: seed for numpy.random.default_rng; the same seed gives the same arrays.
    """
    check_count("n_samples", n_samples, 2)
    check_non_negative("noise", noise)
    n_upper, n_lower = _class_sizes(n_samples, 2)
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    description = "Two interleaving half circles (moons)."
    return _noisy_dataset([upper, lower], noise, seed, ("upper moon", "lower moon"), description)


def circles(n_samples=200, noise=0.0, factor=0.5, seed=None):
    """Return a small circle inside a large one as a Dataset.

    data: float64 (n_samples, 2). Class 0 lies on the circle of radius 1,
    class 1 on the circle of radius ``factor``, both centred at the origin.
    target: int64 (n_samples,), labels 0 and 1, classes balanced.
    noise: standard deviation of gaussian noise added to every coordinate.
    factor: ratio of inner to outer radius, 0 < factor < 1.
    seed: seed for numpy.random.default_rng; the same seed gives the same arrays.
    """
    check_count("n_samples", n_samples, 2)
    check_non_negative("noise", noise)
    check_between("factor", factor, 0, 1)
    rings = []
    for radius, size in zip((1.0, factor), _class_sizes(n_samples, 2)):
        angle = np.linspace(0, 2 * np.pi, size, endpoint=False)
        rings.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    description = f"Two concentric circles, inner radius {factor} times the outer one."
    return _noisy_dataset(rings, noise, seed, ("outer", "inner"), description)

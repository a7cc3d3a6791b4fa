import numpy as np
import pytest

from aino.datasets import circles, moons, spirals, xor

GENERATORS = [spirals, moons, circles]


def test_xor_truth_table():
    X, y = xor()
    assert X.dtype == np.float64 and X.shape == (4, 2)
    assert y.dtype == np.int64 and y.shape == (4,)
    np.testing.assert_array_equal(y, X[:, 0].astype(int) ^ X[:, 1].astype(int))
    assert {tuple(row) for row in X} == {(0, 0), (0, 1), (1, 0), (1, 1)}


@pytest.mark.parametrize("generator", GENERATORS)
def test_shapes_and_dtypes(generator):
    X, y = generator(n_samples=51, noise=0.1, seed=0)
    assert X.shape == (51, 2) and X.dtype == np.float64
    assert y.shape == (51,) and y.dtype == np.int64
    assert set(np.unique(y)) == {0, 1}


@pytest.mark.parametrize("generator", GENERATORS)
def test_same_seed_same_arrays(generator):
    first = generator(n_samples=40, noise=0.2, seed=3)
    second = generator(n_samples=40, noise=0.2, seed=3)
    np.testing.assert_array_equal(first.data, second.data)
    np.testing.assert_array_equal(first.target, second.target)


@pytest.mark.parametrize("generator", GENERATORS)
def test_different_seeds_differ(generator):
    first = generator(n_samples=40, noise=0.2, seed=3)
    second = generator(n_samples=40, noise=0.2, seed=4)
    assert not np.allclose(first.data, second.data)


@pytest.mark.parametrize("generator", GENERATORS)
def test_noise_moves_points_by_about_its_std(generator):
    clean = generator(n_samples=2000, noise=0.0).data
    noisy = generator(n_samples=2000, noise=0.1, seed=0).data
    assert np.std(noisy - clean) == pytest.approx(0.1, rel=0.05)


@pytest.mark.parametrize("generator", [moons, circles])
def test_two_class_generators_are_balanced(generator):
    np.testing.assert_array_equal(np.bincount(generator(n_samples=7).target), [4, 3])


def test_spirals_balance_remainder_goes_to_first_classes():
    np.testing.assert_array_equal(np.bincount(spirals(n_samples=11, n_classes=4).target), [3, 3, 3, 2])


def test_circles_inner_radius_is_factor_times_outer():
    X, y = circles(n_samples=100, factor=0.3)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_moons_lie_on_two_shifted_half_circles():
    X, y = moons(n_samples=100)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0)
    assert upper[:, 1].min() >= -1e-12
    assert lower[:, 1].max() <= 0.5 + 1e-12


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spiral_arms_of_different_classes_stay_apart(n_classes):
    X, y = spirals(n_samples=100 * n_classes, n_classes=n_classes)
    distances = np.linalg.norm(X[:, None, :] - X[None, :, :], axis=2)
    different_class = y[:, None] != y[None, :]
    assert distances[different_class].min() > 0.1


def test_spiral_arms_are_rotated_copies_of_each_other():
    X, y = spirals(n_samples=90, n_classes=3)
    turn = 2 * np.pi / 3
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    np.testing.assert_allclose(X[y == 0] @ rotation.T, X[y == 1], atol=1e-12)
    np.testing.assert_allclose(X[y == 1] @ rotation.T, X[y == 2], atol=1e-12)


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: moons(n_samples=1), "n_samples"),
        (lambda: moons(n_samples=10.0), "n_samples"),
        (lambda: circles(n_samples=0), "n_samples"),
        (lambda: spirals(n_samples=2, n_classes=3), "n_samples"),
        (lambda: spirals(n_classes=1), "n_classes"),
        (lambda: spirals(noise=-0.1), "noise"),
        (lambda: moons(noise=-1), "noise"),
        (lambda: circles(noise="a lot"), "noise"),
        (lambda: circles(factor=1.0), "factor"),
        (lambda: circles(factor=0), "factor"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, argument):
    with pytest.raises(ValueError, match=f"^{argument} must be .*, got "):
        call()

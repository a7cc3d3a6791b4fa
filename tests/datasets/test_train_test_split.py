import numpy as np
import pytest

from aino.datasets import train_test_split


def numbered_samples(n):
    """X row i is [i, 10 * i] and y[i] = i, so rows can be traced after the split."""
    X = np.column_stack([np.arange(n), 10 * np.arange(n)]).astype(np.float64)
    return X, np.arange(n)


def test_float_test_size_rounds_the_test_count_up():
    X, y = numbered_samples(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (7, 3, 7, 3)


def test_int_test_size_is_a_count():
    X, y = numbered_samples(10)
    X_train, X_test, _, _ = train_test_split(X, y, test_size=4, seed=0)
    assert X_train.shape == (6, 2) and X_test.shape == (4, 2)


def test_no_sample_lost_or_duplicated_and_rows_stay_paired():
    X, y = numbered_samples(50)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=1)
    assert sorted(np.concatenate([y_train, y_test])) == list(range(50))
    assert not set(y_train) & set(y_test)
    np.testing.assert_array_equal(X_train[:, 0], y_train)
    np.testing.assert_array_equal(X_test[:, 0], y_test)


def test_keeps_dtypes():
    X, y = numbered_samples(8)
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=0)
    assert X_train.dtype == X_test.dtype == np.float64
    assert y_train.dtype == y_test.dtype == y.dtype


def test_seed_reproducible_and_different_seeds_differ():
    X, y = numbered_samples(40)
    first = train_test_split(X, y, seed=2)[3]
    np.testing.assert_array_equal(first, train_test_split(X, y, seed=2)[3])
    assert not np.array_equal(first, train_test_split(X, y, seed=3)[3])


def test_without_shuffle_the_last_samples_are_the_test_set():
    X, y = numbered_samples(10)
    _, _, y_train, y_test = train_test_split(X, y, test_size=3, shuffle=False)
    np.testing.assert_array_equal(y_train, np.arange(7))
    np.testing.assert_array_equal(y_test, [7, 8, 9])


def test_accepts_python_lists():
    X_train, X_test, y_train, y_test = train_test_split([[1], [2], [3], [4]], [0, 1, 0, 1], test_size=1, seed=0)
    assert isinstance(X_train, np.ndarray) and X_train.shape == (3, 1)
    assert isinstance(y_test, np.ndarray) and y_test.shape == (1,)


def test_stratify_keeps_class_proportions():
    labels = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100).reshape(-1, 1)
    _, _, y_train, y_test = train_test_split(X, labels, test_size=0.2, stratify=labels, seed=0)
    np.testing.assert_array_equal(np.bincount(y_test), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(y_train), [48, 24, 8])


def test_stratify_gives_rounded_off_samples_to_the_largest_remainders():
    # Ideal test counts are 2.1, 4.2 and 0.7: rounding down gives 2 + 4 + 0 = 6,
    # and the 7th test sample goes to the class that lost the most, the last one.
    labels = np.repeat([0, 1, 2], [30, 60, 10])
    _, _, _, y_test = train_test_split(np.zeros((100, 1)), labels, test_size=7, stratify=labels, seed=0)
    np.testing.assert_array_equal(np.bincount(y_test), [2, 4, 1])


def test_stratified_split_is_shuffled_not_grouped_by_class():
    labels = np.repeat([0, 1], [50, 50])
    _, _, y_train, _ = train_test_split(np.zeros((100, 1)), labels, stratify=labels, seed=0)
    assert not np.all(np.diff(y_train) >= 0)


@pytest.mark.parametrize(
    "X, y, kwargs, message",
    [
        (np.zeros((5, 2)), np.zeros(4), {}, "same number of samples"),
        (np.zeros((1, 2)), np.zeros(1), {}, "at least 2 samples"),
        (np.float64(3.0), np.zeros(1), {}, "not scalars"),
        (np.zeros((10, 2)), np.zeros(10), {"test_size": 0.0}, "test_size must be"),
        (np.zeros((10, 2)), np.zeros(10), {"test_size": 1.5}, "test_size must be"),
        (np.zeros((10, 2)), np.zeros(10), {"test_size": "half"}, "test_size must be"),
        (np.zeros((10, 2)), np.zeros(10), {"test_size": True}, "test_size must be"),
        (np.zeros((10, 2)), np.zeros(10), {"test_size": 0}, "at least 1 sample"),
        (np.zeros((10, 2)), np.zeros(10), {"test_size": 10}, "at least 1 sample"),
        (np.zeros((10, 2)), np.zeros(10), {"test_size": 0.99}, "at least 1 sample"),
        (np.zeros((10, 2)), np.zeros(10), {"stratify": np.zeros(9)}, "stratify must have 10 labels"),
        (np.zeros((10, 2)), np.zeros(10), {"stratify": np.zeros(10), "shuffle": False}, "shuffle=True"),
        (np.zeros((10, 2)), np.zeros(10), {"stratify": np.r_[np.zeros(9), 1]}, "at least 2 samples"),
        (np.zeros((10, 2)), np.zeros(10), {"stratify": np.arange(10) % 3, "test_size": 2}, "at least 3"),
    ],
)
def test_bad_input_raises_value_error(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_test_split(X, y, **kwargs)

import numpy as np
import pytest

import aino.datasets as datasets
from aino.datasets import Dataset


def make_dataset(n=5):
    return Dataset(np.zeros((n, 3)), np.arange(n), ("a", "b", "c"), ("no", "yes"), "demo")


def test_unpacks_as_data_then_target():
    dataset = make_dataset()
    X, y = dataset
    assert X is dataset.data
    assert y is dataset.target


def test_len_is_number_of_samples():
    assert len(make_dataset(7)) == 7


def test_repr_shows_shapes_not_values():
    text = repr(make_dataset(5))
    assert "(5, 3)" in text and "(5,)" in text
    assert "0." not in text


def test_is_frozen():
    dataset = make_dataset()
    with pytest.raises(AttributeError):
        dataset.description = "changed"


def test_mismatched_sample_counts_raise():
    with pytest.raises(ValueError, match="same number of samples"):
        Dataset(np.zeros((5, 3)), np.arange(4), ("a", "b", "c"), None, "")


def test_wrong_number_of_feature_names_raises():
    with pytest.raises(ValueError, match="feature_names"):
        Dataset(np.zeros((5, 3)), np.arange(5), ("a", "b"), None, "")


def test_package_exports_its_public_api():
    expected = {
        "Dataset", "StandardScaler", "circles", "load_digits", "load_iris", "moons",
        "rocket_trajectory", "spirals", "train_test_split", "xor",
    }
    assert set(datasets.__all__) == expected
    assert all(hasattr(datasets, name) for name in expected)

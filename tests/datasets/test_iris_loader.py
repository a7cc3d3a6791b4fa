import numpy as np
import pytest

from aino.datasets import load_iris


def test_shapes_dtypes_and_names():
    iris = load_iris()
    assert iris.data.shape == (150, 4) and iris.data.dtype == np.float64
    assert iris.target.shape == (150,) and iris.target.dtype == np.int64
    assert iris.feature_names == (
        "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm",
    )
    assert iris.target_names == ("setosa", "versicolor", "virginica")
    assert "Fisher" in iris.description and "1936" in iris.description


def test_fifty_samples_per_species():
    np.testing.assert_array_equal(np.bincount(load_iris().target), [50, 50, 50])


def test_matches_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    reference = sklearn_datasets.load_iris()
    iris = load_iris()
    np.testing.assert_array_equal(iris.data, reference.data)
    np.testing.assert_array_equal(iris.target, reference.target)
    assert list(iris.target_names) == list(reference.target_names)

import numpy as np
import pytest

from aino.datasets import StandardScaler


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(loc=[5.0, -3.0, 100.0], scale=[2.0, 0.5, 30.0], size=(200, 3))


def test_transformed_columns_have_mean_0_and_std_1(X):
    Z = StandardScaler().fit_transform(X)
    assert Z.shape == X.shape and Z.dtype == np.float64
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)


def test_attributes_are_column_mean_and_std(X):
    scaler = StandardScaler().fit(X)
    np.testing.assert_allclose(scaler.mean_, X.mean(axis=0))
    np.testing.assert_allclose(scaler.scale_, X.std(axis=0))


def test_transform_reuses_the_training_statistics(X):
    scaler = StandardScaler().fit(X)
    new = np.array([[5.0, -3.0, 100.0]])
    np.testing.assert_allclose(scaler.transform(new), (new - X.mean(axis=0)) / X.std(axis=0))


def test_inverse_transform_round_trips(X):
    scaler = StandardScaler()
    np.testing.assert_allclose(scaler.inverse_transform(scaler.fit_transform(X)), X)


def test_matches_scikit_learn(X):
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    np.testing.assert_allclose(
        StandardScaler().fit_transform(X), preprocessing.StandardScaler().fit_transform(X)
    )


def test_constant_column_gets_scale_1_and_becomes_zero():
    X = np.column_stack([np.full(5, 0.1), np.arange(5.0)])
    scaler = StandardScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    Z = scaler.transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(Z[:, 0], 0.0, atol=1e-15)


def test_accepts_lists():
    Z = StandardScaler().fit_transform([[1, 2], [3, 4]])
    np.testing.assert_allclose(Z, [[-1, -1], [1, 1]])


@pytest.mark.parametrize("method", ["transform", "inverse_transform"])
def test_using_before_fit_raises(method):
    with pytest.raises(RuntimeError, match="not fitted"):
        getattr(StandardScaler(), method)(np.zeros((2, 2)))


def test_wrong_number_of_features_raises(X):
    scaler = StandardScaler().fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but the scaler was fitted on 3"):
        scaler.transform(X[:, :2])


@pytest.mark.parametrize("bad", [np.zeros(4), np.zeros((2, 2, 2))])
def test_non_matrix_input_raises(bad):
    with pytest.raises(ValueError, match="must be 2-D"):
        StandardScaler().fit(bad)

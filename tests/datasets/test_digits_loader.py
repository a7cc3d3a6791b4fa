import subprocess
import sys

import numpy as np
import pytest

from aino.datasets import Dataset, load_digits


def test_shapes_dtypes_and_names():
    digits = load_digits()
    assert isinstance(digits, Dataset)
    assert digits.data.shape == (1797, 64) and digits.data.dtype == np.float64
    assert digits.target.shape == (1797,) and digits.target.dtype == np.int64
    assert digits.feature_names[:3] == ("pixel_0_0", "pixel_0_1", "pixel_0_2")
    assert digits.feature_names[-1] == "pixel_7_7" and len(digits.feature_names) == 64
    assert digits.target_names == tuple("0123456789")
    assert "UCI" in digits.description and "8x8" in digits.description and "1797" in digits.description


def test_pixels_are_ink_counts_from_0_to_16():
    data = load_digits().data
    np.testing.assert_array_equal(data, np.round(data))
    assert data.min() == 0 and data.max() == 16


def test_class_counts_of_the_uci_test_set():
    counts = np.bincount(load_digits().target)
    np.testing.assert_array_equal(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])


def test_rows_reshape_to_images_in_reading_order():
    """The average 0 is a ring: ink around the middle of the 8x8 image, little in its centre."""
    digits = load_digits()
    zero = digits.data[digits.target == 0].reshape(-1, 8, 8).mean(axis=0)
    centre = zero[3:5, 3:5].mean()
    assert zero[3:5, 1].mean() > 3 * centre and zero[1, 3:5].mean() > 3 * centre


def test_matches_scikit_learn():
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    reference = sklearn_datasets.load_digits()
    digits = load_digits()
    np.testing.assert_array_equal(digits.data, reference.data)
    np.testing.assert_array_equal(digits.target, reference.target)
    assert list(digits.feature_names) == list(reference.feature_names)
    np.testing.assert_array_equal(digits.data.reshape(-1, 8, 8), reference.images)


def test_loads_without_scikit_learn():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from aino.datasets import load_digits\n"
        "print(load_digits().data.shape)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(1797, 64)"

"""Handwritten digits as 8x8 images, read from the compressed CSV file bundled with aino."""

import gzip
import io
from importlib import resources

import numpy as np

from aino.datasets.dataset import Dataset

_DIGITS = tuple(str(digit) for digit in range(10))

_DESCRIPTION = (
    "Optical recognition of handwritten digits (E. Alpaydin and C. Kaynak, 1998; UCI Machine Learning "
    "Repository): the test set, 1797 digits 0-9 written by 13 people. Each 32x32 black-and-white bitmap "
    "was cut into 4x4 blocks and the ink pixels of each block counted, giving an 8x8 image of integers "
    "0..16. The same data as scikit-learn's load_digits()."
)


def load_digits():
    """Return the 8x8 handwritten digits as a Dataset.

    data: float64 (1797, 64), pixel values 0..16 row by row; ``data.reshape(-1, 8, 8)``
    gives the images (``feature_names`` are ``pixel_row_column``).
    target: int64 (1797,), the digit 0..9 each image shows; ``target_names[k]`` is ``str(k)``.
    The file is read from the installed package, nothing is downloaded.
    """
    gz_file = resources.files("aino.datasets") / "data" / "digits.csv.gz"
    text = gzip.decompress(gz_file.read_bytes()).decode("utf-8")
    header, body = text.split("\n", 1)
    table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.int64, ndmin=2)
    data = table[:, :-1].astype(np.float64)
    target = table[:, -1]
    return Dataset(data, target, tuple(header.split(",")[:-1]), _DIGITS, _DESCRIPTION)

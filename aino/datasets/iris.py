"""Fisher's iris flowers, read from the CSV file bundled with aino."""

import csv
import io
from importlib import resources

import numpy as np

from aino.datasets.dataset import Dataset

_SPECIES = ("setosa", "versicolor", "virginica")

_DESCRIPTION = (
    "Iris flowers (R. A. Fisher, 1936): 150 samples, 50 of each species "
    "(setosa, versicolor, virginica), with 4 measurements in centimetres: "
    "sepal length, sepal width, petal length and petal width."
)


def load_iris():
    """Return the iris data set as a Dataset.

    data: float64 (150, 4), the four measurements in cm, in the column order
    of ``feature_names``.
    target: int64 (150,), the species as 0, 1 or 2; ``target_names[k]``
    is the name of species k.
    The file is read from the installed package, nothing is downloaded.
    """
    csv_file = resources.files("aino.datasets") / "data" / "iris.csv"
    text = csv_file.read_text(encoding="utf-8")
    header, *rows = csv.reader(io.StringIO(text))
    data = np.array([row[:-1] for row in rows], dtype=np.float64)
    target = np.array([_SPECIES.index(row[-1]) for row in rows], dtype=np.int64)
    return Dataset(data, target, tuple(header[:-1]), _SPECIES, _DESCRIPTION)

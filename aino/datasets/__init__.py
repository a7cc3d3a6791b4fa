"""Datasets for learning: toy problems, iris, a physics simulation, and helpers.

Nothing is ever downloaded: every dataset is generated or bundled.
"""

from aino.datasets.dataset import Dataset
from aino.datasets.digits import load_digits
from aino.datasets.iris import load_iris
from aino.datasets.rocket import rocket_trajectory
from aino.datasets.split import StandardScaler, train_test_split
from aino.datasets.toy import circles, moons, spirals, xor

__all__ = [
    "Dataset",
    "StandardScaler",
    "circles",
    "load_digits",
    "load_iris",
    "moons",
    "rocket_trajectory",
    "spirals",
    "train_test_split",
    "xor",
]

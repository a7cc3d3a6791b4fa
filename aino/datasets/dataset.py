"""The Dataset container returned by every loader and generator."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Dataset:
    """A table of samples with their targets.

    Attributes:
        data: array of shape (n_samples, n_features), one row per sample.
        target: array of shape (n_samples,) or (n_samples, n_targets).
        feature_names: one name per column of ``data``.
        target_names: class names for classification (``target_names[k]``
            is the name of label ``k``), or None for regression.
        description: a few sentences on where the data comes from.

    A Dataset unpacks like a pair: ``X, y = dataset``.
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: tuple
    target_names: tuple | None
    description: str

    def __post_init__(self):
        if len(self.data) != len(self.target):
            raise ValueError(
                f"data and target must have the same number of samples, "
                f"got {len(self.data)} and {len(self.target)}"
            )
        if len(self.feature_names) != self.data.shape[1]:
            raise ValueError(
                f"feature_names must have one name per column of data "
                f"({self.data.shape[1]}), got {len(self.feature_names)} names"
            )

    def __iter__(self):
        """Yield ``data`` then ``target``, so that ``X, y = dataset`` works."""
        yield self.data
        yield self.target

    def __len__(self):
        """Return the number of samples (rows of ``data``) as an int."""
        return len(self.data)

    def __repr__(self):
        return (
            f"Dataset(data: {self.data.shape} {self.data.dtype}, "
            f"target: {self.target.shape} {self.target.dtype}, "
            f"feature_names={self.feature_names}, target_names={self.target_names})"
        )

"""Preparing data for training: a train/test split and feature standardisation."""

import math

import numpy as np

from aino.datasets._checks import check_between


def _test_count(test_size, n_samples):
    """Return the number of test samples (an int) asked for by ``test_size``.

    A float is a fraction of ``n_samples`` (rounded up), an int a count.
    Raises ValueError unless both parts get at least one sample.
    """
    if isinstance(test_size, (float, np.floating)):
        check_between("test_size", test_size, 0, 1)
        n_test = math.ceil(test_size * n_samples)
    elif isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    else:
        raise ValueError(f"test_size must be a float in (0, 1) or an int, got {test_size!r}")
    if not 1 <= n_test <= n_samples - 1:
        raise ValueError(
            f"test_size={test_size!r} puts {n_test} of {n_samples} samples in the test set; "
            f"both parts need at least 1 sample, so the test set needs 1 to {n_samples - 1}"
        )
    return n_test


def _share_test_samples(class_counts, n_test):
    """Return int array (n_classes,): how many test samples each class gives.

    Each class gets its share n_test * count / total, rounded down, and the
    samples still missing go to the classes whose shares were rounded down
    the most (the largest remainder method), so the counts add up to n_test.
    """
    ideal = class_counts * n_test / class_counts.sum()
    counts = np.floor(ideal).astype(np.int64)
    missing = n_test - counts.sum()
    most_rounded = np.argsort(counts - ideal, kind="stable")
    counts[most_rounded[:missing]] += 1
    return counts


def _stratified_indices(labels, n_test, rng):
    """Return (train, test) int64 index arrays keeping the class proportions of labels."""
    _, label_ids, class_counts = np.unique(labels, return_inverse=True, return_counts=True)
    n_classes = len(class_counts)
    if class_counts.min() < 2:
        raise ValueError("stratify: every class needs at least 2 samples, the smallest has 1")
    if not n_classes <= n_test <= len(labels) - n_classes:
        raise ValueError(
            f"stratify: with {n_classes} classes both the train and the test set need at least "
            f"{n_classes} samples, got {len(labels) - n_test} train and {n_test} test samples"
        )
    train, test = [], []
    for class_id, n_class_test in enumerate(_share_test_samples(class_counts, n_test)):
        members = rng.permutation(np.flatnonzero(label_ids == class_id))
        test.append(members[:n_class_test])
        train.append(members[n_class_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def train_test_split(X, y, test_size=0.25, shuffle=True, stratify=None, seed=None):
    """Split samples into a training part and a test part.

    X: array-like with n_samples rows; y: array-like with n_samples entries
    (or rows). test_size: a float in (0, 1), the fraction of samples for
    testing (rounded up), or an int, the number of test samples.
    shuffle: pick the test samples at random; when False the last samples
    are the test set. stratify: array of n_samples class labels (usually y);
    both parts then keep the class proportions. seed: seed for
    numpy.random.default_rng; the same seed gives the same split.

    Returns (X_train, X_test, y_train, y_test) as NumPy arrays with the
    dtypes of X and y; X_train has n_samples - n_test rows, X_test n_test.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must be arrays with one entry per sample, not scalars")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples, got {len(X)} and {len(y)}")
    if len(X) < 2:
        raise ValueError(f"need at least 2 samples to split, got {len(X)}")
    n_test = _test_count(test_size, len(X))
    rng = np.random.default_rng(seed)
    if stratify is not None:
        stratify = np.asarray(stratify)
        if len(stratify) != len(X):
            raise ValueError(f"stratify must have {len(X)} labels, one per sample, got {len(stratify)}")
        if not shuffle:
            raise ValueError("stratify requires shuffle=True: a fixed split cannot balance classes")
        train, test = _stratified_indices(stratify, n_test, rng)
    elif shuffle:
        order = rng.permutation(len(X))
        train, test = order[n_test:], order[:n_test]
    else:
        train, test = np.arange(len(X) - n_test), np.arange(len(X) - n_test, len(X))
    return X[train], X[test], y[train], y[test]


class StandardScaler:
    """Rescale each feature to mean 0 and standard deviation 1.

    Learn the means and standard deviations from the training data with
    ``fit``, then apply the very same shift and scale to any data with
    ``transform``. After fitting:
        mean_: float64 (n_features,), the mean of each column.
        scale_: float64 (n_features,), the standard deviation of each column,
            or 1 for a constant column (so it is shifted but never divided by 0).
    """

    def fit(self, X):
        """Learn ``mean_`` and ``scale_`` from X of shape (n_samples, n_features); return self."""
        X = self._as_matrix(X)
        self.mean_ = X.mean(axis=0)
        constant = np.ptp(X, axis=0) == 0
        self.scale_ = np.where(constant, 1.0, X.std(axis=0))
        return self

    def transform(self, X):
        """Return float64 (n_samples, n_features): (X - mean_) / scale_."""
        return (self._checked(X) - self.mean_) / self.scale_

    def fit_transform(self, X):
        """Fit on X, then return its transform, float64 (n_samples, n_features)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo ``transform``: return float64 (n_samples, n_features), X * scale_ + mean_."""
        return self._checked(X) * self.scale_ + self.mean_

    @staticmethod
    def _as_matrix(X):
        """Return X as a float64 array, raising ValueError unless it is 2-D."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}")
        return X

    def _checked(self, X):
        """Return X as a float64 matrix after checking the scaler is fitted and X fits it."""
        if not hasattr(self, "mean_"):
            raise RuntimeError("this StandardScaler is not fitted yet: call fit(X) first")
        X = self._as_matrix(X)
        if X.shape[1] != len(self.mean_):
            raise ValueError(
                f"X has {X.shape[1]} features, but the scaler was fitted on {len(self.mean_)}"
            )
        return X

"""Datasets and batches, as PyTorch's torch.utils.data: Dataset, TensorDataset, Subset, ConcatDataset,
random_split, DataLoader and default_collate, for map-style datasets (anything with len() and [index]).

    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
    for xb, yb in loader:        # xb: the next 32 rows of x, yb the same rows of y
        ...

Shuffling and random_split draw from aino's generator, so `aino.manual_seed(0)` makes them repeat. Loading
happens in this process, batch by batch, as PyTorch's DataLoader does with num_workers=0.
"""

import bisect
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence

import numpy

from aino import tensor_creation
from aino.functional import stack
from aino.tensor import Tensor
from aino.validation import InvalidOperationError, check_bool, check_int


class Dataset:
    """The base of a map-style dataset: subclass it and define __getitem__(index) and __len__()."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other):
        """`a + b`: the samples of a, then those of b (a ConcatDataset)."""
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is (t[i] for t in tensors): tensors with the same first dimension, e.g. inputs and labels."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        for position, value in enumerate(tensors):
            if not isinstance(value, Tensor):
                raise TypeError(f"TensorDataset: expected Tensors, got {type(value).__name__} at position "
                                f"{position} (make it one with aino.tensor or aino.from_numpy)")
            if value.ndim == 0:
                raise ValueError(f"TensorDataset: expected tensors with a first dimension, got a 0-d tensor "
                                 f"at position {position}")
        sizes = [value.shape[0] for value in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: expected one first dimension, "
                             f"got {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(value[index] for value in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: Subset(data, [4, 0])[1] is data[0]."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of each dataset in turn: ConcatDataset([a, b])[len(a)] is b[0]."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset, got none")
        self.ends = numpy.cumsum([_length(dataset, "ConcatDataset") for dataset in self.datasets]).tolist()

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset: index out of range for a dataset of {len(self)} samples")
        part = bisect.bisect_right(self.ends, index)
        return self.datasets[part][index - (self.ends[part - 1] if part else 0)]

    def __len__(self):
        return self.ends[-1]


def random_split(dataset, lengths, generator=None):
    """`dataset` cut into Subsets of the given lengths, its samples shuffled first.

    `lengths` are counts that add up to len(dataset), or fractions that add up to 1: each fraction gets
    floor(fraction * len(dataset)) samples and what is left over is dealt out one each, from the first
    subset on, as PyTorch does. `generator`: a numpy.random.Generator; by default aino's (aino.manual_seed).
    """
    total = _length(dataset, "random_split")
    lengths = list(lengths)
    if _are_fractions(lengths):
        lengths = _counts_from_fractions(lengths, total)
    if sum(lengths) != total:
        raise ValueError(f"random_split: the lengths must add up to the length of the dataset ({total}) or the "
                         f"fractions to 1, got {lengths} (sum {sum(lengths)})")
    for position, length in enumerate(lengths):
        check_int(length, f"lengths[{position}]", "random_split", minimum=0)
    order = _generator(generator, "random_split").permutation(total).tolist()
    ends = numpy.cumsum(lengths).tolist()
    return [Subset(dataset, order[end - length:end]) for length, end in zip(lengths, ends)]


def _are_fractions(lengths):
    """True when `lengths` are numbers adding up to 1 (PyTorch's test), not counts."""
    numbers_only = all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in lengths)
    return numbers_only and math.isclose(sum(lengths), 1) and sum(lengths) <= 1


def _counts_from_fractions(fractions, total):
    """The subset sizes `fractions` of `total` samples give, the rounding remainder dealt out from the first."""
    for position, fraction in enumerate(fractions):
        if not 0 <= fraction <= 1:
            raise ValueError(f"random_split: fraction at index {position} must be between 0 and 1, got "
                             f"{fraction!r}")
    counts = [math.floor(total * fraction) for fraction in fractions]
    for position in range(total - sum(counts)):
        counts[position % len(counts)] += 1
    for position, count in enumerate(counts):
        if count == 0:
            warnings.warn(f"random_split: the split at index {position} has length 0 (fraction "
                          f"{fractions[position]!r} of {total} samples): that subset is empty", stacklevel=3)
    return counts


class DataLoader:
    """Batches of `dataset`, each made by collate_fn (default_collate) from `batch_size` samples.

    shuffle=True visits the samples in a new random order each pass (drawn from `generator`, by default
    aino's generator, seeded by aino.manual_seed); drop_last=True leaves out a last, smaller batch.
    len(loader) is the number of batches. num_workers and pin_memory are accepted for PyTorch's scripts;
    samples are always loaded in this process, which changes no result.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None, generator=None,
                 num_workers=0, pin_memory=False):
        self.dataset = dataset
        _length(dataset, "DataLoader")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = check_bool(shuffle, "shuffle", "DataLoader")
        self.drop_last = check_bool(drop_last, "drop_last", "DataLoader")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.generator = None if generator is None else _generator(generator, "DataLoader")
        self.num_workers = check_int(num_workers, "num_workers", "DataLoader", minimum=0)
        self.pin_memory = check_bool(pin_memory, "pin_memory", "DataLoader")

    def __len__(self):
        count = len(self.dataset)
        return count // self.batch_size if self.drop_last else math.ceil(count / self.batch_size)

    def __iter__(self):
        count = len(self.dataset)
        order = _generator(self.generator, "DataLoader").permutation(count).tolist() if self.shuffle \
            else range(count)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self.collate_fn([self.dataset[i] for i in order[start:start + self.batch_size]])


def default_collate(batch):
    """A list of samples as one batch, as PyTorch's default_collate: Tensors, NumPy arrays and numbers are
    stacked into one Tensor along a new first dimension (Python floats as float64, ints as int64, NumPy
    values keeping their dtype); dicts give a dict, named tuples a named tuple, other tuples and lists a
    list, each entry collated in turn; strings are left as they came."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch)
    if isinstance(first, (numpy.ndarray, numpy.generic)) and first.dtype.kind in "biufc":
        return stack([Tensor(value) for value in batch])
    if isinstance(first, numbers.Integral):  # bools too: a bool tensor
        return Tensor(batch)
    if isinstance(first, numbers.Real):
        return Tensor(batch, dtype=numpy.float64)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise InvalidOperationError(f"default_collate: each sample of the batch must have the same length, "
                                        f"got lengths {[len(sample) for sample in batch]}")
        columns = [default_collate(column) for column in zip(*batch)]
        return type(first)(*columns) if hasattr(first, "_fields") else columns
    raise TypeError(f"default_collate: a batch must hold Tensors, NumPy arrays, numbers, dicts or lists, got "
                    f"{type(first).__name__}")


def _length(dataset, owner):
    """len(dataset), or a TypeError saying a map-style dataset is expected."""
    try:
        return len(dataset)
    except TypeError:
        raise TypeError(f"{owner}: expected a dataset with len() and [index] (a map-style dataset), got "
                        f"{type(dataset).__name__}") from None


def _generator(generator, owner):
    """`generator` when it is a numpy.random.Generator, aino's generator when None."""
    if generator is None:
        return tensor_creation.get_rng()
    if not isinstance(generator, numpy.random.Generator):
        raise TypeError(f"{owner}: generator must be a numpy.random.Generator or None, got "
                        f"{type(generator).__name__}")
    return generator


__all__ = ["ConcatDataset", "DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]

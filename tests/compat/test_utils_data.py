"""aino.utils.data against torch.utils.data: the batches default_collate makes (structure, shapes, dtypes,
values), DataLoader's batch counts with and without drop_last, shuffling repeated under aino.manual_seed,
random_split's sizes for counts and fractions, and the errors for bad arguments."""

from collections import namedtuple

import numpy as np
import pytest

import aino
from aino.utils.data import (ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate,
                             random_split)

torch = pytest.importorskip("torch")
from torch.utils import data as torch_data  # noqa: E402  (after the skip)

Point = namedtuple("Point", ["x", "label"])


def make_batch(lib):
    """The batches of the collate cases, built with `lib`'s tensor type (aino or torch) where one is used."""
    tensor = aino.Tensor if lib == "aino" else torch.tensor
    return {
        "python ints": [1, 2, 3],
        "python floats": [1.5, 2.0],
        "python bools": [True, False],
        "numpy float32 scalars": [np.float32(1), np.float32(2)],
        "numpy int32 scalars": [np.int32(1), np.int32(5)],
        "numpy float64 arrays": [np.zeros((2, 3)), np.ones((2, 3))],
        "numpy uint8 arrays": [np.zeros(4, np.uint8), np.ones(4, np.uint8)],
        "float tensors": [tensor([1.0, 2.0]), tensor([3.0, 4.0])],
        "0-d int tensors": [tensor(3), tensor(4)],
        "one sample": [tensor([[1.0]])],
        "tuples": [(np.zeros(2), 1), (np.ones(2), 2)],
        "lists": [[1, 2.0], [3, 4.0]],
        "dicts": [{"image": np.zeros(3, np.float32), "label": 7}, {"image": np.ones(3, np.float32), "label": 1}],
        "named tuples": [Point(1.0, 2), Point(3.0, 4)],
        "strings": ["a", "b"],
        "nested": [({"a": [1, 2]}, "s"), ({"a": [3, 4]}, "t")],
    }


def as_plain(value):
    """A collated batch as plain Python: each tensor as (dtype name, shape, values), containers opened."""
    if isinstance(value, (aino.Tensor, torch.Tensor)):
        array = value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value.numpy())
        return ("tensor", str(array.dtype), array.shape, array.tolist())
    if isinstance(value, dict):
        return ("dict", {key: as_plain(item) for key, item in value.items()})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return ("namedtuple", type(value).__name__, [as_plain(item) for item in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [as_plain(item) for item in value])
    return value


@pytest.mark.parametrize("case", list(make_batch("torch")))
def test_default_collate_as_torch(case):
    ours = default_collate(make_batch("aino")[case])
    theirs = torch_data.default_collate(make_batch("torch")[case])
    assert as_plain(ours) == as_plain(theirs)


def test_collated_tensors_keep_the_device(device):
    batch = [aino.Tensor(np.arange(3.0), device=device) for _ in range(2)]
    assert default_collate(batch).device == batch[0].device


@pytest.mark.parametrize("size, batch_size, drop_last", [
    (10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 5, False), (2, 5, True), (0, 4, False),
    (1, 1, True), (7, 7, True),
])
def test_batch_counts_and_sizes_as_torch(size, batch_size, drop_last):
    ours = DataLoader(list(range(size)), batch_size=batch_size, drop_last=drop_last)
    theirs = torch_data.DataLoader(list(range(size)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [batch.numpy().tolist() for batch in ours] == [batch.tolist() for batch in theirs]


def test_tensor_dataset_batches(device):
    x = aino.Tensor(np.arange(20.0, dtype=np.float32).reshape(10, 2), device=device)
    y = aino.Tensor(np.arange(10), device=device)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=4))
    assert [(xb.shape, xb.dtype, yb.shape, yb.dtype) for xb, yb in batches] == \
        [((4, 2), np.float32, (4,), np.int64)] * 2 + [((2, 2), np.float32, (2,), np.int64)]
    assert np.asarray(batches[2][0].numpy()).tolist() == [[16.0, 17.0], [18.0, 19.0]]


def shuffled_order(seed, passes=2, **options):
    """The sample order of `passes` passes of a shuffling loader over 0..19, after aino.manual_seed(seed)."""
    aino.manual_seed(seed)
    loader = DataLoader(list(range(20)), batch_size=6, shuffle=True, **options)
    return [[int(i) for batch in loader for i in batch.numpy()] for _ in range(passes)]


def test_shuffle_repeats_under_a_seed():
    first, second = shuffled_order(7)
    assert sorted(first) == list(range(20)) and sorted(second) == list(range(20))
    assert first != second  # a new order each pass
    assert shuffled_order(7) == [first, second]
    assert shuffled_order(8) != [first, second]


def test_shuffle_with_its_own_generator():
    orders = [shuffled_order(seed, generator=np.random.default_rng(3)) for seed in (1, 2)]
    assert orders[0] == orders[1]  # the loader's generator, not aino's, decides


def test_collate_fn_is_used():
    loader = DataLoader(list(range(5)), batch_size=2, collate_fn=lambda samples: sum(samples))
    assert list(loader) == [1, 5, 4]


@pytest.mark.filterwarnings("ignore:.*length 0:UserWarning", "ignore:Length of split:UserWarning")
@pytest.mark.parametrize("size, lengths", [
    (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (7, [0.1, 0.1, 0.8]), (10, [1.0]),
    (10, [3, 7]), (5, [0, 5]), (3, [0.5, 0.25, 0.25]), (0, [0.5, 0.5]),
])
def test_random_split_sizes_as_torch(size, lengths):
    aino.manual_seed(0)
    ours = random_split(list(range(size)), lengths)
    theirs = torch_data.random_split(list(range(size)), lengths)
    assert [len(part) for part in ours] == [len(part) for part in theirs]
    taken = [ours[k][i] for k in range(len(ours)) for i in range(len(ours[k]))]
    assert sorted(taken) == list(range(size))  # every sample in exactly one part


def test_random_split_warns_of_an_empty_part():
    with pytest.warns(UserWarning, match="split at index 2 has length 0"):
        random_split(range(3), [0.5, 0.25, 0.25])


def test_random_split_repeats_under_a_seed():
    def split():
        aino.manual_seed(5)
        return [part.indices for part in random_split(range(30), [0.5, 0.5])]
    assert split() == split()
    assert split() != [list(range(15)), list(range(15, 30))]


def test_subset_and_tensor_dataset_items():
    x = aino.Tensor(np.arange(12.0).reshape(6, 2))
    y = aino.Tensor(np.arange(6))
    part = Subset(TensorDataset(x, y), [4, 1])
    assert len(part) == 2
    features, label = part[1]
    assert features.numpy().tolist() == [2.0, 3.0] and label.item() == 1
    assert [label.item() for _, label in part[[0, 1]]] == [4, 1]


@pytest.mark.parametrize("index", [0, 2, 3, 5, -1, -6])
def test_concat_dataset_as_torch(index):
    ours = ConcatDataset([list("abc"), [], list("de"), list("f")])
    theirs = torch_data.ConcatDataset([list("abc"), [], list("de"), list("f")])
    assert len(ours) == len(theirs) and ours[index] == theirs[index]


def test_datasets_add_up():
    class Letters(Dataset):
        def __init__(self, text):
            self.text = text

        def __len__(self):
            return len(self.text)

        def __getitem__(self, index):
            return self.text[index]

    both = Letters("ab") + Letters("cde")
    assert isinstance(both, ConcatDataset) and [both[i] for i in range(len(both))] == list("abcde")


def test_dataset_base_needs_getitem():
    class Empty(Dataset):
        pass
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Empty()[0]


def test_a_subclassed_dataset_loads():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return np.float32(index), index * index

    x, y = next(iter(DataLoader(Squares(), batch_size=5)))
    assert x.dtype == np.float32 and y.dtype == np.int64 and y.numpy().tolist() == [0, 1, 4, 9, 16]


@pytest.mark.parametrize("call, error, message", [
    (lambda: DataLoader(range(5), batch_size=0), ValueError, "batch_size must be a positive integer"),
    (lambda: DataLoader(range(5), batch_size=-1), ValueError, "batch_size must be a positive integer"),
    (lambda: DataLoader(range(5), batch_size=1.5), ValueError, "batch_size must be a positive integer"),
    (lambda: DataLoader(range(5), batch_size=True), ValueError, "batch_size must be a positive integer"),
    (lambda: DataLoader(range(5), batch_size=None), ValueError, "batch_size must be a positive integer"),
    (lambda: DataLoader(range(5), shuffle="yes"), TypeError, "shuffle must be True or False"),
    (lambda: DataLoader(range(5), drop_last=1), TypeError, "drop_last must be True or False"),
    (lambda: DataLoader(range(5), collate_fn=3), TypeError, "collate_fn must be callable"),
    (lambda: DataLoader(range(5), generator=3), TypeError, "generator must be a numpy.random.Generator"),
    (lambda: DataLoader(range(5), num_workers=-1), ValueError, "num_workers must be an integer >= 0"),
    (lambda: DataLoader(iter(range(5))), TypeError, "map-style dataset"),
    (lambda: random_split(range(10), [3, 3]), ValueError, "must add up to the length of the dataset"),
    (lambda: random_split(range(10), [0.5, 0.6]), ValueError, "must add up to the length of the dataset"),
    (lambda: random_split(range(10), [1.5, -0.5]), ValueError, "fraction at index 0 must be between 0 and 1"),
    (lambda: random_split(range(10), [0.5, -0.5, 1.0]), ValueError, "fraction at index 1 must be between"),
    (lambda: random_split(range(10), [5, 5.0]), TypeError, "lengths\\[1\\] must be an integer"),
    (lambda: random_split(range(10), [12, -2]), ValueError, "lengths\\[1\\] must be an integer >= 0"),
    (lambda: TensorDataset(), ValueError, "at least one tensor"),
    (lambda: TensorDataset(aino.Tensor.zeros(3), aino.Tensor.zeros(4)), ValueError, "size mismatch between tensors"),
    (lambda: TensorDataset(np.zeros(3)), TypeError, "expected Tensors, got ndarray"),
    (lambda: TensorDataset(aino.Tensor(1.0)), ValueError, "0-d tensor"),
    (lambda: ConcatDataset([]), ValueError, "at least one dataset"),
    (lambda: ConcatDataset([[1, 2]])[2], IndexError, "index out of range"),
    (lambda: ConcatDataset([[1, 2]])[-3], IndexError, "index out of range"),
    (lambda: default_collate([object()]), TypeError, "must hold Tensors, NumPy arrays, numbers"),
    (lambda: default_collate([(1, 2), (3,)]), RuntimeError, "same length"),
    (lambda: default_collate([np.array(["a"])]), TypeError, "must hold Tensors, NumPy arrays, numbers"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()

"""Indexing and writing at places against PyTorch in float64 (forward, gradients, central differences):
x[key] in PyTorch's axis order, gather, index_select, masked_fill, masked_select, nonzero, scatter,
scatter_add; and the wrong index shapes refused with the error PyTorch raises (its RuntimeError is aino's
InvalidOperationError, a RuntimeError and a ValueError)."""

import numpy as np
import pytest
from op_parity import check_op

from aino.tensor import Tensor
from aino.validation import InvalidOperationError

torch = pytest.importorskip("torch")


def tensors(key, make):
    """The key with each NumPy array made a tensor by `make` (Tensor or torch.tensor)."""
    if isinstance(key, tuple):
        return tuple(tensors(k, make) for k in key)
    return make(key) if isinstance(key, np.ndarray) else key


PAIR, ROW = np.array([0, 2]), np.array([[1, 0, 1]])
INDEX_CHECK = 1  # gather, index_select, scatter read an index's two ends back once, to check them on the host
MASK34 = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
MASK_TWO = np.array([[False, True, False, False], [False, False, False, True], [False] * 4])  # broadcasts with PAIR
S, E = slice(None), Ellipsis

# x of shape (2, 3, 4, 5): the keys whose axis order PyTorch and NumPy disagree on, and the ones they agree on
KEYS = {
    "int_slice_tensor": (1, S, PAIR),  # the issue's case: (3, 2) in PyTorch, (2, 3) in NumPy
    "int_slice_slice_tensor": (1, S, S, PAIR),
    "tensor_slice_int": (PAIR[:1], S, 1),
    "slice_tensor_slice_int": (S, PAIR, S, 1),
    "tensor_slice_tensor": (np.array([0, 1]), S, PAIR),
    "tensors_adjacent": (S, PAIR, PAIR),
    "tensors_around_int": (np.array([1, 0]), 2, PAIR),
    "tensors_int_slice_tensor": (np.array([1, 0]), S, 2, PAIR),
    "none_between_tensors": (PAIR[:1], None, PAIR),
    "int_none_tensor": (1, None, S, PAIR),
    "ellipsis_tensor_int": (E, PAIR, 1),
    "int_ellipsis_tensor": (1, E, PAIR),
    "tensor_ellipsis_tensor": (PAIR[:1], E, PAIR),
    "zero_d_int_tensor": (np.array(1), S, PAIR),
    "true_slice_tensor_int": (True, S, PAIR, 1),
    "int_mask": (1, MASK34),
    "int_mask_tensor": (1, MASK_TWO, PAIR),
    "mask_slice_int": (MASK34[:2, :3], S, 1),
    "int_repeated_tensor": (0, S, np.array([[1, 1], [3, 1]])),  # repeats: gradients add up
    "int_negative_tensor": (-1, np.array([-1, 0]), S, 1),
    "int_empty_tensor": (1, S, np.array([], dtype=np.int64)),
    "plain_ints": (1, -1, 2),
    "plain_slices": (S, slice(1, None, 2), slice(-3, None)),
}


@pytest.mark.parametrize("name", KEYS)
def test_getitem_axis_order_matches_torch(name, device):
    key = KEYS[name]
    shape = (3, 3, 4, 5) if name == "int_mask_tensor" else (2, 3, 4, 5)
    # a 0-d integer tensor beside an index tensor is read as the number it holds (torch.Tensor.__index__)
    reads = sum(isinstance(item, np.ndarray) and item.ndim == 0 for item in key)
    check_op([shape], lambda a: a[tensors(key, lambda k: Tensor(k, device=device))],
             lambda a: a[tensors(key, torch.tensor)], device=device, host_reads=reads)


def test_issue_case_int_slice_tensor_orders_axes_as_pytorch(device):
    """x[1, :, T([0, 1])] on (2, 3, 4) is x[1][:, [0, 1]], shape (3, 2): NumPy would give (2, 3)."""
    x = np.arange(24.0).reshape(2, 3, 4)
    got = Tensor(x, device=device)[1, :, Tensor([0, 1], device=device)]
    assert got.shape == (3, 2)
    np.testing.assert_array_equal(got.numpy(), x[1][:, [0, 1]])


def test_setitem_writes_in_pytorch_axis_order(device):
    x, ours = torch.zeros(2, 3, 4), Tensor(np.zeros((2, 3, 4)), device=device)
    value = np.arange(6.0).reshape(3, 2)  # the (3, 2) of PyTorch's order, not NumPy's (2, 3)
    x[1, :, torch.tensor([0, 3])] = torch.tensor(value, dtype=torch.float32)
    ours[1, :, Tensor([0, 3], device=device)] = value
    np.testing.assert_array_equal(ours.numpy(), x.numpy())


# --- gather and index_select -------------------------------------------------------------------

GATHER = {
    "dim1": ((2, 4), 1, np.array([[0, 3, 3], [1, 0, 2]])),
    "dim0_smaller": ((3, 4), 0, np.array([[0, 2], [2, 2]])),
    "dim0_longer_than_input": ((3, 2), 0, np.array([[0, 1], [2, 2], [1, 0], [0, 0]])),
    "negative_dim": ((2, 3, 4), -1, np.array([[[3, 0]], [[1, 1]]])),
    "middle_dim": ((2, 3, 4), 1, np.zeros((2, 5, 4), dtype=np.int64) + 2),
    "size_one": ((1, 4), 1, np.array([[2]])),
    "size_zero_index": ((3, 4), 0, np.zeros((0, 4), dtype=np.int64)),
    "zero_d_input_zero_d_index": ((), 0, np.array(0)),
    "zero_d_input_vector_index": ((), -1, np.array([0, 0])),
}


@pytest.mark.parametrize("name", GATHER)
def test_gather_matches_torch(name, device):
    shape, dim, index = GATHER[name]
    check_op([shape], lambda a: a.gather(dim, Tensor(index, device=device)),
             lambda a: a.gather(dim, torch.tensor(index)), device=device, host_reads=INDEX_CHECK)


GATHER_REFUSED = {  # torch raises RuntimeError for each
    "fewer_dims": ((3, 4), 0, np.array([0])),
    "larger_than_input_off_dim": ((3, 4), 1, np.zeros((4, 1), dtype=np.int64)),
    "out_of_bounds": ((3, 4), 1, np.array([[5]])),
    "negative_index": ((3, 4), 1, np.array([[-1]])),
}


@pytest.mark.parametrize("name", GATHER_REFUSED)
def test_gather_refuses_an_index_of_the_wrong_shape_as_torch(name, device):
    shape, dim, index = GATHER_REFUSED[name]
    with pytest.raises(RuntimeError):
        torch.zeros(shape).gather(dim, torch.tensor(index))
    with pytest.raises(InvalidOperationError, match=r"Tensor\.gather: index .*(does not fit|out of bounds)"):
        Tensor(np.zeros(shape), device=device).gather(dim, Tensor(index, device=device))


def test_gather_does_not_broadcast_the_index(device):
    """Once, a (1,) index on a (2, 3) input was broadcast; PyTorch refuses it (RuntimeError)."""
    with pytest.raises(RuntimeError, match=r"expected as many dimensions"):
        Tensor(np.zeros((2, 3)), device=device).gather(0, Tensor([0], device=device))


INDEX_SELECT = {
    "dim0": ((3, 4), 0, np.array([2, 0, 2])),
    "negative_dim": ((2, 3, 4), -1, np.array([3, 1])),
    "zero_d_index": ((3, 4), 1, np.array(2)),
    "empty_index": ((3, 4), 1, np.array([], dtype=np.int64)),
    "size_zero_dim": ((0, 4), 1, np.array([1, 1])),
    "zero_d_input": ((), 0, np.array([0])),
}


@pytest.mark.parametrize("name", INDEX_SELECT)
def test_index_select_matches_torch(name, device):
    shape, dim, index = INDEX_SELECT[name]
    check_op([shape], lambda a: a.index_select(dim, Tensor(index, device=device)),
             lambda a: a.index_select(dim, torch.tensor(index)), device=device, host_reads=INDEX_CHECK)


def test_index_select_refuses_a_matrix_index_and_a_negative_one(device):
    x = Tensor(np.zeros((3, 4)), device=device)
    with pytest.raises(ValueError, match=r"Tensor\.index_select: index must be a vector"):
        x.index_select(0, Tensor([[1]], device=device))
    with pytest.raises(RuntimeError, match=r"index -1 is out of bounds"):
        x.index_select(0, Tensor([-1], device=device))  # torch: RuntimeError too


# --- masks ---------------------------------------------------------------------------------------

MASKS = {
    "same_shape": ((3, 4), MASK34),
    "row_broadcast": ((3, 4), np.array([True, False, False, True])),
    "mask_broadcasts_the_input": ((4,), MASK34),
    "zero_d_mask": ((3, 4), np.array(True)),
    "size_zero": ((0, 4), np.array([True, False, True, True])),
    "size_one": ((1, 1), np.array([[False]])),
}


@pytest.mark.parametrize("name", MASKS)
def test_masked_fill_matches_torch(name, device):
    shape, mask = MASKS[name]
    check_op([shape], lambda a: a.masked_fill(Tensor(mask, device=device), -2.5),
             lambda a: a.masked_fill(torch.tensor(mask), -2.5), device=device)


def test_masked_fill_with_a_0d_tensor_value_sends_it_a_gradient(device):
    check_op([(3, 4), ()], lambda a, v: a.masked_fill(Tensor(MASK34, device=device), v),
             lambda a, v: a.masked_fill(torch.tensor(MASK34), v), device=device)


@pytest.mark.parametrize("name", MASKS)
def test_masked_select_matches_torch(name, device):
    shape, mask = MASKS[name]
    check_op([shape], lambda a: a.masked_select(Tensor(mask, device=device)),
             lambda a: a.masked_select(torch.tensor(mask)), device=device)


def test_masks_refuse_other_dtypes_and_shapes(device):
    x = Tensor(np.zeros((3, 4)), device=device)
    with pytest.raises(TypeError, match=r"Tensor\.masked_fill: mask must be a bool tensor, got dtype int64"):
        x.masked_fill(Tensor([1, 0, 1, 0], device=device), 1.0)
    with pytest.raises(ValueError, match=r"Tensor\.masked_select: shapes \(3, 4\) and \(5,\) do not broadcast"):
        x.masked_select(Tensor([True] * 5, device=device))
    with pytest.raises(RuntimeError, match=r"Tensor\.masked_fill: value must be a number or a 0-d tensor"):
        x.masked_fill(Tensor(MASK34, device=device), Tensor([2.0], device=device))


def test_masked_fill_keeps_an_integer_dtype_as_torch(device):
    got = Tensor([1, 2, 3], device=device).masked_fill(Tensor([True, False, True], device=device), 2.5)
    want = torch.tensor([1, 2, 3]).masked_fill(torch.tensor([True, False, True]), 2.5)
    assert got.dtype == np.int64 and got.tolist() == want.tolist()


@pytest.mark.parametrize("shape", [(3, 4), (2, 0, 3), (), (5,)])
@pytest.mark.parametrize("as_tuple", [False, True])
def test_nonzero_matches_torch(shape, as_tuple, device):
    values = np.round(np.random.default_rng(3).uniform(-1, 1, shape))
    if not shape:
        values = np.array(1.5)
    ours = Tensor(values, device=device).nonzero(as_tuple=as_tuple)
    theirs = torch.tensor(values).nonzero(as_tuple=as_tuple)
    ours, theirs = (ours, theirs) if as_tuple else ((ours,), (theirs,))
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert mine.dtype == np.int64 and not mine.requires_grad
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())


# --- scatter and scatter_add ------------------------------------------------------------------

SCATTER = {  # no repeated place within a case: which of two writes wins is not defined (PyTorch too)
    "dim0": ((3, 4), (2, 4), 0, np.array([[0, 1, 2, 0], [2, 0, 1, 1]])),
    "dim1_smaller_index": ((3, 4), (3, 3), 1, np.array([[3, 0], [1, 2], [0, 1]])),
    "negative_dim": ((2, 3, 4), (2, 3, 2), -1, np.array([[[0, 3]] * 3, [[2, 1]] * 3])),
    "src_larger_than_index": ((3, 2), (4, 4), 0, np.array([[1, 0], [0, 2]])),
    "size_zero_index": ((3, 4), (2, 4), 0, np.zeros((0, 4), dtype=np.int64)),
    "zero_d": ((), (), 0, np.array(0)),
}


def window(index):
    """The part of src that scatter reads: torch's own backward gives src a gradient of index's shape when src
    is larger (which autograd then refuses), so the torch side is handed that part alone."""
    return tuple(slice(0, n) for n in index.shape)


@pytest.mark.parametrize("name", SCATTER)
def test_scatter_matches_torch_in_input_and_src(name, device):
    shape, src_shape, dim, index = SCATTER[name]
    check_op([shape, src_shape], lambda a, s: a.scatter(dim, Tensor(index, device=device), s),
             lambda a, s: a.scatter(dim, torch.tensor(index), s[window(index)]), device=device, host_reads=INDEX_CHECK)


@pytest.mark.parametrize("name", SCATTER)
def test_scatter_of_a_value_matches_torch(name, device):
    shape, _, dim, index = SCATTER[name]
    check_op([shape], lambda a: a.scatter(dim, Tensor(index, device=device), 1.25),
             lambda a: a.scatter(dim, torch.tensor(index), 1.25), device=device, host_reads=INDEX_CHECK)


SCATTER_ADD = dict(SCATTER, repeated_places=((3, 4), (3, 4), 0, np.array([[0, 0, 2, 2], [0, 0, 2, 1], [0, 1, 1, 1]])),
                   all_on_one=((2, 3), (2, 3), 1, np.zeros((2, 3), dtype=np.int64)))


@pytest.mark.parametrize("name", SCATTER_ADD)
def test_scatter_add_matches_torch_with_repeated_places(name, device):
    shape, src_shape, dim, index = SCATTER_ADD[name]
    check_op([shape, src_shape], lambda a, s: a.scatter_add(dim, Tensor(index, device=device), s),
             lambda a, s: a.scatter_add(dim, torch.tensor(index), s[window(index)]), device=device,
             host_reads=INDEX_CHECK)


SCATTER_REFUSED = {  # (input shape, src shape, dim, index); torch raises RuntimeError for each
    "fewer_dims": ((3, 4), (3, 4), 0, np.array([0])),
    "larger_than_src": ((3, 4), (1, 4), 1, np.array([[0, 1], [2, 0]])),
    "larger_than_input_off_dim": ((3, 4), (4, 5), 0, np.zeros((3, 5), dtype=np.int64)),
    "out_of_bounds": ((3, 4), (3, 4), 0, np.array([[3]])),
    "negative_index": ((3, 4), (3, 4), 0, np.array([[-1]])),
}


@pytest.mark.parametrize("method", ["scatter", "scatter_add"])
@pytest.mark.parametrize("name", SCATTER_REFUSED)
def test_scatter_refuses_an_index_of_the_wrong_shape_as_torch(name, method, device):
    shape, src_shape, dim, index = SCATTER_REFUSED[name]
    with pytest.raises(RuntimeError):
        getattr(torch.zeros(shape), method)(dim, torch.tensor(index), torch.zeros(src_shape))
    with pytest.raises(InvalidOperationError, match=rf"Tensor\.{method}: index .*(does not fit|out of bounds)"):
        x, places, src = (Tensor(a, device=device) for a in (np.zeros(shape), index, np.zeros(src_shape)))
        getattr(x, method)(dim, places, src)


def test_scatter_refuses_a_src_of_another_dtype_and_scatter_add_a_number(device):
    x, index = Tensor(np.zeros((3, 4), np.float32), device=device), Tensor(np.array([[0, 1]]), device=device)
    with pytest.raises(RuntimeError, match=r"Tensor\.scatter: expected src of the input's dtype float32, got float64"):
        x.scatter(0, index, Tensor(np.ones((1, 2)), device=device))
    with pytest.raises(TypeError, match=r"Tensor\.scatter_add: src must be a tensor, got float"):
        x.scatter_add(0, index, 2.0)

"""sort, argsort, topk, kthvalue, cumsum and cumprod against PyTorch in float64: forward values and indices
(with ties: the indices too, where PyTorch's choice is fixed), gradients for a random upstream and central
differences (on distinct values, where a sort is differentiable); size-0 and size-1 dims, negative dims,
0-d inputs, every option; then the refusals.
"""

import numpy as np
import pytest
from op_parity import DISTINCT, TIES, check_case, check_op, check_refused

from aino.tensor import Tensor

torch = pytest.importorskip("torch")

WITH_ZEROS = [[1.5, 0.0, -2.0, 0.5], [0.0, 3.0, 0.0, -1.0], [2.0, -0.5, 1.5, 0.0]]  # one, two, a last zero
NANS = [[1.0, np.nan, 0.0, np.nan, 2.0]]

# name: (shapes or one input array, aino function, torch function, input kind, central differences?)
CASES = {
    "sort_last": ([(3, 5)], lambda a: a.sort(), lambda a: a.sort(), DISTINCT),
    "sort_dim0": ([(4, 3)], lambda a: a.sort(0), lambda a: a.sort(0), DISTINCT),
    "sort_descending": ([(2, 3, 4)], lambda a: a.sort(dim=1, descending=True), lambda a: a.sort(1, descending=True), DISTINCT),
    "sort_negative_dim": ([(2, 3, 4)], lambda a: a.sort(-3), lambda a: a.sort(-3), DISTINCT),
    "sort_ties": ([(3, 6)], lambda a: a.sort(), lambda a: a.sort(), TIES, False),
    "sort_ties_descending": ([(3, 6)], lambda a: a.sort(descending=True), lambda a: a.sort(descending=True), TIES, False),
    "sort_ties_stable": ([(6, 3)], lambda a: a.sort(dim=0, stable=True), lambda a: a.sort(dim=0, stable=True), TIES, False),
    "sort_ties_stable_descending": ([(6, 3)], lambda a: a.sort(dim=0, descending=True, stable=True),
                                    lambda a: torch.sort(a, dim=0, descending=True, stable=True), TIES, False),
    "sort_nan": (NANS, lambda a: a.sort(), lambda a: a.sort(), None, False),
    "sort_nan_descending": (NANS, lambda a: a.sort(descending=True), lambda a: a.sort(descending=True), None, False),
    "sort_size0": ([(3, 0)], lambda a: a.sort(), lambda a: a.sort()),
    "sort_size0_other": ([(0, 3)], lambda a: a.sort(), lambda a: a.sort()),
    "sort_size1": ([(3, 1)], lambda a: a.sort(), lambda a: a.sort()),
    "sort_0d": ([()], lambda a: a.sort(), lambda a: a.sort()),
    "sort_0d_dim0": ([()], lambda a: a.sort(0, descending=True), lambda a: a.sort(0, descending=True)),
    "argsort_last": ([(3, 5)], lambda a: a.argsort(), lambda a: a.argsort(), DISTINCT),
    "argsort_ties_stable": ([(3, 6)], lambda a: a.argsort(dim=-1, stable=True), lambda a: a.argsort(dim=-1, stable=True), TIES),
    "argsort_ties_descending": ([(6, 3)], lambda a: a.argsort(dim=0, descending=True, stable=True),
                                lambda a: a.argsort(dim=0, descending=True, stable=True), TIES),
    "argsort_0d": ([()], lambda a: a.argsort(), lambda a: a.argsort()),
    "argsort_size0": ([(0,)], lambda a: a.argsort(), lambda a: a.argsort()),
    "topk_largest": ([(3, 5)], lambda a: a.topk(2), lambda a: a.topk(2), DISTINCT),
    "topk_smallest": ([(3, 5)], lambda a: a.topk(3, largest=False), lambda a: a.topk(3, largest=False), DISTINCT),
    "topk_dim0": ([(5, 2, 3)], lambda a: a.topk(2, dim=0), lambda a: a.topk(2, dim=0), DISTINCT),
    "topk_negative_dim": ([(2, 5, 3)], lambda a: a.topk(4, -2), lambda a: a.topk(4, -2), DISTINCT),
    "topk_all": ([(3, 4)], lambda a: a.topk(4), lambda a: a.topk(4), DISTINCT),
    "topk_zero": ([(3, 4)], lambda a: a.topk(0), lambda a: a.topk(0)),
    "topk_size0": ([(3, 0)], lambda a: a.topk(0), lambda a: a.topk(0)),
    "topk_size1": ([(3, 1)], lambda a: a.topk(1), lambda a: a.topk(1)),
    "topk_0d": ([()], lambda a: a.topk(1), lambda a: a.topk(1)),
    "topk_0d_zero": ([()], lambda a: a.topk(0), lambda a: a.topk(0)),
    "topk_nan": (NANS, lambda a: a.topk(2), lambda a: a.topk(2), None, False),
    "kthvalue_last": ([(3, 5)], lambda a: a.kthvalue(2), lambda a: a.kthvalue(2), DISTINCT),
    "kthvalue_dim0_keepdim": ([(4, 3)], lambda a: a.kthvalue(4, 0, True), lambda a: a.kthvalue(4, 0, True), DISTINCT),
    "kthvalue_negative_dim": ([(2, 5, 3)], lambda a: a.kthvalue(1, dim=-2), lambda a: a.kthvalue(1, dim=-2), DISTINCT),
    "kthvalue_size1": ([(3, 1)], lambda a: a.kthvalue(1), lambda a: a.kthvalue(1)),
    "kthvalue_0d": ([()], lambda a: a.kthvalue(1), lambda a: a.kthvalue(1)),
    "cumsum_dim1": ([(3, 4)], lambda a: a.cumsum(1), lambda a: a.cumsum(1)),
    "cumsum_dim0": ([(3, 4, 2)], lambda a: a.cumsum(dim=0), lambda a: a.cumsum(dim=0)),
    "cumsum_negative": ([(3, 4, 2)], lambda a: a.cumsum(-2), lambda a: a.cumsum(-2)),
    "cumsum_size0": ([(0, 3)], lambda a: a.cumsum(0), lambda a: a.cumsum(0)),
    "cumsum_size1": ([(1, 3)], lambda a: a.cumsum(0), lambda a: a.cumsum(0)),
    "cumsum_0d": ([()], lambda a: a.cumsum(0), lambda a: a.cumsum(0)),
    "cumsum_0d_minus1": ([()], lambda a: a.cumsum(-1), lambda a: a.cumsum(-1)),
    "cumprod_dim1": ([(3, 4)], lambda a: a.cumprod(1), lambda a: a.cumprod(1)),
    "cumprod_dim0": ([(4, 3, 2)], lambda a: a.cumprod(dim=0), lambda a: a.cumprod(dim=0)),
    "cumprod_negative": ([(3, 4, 2)], lambda a: a.cumprod(-1), lambda a: a.cumprod(-1)),
    "cumprod_size0": ([(3, 0)], lambda a: a.cumprod(1), lambda a: a.cumprod(1)),
    "cumprod_size1": ([(3, 1)], lambda a: a.cumprod(1), lambda a: a.cumprod(1)),
    "cumprod_0d": ([()], lambda a: a.cumprod(0), lambda a: a.cumprod(0)),
    "cumprod_zeros_dim1": (WITH_ZEROS, lambda a: a.cumprod(1), lambda a: a.cumprod(1)),
    "cumprod_zeros_dim0": (WITH_ZEROS, lambda a: a.cumprod(0), lambda a: a.cumprod(0)),
    "cumprod_zero_first": ([[0.0, 2.0, 3.0, 0.5]], lambda a: a.cumprod(1), lambda a: a.cumprod(1)),
    "cumprod_all_zeros": ([[0.0, 0.0, 0.0]], lambda a: a.cumprod(-1), lambda a: a.cumprod(-1)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ordering_matches_torch(name, device):
    ours, _ = check_case(CASES[name], device)
    if len(ours) == 2:
        assert ours[1].dtype == np.int64 and not ours[1].requires_grad


def test_sort_and_topk_return_named_values_and_indices(device):
    x = Tensor([[3.0, 1.0, 2.0]], device=device)
    result = x.sort(descending=True)
    values, indices = result
    assert values is result.values and indices is result.indices
    np.testing.assert_array_equal(indices.numpy(), [[0, 2, 1]])
    assert x.topk(1).values.numpy().tolist() == [[3.0]] and x.topk(1).indices.numpy().tolist() == [[0]]


@pytest.mark.parametrize("largest", [True, False])
def test_topk_with_ties_picks_the_values_torch_picks_at_the_places_it_names(largest, device):
    """Which of tied values PyTorch's topk takes is its own choice; the values are fixed, and the indices
    must point at them."""
    data = np.round(np.random.default_rng(4).uniform(-1, 1, (4, 7)))
    values, indices = Tensor(data, device=device).topk(3, largest=largest)
    np.testing.assert_array_equal(values.numpy(), torch.tensor(data).topk(3, largest=largest).values.numpy())
    np.testing.assert_array_equal(np.take_along_axis(data, indices.numpy(), 1), values.numpy())


def test_topk_unsorted_gives_the_same_set_as_torch(device):
    data = np.random.default_rng(5).standard_normal((3, 6))
    ours = np.sort(Tensor(data, device=device).topk(4, sorted=False).values.numpy(), axis=1)
    np.testing.assert_array_equal(ours, np.sort(torch.tensor(data).topk(4, sorted=False).values.numpy(), axis=1))


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_cumsum_and_cumprod_of_integers_give_int64_as_torch(dtype, device):
    data = np.array([[1, 0, 1], [1, 1, 1]]).astype(dtype)
    x, t = Tensor(data, device=device), torch.tensor(data)
    for ours, theirs in [(x.cumsum(1), t.cumsum(1)), (x.cumprod(0), t.cumprod(0))]:
        assert ours.dtype == np.int64 and theirs.dtype == torch.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_cumsum_and_cumprod_take_a_dtype_as_torch(device):
    x, t = Tensor([[1, 2], [3, 4]], device=device), torch.tensor([[1, 2], [3, 4]])
    ours, theirs = x.cumsum(0, dtype="float64"), t.cumsum(0, dtype=torch.float64)
    assert ours.dtype == np.float64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert x.cumprod(1, dtype="float32").dtype == np.float32
    check_op([(3, 4)], lambda a: a.float().cumsum(1, dtype="float64"), lambda a: a.float().cumsum(1, dtype=torch.float64),
             device=device, rtol=1e-6, atol=1e-6, numerical=False)


# --- refusals --------------------------------------------------------------------------------------------

# name: (a call taking the tensor constructor, what the message names): aino raises torch's error type
REFUSED = {
    "sort_dim_out_of_range": (lambda m: m(np.ones((2, 3))).sort(dim=2), "Tensor.sort"),
    "sort_descending_not_bool": (lambda m: m(np.ones((2, 3))).sort(descending=1), "Tensor.sort"),
    "argsort_dim_out_of_range": (lambda m: m(np.ones((2, 3))).argsort(-3), "Tensor.argsort"),
    "topk_k_too_large": (lambda m: m(np.ones((2, 3))).topk(4), "Tensor.topk"),
    "topk_k_negative": (lambda m: m(np.ones((2, 3))).topk(-1), "Tensor.topk"),
    "topk_k_float": (lambda m: m(np.ones((2, 3))).topk(2.0), "Tensor.topk"),
    "topk_dim_out_of_range": (lambda m: m(np.ones((2, 3))).topk(1, dim=2), "Tensor.topk"),
    "topk_0d_k_2": (lambda m: m(np.float64(1.0)).topk(2), "Tensor.topk"),
    "kthvalue_k_zero": (lambda m: m(np.ones((2, 3))).kthvalue(0), "Tensor.kthvalue"),
    "kthvalue_k_too_large": (lambda m: m(np.ones((2, 3))).kthvalue(4), "Tensor.kthvalue"),
    "kthvalue_empty_dim": (lambda m: m(np.zeros((3, 0))).kthvalue(1), "Tensor.kthvalue"),
    "cumsum_dim_out_of_range": (lambda m: m(np.ones((2, 3))).cumsum(2), "Tensor.cumsum"),
    "cumprod_dim_out_of_range": (lambda m: m(np.ones((2, 3))).cumprod(-3), "Tensor.cumprod"),
    "cumsum_0d_dim_1": (lambda m: m(np.float64(1.0)).cumsum(1), "Tensor.cumsum"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_arguments_raise_torchs_error_type_naming_the_op(name, device):
    check_refused(*REFUSED[name], device)


def test_cumsum_without_a_dim_is_refused_as_torch(device):
    with pytest.raises(TypeError):
        torch.ones(3).cumsum()
    with pytest.raises(TypeError, match="dim"):
        Tensor(np.ones(3), device=device).cumsum()

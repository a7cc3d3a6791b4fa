"""The reductions against PyTorch in float64 (forward, gradient for a random upstream, central
differences): sum, mean, prod, max/min (whole, along a dim with indices, against a tensor), amax/amin,
median, var/std, logsumexp, all/any/count_nonzero; with size-0 and size-1 dims, negative dims, keepdim, ties, 0-d
inputs; then the cases that were wrong before issue 15, and the refusals.
"""

import numpy as np
import pytest
from op_parity import DISTINCT, POSITIVE, TIES, check_case, check_op, check_refused

from aino.tensor import Tensor

torch = pytest.importorskip("torch")

ZEROS_ONE = [[1.5, 0.0, -2.0], [0.5, 3.0, -1.0]]  # one zero in row 0, none in row 1
NANS = [[1.0, np.nan, 0.0, np.nan, 2.0], [0.5, -1.0, 3.0, 2.0, 1.0]]  # nans in row 0 only
ZEROS_TWO = [[0.0, 2.0, 0.0, 1.5], [0.0, -1.0, 4.0, 0.5]]  # two zeros in row 0, one in row 1

# name: (shapes, aino function, torch function, input kind, central differences?)
CASES = {
    "sum_all": ([(3, 4)], lambda a: a.sum(), torch.sum),
    "sum_dim_negative": ([(2, 3, 4)], lambda a: a.sum(-2), lambda a: a.sum(-2)),
    "sum_dims_keepdim": ([(2, 3, 4)], lambda a: a.sum(dim=(0, 2), keepdim=True), lambda a: a.sum((0, 2), keepdim=True)),
    "sum_dim_list": ([(2, 3, 4)], lambda a: a.sum(dim=[-1, 0]), lambda a: a.sum([-1, 0])),
    "sum_size0_dim": ([(0, 3)], lambda a: a.sum(0), lambda a: a.sum(0)),
    "sum_size0_other": ([(0, 3)], lambda a: a.sum(1), lambda a: a.sum(1)),
    "sum_size1": ([(1, 4)], lambda a: a.sum(0, keepdims=True), lambda a: a.sum(0, keepdim=True)),
    "sum_0d_dim0": ([()], lambda a: a.sum(0), lambda a: a.sum(0)),
    "sum_0d_dim_minus1_keepdim": ([()], lambda a: a.sum(-1, keepdim=True), lambda a: a.sum(-1, keepdim=True)),
    "mean_dim_keepdim": ([(2, 3, 4)], lambda a: a.mean(1, keepdim=True), lambda a: a.mean(1, keepdim=True)),
    "mean_0d": ([()], lambda a: a.mean(0), lambda a: a.mean(0)),
    "prod_all": ([(3, 4)], lambda a: a.prod(), torch.prod),
    "prod_dim": ([(2, 3, 4)], lambda a: a.prod(1), lambda a: a.prod(1)),
    "prod_dim_negative_keepdim": ([(2, 3, 4)], lambda a: a.prod(-1, keepdim=True), lambda a: a.prod(-1, keepdim=True)),
    "prod_axis_keepdims": ([(3, 4)], lambda a: a.prod(axis=0, keepdims=True), lambda a: a.prod(0, keepdim=True)),
    "prod_size0_dim": ([(0, 3)], lambda a: a.prod(0), lambda a: a.prod(0)),
    "prod_size1": ([(3, 1)], lambda a: a.prod(1), lambda a: a.prod(1)),
    "prod_0d": ([()], lambda a: a.prod(0), lambda a: a.prod(0)),
    "prod_one_zero": (ZEROS_ONE, lambda a: a.prod(1), lambda a: a.prod(1)),
    "prod_one_zero_all": (ZEROS_ONE, lambda a: a.prod(), torch.prod),
    "prod_two_zeros": (ZEROS_TWO, lambda a: a.prod(1), lambda a: a.prod(1)),
    "prod_two_zeros_dim0": (ZEROS_TWO, lambda a: a.prod(0), lambda a: a.prod(0)),
    "max_all_ties": ([(3, 4)], lambda a: a.max(), torch.max, TIES, False),
    "max_all_distinct": ([(3, 4)], lambda a: a.max(), torch.max, DISTINCT),
    "max_dim_ties": ([(3, 5)], lambda a: a.max(1), lambda a: a.max(1), TIES, False),
    "max_dim_keyword_keepdim": ([(2, 3, 4)], lambda a: a.max(dim=0, keepdim=True), lambda a: a.max(0, keepdim=True), DISTINCT),
    "max_axis_keyword": ([(2, 3, 4)], lambda a: a.max(axis=-1), lambda a: a.max(-1), DISTINCT),
    "max_dim_positional_keepdim": ([(3, 4)], lambda a: a.max(1, True), lambda a: a.max(1, True), TIES, False),
    "max_size1_dim": ([(3, 1)], lambda a: a.max(1), lambda a: a.max(1)),
    "max_size0_other_dim": ([(0, 3)], lambda a: a.max(1), lambda a: a.max(1)),
    "max_0d_dim0": ([()], lambda a: a.max(0), lambda a: a.max(0)),
    "max_0d_keepdim": ([()], lambda a: a.max(-1, keepdim=True), lambda a: a.max(-1, keepdim=True)),
    "max_all_nan_ties": (NANS, lambda a: a.max(), torch.max, None, False),
    "amax_nan": (NANS, lambda a: a.amax(1), lambda a: a.amax(1), None, False),
    "min_all_ties": ([(3, 4)], lambda a: a.min(), torch.min, TIES, False),
    "min_dim_ties": ([(4, 3)], lambda a: a.min(0), lambda a: a.min(0), TIES, False),
    "min_dim_negative": ([(2, 3, 4)], lambda a: a.min(dim=-2), lambda a: a.min(-2), DISTINCT),
    "min_0d": ([()], lambda a: a.min(0), lambda a: a.min(0)),
    "amax_ties_split": ([(3, 5)], lambda a: a.amax(1), lambda a: a.amax(1), TIES, False),
    "amax_all": ([(3, 4)], lambda a: a.amax(), torch.amax, DISTINCT),
    "amax_dims_keepdim": ([(2, 3, 4)], lambda a: a.amax((0, -1), keepdim=True), lambda a: a.amax((0, -1), keepdim=True)),
    "amax_size0_other_dim": ([(0, 3)], lambda a: a.amax(1), lambda a: a.amax(1)),
    "amax_0d": ([()], lambda a: a.amax(0), lambda a: a.amax(0)),
    "amin_ties_split": ([(4, 3)], lambda a: a.amin(dim=0), lambda a: a.amin(0), TIES, False),
    "amin_dims": ([(2, 3, 4)], lambda a: a.amin(dim=[1, 2]), lambda a: a.amin([1, 2])),
    "median_all_odd": ([(3, 5)], lambda a: a.median(), torch.median, DISTINCT),
    "median_all_even": ([(2, 4)], lambda a: a.median(), torch.median, DISTINCT),
    "median_all_ties_split": ([(3, 5)], lambda a: a.median(), torch.median, TIES, False),
    "median_all_nan": (NANS, lambda a: a.median(), torch.median, None, False),
    "median_all_0d": ([()], lambda a: a.median(), torch.median),
    "median_dim": ([(3, 5)], lambda a: a.median(1), lambda a: a.median(1), DISTINCT),
    "median_dim_even_keepdim": ([(4, 3)], lambda a: a.median(0, keepdim=True), lambda a: a.median(0, keepdim=True), DISTINCT),
    "median_dim_negative": ([(2, 3, 4)], lambda a: a.median(dim=-2), lambda a: a.median(-2), DISTINCT),
    "median_dim_nan": (NANS, lambda a: a.median(1), lambda a: a.median(1), None, False),
    "median_dim_size0_other": ([(0, 3)], lambda a: a.median(1), lambda a: a.median(1)),
    "median_dim_0d": ([()], lambda a: a.median(0), lambda a: a.median(0)),
    "var_all": ([(3, 4)], lambda a: a.var(), torch.var),
    "var_dim_biased": ([(3, 4)], lambda a: a.var(1, unbiased=False), lambda a: a.var(1, unbiased=False)),
    "var_correction2_keepdim": ([(2, 5, 3)], lambda a: a.var(dim=1, correction=2, keepdim=True), lambda a: a.var(1, correction=2, keepdim=True)),
    "var_0d_correction0": ([()], lambda a: a.var(0, correction=0), lambda a: a.var(0, correction=0)),
    "std_dims": ([(2, 3, 4)], lambda a: a.std(dim=(0, 2)), lambda a: a.std((0, 2))),
    "std_biased": ([(5,)], lambda a: a.std(unbiased=False), lambda a: a.std(unbiased=False)),
    "logsumexp_dim": ([(3, 4)], lambda a: a.logsumexp(1), lambda a: a.logsumexp(1)),
    "logsumexp_dims_keepdim": ([(2, 3, 4)], lambda a: a.logsumexp((0, -1), keepdim=True), lambda a: a.logsumexp((0, -1), keepdim=True)),
    "logsumexp_negative": ([(2, 3, 4)], lambda a: a.logsumexp(-2), lambda a: a.logsumexp(-2)),
    "norm_all": ([(3, 4)], lambda a: a.norm(), torch.norm),
    "norm_dim_keepdim": ([(2, 3, 4)], lambda a: a.norm(dim=-1, keepdim=True), lambda a: a.norm(dim=-1, keepdim=True)),
    "norm_p1_dims": ([(2, 3, 4)], lambda a: a.norm(1, dim=(0, 2)), lambda a: a.norm(1, dim=(0, 2))),
    "norm_p3": ([(3, 4)], lambda a: a.norm(3, dim=0), lambda a: a.norm(3, dim=0)),
    "norm_p_half": ([(3, 4)], lambda a: a.norm(0.5, dim=1), lambda a: a.norm(0.5, dim=1), POSITIVE),
    "norm_inf": ([(3, 4)], lambda a: a.norm(float("inf"), dim=1), lambda a: a.norm(float("inf"), dim=1)),
    "norm_p0": ([(3, 4)], lambda a: a.norm(0, dim=1), lambda a: a.norm(0, dim=1)),
    "norm_size0": ([(0, 4)], lambda a: a.norm(dim=0), lambda a: a.norm(dim=0)),
    "norm_size1": ([(3, 1)], lambda a: a.norm(dim=1), lambda a: a.norm(dim=1)),
    "logsumexp_size1": ([(3, 1)], lambda a: a.logsumexp(1), lambda a: a.logsumexp(1)),
    "logsumexp_size0_dim": ([(0, 3)], lambda a: a.logsumexp(0), lambda a: a.logsumexp(0)),
    "logsumexp_0d": ([()], lambda a: a.logsumexp(0), lambda a: a.logsumexp(0)),
    "logsumexp_large": ([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]], lambda a: a.logsumexp(1), lambda a: a.logsumexp(1)),
    "all_all": ([(3, 4)], lambda a: a.all(), torch.all, TIES),
    "all_dim_keepdim": ([(3, 4)], lambda a: a.all(1, keepdim=True), lambda a: a.all(1, keepdim=True), TIES),
    "all_dims": ([(2, 3, 4)], lambda a: a.all(dim=(0, -1)), lambda a: a.all((0, -1)), TIES),
    "all_size0": ([(0, 3)], lambda a: a.all(0), lambda a: a.all(0)),
    "any_all": ([(3, 4)], lambda a: a.any(), torch.any, TIES),
    "any_dim_negative": ([(2, 3, 4)], lambda a: a.any(-1), lambda a: a.any(-1), TIES),
    "any_size0": ([(0, 3)], lambda a: a.any(0), lambda a: a.any(0)),
    "any_0d": ([()], lambda a: a.any(0), lambda a: a.any(0), TIES),
    "count_nonzero_all": ([(3, 4)], lambda a: a.count_nonzero(), torch.count_nonzero, TIES),
    "count_nonzero_dim": ([(3, 4)], lambda a: a.count_nonzero(1), lambda a: a.count_nonzero(1), TIES),
    "count_nonzero_dims": ([(2, 3, 4)], lambda a: a.count_nonzero((0, 2)), lambda a: a.count_nonzero((0, 2)), TIES),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reduction_matches_torch(name, device):
    check_case(CASES[name], device)


# --- wrong before issue 15 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["sum(0)", "mean(0)", "max(0).values", "min(-1).values", "sum(-1)", "prod(0)",
                                  "amax(0)", "amin(-1)", "logsumexp(0)", "argmax(0)", "all(-1)", "var(0, correction=0)"])
def test_reductions_of_a_0d_tensor_take_dim_0_and_minus_1(call, device):
    ours = eval(f"x.{call}", {"x": Tensor(1.5, device=device)})
    theirs = eval(f"x.{call}", {"x": torch.tensor(1.5)})
    assert ours.shape == () and ours.numpy() == theirs.numpy()


@pytest.mark.parametrize("values, correction", [([1.0, 2.0, 3.0], 3), ([1.0, 2.0, 4.0], 5), ([2.0, 2.0, 2.0], 3),
                                                ([1.0, 2.0], 2.5), ([7.0], 1)])
def test_var_and_std_with_correction_at_least_n_give_what_torch_gives(values, correction, device):
    x, t = Tensor(values, dtype="float64", device=device), torch.tensor(values, dtype=torch.float64)
    with pytest.warns(UserWarning, match="Tensor.var: degrees of freedom"):
        var, std = x.var(correction=correction), x.std(correction=correction)
    with pytest.warns(UserWarning):
        expected_var, expected_std = t.var(correction=correction), t.std(correction=correction)
    np.testing.assert_array_equal(var.numpy(), expected_var.numpy())  # inf, or nan for equal values
    np.testing.assert_array_equal(std.numpy(), expected_std.numpy())


def test_max_and_min_along_a_dim_return_values_and_indices(device):
    rows = [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [0.0, np.nan, 5.0, np.nan]]
    x, t = Tensor(rows, dtype="float64", device=device), torch.tensor(rows, dtype=torch.float64)
    for ours, theirs in [(x.max(1), t.max(1)), (x.max(dim=1), t.max(dim=1)), (x.max(axis=1), t.max(1)),
                         (x.min(1), t.min(1)), (x.min(dim=-1, keepdim=True), t.min(-1, keepdim=True))]:
        values, indices = ours
        assert values is ours.values and indices is ours.indices and ours[0] is values
        np.testing.assert_array_equal(values.numpy(), theirs.values.numpy())
        assert indices.dtype == np.int64 and not indices.requires_grad
        np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())  # the first of ties; NaN wins


def test_max_along_a_dim_sends_the_gradient_to_the_index_alone_and_amax_splits_it(device):
    rows = [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]
    for method, torch_fn in [(lambda a: a.max(1).values, lambda a: a.max(1).values), (lambda a: a.amax(1), lambda a: a.amax(1))]:
        x, t = Tensor(rows, requires_grad=True, device=device), torch.tensor(rows, requires_grad=True)
        method(x).sum().backward()
        torch_fn(t).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_max_without_a_dim_stays_one_tensor(device):
    ours = Tensor([[1.0, 4.0], [3.0, 2.0]], device=device).max()
    assert isinstance(ours, Tensor) and ours.shape == () and float(ours.numpy()) == 4.0
    assert isinstance(Tensor([1.0, 4.0], device=device).min(dim=None), Tensor)


def test_max_and_min_of_another_tensor_are_maximum_and_minimum(device):
    check_op([(3, 4), (4,)], lambda a, b: a.max(b), lambda a, b: a.max(b), device=device)
    check_op([(3, 4), (3, 1)], lambda a, b: a.min(b), lambda a, b: a.min(b), device=device)


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
def test_integer_sums_and_products_are_int64_as_torch(dtype, device):
    values = np.array([[1, 0, 1], [1, 1, 1]]).astype(dtype)
    x, t = Tensor(values, device=device), torch.tensor(values)
    for ours, theirs in [(x.sum(), t.sum()), (x.sum(1), t.sum(1)), (x.prod(0), t.prod(0)), (x.prod(), t.prod())]:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    floats = x.logsumexp(1)
    assert floats.dtype == np.float32
    np.testing.assert_allclose(floats.numpy(), t.logsumexp(1).numpy(), rtol=1e-6)


def test_sum_and_prod_take_a_dtype_as_torch(device):
    x, t = Tensor([[1, 2], [3, 4]], device=device), torch.tensor([[1, 2], [3, 4]])
    assert x.sum(dtype="float64").dtype == np.float64 and x.prod(1, dtype="float32").dtype == np.float32
    np.testing.assert_array_equal(x.prod(1, dtype="float32").numpy(), t.prod(1, dtype=torch.float32).numpy())


def test_all_any_and_count_nonzero_give_bool_and_int64(device):
    x = Tensor([[0.0, 1.0], [2.0, 3.0]], requires_grad=True, device=device)
    assert x.all().dtype == np.bool_ and x.any(1).dtype == np.bool_ and not x.all(0).requires_grad
    assert x.count_nonzero().dtype == np.int64 and int(x.count_nonzero().numpy()) == 3


# --- refusals --------------------------------------------------------------------------------------------

EMPTY = np.zeros((0, 3))

# name: (aino call, torch call): each raises; aino's error is of torch's type (or a subclass) and names the op
REFUSED = {
    "max_dim_out_of_range": (lambda m: m(np.ones((2, 3))).max(2), "Tensor.max"),
    "min_dim_out_of_range": (lambda m: m(np.ones((2, 3))).min(dim=-3), "Tensor.min"),
    "max_over_an_empty_dim": (lambda m: m(EMPTY).max(0), "Tensor.max"),
    "min_over_an_empty_dim": (lambda m: m(EMPTY).min(0), "Tensor.min"),
    "max_of_an_empty_tensor": (lambda m: m(EMPTY).max(), "Tensor.max"),
    "amax_over_an_empty_dim": (lambda m: m(EMPTY).amax(0), "Tensor.amax"),
    "amax_of_an_empty_tensor": (lambda m: m(EMPTY).amax(), "Tensor.amax"),
    "sum_dim_out_of_range": (lambda m: m(np.ones((2, 3))).sum(2), "Tensor.sum"),
    "sum_0d_dim_1": (lambda m: m(np.float64(1.5)).sum(1), "Tensor.sum"),
    "max_0d_dim_1": (lambda m: m(np.float64(1.5)).max(1), "Tensor.max"),
    "prod_dim_out_of_range": (lambda m: m(np.ones((2, 3))).prod(-3), "Tensor.prod"),
    "logsumexp_dim_out_of_range": (lambda m: m(np.ones((2, 3))).logsumexp(2), "Tensor.logsumexp"),
    "all_dim_out_of_range": (lambda m: m(np.ones((2, 3))).all(5), "Tensor.all"),
    "count_nonzero_dim_out_of_range": (lambda m: m(np.ones((2, 3))).count_nonzero(2), "Tensor.count_nonzero"),
    "median_over_an_empty_dim": (lambda m: m(EMPTY).median(0), "Tensor.median"),
    "median_dim_out_of_range": (lambda m: m(np.ones((2, 3))).median(2), "Tensor.median"),
    "max_several_dims": (lambda m: m(np.ones((2, 3))).max(dim=(0, 1)), "Tensor.max"),
    "var_correction_text": (lambda m: m(np.ones((2, 3))).var(correction="one"), "Tensor.var"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_bad_arguments_raise_torchs_error_type_naming_the_op(name, device):
    check_refused(*REFUSED[name], device)


def test_max_over_several_dims_points_to_amax(device):
    with pytest.raises(TypeError, match=r"Tensor\.max: dim must be one integer.*use Tensor\.amax"):
        Tensor(np.ones((2, 3)), device=device).max(axis=(0, 1))


def test_positive_inputs_prod_matches_torch_over_large_dims(device):
    check_op([(4, 6)], lambda a: a.prod(1), lambda a: a.prod(1), kind=POSITIVE, device=device)


def test_norm_of_a_zero_vector_has_gradient_zero_as_torch(device):
    ours, theirs = Tensor(np.zeros((2, 3)), requires_grad=True, device=device), torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    ours.norm(dim=1).sum().backward()
    theirs.norm(dim=1).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("p, error", [(-1, ValueError), ("nuc", ValueError), (True, ValueError)])
def test_norm_refuses_a_p_it_cannot_take(p, error, device):
    with pytest.raises(error, match="Tensor.norm: p must be"):
        Tensor(np.ones(3), device=device).norm(p)
    with pytest.raises(TypeError, match="expected a float tensor"):
        Tensor([1, 2], device=device).norm()


@pytest.mark.parametrize("values", [[1, 2], [True, False]])
def test_mean_of_integers_or_bools_is_refused_as_torch_unless_a_dtype_is_given(values, device):
    with pytest.raises(RuntimeError):
        torch.tensor(values).mean()
    with pytest.raises(RuntimeError, match="Tensor.mean: expected a float tensor"):
        Tensor(values, device=device).mean()
    mean = Tensor(values, device=device).mean(dtype="float32")
    assert mean.dtype == np.float32 and mean.item() == torch.tensor(values).mean(dtype=torch.float32).item()


@pytest.mark.parametrize("shape, p, dim", [((3, 4), 2.0, 1), ((2, 3, 4), 1.0, -1), ((2, 3, 4), 3.0, 0), ((3, 1), 2.0, 1),
                                           ((0, 4), 2.0, 1), ((4,), 0.5, 0)])
def test_normalize_op_matches_torch_and_central_differences(shape, p, dim, device):
    import aino.nn.functional as F

    kind = POSITIVE if p < 1 else None
    check_op([shape], lambda a: F.normalize(a, p=p, dim=dim), lambda a: torch.nn.functional.normalize(a, p=p, dim=dim),
             kind=kind, device=device)


def test_normalize_of_a_zero_vector_divides_by_eps_as_torch(device):
    import aino.nn.functional as F

    rows = np.array([[0.0, 0.0, 0.0], [1e-14, 0.0, -2e-14], [3.0, 4.0, 0.0]])
    check_op([rows.shape], lambda a: F.normalize(a, dim=1), lambda a: torch.nn.functional.normalize(a, dim=1),
             arrays=[rows], numerical=False, device=device)

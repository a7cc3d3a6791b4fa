"""Arithmetic and the binary elementwise ops against PyTorch in float64: the method spellings (add with
alpha, div with a rounding mode, ...), %, //, fmod, maximum, minimum, clamp with tensor bounds, lerp,
isclose and the isnan family; the result dtypes of integer and bool tensors; and the cases issue 15
found wrong (the gradient of a**b at a = 0, float ops on integers giving float64)."""

import numpy as np
import pytest
from op_parity import POSITIVE, TIES, check_op

from aino.tensor import Tensor
from aino.validation import InvalidOperationError

torch = pytest.importorskip("torch")

BINARY = {
    # name: (shapes, aino function, torch function[, kind])
    "add_alpha": ([(3, 4), (4,)], lambda a, b: a.add(b, alpha=2.5), lambda a, b: a.add(b, alpha=2.5)),
    "add_number_alpha": ([(3,)], lambda a: a.add(2.0, alpha=-1), lambda a: a.add(2.0, alpha=-1)),
    "sub_alpha": ([(2, 1, 3), (4, 1)], lambda a, b: a.sub(b, alpha=0.5), lambda a, b: a.sub(b, alpha=0.5)),
    "mul": ([(3, 4), (3, 1)], lambda a, b: a.mul(b), lambda a, b: a.mul(b)),
    "div": ([(3, 4), (4,)], lambda a, b: a.div(b), lambda a, b: a.div(b), POSITIVE),
    "true_divide": ([(3,), (3,)], lambda a, b: a.true_divide(b), lambda a, b: a.true_divide(b), POSITIVE),
    "div_trunc": ([(3, 4), (4,)], lambda a, b: (a * 4).div(b, rounding_mode="trunc"),
                  lambda a, b: (a * 4).div(b, rounding_mode="trunc")),
    "div_floor": ([(3, 4), (4,)], lambda a, b: (a * 4).div(b, rounding_mode="floor"),
                  lambda a, b: (a * 4).div(b, rounding_mode="floor")),
    "pow_method": ([(3, 4), (4,)], lambda a, b: a.pow(b), lambda a, b: a.pow(b), POSITIVE),
    "remainder": ([(3, 4), (4,)], lambda a, b: (a * 5) % b, lambda a, b: (a * 5) % b),
    "remainder_method": ([(5,), ()], lambda a, b: a.remainder(b), lambda a, b: a.remainder(b)),
    "rmod_number": ([(4,)], lambda a: 2.5 % a, lambda a: torch.tensor(2.5, dtype=torch.float64) % a),
    "mod_number": ([(2, 3)], lambda a: (a * 4) % -1.5, lambda a: (a * 4) % -1.5),
    "fmod": ([(3, 4), (4,)], lambda a, b: (a * 5).fmod(b), lambda a, b: (a * 5).fmod(b)),
    "fmod_number": ([(6,)], lambda a: (a * 5).fmod(-2.0), lambda a: (a * 5).fmod(-2.0)),
    "maximum": ([(3, 4), (4,)], lambda a, b: a.maximum(b), torch.maximum),
    "minimum": ([(2, 1, 4), (3, 1)], lambda a, b: a.minimum(b), torch.minimum),
    "maximum_0d": ([(5,)], lambda a: a.maximum(Tensor(np.array(0.2), device=a.device)),
                       lambda a: a.maximum(torch.tensor(0.2, dtype=torch.float64))),
    "clamp_tensors": ([(3, 4), (4,), (3, 1)], lambda x, lo, hi: x.clamp(lo, hi + 1),
                      lambda x, lo, hi: x.clamp(lo, hi + 1)),
    "clamp_tensor_min": ([(3, 4), (4,)], lambda x, lo: x.clamp(min=lo), lambda x, lo: x.clamp(min=lo)),
    "clamp_tensor_max": ([(3, 4), (3, 1)], lambda x, hi: x.clip(max=hi), lambda x, hi: x.clip(max=hi)),
    "clamp_tensor_and_number": ([(3, 4), (4,)], lambda x, lo: x.clamp(lo, 0.5),  # torch wants two tensors
                                lambda x, lo: x.clamp(lo, torch.tensor(0.5, dtype=torch.float64))),
    "clamp_min_max": ([(3, 4), (4,)], lambda x, lo: x.clamp_min(lo).clamp_max(0.5),
                      lambda x, lo: x.clamp_min(lo).clamp_max(0.5)),
    "atan2": ([(3, 4), (4,)], lambda a, b: a.atan2(b), torch.atan2),
    "lerp_tensor_weight": ([(3, 4), (4,), (3, 1)], lambda a, b, w: a.lerp(b, w), torch.lerp),
    "lerp_number_weight": ([(3, 4), (3, 4)], lambda a, b: a.lerp(b, 0.3), lambda a, b: a.lerp(b, 0.3)),
    # size-0 and size-1 dims, broadcast
    "add_empty": ([(0, 3), (3,)], lambda a, b: a.add(b, alpha=2), lambda a, b: a.add(b, alpha=2)),
    "maximum_empty": ([(2, 0), (1, 0)], lambda a, b: a.maximum(b), torch.maximum),
    "remainder_size_one": ([(1, 3), (2, 1)], lambda a, b: (a * 5) % b, lambda a, b: (a * 5) % b),
    "clamp_empty": ([(0,), (0,), (1,)], lambda x, lo, hi: x.clamp(lo, hi), lambda x, lo, hi: x.clamp(lo, hi)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_matches_torch(name, device):
    shapes, ours, theirs, *kind = BINARY[name]
    check_op(shapes, ours, theirs, *kind, device=device)


def test_maximum_and_minimum_split_the_gradient_at_ties(device):
    check_op([(4, 5), (4, 5)], lambda a, b: a.maximum(b), torch.maximum, TIES, device=device, numerical=False)
    check_op([(4, 5), (5,)], lambda a, b: a.minimum(b), torch.minimum, TIES, device=device, numerical=False)


def test_clamp_with_bounds_crossed_gives_the_upper_bound_as_torch(device):
    arrays = [[1.0, 5.0, -3.0], [2.0, 2.0, 2.0], [1.0, 1.0, 1.0]]  # low > high: every value is high
    check_op(None, lambda x, lo, hi: x.clamp(lo, hi), torch.clamp, arrays=arrays, device=device, numerical=False)


def test_clamp_at_the_bounds_gives_the_gradient_to_x_as_torch(device):
    arrays = [[-2.0, 0.0, 1.0, 3.0, 5.0], [0.0, 0.0, 2.0, 1.0, 1.0], [4.0, 4.0, 4.0, 3.0, 4.0]]
    check_op(None, lambda x, lo, hi: x.clamp(lo, hi), torch.clamp, arrays=arrays, device=device, numerical=False)


# --- wrong before issue 15 ----------------------------------------------------------------------


def test_power_zero_has_gradient_zero_at_base_zero(device):
    """x ** 0.0 gave NaN gradients at x = 0; PyTorch gives 0."""
    check_op(None, lambda x: x**0.0, lambda x: x**0.0, arrays=[[0.0, 1.0, -2.0]], device=device, numerical=False)


def test_zero_to_a_power_has_gradient_zero_for_exponents_from_zero_up(device):
    """0.0 ** e gave NaN gradients; PyTorch: 0 for e >= 0 (and -inf for e < 0, 0**e being inf there)."""
    check_op(None, lambda e: 0.0**e, lambda e: 0.0**e, arrays=[[0.0, 1.0, 2.0, 0.5, -1.0]], device=device,
             numerical=False)


def test_power_of_two_tensors_at_base_zero_matches_torch(device):
    arrays = [[0.0, 0.0, 0.0, 1.0, 2.0], [0.0, 2.0, 0.5, 0.0, 0.5]]
    check_op(None, lambda a, b: a**b, lambda a, b: a**b, arrays=arrays, device=device, numerical=False)


FLOAT_OPS = ["exp", "log", "sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
             "atanh", "sigmoid", "tanh", "log2", "log10", "log1p", "expm1", "exp2", "rsqrt", "reciprocal", "erf",
             "erfc", "erfinv"]
INTEGER_OPS = ["abs", "neg", "square", "sign", "floor", "ceil", "trunc", "round", "relu", "relu6", "hardtanh"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log(0), asin(2): infinities and NaNs, as torch's
@pytest.mark.parametrize("name", FLOAT_OPS + INTEGER_OPS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "float64", "float32"])
def test_result_dtype_is_torchs(name, dtype, device):
    """An integer tensor's exp (and every float op) is float32, the default float dtype, as PyTorch; float64
    stays float64; abs, floor, ... of an integer stay integers."""
    values = [1, 0, 2, 7]
    ours = getattr(Tensor(np.array(values, dtype=dtype), device=device), name)()
    theirs = getattr(torch.nn.functional, name, None) or getattr(torch.Tensor, name)
    theirs = theirs(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-15)  # erfc(7) is 4e-23


@pytest.mark.parametrize("name", ["exp", "sin", "sigmoid", "sqrt", "sign"])
def test_bool_tensor_result_dtype_is_torchs(name, device):
    ours = getattr(Tensor([True, False], device=device), name)()
    theirs = getattr(torch.tensor([True, False]), name)()
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_int_exp_is_float32_and_correct(device):
    out = Tensor(2, device=device).exp()
    assert out.dtype == np.float32 and abs(out.item() - np.exp(2)) < 1e-5


INTEGER_BINARY = {
    "true_division": lambda a, b: a / b,
    "floor_division": lambda a, b: a // b,
    "remainder": lambda a, b: a % b,
    "fmod": lambda a, b: a.fmod(b),
    "div_trunc": lambda a, b: a.div(b, rounding_mode="trunc"),
    "div_floor": lambda a, b: a.div(b, rounding_mode="floor"),
    "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: a.minimum(b),
    "rfloordiv_number": lambda a, b: 7 // b,
    "rmod_number": lambda a, b: 7 % b,
    "mod_float_number": lambda a, b: a % 2.5,
    "true_division_number": lambda a, b: a / 2,
    "pow_int_number": lambda a, b: a**2,
    "pow_float_number": lambda a, b: a.abs() ** 0.5,
    "add_alpha": lambda a, b: a.add(b, alpha=3),
}


@pytest.mark.parametrize("name", sorted(INTEGER_BINARY))
def test_integer_arithmetic_values_and_dtype_match_torch(name, device):
    """Python's sign rules on integers: 7 // -2 == -4, -7 % 3 == 2, fmod keeps the dividend's sign."""
    fn = INTEGER_BINARY[name]
    a, b = [7, -7, 6, -6, 0, 5], [2, 2, -4, -4, 3, -3]
    ours = fn(Tensor(a, device=device), Tensor(b, device=device))
    theirs = fn(torch.tensor(a), torch.tensor(b))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


CLAMPS = {
    "float_number": lambda x, t: x.clamp(min=2.5),
    "int_numbers": lambda x, t: x.clamp(2, 4),
    "int_tensor": lambda x, t: x.clamp(t([2, 2, 2])),
    "float_tensor": lambda x, t: x.clamp(max=t([2.5, 0.5, 4.5])),
}


@pytest.mark.parametrize("name", sorted(CLAMPS))
def test_clamp_of_an_integer_tensor_has_torchs_dtype(name, device):
    ours = CLAMPS[name](Tensor([1, 3, 5], device=device), lambda v: Tensor(v, device=device))
    theirs = CLAMPS[name](torch.tensor([1, 3, 5]), torch.tensor)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_floor_division_of_floats_matches_torch_and_has_no_gradient(device):
    a, b = [7.5, -7.5, 3.0, -0.5], [2.0, 2.0, -2.0, 3.0]
    x = Tensor(a, requires_grad=True, device=device)
    ours = x // Tensor(b, device=device)
    np.testing.assert_array_equal(ours.numpy(), (torch.tensor(a) // torch.tensor(b)).numpy())
    assert not ours.requires_grad
    np.testing.assert_array_equal((7.0 // x).numpy(), (7.0 // torch.tensor(a)).numpy())


def test_remainder_gradient_with_respect_to_the_divisor_is_minus_the_floor_quotient(device):
    check_op(None, lambda a, b: a % b, lambda a, b: a % b, arrays=[[5.0, -5.0, 2.5], [3.0, 3.0, -1.5]], device=device)


# --- isclose, allclose, isnan, isinf, isfinite, nan_to_num -----------------------------------------

NAN, INF = float("nan"), float("inf")
CLOSE_A = [1.0, 1.0, NAN, INF, -INF, 0.0, 1e-9]
CLOSE_B = [1.0 + 1e-6, 1.1, NAN, INF, INF, 1e-9, 0.0]
CLOSE_OPTIONS = [{}, {"rtol": 0.2}, {"atol": 1e-3}, {"equal_nan": True}, {"rtol": 0, "atol": 0}]


@pytest.mark.parametrize("options", CLOSE_OPTIONS, ids=str)
def test_isclose_and_allclose_match_torch(options, device):
    a, b = Tensor(CLOSE_A, dtype="float64", device=device), Tensor(CLOSE_B, dtype="float64", device=device)
    ta, tb = torch.tensor(CLOSE_A, dtype=torch.float64), torch.tensor(CLOSE_B, dtype=torch.float64)
    ours, theirs = a.isclose(b, **options), torch.isclose(ta, tb, **options)
    assert ours.dtype == np.bool_
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert a[:2].allclose(b[:2], **options) is torch.allclose(ta[:2], tb[:2], **options)


def test_isclose_broadcasts_and_takes_integers_and_numbers(device):
    ours = Tensor([[1, 2], [3, 4]], device=device).isclose(Tensor([1, 3], device=device))
    np.testing.assert_array_equal(ours.numpy(), torch.isclose(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 3])))
    assert Tensor([1.0, 1.0 + 1e-9], device=device).allclose(1.0) is True


def test_isclose_of_two_dtypes_is_refused_as_torch():
    with pytest.raises(InvalidOperationError, match=r"Tensor.isclose: expected two tensors of one dtype.*float32"):
        Tensor([1.0]).isclose(Tensor([1]))
    with pytest.raises(ValueError, match=r"Tensor.isclose: rtol must be a finite number >= 0"):
        Tensor([1.0]).isclose(Tensor([1.0]), rtol=-1)
    with pytest.raises(TypeError, match=r"Tensor.isclose: atol must be a number, got str"):
        Tensor([1.0]).isclose(Tensor([1.0]), atol="0.1")


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
@pytest.mark.parametrize("values", [[1.0, NAN, INF, -INF, 0.0], [3, -1], [True, False], []], ids=str)
def test_isnan_isinf_isfinite_match_torch(name, values, device):
    ours = getattr(Tensor(values, device=device), name)()
    theirs = getattr(torch.tensor(values), name)()
    assert ours.dtype == np.bool_ and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("options", [{}, {"nan": 2.0}, {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}], ids=str)
def test_nan_to_num_matches_torch_with_gradient_only_where_finite(options, device):
    arrays = [[1.0, NAN, INF, -INF, -2.5]]
    check_op(None, lambda x: x.nan_to_num(**options), lambda x: x.nan_to_num(**options), arrays=arrays,
             device=device, numerical=False)


# --- bad arguments --------------------------------------------------------------------------------


def test_bad_arguments_are_refused_by_name():
    x = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"Tensor.div: rounding_mode must be None, 'trunc' or 'floor', got 'round'"):
        x.div(2, rounding_mode="round")
    with pytest.raises(ValueError, match=r"Tensor.maximum: .*"):
        x.maximum(Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"Tensor.remainder: .*"):
        x % Tensor([1.0, 2.0, 3.0])

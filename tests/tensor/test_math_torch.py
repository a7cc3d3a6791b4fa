"""The unary elementwise maths against PyTorch in float64, forward, gradient and central differences:
trigonometric and hyperbolic functions, logarithms and exponentials, rsqrt, erf, rounding and sign, the
new activations (silu, hardtanh, relu6, hardsigmoid, hardswish, mish, logsigmoid) and softmin."""

import math

import numpy as np
import pytest
from op_parity import POSITIVE, UNIT, check_op

from aino.tensor import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional

UNARY = {
    # name: (aino function, torch function, kind of inputs)
    "sin": (lambda a: a.sin(), torch.sin, None),
    "cos": (lambda a: a.cos(), torch.cos, None),
    "tan": (lambda a: a.tan(), torch.tan, UNIT),
    "asin": (lambda a: a.asin(), torch.asin, UNIT),
    "acos": (lambda a: a.acos(), torch.acos, UNIT),
    "atan": (lambda a: a.atan(), torch.atan, None),
    "arcsin": (lambda a: a.arcsin(), torch.arcsin, UNIT),
    "sinh": (lambda a: a.sinh(), torch.sinh, None),
    "cosh": (lambda a: a.cosh(), torch.cosh, None),
    "asinh": (lambda a: a.asinh(), torch.asinh, None),
    "acosh": (lambda a: (a + 1).acosh(), lambda a: (a + 1).acosh(), POSITIVE),  # acosh wants x > 1
    "atanh": (lambda a: a.atanh(), torch.atanh, UNIT),
    "log2": (lambda a: a.log2(), torch.log2, POSITIVE),
    "log10": (lambda a: a.log10(), torch.log10, POSITIVE),
    "log1p": (lambda a: a.log1p(), torch.log1p, POSITIVE),
    "expm1": (lambda a: a.expm1(), torch.expm1, None),
    "exp2": (lambda a: a.exp2(), torch.exp2, None),
    "rsqrt": (lambda a: a.rsqrt(), torch.rsqrt, POSITIVE),
    "reciprocal": (lambda a: a.reciprocal(), torch.reciprocal, POSITIVE),
    "square": (lambda a: a.square(), torch.square, None),
    "erf": (lambda a: a.erf(), torch.erf, None),
    "erfc": (lambda a: a.erfc(), torch.erfc, None),
    "erfinv": (lambda a: a.erfinv(), torch.erfinv, UNIT),
    "floor": (lambda a: (a * 3).floor(), lambda a: (a * 3).floor(), None),
    "ceil": (lambda a: (a * 3).ceil(), lambda a: (a * 3).ceil(), None),
    "trunc": (lambda a: (a * 3).trunc(), lambda a: (a * 3).trunc(), None),
    "round": (lambda a: (a * 3).round(), lambda a: (a * 3).round(), None),
    "round_decimals": (lambda a: a.round(decimals=2), lambda a: a.round(decimals=2), None),
    "round_negative_decimals": (lambda a: (a * 300).round(decimals=-1), lambda a: (a * 300).round(decimals=-1), None),
    "frac": (lambda a: (a * 3).frac(), lambda a: (a * 3).frac(), None),
    "sign": (lambda a: a.sign(), torch.sign, None),
    "silu": (lambda a: a.silu(), F.silu, None),
    "mish": (lambda a: a.mish(), F.mish, None),
    "hardtanh": (lambda a: (a * 2).hardtanh(), lambda a: F.hardtanh(a * 2), None),
    "hardtanh_bounds": (lambda a: (a * 2).hardtanh(-0.5, 1.5), lambda a: F.hardtanh(a * 2, -0.5, 1.5), None),
    "relu6": (lambda a: (a * 5).relu6(), lambda a: F.relu6(a * 5), None),
    "hardsigmoid": (lambda a: (a * 3).hardsigmoid(), lambda a: F.hardsigmoid(a * 3), None),
    "hardswish": (lambda a: (a * 3).hardswish(), lambda a: F.hardswish(a * 3), None),
    "logsigmoid": (lambda a: (a * 5).logsigmoid(), lambda a: F.logsigmoid(a * 5), None),
    "softmin": (lambda a: a.softmin(dim=-1), lambda a: F.softmin(a, dim=-1), None),
    "softmin_dim0": (lambda a: a.softmin(0), lambda a: F.softmin(a, dim=0), None),
}
SHAPES = [(3, 4), (0, 3), (1,), ()]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_matches_torch(name, shape, device):
    ours, theirs, kind = UNARY[name]
    rtol = 1e-7 if name == "hardsigmoid" else 1e-10  # torch's float64 hardsigmoid' has 1/6 in float32
    if name.startswith("softmin") and not shape:
        shape = (1,)  # a 0-d tensor has no dim to normalise over in torch's softmin with dim=0 and -1 alike
    check_op([shape], ours, theirs, kind, device=device, rtol=rtol)


def test_round_sends_halves_to_the_even_neighbour_as_torch(device):
    halves = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.125, 1.25]
    check_op(None, lambda a: a.round(), torch.round, arrays=[halves], device=device, numerical=False)
    check_op(None, lambda a: a.round(decimals=1), lambda a: a.round(decimals=1), arrays=[[0.25, 0.35, -0.45]],
             device=device, numerical=False)


def test_rounding_has_zero_gradient_even_at_the_steps(device):
    steps = [[0.0, 1.0, -2.0, 2.5]]
    for name in ["floor", "ceil", "trunc", "round", "sign"]:
        check_op(None, lambda a: getattr(a, name)(), lambda a: getattr(a, name)(), arrays=steps, device=device,
                 numerical=False)


def test_activation_kinks_have_torchs_gradient(device):
    """At the kinks (hardtanh at +-1, relu6 at 0 and 6, hardsigmoid and hardswish at +-3) the one-sided
    choice is PyTorch's."""
    kinks = [[-1.0, 1.0, 0.0, 6.0, -3.0, 3.0, 7.0, -6.0]]
    for ours, theirs in [(lambda a: a.hardtanh(), F.hardtanh), (lambda a: a.relu6(), F.relu6),
                         (lambda a: a.hardsigmoid(), F.hardsigmoid), (lambda a: a.hardswish(), F.hardswish)]:
        check_op(None, ours, theirs, arrays=kinks, device=device, numerical=False, rtol=1e-7)


@pytest.mark.parametrize("name, theirs", [("silu", F.silu), ("mish", F.mish), ("logsigmoid", F.logsigmoid),
                                          ("hardswish", F.hardswish), ("erf", torch.erf), ("erfc", torch.erfc)])
def test_activations_stay_finite_for_large_inputs(name, theirs, device):
    big = [[-1e4, -800.0, 800.0, 1e4]]
    check_op(None, lambda a: getattr(a, name)(), theirs, arrays=big, device=device, numerical=False)


def test_erf_erfc_erfinv_are_accurate_in_float64(device):
    """erf against Python's math.erf to 1e-15 absolute; erfinv(erf(y)) = y to 1e-9 for |y| <= 4
    (beyond, erf(y) rounds too close to 1 to invert); erfinv against torch's to 1e-11; edges as torch."""
    x = np.linspace(-6, 6, 1201)
    np.testing.assert_allclose(Tensor(x, device=device).erf().numpy(), [math.erf(v) for v in x], rtol=0, atol=2e-15)
    np.testing.assert_allclose(Tensor(x, device=device).erfc().numpy(), [math.erfc(v) for v in x], rtol=0, atol=2e-15)
    y = np.linspace(-4, 4, 801)
    back = Tensor(np.array([math.erf(v) for v in y]), device=device).erfinv().numpy()
    np.testing.assert_allclose(back, y, rtol=1e-9, atol=1e-12)
    u = np.random.default_rng(0).uniform(-0.999999, 0.999999, 10000)
    np.testing.assert_allclose(Tensor(u, device=device).erfinv().numpy(), torch.tensor(u).erfinv().numpy(), rtol=1e-11)
    edges = [-1.0, 1.0, 1.5, -2.0, 0.0]
    np.testing.assert_array_equal(Tensor(edges, dtype="float64", device=device).erfinv().numpy(),
                                  torch.tensor(edges, dtype=torch.float64).erfinv().numpy())


def test_float32_inputs_keep_float32(device):
    x = Tensor([0.5, -0.25], device=device)
    for name in ["sin", "erf", "erfinv", "silu", "mish", "hardswish", "logsigmoid", "round", "floor", "rsqrt"]:
        assert getattr(x, name)().dtype == np.float32, name


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(TypeError, match=r"Tensor.round: decimals must be an int, got float 1.5"):
        Tensor([1.0]).round(decimals=1.5)
    with pytest.raises(TypeError, match=r"Tensor.frac: expected a floating-point tensor, got dtype int64"):
        Tensor([1]).frac()
    with pytest.raises(ValueError, match=r"Hardtanh: min_val must not exceed max_val"):
        Tensor([1.0]).hardtanh(2.0, 1.0)
    with pytest.raises(TypeError, match=r"softmin: expected a floating-point tensor"):
        Tensor([1, 2]).softmin(0)

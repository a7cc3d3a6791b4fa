"""aino.ops.resample.interpolate and the Upsample layers against PyTorch's F.interpolate (float64, forward and
input gradient), against central differences, and their errors."""

import numpy as np
import pytest

from aino.gradcheck import numerical_gradient
from aino.nn.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from aino.ops.resample import interpolate
from aino.tensor import Tensor

from nn_helpers import assert_close, assert_forward_backward_match, rand

torch = pytest.importorskip("torch")
F = torch.nn.functional

# (input shape, F.interpolate's options)
CASES = {
    "nearest_up_size": ((2, 3, 5), dict(size=8)),
    "nearest_down_size": ((2, 3, 13), dict(size=7)),
    "nearest_scale_float": ((2, 3, 5), dict(scale_factor=1.5)),  # the coordinates follow 1 / scale_factor
    "nearest_scale_down": ((1, 2, 13), dict(scale_factor=0.3)),
    "nearest_2d_scale_int": ((2, 2, 3, 4), dict(scale_factor=2)),
    "nearest_2d_size_tuple": ((1, 2, 5, 4), dict(size=(3, 7))),
    "nearest_2d_scale_tuple": ((1, 2, 5, 4), dict(scale_factor=(0.5, 2.5))),
    "nearest_3d_volume": ((1, 1, 2, 3, 4), dict(size=(3, 2, 6))),
    "nearest_exact": ((1, 2, 4, 5), dict(size=(9, 2), mode="nearest-exact")),
    "nearest_size_1_spatial": ((1, 1, 1, 3), dict(size=(2, 5))),
    "linear_up": ((2, 3, 5), dict(size=8, mode="linear")),
    "linear_down": ((2, 3, 5), dict(size=3, mode="linear")),
    "linear_align_corners": ((2, 3, 5), dict(size=8, mode="linear", align_corners=True)),
    "linear_align_corners_down": ((2, 3, 7), dict(size=3, mode="linear", align_corners=True)),
    "linear_scale_down": ((2, 3, 5), dict(scale_factor=0.7, mode="linear")),
    "linear_to_size_1": ((1, 2, 5), dict(size=1, mode="linear")),
    "linear_from_size_1": ((1, 2, 1), dict(size=4, mode="linear")),
    "bilinear_size": ((1, 2, 4, 5), dict(size=(7, 3), mode="bilinear")),
    "bilinear_size_int": ((2, 1, 3, 3), dict(size=6, mode="bilinear")),
    "bilinear_scale": ((1, 2, 4, 5), dict(scale_factor=(2, 1.3), mode="bilinear")),
    "bilinear_scale_align_corners": ((1, 2, 4, 5), dict(scale_factor=(2, 1.3), mode="bilinear", align_corners=True)),
    "bilinear_align_corners_false": ((1, 2, 4, 5), dict(size=(8, 10), mode="bilinear", align_corners=False)),
    "bilinear_down_align_corners": ((1, 2, 6, 7), dict(size=(3, 2), mode="bilinear", align_corners=True)),
    "bilinear_recompute_scale": ((1, 2, 4, 5), dict(scale_factor=2.5, mode="bilinear", recompute_scale_factor=True)),
    "bilinear_size_1_input": ((1, 1, 1, 1), dict(size=(3, 1), mode="bilinear")),
    "bilinear_to_1x1_align_corners": ((1, 2, 4, 5), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    "bicubic": ((1, 2, 4, 5), dict(size=(9, 3), mode="bicubic")),
    "bicubic_align_corners": ((1, 2, 4, 5), dict(size=(9, 3), mode="bicubic", align_corners=True)),
    "trilinear": ((1, 2, 3, 4, 5), dict(size=(2, 6, 3), mode="trilinear")),
    "area": ((1, 2, 5, 7), dict(size=(3, 2), mode="area")),
}


@pytest.mark.parametrize("case", CASES)
def test_interpolate_matches_pytorch(case, device):
    shape, options = CASES[case]
    assert_forward_backward_match(lambda t: interpolate(t, **options), lambda t: F.interpolate(t, **options),
                                  rand(shape, 1), device=device)


@pytest.mark.parametrize("case", ["nearest_down_size", "linear_align_corners", "bilinear_scale", "bicubic"])
def test_interpolate_gradients_match_central_differences(case, device):
    shape, options = CASES[case]
    x = rand(shape, 3)
    weights = rand(interpolate(Tensor(x, device=device), **options).shape, 4)
    xa = Tensor(x, requires_grad=True, device=device)
    (interpolate(xa, **options) * Tensor(weights, device=device)).sum().backward()
    def loss(v):
        return float((interpolate(Tensor(v, device=device), **options).numpy() * weights).sum())

    numeric = numerical_gradient(loss, x)
    np.testing.assert_allclose(xa.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_nearest_uses_torchs_index_rule_and_sends_gradients_back_to_the_copied_input(device):
    x = Tensor(np.arange(5.0).reshape(1, 1, 5), requires_grad=True, device=device)
    y = interpolate(x, size=3)  # out index i reads floor(i * 5 / 3): 0, 1, 3
    assert y.numpy().ravel().tolist() == [0.0, 1.0, 3.0]
    y = interpolate(x, size=8)  # floor(i * 5 / 8): 0 0 1 1 2 3 3 4
    assert y.numpy().ravel().tolist() == [0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0]
    y.sum().backward()
    assert x.grad.numpy().ravel().tolist() == [2.0, 2.0, 1.0, 2.0, 1.0]  # how often each input was copied


@pytest.mark.parametrize("options", [dict(scale_factor=2), dict(size=(5, 3), mode="bilinear"),
                                     dict(scale_factor=1.5, mode="bilinear", align_corners=True)])
def test_upsample_layer_matches_pytorchs(options, device):
    x = rand((2, 3, 4, 4), 5)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    ya, yt = Upsample(**options)(xa), torch.nn.Upsample(**options)(xt)
    assert_close(ya, yt)
    ya.sum().backward()
    yt.sum().backward()
    assert_close(xa.grad, xt.grad)
    assert repr(Upsample(**options)) == repr(torch.nn.Upsample(**options))
    assert Upsample(**options).state_dict() == {}


@pytest.mark.parametrize("ours, theirs", [(UpsamplingNearest2d, "UpsamplingNearest2d"),
                                          (UpsamplingBilinear2d, "UpsamplingBilinear2d")])
@pytest.mark.parametrize("options", [dict(scale_factor=2), dict(size=(3, 7))])
def test_upsampling_aliases_match_pytorchs(ours, theirs, options, device):
    x = rand((1, 2, 4, 5), 6)
    assert_close(ours(**options)(Tensor(x, device=device)), getattr(torch.nn, theirs)(**options)(torch.tensor(x)))


def test_float32_stays_float32(device):
    x = Tensor(rand((1, 2, 3, 3), 7).astype(np.float32), requires_grad=True, device=device)
    y = interpolate(x, scale_factor=2, mode="bilinear")
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_bad_arguments_give_clear_errors(device):
    x = Tensor(np.zeros((1, 1, 4, 4)), device=device)
    with pytest.raises(ValueError, match="interpolate: only one of size or scale_factor should be defined"):
        interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="interpolate: either size or scale_factor should be defined"):
        interpolate(x)
    with pytest.raises(ValueError, match=r"same number of spatial dimensions, got input with spatial sizes \[4, 4\] "
                                         r"and size \(2,\)"):
        interpolate(x, size=(2,))
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        interpolate(x, size=3, align_corners=True)
    with pytest.raises(ValueError, match=r"mode 'linear' needs 3-D input \(N, C, \*S\), got shape \(1, 1, 4, 4\)"):
        interpolate(x, size=3, mode="linear")
    with pytest.raises(ValueError, match="mode must be one of nearest"):
        interpolate(x, size=3, mode="cubic")
    with pytest.raises(ValueError, match="input and output sizes should be greater than 0"):
        interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match="scale_factor must be a number > 0"):
        interpolate(x, scale_factor=-2)
    with pytest.raises(ValueError, match="size must be an integer >= 1, got 0"):
        interpolate(x, size=0)
    with pytest.raises(TypeError, match="expected a floating-point input, got dtype int64"):
        interpolate(Tensor(np.zeros((1, 1, 4), dtype=np.int64), device=device), size=2)
    with pytest.raises(ValueError, match="Upsample: expected exactly one of size and scale_factor"):
        Upsample()
    with pytest.raises(ValueError, match="Upsample: mode must be one of"):
        Upsample(scale_factor=2, mode="bilinar")
    with pytest.raises(ValueError, match="Upsample: align_corners option can only be set"):
        Upsample(scale_factor=2, align_corners=False)
    with pytest.raises(ValueError, match=r"Upsample: mode 'bilinear' needs 4-D input"):
        Upsample(scale_factor=2, mode="bilinear")(Tensor(np.zeros((1, 1, 4)), device=device))
    with pytest.raises(TypeError, match="Upsample: expected input to be a Tensor"):
        Upsample(scale_factor=2)([1.0, 2.0])

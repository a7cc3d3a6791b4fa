"""Max, average and adaptive average pooling against PyTorch (float64) and against central differences."""

import numpy as np
import pytest

from aino.gradcheck import numerical_gradient
from aino.nn import MaxPool2D
from aino.nn import pooling as P
from aino.tensor import Tensor

from nn_helpers import assert_close, rand

torch = pytest.importorskip("torch")
tnn = torch.nn

TOLERANCE = dict(rtol=1e-12, atol=1e-14)  # pooling only picks or averages values: closer than the default

# (our layer, torch's layer, input shape)
CASES = {
    "max1d": (lambda: P.MaxPool1d(2), lambda: tnn.MaxPool1d(2), (2, 3, 9)),
    "max1d_stride_padding": (lambda: P.MaxPool1d(3, 2, 1), lambda: tnn.MaxPool1d(3, 2, 1), (2, 3, 10)),
    "max2d": (lambda: P.MaxPool2d(2), lambda: tnn.MaxPool2d(2), (2, 3, 8, 7)),
    "max2d_overlapping": (lambda: P.MaxPool2d(3, stride=1), lambda: tnn.MaxPool2d(3, stride=1), (2, 2, 6, 5)),
    "max2d_stride_padding": (lambda: P.MaxPool2d(3, 2, 1), lambda: tnn.MaxPool2d(3, 2, 1), (2, 3, 8, 9)),
    "max2d_stride_above_kernel": (lambda: P.MaxPool2d(2, 3), lambda: tnn.MaxPool2d(2, 3), (2, 3, 8, 9)),
    "max2d_non_square": (lambda: P.MaxPool2d((2, 3), (1, 2), (1, 0)), lambda: tnn.MaxPool2d((2, 3), (1, 2), (1, 0)),
                         (2, 2, 7, 9)),
    "max2d_dilation": (lambda: P.MaxPool2d(2, 1, dilation=2), lambda: tnn.MaxPool2d(2, 1, dilation=2), (1, 2, 7, 6)),
    "max3d": (lambda: P.MaxPool3d(2), lambda: tnn.MaxPool3d(2), (2, 2, 4, 6, 5)),
    "max3d_stride_padding": (lambda: P.MaxPool3d(3, 2, 1), lambda: tnn.MaxPool3d(3, 2, 1), (1, 2, 5, 6, 5)),
    "max2D_document_004": (lambda: MaxPool2D(kernel_size=2, stride=2), lambda: tnn.MaxPool2d(2, 2), (2, 3, 8, 8)),
    "avg1d": (lambda: P.AvgPool1d(3), lambda: tnn.AvgPool1d(3), (2, 3, 10)),
    "avg1d_stride_padding": (lambda: P.AvgPool1d(3, 2, 1), lambda: tnn.AvgPool1d(3, 2, 1), (2, 3, 10)),
    "avg1d_exclude_pad": (lambda: P.AvgPool1d(4, 3, 2, count_include_pad=False),
                          lambda: tnn.AvgPool1d(4, 3, 2, count_include_pad=False), (2, 3, 11)),
    "avg2d": (lambda: P.AvgPool2d(2), lambda: tnn.AvgPool2d(2), (2, 3, 8, 7)),
    "avg2d_overlapping": (lambda: P.AvgPool2d((3, 2), 1), lambda: tnn.AvgPool2d((3, 2), 1), (2, 2, 6, 5)),
    "avg2d_stride_padding": (lambda: P.AvgPool2d(3, 2, 1), lambda: tnn.AvgPool2d(3, 2, 1), (2, 3, 8, 9)),
    "avg2d_exclude_pad": (lambda: P.AvgPool2d(3, 2, 1, count_include_pad=False),
                          lambda: tnn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 3, 8, 9)),
    "avg2d_divisor_override": (lambda: P.AvgPool2d(3, 2, 1, divisor_override=4),
                               lambda: tnn.AvgPool2d(3, 2, 1, divisor_override=4), (2, 3, 8, 9)),
    "adaptive1d": (lambda: P.AdaptiveAvgPool1d(4), lambda: tnn.AdaptiveAvgPool1d(4), (2, 3, 10)),
    "adaptive2d_global": (lambda: P.AdaptiveAvgPool2d(1), lambda: tnn.AdaptiveAvgPool2d(1), (2, 3, 7, 6)),
    "adaptive2d_uneven": (lambda: P.AdaptiveAvgPool2d((3, 4)), lambda: tnn.AdaptiveAvgPool2d((3, 4)), (2, 3, 8, 9)),
    "adaptive2d_upsample": (lambda: P.AdaptiveAvgPool2d((5, 2)), lambda: tnn.AdaptiveAvgPool2d((5, 2)), (2, 1, 3, 4)),
    "adaptive2d_none": (lambda: P.AdaptiveAvgPool2d((None, 2)), lambda: tnn.AdaptiveAvgPool2d((None, 2)), (2, 3, 5, 7)),
    "adaptive3d": (lambda: P.AdaptiveAvgPool3d((2, 3, 2)), lambda: tnn.AdaptiveAvgPool3d((2, 3, 2)), (1, 2, 5, 7, 4)),
}


def with_ties(shape, seed):
    """Values drawn from only five levels, so most windows hold their maximum more than once."""
    return np.random.default_rng(seed).integers(0, 5, size=shape).astype(np.float64)


def run_both(case, x, device="cpu"):
    """(our output, our input gradient, torch's output, torch's input gradient) for one loss sum(y * w)."""
    ours, theirs, _ = CASES[case]
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    ya, yt = ours()(xa), theirs()(xt)
    weights = rand(ya.shape, 9)
    (ya * Tensor(weights, device=device)).sum().backward()
    (yt * torch.from_numpy(weights)).sum().backward()
    return ya, xa.grad, yt, xt.grad


@pytest.mark.parametrize("case", CASES)
def test_pool_layers_match_pytorch(case, device):
    ya, gxa, yt, gxt = run_both(case, rand(CASES[case][2], 1), device)
    assert ya.shape == tuple(yt.shape)
    assert_close(ya, yt, **TOLERANCE)
    assert_close(gxa, gxt, **TOLERANCE)


@pytest.mark.parametrize("case", [name for name in CASES if name.startswith("max")])
def test_max_pool_ties_send_the_gradient_to_the_first_maximum_as_pytorch(case, device):
    ya, gxa, yt, gxt = run_both(case, with_ties(CASES[case][2], 2), device=device)
    assert_close(ya, yt, **TOLERANCE)
    assert_close(gxa, gxt, **TOLERANCE)


def test_max_pool_tie_in_one_window(device):
    x = Tensor(np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), requires_grad=True, device=device)
    P.MaxPool2d(2)(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[0, 1], [0, 0]])  # the first 3 in row-major order


def test_max_pool_padding_never_wins(device):
    x = Tensor(-np.ones((1, 1, 3, 3)) * 5, requires_grad=True, device=device)
    y = P.MaxPool2d(2, 2, padding=1)(x)
    np.testing.assert_array_equal(y.numpy(), -5)
    y.sum().backward()
    assert x.grad.numpy().sum() == 4  # each of the four windows sends its gradient to a real input


@pytest.mark.parametrize("case", ["max2d_stride_padding", "max3d_stride_padding", "avg2d_exclude_pad",
                                  "avg1d_stride_padding", "adaptive2d_uneven", "adaptive3d"])
def test_pool_gradients_match_central_differences(case, device):
    layer = CASES[case][0]()
    x = rand(CASES[case][2], 3)  # distinct values: the maximum of each window is unique and stable under eps
    weights = rand(layer(Tensor(x, device=device)).shape, 4)
    xa = Tensor(x, requires_grad=True, device=device)
    (layer(xa) * Tensor(weights, device=device)).sum().backward()
    numeric = numerical_gradient(lambda v: float((layer(Tensor(v, device=device)).numpy() * weights).sum()), x)
    np.testing.assert_allclose(xa.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("layer", [P.MaxPool2d(2), P.AvgPool1d(2), P.AdaptiveAvgPool2d(2)], ids=repr)
def test_unbatched_input_and_float32_are_kept(layer, device):
    dims = type(layer).dims
    x = Tensor(rand((3,) + (4,) * dims, 5).astype(np.float32), requires_grad=True, device=device)
    y = layer(x)
    y.sum().backward()
    assert y.shape == (3,) + (2,) * dims
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_stride_defaults_to_kernel_size_and_document_004_defaults():
    assert P.MaxPool2d(3).stride == (3, 3) and P.AvgPool1d(4).stride == (4,)
    assert MaxPool2D().kernel_size == (2, 2) and MaxPool2D().stride == (2, 2)
    assert MaxPool2D(kernel_size=3).stride == (2, 2)
    assert P.MaxPool2d(2).parameters() == [] and P.MaxPool2d(2).state_dict() == {}


def test_bad_input_and_arguments_give_clear_errors():
    with pytest.raises(ValueError, match=r"MaxPool2d expected input of shape \(N, C, H, W\), got \(4, 5\)"):
        P.MaxPool2d(2)(Tensor(np.zeros((4, 5))))
    with pytest.raises(ValueError, match=r"AvgPool1d expected input of shape \(N, C, L\)"):
        P.AvgPool1d(2)(Tensor(np.zeros((1, 2, 3, 4))))
    with pytest.raises(ValueError, match="padding .* must be at most half of kernel_size"):
        P.MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        P.MaxPool2d(3)(Tensor(np.zeros((1, 1, 2, 2))))
    with pytest.raises(TypeError, match="kernel_size must be an int or a tuple of 2 ints, got float"):
        P.AvgPool2d(2.5)
    with pytest.raises(ValueError, match="output_size must be an integer >= 1, got 0"):
        P.AdaptiveAvgPool2d((0, 2))
    with pytest.raises(ValueError, match="kernel_size must be an int or a tuple of 2 ints"):
        P.MaxPool2d((2, 2, 2))

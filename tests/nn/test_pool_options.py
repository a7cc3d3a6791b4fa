"""The pooling options against PyTorch (float64): ceil_mode for max and average pooling, return_indices for max
pooling, max unpooling (MaxUnpool1d/2d/3d and aino.ops.pool.max_unpool), AvgPool3d, and their errors."""

import itertools

import numpy as np
import pytest

import aino.nn.pooling as P
from aino.gradcheck import numerical_gradient
from aino.ops.pool import avg_pool, max_pool, max_unpool
from aino.tensor import Tensor

from nn_helpers import assert_close, forward_backward, rand

torch = pytest.importorskip("torch")
F = torch.nn.functional

# (layer name, input shape, options)
CEIL_CASES = {
    "max1d_ceil": ("MaxPool1d", (2, 3, 7), dict(kernel_size=2, ceil_mode=True)),
    "max1d_ceil_last_window_in_right_padding": ("MaxPool1d", (1, 2, 5), dict(kernel_size=2, padding=1, ceil_mode=True)),
    "max1d_ceil_stride_dilation": ("MaxPool1d", (2, 2, 10), dict(kernel_size=3, stride=3, dilation=2, ceil_mode=True)),
    "max2d_ceil": ("MaxPool2d", (2, 3, 7, 6), dict(kernel_size=2, ceil_mode=True)),
    "max2d_ceil_stride_padding": ("MaxPool2d", (2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    "max2d_ceil_tuples": ("MaxPool2d", (1, 2, 7, 5), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 0),
                                                           ceil_mode=True)),
    "max2d_ceil_size_1": ("MaxPool2d", (1, 1, 1, 4), dict(kernel_size=(1, 3), stride=2, ceil_mode=True)),
    "max3d_ceil": ("MaxPool3d", (1, 2, 5, 4, 5), dict(kernel_size=2, ceil_mode=True)),
    "avg1d_ceil": ("AvgPool1d", (2, 3, 7), dict(kernel_size=2, ceil_mode=True)),
    "avg1d_ceil_padding_excluded": ("AvgPool1d", (2, 2, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                                  count_include_pad=False)),
    "avg2d_ceil": ("AvgPool2d", (2, 3, 7, 6), dict(kernel_size=2, ceil_mode=True)),
    "avg2d_ceil_padding_counted": ("AvgPool2d", (2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    "avg2d_ceil_padding_excluded": ("AvgPool2d", (2, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1,
                                                                     ceil_mode=True, count_include_pad=False)),
    "avg2d_ceil_divisor_override": ("AvgPool2d", (1, 2, 5, 5), dict(kernel_size=3, stride=2, padding=1,
                                                                     ceil_mode=True, divisor_override=4)),
    "avg2d_divisor_override": ("AvgPool2d", (1, 2, 6, 6), dict(kernel_size=2, divisor_override=3)),
    "avg3d": ("AvgPool3d", (1, 2, 4, 5, 4), dict(kernel_size=2, stride=(1, 2, 2), padding=1)),
    "avg3d_ceil_excluded": ("AvgPool3d", (1, 2, 5, 4, 5), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                                count_include_pad=False)),
}


@pytest.mark.parametrize("case", CEIL_CASES)
def test_ceil_mode_and_average_options_match_pytorch(case, device):
    name, shape, options = CEIL_CASES[case]
    ours, theirs = getattr(P, name)(**options), getattr(torch.nn, name)(**options)
    x = rand(shape, 1)
    grad = rand(tuple(theirs(torch.tensor(x)).shape), 2)
    ya, ga, yt, gt = forward_backward(ours, theirs, x, grad, device=device)
    assert ya.shape == yt.shape
    assert_close(ya, yt)
    assert_close(ga, gt)


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_ceil_mode_output_lengths_follow_pytorchs_rule(pool, device):
    """Every small geometry: the last window counts only when it starts inside the input or its left padding."""
    for length, kernel, stride in itertools.product(range(1, 9), range(1, 5), range(1, 4)):
        for padding in range(kernel // 2 + 1):
            if length + 2 * padding < kernel:
                continue
            x = np.zeros((1, 1, length))
            expected = getattr(F, f"{pool}_pool1d")(torch.tensor(x), kernel, stride, padding, ceil_mode=True).shape
            layer = getattr(P, f"{pool.title()}Pool1d")(kernel, stride, padding, ceil_mode=True)
            ours = layer(Tensor(x, device=device))
            assert ours.shape == tuple(expected), (length, kernel, stride, padding)


@pytest.mark.parametrize("case", ["max2d_ceil_stride_padding", "avg1d_ceil_padding_excluded",
                                  "avg2d_ceil_divisor_override", "avg3d_ceil_excluded"])
def test_ceil_mode_gradients_match_central_differences(case, device):
    name, shape, options = CEIL_CASES[case]
    layer = getattr(P, name)(**options)
    x = rand(shape, 9)
    # loss = sum(y * weights): a different gradient to each output
    weights = rand(layer(Tensor(x, device=device)).shape, 10)
    xa = Tensor(x, requires_grad=True, device=device)
    (layer(xa) * Tensor(weights, device=device)).sum().backward()
    numeric = numerical_gradient(lambda v: float((layer(Tensor(v, device=device)).numpy() * weights).sum()), x)
    np.testing.assert_allclose(xa.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_unpool_gradient_matches_central_differences(device):
    x = rand((2, 2, 3, 3), 11)
    index = np.stack([np.random.default_rng(seed).permutation(49)[:18].reshape(2, 3, 3) for seed in range(2)])
    layer = P.MaxUnpool2d(3, stride=2)
    weights = rand((2, 2, 7, 7), 12)
    xa = Tensor(x, requires_grad=True, device=device)
    (layer(xa, Tensor(index, device=device)) * Tensor(weights, device=device)).sum().backward()
    places = Tensor(index, device=device)
    numeric = numerical_gradient(lambda v: float((layer(Tensor(v, device=device), places).numpy() * weights).sum()), x)
    np.testing.assert_allclose(xa.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


# (dims, input shape, options)
INDEX_CASES = {
    "1d": (1, (2, 3, 8), dict(kernel_size=2)),
    "1d_stride_padding": (1, (2, 2, 9), dict(kernel_size=3, stride=2, padding=1)),
    "1d_dilation_ceil": (1, (1, 2, 10), dict(kernel_size=3, stride=2, dilation=2, ceil_mode=True)),
    "2d": (2, (2, 3, 6, 6), dict(kernel_size=2)),
    "2d_stride_padding": (2, (2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1)),
    "2d_tuples_ceil": (2, (1, 2, 7, 5), dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True)),
    "2d_batch_1_channel_1": (2, (1, 1, 4, 4), dict(kernel_size=2)),
    "2d_dilation": (2, (1, 2, 7, 7), dict(kernel_size=2, dilation=2)),
    "3d": (3, (1, 2, 4, 4, 6), dict(kernel_size=2, stride=(2, 1, 2))),
}
MAX_LAYERS = {1: "MaxPool1d", 2: "MaxPool2d", 3: "MaxPool3d"}
UNPOOL_LAYERS = {1: "MaxUnpool1d", 2: "MaxUnpool2d", 3: "MaxUnpool3d"}


def tied(shape, seed):
    """Small integers as floats: many windows hold their maximum twice (PyTorch's index is then the first)."""
    return np.random.default_rng(seed).integers(0, 3, size=shape).astype(np.float64)


@pytest.mark.parametrize("values", ["distinct", "tied"])
@pytest.mark.parametrize("case", INDEX_CASES)
def test_return_indices_equal_pytorchs(case, values, device):
    dims, shape, options = INDEX_CASES[case]
    x = rand(shape, 3) if values == "distinct" else tied(shape, 3)
    xa = Tensor(x, requires_grad=True, device=device)
    ya, ia = getattr(P, MAX_LAYERS[dims])(**options, return_indices=True)(xa)
    yt, it = getattr(torch.nn, MAX_LAYERS[dims])(**options, return_indices=True)(torch.tensor(x))
    assert_close(ya, yt)
    assert ia.dtype == np.int64 and not ia.requires_grad
    np.testing.assert_array_equal(ia.numpy(), it.numpy())
    ya.sum().backward()  # the values still carry the gradient
    assert xa.grad.numpy().sum() == ya.numpy().size


def test_return_indices_name_the_last_nan_of_a_window_as_pytorch(device):
    x = np.array([[[1.0, np.nan, 3.0, np.nan, 0.0, 5.0, 2.0, 1.0]]])
    ya, ia = P.MaxPool1d(4, return_indices=True)(Tensor(x, device=device))
    yt, it = torch.nn.MaxPool1d(4, return_indices=True)(torch.tensor(x))
    assert_close(ya, yt)
    np.testing.assert_array_equal(ia.numpy(), it.numpy())


@pytest.mark.parametrize("case", [c for c in INDEX_CASES if "dilation" not in c])
def test_unpool_round_trip_and_gradient_match_pytorch(case, device):
    dims, shape, options = INDEX_CASES[case]
    pool_options = {k: v for k, v in options.items() if k != "ceil_mode"}
    x = rand(shape, 4)
    yt, it = getattr(F, f"max_pool{dims}d")(torch.tensor(x), **pool_options, return_indices=True)
    ya, ia = max_pool(Tensor(x, device=device), **pool_options, return_indices=True)
    unpool = {k: v for k, v in pool_options.items() if k in ("kernel_size", "stride", "padding")}
    va, vt = Tensor(ya.numpy(), requires_grad=True, device=device), yt.clone().requires_grad_(True)
    ra = getattr(P, UNPOOL_LAYERS[dims])(**unpool)(va, ia, output_size=shape)
    rt = getattr(torch.nn, UNPOOL_LAYERS[dims])(**unpool)(vt, it, output_size=shape)
    assert ra.shape == shape
    assert_close(ra, rt)  # each maximum back in its place, zeros elsewhere
    kept = ra.numpy() != 0
    np.testing.assert_array_equal(ra.numpy()[kept], x[kept])
    grad = rand(shape, 5)
    ra.backward(Tensor(grad, device=device))
    rt.backward(torch.from_numpy(grad))
    assert_close(va.grad, vt.grad)  # the gradient gathers from the places the values went


def test_unpool_default_output_size_and_unbatched_input(device):
    x = rand((3, 2, 3), 6)  # unbatched (C, H, W)
    index = np.stack([np.random.default_rng(seed).permutation(16)[:6].reshape(2, 3) for seed in range(3)])
    ours = P.MaxUnpool2d(2, stride=2, padding=(0, 1))(Tensor(x, device=device), Tensor(index, device=device))
    theirs = torch.nn.MaxUnpool2d(2, stride=2, padding=(0, 1))(torch.tensor(x), torch.tensor(index))
    assert ours.shape == tuple(theirs.shape) == (3, 4, 4)
    assert_close(ours, theirs)
    assert_close(max_unpool(Tensor(x, device=device), Tensor(index, device=device), 2, 2, (0, 1), dims=2), theirs)


def test_pooling_functions_match_torchs_functional(device):
    x = rand((2, 3, 7, 5), 8)
    xt = torch.tensor(x)
    for ours, theirs in [
        (max_pool(Tensor(x, device=device), 3, 2, 1, ceil_mode=True), F.max_pool2d(xt, 3, 2, 1, ceil_mode=True)),
        (max_pool(Tensor(x[0], device=device), 2, dims=2), F.max_pool2d(xt[0], 2)),
        (avg_pool(Tensor(x, device=device), 3, 2, 1, True, False), F.avg_pool2d(xt, 3, 2, 1, True, False)),
        (avg_pool(Tensor(x[0, 0], device=device), 2, divisor_override=3, dims=1), F.avg_pool1d(xt[0, 0], 2) * 2 / 3),
    ]:
        assert_close(ours, theirs)
    values, indices = max_pool(Tensor(x[0], device=device), 2, ceil_mode=True, return_indices=True, dims=2)
    expected = F.max_pool2d(xt[0], 2, ceil_mode=True, return_indices=True)
    assert_close(values, expected[0])
    np.testing.assert_array_equal(indices.numpy(), expected[1].numpy())


def test_reprs_name_the_new_options():
    assert "ceil_mode=True" in repr(P.MaxPool2d(2, ceil_mode=True))
    assert "return_indices=True" in repr(P.MaxPool1d(2, return_indices=True))
    assert repr(P.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert P.MaxUnpool2d(3).state_dict() == {}


def test_bad_arguments_give_clear_errors(device):
    x = Tensor(np.zeros((1, 1, 2, 2)), device=device)
    index = Tensor(np.zeros((1, 1, 2, 2), dtype=np.int64), device=device)
    with pytest.raises(TypeError, match="MaxUnpool2d: expected indices of dtype int64"):
        P.MaxUnpool2d(2)(x, Tensor(np.zeros((1, 1, 2, 2)), device=device))
    with pytest.raises(RuntimeError, match=r"MaxUnpool2d: expected indices of the shape of the input \(1, 1, 2, 2\), "
                                           r"got \(1, 1, 2, 1\)"):
        P.MaxUnpool2d(2)(x, Tensor(np.zeros((1, 1, 2, 1), dtype=np.int64), device=device))
    with pytest.raises(ValueError, match=r"MaxUnpool2d: invalid output_size \(9, 9\) \(dim 0 must be between 3 "
                                         r"and 5\)"):
        P.MaxUnpool2d(2)(x, index, output_size=(9, 9))
    with pytest.raises(ValueError, match="MaxUnpool2d: output_size must have 2 or 4 elements"):
        P.MaxUnpool2d(2)(x, index, output_size=(4,))
    with pytest.raises(RuntimeError, match=r"max_unpool: found an invalid max index 70 \(output planes are of "
                                           r"size 4x4"):
        P.MaxUnpool2d(2)(x, Tensor(np.full((1, 1, 2, 2), 70), device=device))
    with pytest.raises(ValueError, match=r"MaxUnpool1d expected input of shape \(N, C, L\)"):
        P.MaxUnpool1d(2)(x, index)
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) must be at most half of kernel_size"):
        max_pool(x, 2, padding=2)
    with pytest.raises(ValueError, match="avg_pool: expected input of shape"):
        avg_pool(x, 2, dims=1)
    with pytest.raises(ValueError, match="AvgPool3d: padding .* must be at most half of kernel_size"):
        P.AvgPool3d(2, padding=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        P.MaxPool1d(3, ceil_mode=True)(Tensor(np.zeros((1, 1, 2)), device=device))

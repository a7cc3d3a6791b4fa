"""Conv1d, Conv2d, Conv3d and Conv2D against PyTorch (float64, same weights) and against central differences."""

import numpy as np
import pytest

import aino
from aino.nn import Conv2D, Sequential
from aino.nn.conv import Conv1d, Conv2d, Conv3d
from aino.tensor import Tensor

from nn_helpers import (assert_close, assert_forward_backward_match, assert_grads_match_central_differences,
                        assert_weight_and_bias_grads_match, rand, torch_pair)

torch = pytest.importorskip("torch")

LAYERS = {1: (Conv1d, torch.nn.Conv1d), 2: (Conv2d, torch.nn.Conv2d), 3: (Conv3d, torch.nn.Conv3d)}
SPATIAL = {1: (11,), 2: (9, 8), 3: (6, 5, 7)}

# (dims, in_channels, out_channels, kernel_size, options)
CASES = {
    "1d": (1, 3, 4, 3, {}),
    "1d_stride_pad_dilation": (1, 2, 4, 3, dict(stride=2, padding=2, dilation=2)),
    "1d_groups_no_bias": (1, 4, 6, 2, dict(groups=2, bias=False)),
    "2d": (2, 3, 5, 3, {}),
    "2d_stride": (2, 3, 4, 3, dict(stride=2)),
    "2d_stride_tuple": (2, 2, 4, 3, dict(stride=(2, 1), padding=1)),
    "2d_padding_tuple": (2, 2, 3, 3, dict(padding=(2, 1))),
    "2d_same": (2, 2, 3, 3, dict(padding="same")),
    "2d_same_even_kernel_dilation": (2, 2, 3, (2, 4), dict(padding="same", dilation=(1, 2))),
    "2d_valid": (2, 2, 3, 3, dict(padding="valid")),
    "2d_dilation": (2, 2, 3, 3, dict(dilation=2, padding=1)),
    "2d_dilation_tuple": (2, 2, 3, (2, 3), dict(dilation=(2, 1))),
    "2d_non_square_kernel": (2, 3, 4, (2, 4), dict(padding=(0, 1))),
    "2d_groups": (2, 4, 6, 3, dict(groups=2, padding=1)),
    "2d_depthwise": (2, 4, 4, 3, dict(groups=4, padding=1)),
    "2d_depthwise_multiplier": (2, 3, 6, 3, dict(groups=3, stride=2)),
    "2d_no_bias": (2, 3, 4, 3, dict(bias=False)),
    "2d_pointwise": (2, 3, 4, 1, {}),
    "2d_everything": (2, 4, 6, (3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    "3d": (3, 2, 3, 3, dict(padding=1)),
    "3d_stride_groups": (3, 4, 4, (2, 3, 2), dict(stride=(1, 2, 2), groups=2, bias=False)),
}


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's note on its own speed
@pytest.mark.parametrize("case", CASES)
def test_conv_layers_match_pytorch(case, device):
    dims, cin, cout, kernel, options = CASES[case]
    ours, theirs = torch_pair(*LAYERS[dims], cin, cout, kernel, device=device, **options)
    assert_forward_backward_match(ours, theirs, rand((2, cin, *SPATIAL[dims]), 1), device=device)
    assert_weight_and_bias_grads_match(ours, theirs, bias=options.get("bias", True))


def test_unbatched_input_matches_pytorch(device):
    ours, theirs = torch_pair(Conv2d, torch.nn.Conv2d, 3, 4, 3, padding=1, device=device)
    x = rand((3, 7, 6), 3)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    assert ya.shape == (4, 7, 6)
    assert_close(ya, yt)
    ya.sum().backward()
    yt.sum().backward()
    assert_close(xa.grad, xt.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)


@pytest.mark.parametrize("case", ["1d_stride_pad_dilation", "2d_everything", "2d_depthwise", "3d_stride_groups"])
def test_conv_gradients_match_central_differences(case, device):
    dims, cin, cout, kernel, options = CASES[case]
    layer = LAYERS[dims][0](cin, cout, kernel, **options, dtype="float64")
    x = rand((2, cin, *(min(s, 5) for s in SPATIAL[dims])), 4)
    assert_grads_match_central_differences(layer, x, weights_seed=5, device=device)


def test_float32_stays_float32(device):
    layer = Conv2d(3, 8, 3, padding=1, device=device)
    x = Tensor(rand((2, 3, 6, 6), 6).astype(np.float32), requires_grad=True, device=device)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32
    assert layer.weight.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == np.float32


def test_parameters_have_pytorchs_shapes_keys_and_initial_distribution(device):
    ours, theirs = Conv2d(64, 48, (3, 5), groups=4, device=device), torch.nn.Conv2d(64, 48, (3, 5), groups=4)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    bound = 1 / np.sqrt(64 // 4 * 15)  # fan_in = in_channels / groups * kernel area
    weights = ours.weight.numpy()
    assert np.abs(weights).max() <= bound
    np.testing.assert_allclose(weights.std(), bound / np.sqrt(3), rtol=0.02)  # std of U(-b, b)
    np.testing.assert_allclose(weights.std(), theirs.weight.detach().numpy().std(), rtol=0.03)
    assert np.abs(ours.bias.numpy()).max() <= bound


def test_conv2d_alias_of_document_004(device):
    conv = Conv2D(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1, device=device, dtype=np.float32)
    assert conv(Tensor(np.zeros((2, 3, 28, 28), dtype=np.float32), device=device)).shape == (2, 16, 28, 28)
    limit = np.sqrt(6 / (3 * 9 + 16 * 9))  # Xavier: fans in_channels * 9 and out_channels * 9
    np.testing.assert_allclose(conv.weight.numpy().std(), limit / np.sqrt(3), rtol=0.1)
    assert conv.weight.shape == (16, 3, 3, 3) and isinstance(conv, Conv2d)


def test_manual_seed_makes_layers_repeatable():
    aino.manual_seed(7)
    first = Conv1d(2, 3, 4).weight.numpy()
    aino.manual_seed(7)
    np.testing.assert_array_equal(Conv1d(2, 3, 4).weight.numpy(), first)


def test_bad_input_and_arguments_give_clear_errors():
    with pytest.raises(ValueError, match=r"Conv2d\(3 -> 16\) expected input of shape \(N, 3, H, W\), got \(8, 1, 28, 28\)"):
        Conv2d(3, 16, 3)(Tensor(np.zeros((8, 1, 28, 28))))
    with pytest.raises(ValueError, match=r"Conv1d\(2 -> 2\) expected input of shape \(N, 2, L\), got \(2, 2, 3, 3\)"):
        Conv1d(2, 2, 3)(Tensor(np.zeros((2, 2, 3, 3))))
    with pytest.raises(ValueError, match="larger than the padded input"):
        Conv2d(1, 1, 5)(Tensor(np.zeros((1, 1, 3, 3))))
    with pytest.raises(ValueError, match="divisible by groups=2"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        Conv2d(3, 4, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="only padding_mode='zeros'"):
        Conv2d(3, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a tuple of 3 ints, got \(3, 3\)"):
        Conv3d(3, 4, (3, 3))
    with pytest.raises(ValueError, match="stride must be an integer >= 1, got 0"):
        Conv2d(3, 4, 3, stride=0)


def test_small_cnn_learns_to_tell_bars_from_stripes(device):
    """A Conv-ReLU-Conv network trained with Adam separates vertical from horizontal bars."""
    rng = np.random.default_rng(8)
    images = rng.normal(scale=0.3, size=(64, 1, 6, 6))
    labels = rng.integers(0, 2, size=64)
    for image, label, where in zip(images, labels, rng.integers(0, 6, size=64)):
        if label:
            image[0, :, where] += 1.0
        else:
            image[0, where, :] += 1.0
    aino.manual_seed(0)
    model = Sequential(Conv2d(1, 4, 3, padding="same"), aino.nn.ReLU(), Conv2d(4, 2, 6), device=device)
    optimizer = aino.optim.Adam(model.parameters(), lr=0.05)
    x, y = Tensor(images.astype(np.float32), device=device), Tensor(labels, device=device)
    for _ in range(60):
        optimizer.zero_grad()
        loss = aino.nn.CrossEntropyLoss()(model(x).reshape(64, 2), y)
        loss.backward()
        optimizer.step()
    accuracy = (model(x).numpy().reshape(64, 2).argmax(axis=1) == labels).mean()
    assert accuracy > 0.95

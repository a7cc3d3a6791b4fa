"""ConvTranspose1d/2d/3d and aino.ops.conv_transpose against PyTorch (float64, PyTorch's weights loaded from its
state_dict), against central differences, and their errors."""

import numpy as np
import pytest

from aino.nn.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from aino.ops.conv_transpose import conv_transpose
from aino.tensor import Tensor

from nn_helpers import (assert_close, assert_forward_backward_match, assert_grads_match_central_differences,
                        assert_weight_and_bias_grads_match, rand, torch_pair)

torch = pytest.importorskip("torch")
F = torch.nn.functional

LAYERS = {1: (ConvTranspose1d, torch.nn.ConvTranspose1d), 2: (ConvTranspose2d, torch.nn.ConvTranspose2d),
          3: (ConvTranspose3d, torch.nn.ConvTranspose3d)}

# (dims, batch, in_channels, out_channels, kernel_size, input spatial sizes, options)
CASES = {
    "1d": (1, 2, 3, 4, 3, (6,), {}),
    "1d_stride_padding_output_padding": (1, 2, 2, 3, 3, (5,), dict(stride=3, padding=2, output_padding=2)),
    "1d_dilation_output_padding": (1, 2, 2, 2, 2, (4,), dict(dilation=3, output_padding=2)),
    "1d_groups_no_bias": (1, 2, 4, 6, 3, (5,), dict(groups=2, bias=False)),
    "1d_size_1_input": (1, 2, 2, 3, 4, (1,), dict(stride=2)),
    "2d": (2, 2, 3, 4, 3, (4, 5), {}),
    "2d_stride": (2, 2, 3, 2, 3, (4, 3), dict(stride=2)),
    "2d_stride_tuple_padding": (2, 2, 2, 3, (3, 2), (3, 4), dict(stride=(2, 3), padding=(1, 0))),
    "2d_output_padding": (2, 2, 2, 2, 3, (3, 3), dict(stride=2, padding=1, output_padding=1)),
    "2d_output_padding_tuple": (2, 1, 2, 3, 3, (3, 4), dict(stride=(3, 2), output_padding=(2, 0))),
    "2d_dilation": (2, 2, 2, 3, 3, (4, 4), dict(dilation=2, padding=2)),
    "2d_groups": (2, 2, 4, 6, 3, (3, 4), dict(groups=2, stride=2)),
    "2d_depthwise": (2, 2, 3, 3, 2, (4, 4), dict(groups=3)),
    "2d_no_bias": (2, 2, 3, 4, 3, (4, 4), dict(bias=False)),
    "2d_batch_1_channels_1": (2, 1, 1, 1, 3, (3, 3), dict(stride=2)),
    "2d_size_1_spatial": (2, 2, 2, 3, (1, 3), (1, 4), dict(stride=(1, 2))),
    "2d_pointwise": (2, 2, 3, 2, 1, (3, 3), {}),
    "2d_everything": (2, 2, 4, 6, (3, 2), (3, 4), dict(stride=(2, 3), padding=(1, 1), output_padding=(1, 2),
                                                        dilation=(1, 2), groups=2)),
    "3d": (3, 2, 2, 3, 2, (3, 2, 3), dict(stride=2)),
    "3d_everything": (3, 1, 2, 4, (2, 3, 2), (2, 3, 2), dict(stride=(1, 2, 2), padding=(0, 1, 1),
                                                             output_padding=(0, 1, 0), groups=2, bias=False)),
}


@pytest.mark.parametrize("case", CASES)
def test_conv_transpose_layers_match_pytorch(case, device):
    dims, batch, cin, cout, kernel, spatial, options = CASES[case]
    ours, theirs = torch_pair(*LAYERS[dims], cin, cout, kernel, device=device, **options)
    assert_forward_backward_match(ours, theirs, rand((batch, cin, *spatial), 1), device=device)
    assert_weight_and_bias_grads_match(ours, theirs, bias=options.get("bias", True))


@pytest.mark.parametrize("case", ["1d_stride_padding_output_padding", "2d_everything", "3d_everything"])
def test_conv_transpose_function_matches_torchs(case, device):
    dims, batch, cin, cout, kernel, spatial, options = CASES[case]
    options = dict(options)
    bias = options.pop("bias", True)
    kernel = (kernel,) * dims if isinstance(kernel, int) else kernel
    x, w = rand((batch, cin, *spatial), 3), rand((cin, cout // options.get("groups", 1), *kernel), 4)
    b = rand((cout,), 5) if bias else None
    tensors = [Tensor(v, requires_grad=True, device=device) for v in (x, w, b) if v is not None]
    references = [torch.tensor(v, requires_grad=True) for v in (x, w, b) if v is not None]
    ya = conv_transpose(*tensors[:2], tensors[2] if bias else None, **options)
    yt = getattr(F, f"conv_transpose{dims}d")(*references[:2], references[2] if bias else None, **options)
    assert_close(ya, yt)
    grad = rand(ya.shape, 6)
    ya.backward(Tensor(grad, device=device))
    yt.backward(torch.from_numpy(grad))
    for ours, theirs in zip(tensors, references):
        assert_close(ours.grad, theirs.grad)


def test_unbatched_input_matches_pytorch(device):
    ours, theirs = torch_pair(ConvTranspose2d, torch.nn.ConvTranspose2d, 3, 2, 3, stride=2, device=device)
    x = rand((3, 4, 5), 7)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    assert ya.shape == tuple(yt.shape) == (2, 9, 11)
    assert_close(ya, yt)
    ya.sum().backward()
    yt.sum().backward()
    assert_close(xa.grad, xt.grad)
    w = rand((3, 2, 3), 8)
    assert_close(conv_transpose(Tensor(x[:, 0], device=device), Tensor(w, device=device), stride=2), F.conv_transpose1d(
        torch.tensor(x[:, 0]), torch.tensor(w), stride=2))


@pytest.mark.parametrize("output_size", [(9, 9), (10, 10), (9, 10), (1, 1, 10, 9)])
def test_output_size_picks_the_output_padding_as_pytorch(output_size, device):
    ours, theirs = torch_pair(ConvTranspose2d, torch.nn.ConvTranspose2d, 1, 2, 3, stride=2, padding=0, device=device)
    x = rand((1, 1, 4, 4), 9)
    ya, yt = ours(Tensor(x, device=device), output_size=output_size), theirs(torch.tensor(x), output_size=output_size)
    assert ya.shape == tuple(yt.shape)
    assert_close(ya, yt)


@pytest.mark.parametrize("case", ["1d_stride_padding_output_padding", "2d_everything"])
def test_conv_transpose_gradients_match_central_differences(case, device):
    dims, batch, cin, cout, kernel, spatial, options = CASES[case]
    layer = LAYERS[dims][0](cin, cout, kernel, **options, dtype="float64")
    assert_grads_match_central_differences(layer, rand((batch, cin, *spatial), 10), weights_seed=11, device=device)


def test_float32_stays_float32(device):
    layer = ConvTranspose2d(3, 4, 3, stride=2, device=device)
    x = Tensor(rand((2, 3, 4, 4), 12).astype(np.float32), requires_grad=True, device=device)
    y = layer(x)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and layer.weight.grad.dtype == np.float32


def test_parameters_have_pytorchs_shapes_keys_and_initial_distribution(device):
    ours = ConvTranspose2d(48, 64, (3, 5), groups=4, device=device)
    theirs = torch.nn.ConvTranspose2d(48, 64, (3, 5), groups=4)
    shapes = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert {k: v.shape for k, v in ours.state_dict().items()} == shapes
    assert ours.weight.shape == (48, 16, 3, 5)  # (in_channels, out_channels / groups, *kernel_size)
    bound = 1 / np.sqrt(64 // 4 * 15)  # PyTorch's fan_in of this weight: out_channels / groups * kernel area
    weights = ours.weight.numpy()
    assert np.abs(weights).max() <= bound
    np.testing.assert_allclose(weights.std(), bound / np.sqrt(3), rtol=0.02)  # std of U(-b, b)
    np.testing.assert_allclose(weights.std(), theirs.weight.detach().numpy().std(), rtol=0.03)
    assert np.abs(ours.bias.numpy()).max() <= bound
    assert np.abs(ours.bias.numpy()).max() > bound / 2  # drawn from the whole range, not a narrower one


def test_repr_names_the_options():
    text = repr(ConvTranspose2d(2, 4, 3, stride=2, output_padding=1, groups=2, bias=False))
    assert text.startswith("ConvTranspose2d(") and "output_padding=(1, 1)" in text and "groups=2" in text


def test_bad_arguments_give_clear_errors():
    with pytest.raises(ValueError, match="ConvTranspose2d: output_padding must be smaller than either stride or "
                                         "dilation"):
        ConvTranspose2d(1, 1, 3, output_padding=1)
    with pytest.raises(ValueError, match="ConvTranspose1d: output_padding must be smaller"):
        ConvTranspose1d(1, 1, 3, stride=2, dilation=2, output_padding=2)
    with pytest.raises(ValueError, match="divisible by groups=2"):
        ConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match='ConvTranspose2d: only "zeros" padding mode'):
        ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(TypeError, match="ConvTranspose2d: padding must be an int or a tuple of 2 ints, got str"):
        ConvTranspose2d(1, 1, 3, padding="same")
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(2 -> 1\) expected input of shape \(N, 2, H, W\), "
                                         r"got \(1, 3, 4, 4\)"):
        ConvTranspose2d(2, 1, 3)(Tensor(np.zeros((1, 3, 4, 4))))
    with pytest.raises(ValueError, match=r"requested an output size of \(12, 12\), but valid sizes range from "
                                         r"\(9, 9\) to \(10, 10\)"):
        ConvTranspose2d(1, 1, 3, stride=2)(Tensor(np.zeros((1, 1, 4, 4))), output_size=(12, 12))
    with pytest.raises(ValueError, match="padding .* leaves no output"):
        ConvTranspose1d(1, 1, 1, padding=2)(Tensor(np.zeros((1, 1, 2))))
    with pytest.raises(RuntimeError, match=r"conv_transpose: expected weight of shape \(3, out_channels / groups"):
        conv_transpose(Tensor(np.zeros((1, 3, 4))), Tensor(np.zeros((2, 1, 3))))
    with pytest.raises(ValueError, match="conv_transpose: output_padding must be smaller"):
        conv_transpose(Tensor(np.zeros((1, 1, 4))), Tensor(np.zeros((1, 1, 3))), output_padding=1)

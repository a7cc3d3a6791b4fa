"""Each road Convolution takes through its products matches PyTorch (float64, same weights).

The op picks, by shape: the samples first or last in its columns, its products one per sample or one long
product each, dL/dx by col2im or as a full convolution. Small test shapes mostly take the samples-last road,
so the cases here are sized to take each of the others.
"""

import pytest
from nn_helpers import (
    assert_forward_backward_match,
    assert_weight_and_bias_grads_match,
    rand,
    torch_pair,
)

from aino.nn.conv import Conv1d, Conv2d
from aino.ops.conv import SHORT_ROW
from aino.tensor import Tensor

torch = pytest.importorskip("torch")

# name: (layer, torch layer, (in, out, kernel), options, input shape, the road it should take)
CASES = {
    # samples first (rows of SHORT_ROW or more), products per sample (positions >= 4 C K), dx by col2im (stride 2)
    "first_per_sample_col2im": (Conv2d, torch.nn.Conv2d, (1, 4, 3), dict(stride=2), (3, 1, 40, 40)),
    # samples first, one long product each, dx as a full convolution ('same' padding, stride 1)
    "first_long_full_convolution": (Conv1d, torch.nn.Conv1d, (6, 6, 5), dict(padding=2), (3, 6, SHORT_ROW + 4)),
    # samples first, one long product each, dx by col2im (stride 2)
    "first_long_col2im": (Conv1d, torch.nn.Conv1d, (6, 6, 5), dict(stride=2, padding=1), (3, 6, 2 * SHORT_ROW + 4)),
    # samples first, products per sample because a sample's windows fit in cache (C K S_out <= SAMPLE_WINDOWS,
    # rows of 2 SHORT_ROW or more) though they are not short, dL/dW one long product, dx as a full convolution
    "first_per_sample_cached_full_convolution": (Conv1d, torch.nn.Conv1d, (6, 6, 5), dict(padding=2),
                                                 (3, 6, 2 * SHORT_ROW + 8)),
    # the same road with stride 2: dx by col2im
    "first_per_sample_cached_col2im": (Conv1d, torch.nn.Conv1d, (6, 6, 5), dict(stride=2, padding=1),
                                       (3, 6, 4 * SHORT_ROW + 16)),
    # samples first, grouped, products per sample and dx by col2im (more outputs than inputs)
    "first_groups": (Conv2d, torch.nn.Conv2d, (2, 6, 3), dict(groups=2, padding=1), (2, 2, 20, 20)),
    # samples first, dilated, no bias
    "first_dilation_no_bias": (Conv1d, torch.nn.Conv1d, (3, 2, 3), dict(dilation=3, bias=False), (2, 3, 40)),
    # samples last (short rows), dx by col2im
    "last": (Conv2d, torch.nn.Conv2d, (4, 3, 3), dict(padding=1), (5, 4, 6, 6)),
}


def road(layer, x_shape, device="cpu"):
    """(samples last, products per sample, dL/dW per sample too (short windows), dx as a full convolution) for
    the layer on an input of x_shape, as the op decides them: run the layer once and read them off its op."""
    op = layer(Tensor(rand(x_shape, seed=0), requires_grad=True, dtype="float64", device=device))._ctx
    return op.batch_last, op.per_sample, op.short_windows, op.full_convolution_pays(layer.out_channels)


@pytest.mark.parametrize("case", CASES)
def test_every_road_matches_pytorch(case, device):
    ours_class, theirs_class, args, options, x_shape = CASES[case]
    ours, theirs = torch_pair(ours_class, theirs_class, *args, device=device, **options)
    assert_forward_backward_match(ours, theirs, rand(x_shape, seed=1), device=device)
    assert_weight_and_bias_grads_match(ours, theirs, bias=options.get("bias", True))


def test_the_cases_take_the_roads_they_name(device):
    roads = {name: road(torch_pair(ours, theirs, *args, device=device, **options)[0], x_shape, device)
             for name, (ours, theirs, args, options, x_shape) in CASES.items()}
    assert roads["first_per_sample_col2im"] == (False, True, True, False)
    assert roads["first_per_sample_cached_full_convolution"] == (False, True, False, True)
    assert roads["first_per_sample_cached_col2im"] == (False, True, False, False)
    assert roads["first_long_full_convolution"] == (False, False, False, True)
    assert roads["first_long_col2im"] == (False, False, False, False)
    assert roads["first_groups"][:2] == (False, True)
    assert roads["last"][0]


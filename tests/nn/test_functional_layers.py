"""aino.nn.functional's convolutions and pools against torch.nn.functional (float64, forward and the
gradients of input, weight and bias), every option, batches of one, unbatched inputs and size-1 axes; bad
arguments raise errors that name the function."""

import pytest
from functional_parity import TF, F, compare, rand, torch

from aino.tensor import Tensor

# (dims, input shape, weight shape, options)
CONVOLUTIONS = [
    (1, (2, 3, 7), (4, 3, 3), {}),
    (1, (1, 3, 7), (4, 3, 3), {"stride": 2, "padding": 1}),
    (1, (3, 7), (4, 3, 3), {"dilation": 2}),
    (1, (2, 4, 6), (4, 2, 3), {"groups": 2, "padding": "same"}),
    (1, (2, 4, 6), (4, 1, 2), {"groups": 4, "padding": "same", "dilation": 3}),
    (1, (2, 3, 5), (2, 3, 5), {"padding": "valid"}),
    (1, (2, 1, 1), (1, 1, 1), {}),
    (2, (2, 3, 6, 5), (4, 3, 3, 3), {}),
    (2, (1, 3, 6, 5), (4, 3, 3, 2), {"stride": (2, 1), "padding": (1, 0)}),
    (2, (3, 6, 5), (4, 3, 2, 2), {"dilation": (2, 1), "padding": "same"}),
    (2, (2, 4, 5, 5), (6, 2, 3, 3), {"groups": 2, "stride": 2, "padding": 2}),
    (2, (2, 1, 1, 1), (1, 1, 1, 1), {}),
    (2, (0, 3, 4, 4), (2, 3, 3, 3), {}),
    (3, (1, 2, 4, 5, 4), (3, 2, 2, 3, 2), {}),
    (3, (2, 2, 4, 4, 4), (2, 1, 3, 3, 3), {"groups": 2, "padding": 1, "stride": (1, 2, 1)}),
    (3, (2, 4, 3, 4), (2, 2, 2, 2, 2), {"padding": "same"}),
]


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no bias"])
@pytest.mark.parametrize("dims, x_shape, w_shape, options", CONVOLUTIONS, ids=str)
def test_conv_matches_torch(dims, x_shape, w_shape, options, with_bias, device):
    name = f"conv{dims}d"
    bias = rand(w_shape[0], seed=3) if with_bias else None
    compare(lambda x, w, b: getattr(F, name)(x, w, b, **options),
            lambda x, w, b: getattr(TF, name)(x, w, b, **options), rand(*x_shape), rand(*w_shape, seed=2), bias,
            device=device)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(Tensor(rand(1, 3, 5, 5)), Tensor(rand(4, 2, 3, 3))), r"F.conv2d expected input of shape \(N, 2"),
    (lambda: F.conv2d(Tensor(rand(1, 3, 5, 5)), Tensor(rand(4, 3, 3))), "F.conv2d: expected weight"),
    (lambda: F.conv2d(Tensor(rand(1, 4, 5, 5)), Tensor(rand(3, 2, 3, 3)), groups=2), "F.conv2d: expected out_channels"),
    (lambda: F.conv2d(Tensor(rand(1, 3, 5, 5)), Tensor(rand(4, 3, 3, 3)), Tensor(rand(3))), "F.conv2d: expected bias"),
    (lambda: F.conv2d(Tensor(rand(1, 3, 2, 2)), Tensor(rand(4, 3, 3, 3))), "F.conv2d: kernel"),
    (lambda: F.conv1d(Tensor(rand(1, 3, 5)), Tensor(rand(4, 3, 3)), padding="full"), "F.conv1d: padding"),
    (lambda: F.conv1d(Tensor(rand(1, 3, 5)), Tensor(rand(4, 3, 3)), stride=2, padding="same"), "F.conv1d: padding='same'"),
    (lambda: F.conv1d(Tensor(rand(1, 3, 5)), Tensor(rand(4, 3, 3)), stride=0), "F.conv1d: stride"),
    (lambda: F.conv3d(Tensor(rand(1, 3, 5)), Tensor(rand(4, 3, 3, 3, 3))), "F.conv3d expected input"),
], ids=["channels", "weight ndim", "groups", "bias", "window", "padding word", "same stride", "stride", "ndim"])
def test_conv_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


# --- pools ---------------------------------------------------------------------------------------

# (dims, input shape, options)
MAX_POOLS = [
    (1, (2, 3, 8), {"kernel_size": 2}),
    (1, (3, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (1, (1, 1, 9), {"kernel_size": 2, "dilation": 3}),
    (2, (2, 3, 6, 6), {"kernel_size": 2}),
    (2, (1, 2, 7, 5), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1)}),
    (2, (2, 5, 5), {"kernel_size": 2, "stride": 1, "dilation": 2}),
    (2, (1, 1, 1, 1), {"kernel_size": 1}),
    (3, (1, 2, 4, 4, 4), {"kernel_size": 2}),
    (3, (2, 4, 5, 4), {"kernel_size": (2, 3, 2), "stride": 1, "padding": (1, 1, 0)}),
]
AVG_POOLS = [
    (1, (2, 3, 8), {"kernel_size": 2}),
    (1, (3, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (1, (3, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    (2, (2, 3, 6, 6), {"kernel_size": 2}),
    (2, (1, 2, 7, 5), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "count_include_pad": False}),
    (2, (2, 5, 5), {"kernel_size": 3, "padding": 1, "divisor_override": 4}),
    (2, (1, 1, 1, 1), {"kernel_size": 1}),
    (3, (1, 2, 4, 4, 4), {"kernel_size": 2}),
    (3, (2, 4, 5, 4), {"kernel_size": (2, 3, 2), "stride": 1, "padding": (1, 1, 0), "count_include_pad": False}),
    (3, (1, 2, 4, 4, 4), {"kernel_size": 3, "padding": 1, "divisor_override": 5}),
]


@pytest.mark.parametrize("dims, shape, options", MAX_POOLS, ids=str)
def test_max_pool_matches_torch(dims, shape, options, device):
    name = f"max_pool{dims}d"
    compare(lambda x: getattr(F, name)(x, **options), lambda x: getattr(TF, name)(x, **options), rand(*shape),
            device=device)


@pytest.mark.parametrize("dims, shape, options", AVG_POOLS, ids=str)
def test_avg_pool_matches_torch(dims, shape, options, device):
    name = f"avg_pool{dims}d"
    compare(lambda x: getattr(F, name)(x, **options), lambda x: getattr(TF, name)(x, **options), rand(*shape),
            device=device)


def test_pools_take_positional_arguments_in_torch_order(device):
    x = rand(1, 2, 7, 7)
    compare(lambda t: F.max_pool2d(t, 3, 2, 1, 1), lambda t: TF.max_pool2d(t, 3, 2, 1, 1), x, device=device)
    compare(lambda t: F.avg_pool2d(t, 3, 2, 1, False, False), lambda t: TF.avg_pool2d(t, 3, 2, 1, False, False), x,
            device=device)


@pytest.mark.parametrize("dims, shape, output_size", [
    (1, (2, 3, 8), 3), (1, (3, 7), 7), (1, (1, 1, 5), 1),
    (2, (2, 3, 7, 6), (3, 2)), (2, (2, 3, 7, 6), 1), (2, (3, 5, 5), (None, 2)), (2, (1, 1, 1, 1), 1),
    (3, (1, 2, 5, 4, 3), (2, 3, 1)), (3, (2, 4, 4, 4), 2),
], ids=str)
def test_adaptive_avg_pool_matches_torch(dims, shape, output_size, device):
    name = f"adaptive_avg_pool{dims}d"
    compare(lambda x: getattr(F, name)(x, output_size), lambda x: getattr(TF, name)(x, output_size), rand(*shape),
            device=device)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.max_pool2d(x, 2, padding=2), "F.max_pool2d: padding"),
    (lambda x: F.max_pool2d(x, 0), "F.max_pool2d: kernel_size"),
    (lambda x: F.max_pool2d(x, (2, 2, 2)), "F.max_pool2d: kernel_size"),
    (lambda x: F.max_pool2d(x, 9), "F.max_pool2d: kernel"),
    (lambda x: F.avg_pool1d(x, 2), r"F.avg_pool1d expected input of shape \(N, C, L\)"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), "F.avg_pool2d: divisor_override"),
    (lambda x: F.avg_pool2d(x, 2, count_include_pad="no"), "F.avg_pool2d: count_include_pad"),
    (lambda x: F.adaptive_avg_pool2d(x, (2, 2, 2)), "F.adaptive_avg_pool2d: output_size"),
    (lambda x: F.adaptive_avg_pool2d(x, 0), "F.adaptive_avg_pool2d: output_size"),
], ids=["padding", "kernel 0", "kernel tuple", "window", "ndim", "divisor", "count_include_pad", "adaptive tuple",
        "adaptive 0"])
def test_pool_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call(Tensor(rand(1, 2, 4, 4)))


# --- transposed convolution ----------------------------------------------------------------------

# (dims, input shape, weight shape (in, out / groups, *k), options)
TRANSPOSED = [
    (1, (2, 3, 5), (3, 4, 3), {}),
    (1, (1, 3, 5), (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    (1, (3, 5), (3, 2, 2), {"dilation": 2}),
    (1, (2, 4, 5), (4, 3, 3), {"groups": 2, "stride": 3, "output_padding": 2}),
    (1, (2, 1, 1), (1, 1, 1), {}),
    (2, (2, 3, 4, 5), (3, 4, 3, 3), {}),
    (2, (1, 2, 4, 3), (2, 3, 3, 2), {"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0)}),
    (2, (2, 4, 4), (2, 2, 2, 2), {"dilation": (1, 2), "padding": 1}),
    (2, (2, 4, 3, 3), (4, 1, 3, 3), {"groups": 4, "stride": 2}),
    (3, (1, 2, 3, 2, 3), (2, 2, 2, 2, 2), {"stride": 2, "output_padding": (1, 0, 1)}),
]


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no bias"])
@pytest.mark.parametrize("dims, x_shape, w_shape, options", TRANSPOSED, ids=str)
def test_conv_transpose_matches_torch(dims, x_shape, w_shape, options, with_bias, device):
    name = f"conv_transpose{dims}d"
    groups = options.get("groups", 1)
    bias = rand(w_shape[1] * groups, seed=3) if with_bias else None
    compare(lambda x, w, b: getattr(F, name)(x, w, b, **options),
            lambda x, w, b: getattr(TF, name)(x, w, b, **options), rand(*x_shape), rand(*w_shape, seed=2), bias,
            device=device)


def _transposed(dims, x_shape, w_shape, *args, **options):
    """A call of F.conv_transpose{dims}d on random input and weight of these shapes."""
    return lambda: getattr(F, f"conv_transpose{dims}d")(Tensor(rand(*x_shape)), Tensor(rand(*w_shape)), *args, **options)


@pytest.mark.parametrize("call, message", [
    (_transposed(2, (1, 3, 4, 4), (2, 4, 3, 3)), r"F.conv_transpose2d expected input of shape \(N, 2"),
    (_transposed(2, (1, 3, 4, 4), (3, 4, 3)), "F.conv_transpose2d: expected weight"),
    (_transposed(1, (1, 3, 4), (3, 4, 3), groups=2), "F.conv_transpose1d: expected in_channels"),
    (_transposed(1, (1, 3, 4), (3, 4, 3), Tensor(rand(3))), r"F.conv_transpose1d: expected bias of shape \(4,\)"),
    (_transposed(1, (1, 3, 4), (3, 4, 3), output_padding=1), "output_padding"),
], ids=["channels", "weight", "groups", "bias", "output_padding"])
def test_conv_transpose_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


# --- ceil_mode, return_indices and max_unpool ----------------------------------------------------

CEIL_POOLS = [
    (1, (2, 3, 8), {"kernel_size": 3, "stride": 2}),
    (1, (3, 7), {"kernel_size": 2, "stride": 2, "padding": 1}),
    (2, (2, 2, 7, 6), {"kernel_size": 3, "stride": 2}),
    (2, (1, 1, 5, 5), {"kernel_size": 2, "stride": (2, 3), "padding": 1}),
    (3, (1, 2, 5, 4, 5), {"kernel_size": 2, "stride": 2}),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("dims, shape, options", CEIL_POOLS, ids=str)
def test_pool_ceil_mode_matches_torch(dims, shape, options, kind, device):
    name = f"{kind}_pool{dims}d"
    compare(lambda x: getattr(F, name)(x, ceil_mode=True, **options),
            lambda x: getattr(TF, name)(x, ceil_mode=True, **options), rand(*shape), device=device)


@pytest.mark.parametrize("dims, shape, options", MAX_POOLS + [(2, (1, 2, 7, 6), {"kernel_size": 3, "stride": 2,
                                                                                 "ceil_mode": True})], ids=str)
def test_max_pool_return_indices_and_unpool_match_torch(dims, shape, options, device):
    pool, unpool = f"max_pool{dims}d", f"max_unpool{dims}d"
    values, indices = compare(lambda x: getattr(F, pool)(x, return_indices=True, **options),
                              lambda x: getattr(TF, pool)(x, return_indices=True, **options), rand(*shape),
                              device=device)
    if options.get("dilation", 1) != 1 or options.get("ceil_mode"):
        return  # PyTorch's max_unpool knows no dilation, and its default size assumes floor windows
    unpool_options = {k: options[k] for k in ("kernel_size", "stride", "padding") if k in options}
    compare(lambda v: getattr(F, unpool)(v, indices, output_size=shape[-dims:], **unpool_options),
            lambda v: getattr(TF, unpool)(v, torch.from_numpy(indices.numpy()), output_size=shape[-dims:],
                                          **unpool_options), values.numpy(), device=device,
            host_reads=UNPOOL_CHECK)


UNPOOL_CHECK = 1  # max_unpool reads its indices' two ends back once, to check them against the output planes


@pytest.mark.parametrize("dims, pooled, kernel, output_size", [
    (1, (2, 3, 4), 2, None), (1, (3, 4), 2, (9,)), (2, (1, 2, 3, 3), 2, None), (2, (1, 2, 3, 3), (2, 3), (7, 10)),
    (3, (1, 1, 2, 2, 2), 2, None),
], ids=str)
def test_max_unpool_with_output_size_matches_torch(dims, pooled, kernel, output_size, device):
    kernels = (kernel,) * dims if isinstance(kernel, int) else kernel
    spatial = tuple(n * k for n, k in zip(pooled[-dims:], kernels))  # the input the pooled values came from
    values, indices = getattr(TF, f"max_pool{dims}d")(torch.tensor(rand(*pooled[:-dims], *spatial)), kernel,
                                                      return_indices=True)
    compare(lambda v: getattr(F, f"max_unpool{dims}d")(v, Tensor(indices.numpy(), device=device), kernel,
                                                         output_size=output_size),
            lambda v: getattr(TF, f"max_unpool{dims}d")(v, indices, kernel, output_size=output_size),
            values.numpy(), device=device, host_reads=UNPOOL_CHECK)


def test_max_unpool_bad_arguments():
    values, indices = F.max_pool2d(Tensor(rand(1, 1, 4, 4)), 2, return_indices=True)
    with pytest.raises(TypeError, match="max_unpool2d: expected indices of dtype int64"):
        F.max_unpool2d(values, indices.astype("float64"), 2)
    with pytest.raises(ValueError, match="max_unpool2d: invalid output_size"):
        F.max_unpool2d(values, indices, 2, output_size=(9, 9))
    with pytest.raises(ValueError, match=r"F.max_unpool2d expected input of shape"):
        F.max_unpool2d(Tensor(rand(2, 2)), indices, 2)
    with pytest.raises(TypeError, match="F.max_pool2d: ceil_mode"):
        F.max_pool2d(values, 1, ceil_mode="yes")

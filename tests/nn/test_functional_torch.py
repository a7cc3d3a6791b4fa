"""aino.nn.functional against torch.nn.functional (float64, forward and input gradients): the activations,
softmax, linear, dropout, embedding and one_hot; bad arguments raise errors that name the function.
Convolutions and pools: test_functional_layers.py; losses: test_functional_losses.py; norms and distances:
test_functional_norms.py."""

import inspect
import warnings

import numpy as np
import pytest
from functional_parity import TF, F, central_differences, compare, rand, torch

import aino
from aino.tensor import Tensor

SHAPES = [(3, 4), (1,), (1, 1, 5), (), (0, 3), (2, 1, 3)]


def _torch_parameters(name):
    """(name, default) of each parameter of torch.nn.functional's `name`, or None where Python cannot read them
    (functions written in C, and those behind a dispatcher taking *args)."""
    try:
        parameters = inspect.signature(getattr(TF, name)).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    return [(p.name, p.default) for p in parameters]


@pytest.mark.parametrize("name", F.__all__)
def test_names_arguments_and_defaults_are_torch(name):
    assert hasattr(TF, name)
    theirs = _torch_parameters(name)
    if theirs is not None:
        assert [(p.name, p.default) for p in inspect.signature(getattr(F, name)).parameters.values()] == theirs

# name: (ours, theirs); each elementwise, with input values from a standard normal times 3 (kinks never hit)
ACTIVATIONS = {
    "relu": (F.relu, TF.relu),
    "relu_inplace": (lambda x: F.relu(x, inplace=True), lambda x: TF.relu(x * 1, inplace=True)),
    "relu6": (F.relu6, TF.relu6),
    "leaky_relu": (F.leaky_relu, TF.leaky_relu),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "elu": (F.elu, TF.elu),
    "elu_alpha": (lambda x: F.elu(x, alpha=0.5), lambda x: TF.elu(x, alpha=0.5)),
    "selu": (F.selu, TF.selu),
    "celu": (F.celu, TF.celu),
    "celu_alpha": (lambda x: F.celu(x, alpha=2.0), lambda x: TF.celu(x, alpha=2.0)),
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    "silu": (F.silu, TF.silu),
    "mish": (F.mish, TF.mish),
    "sigmoid": (F.sigmoid, TF.sigmoid),
    "tanh": (F.tanh, TF.tanh),
    "softplus": (F.softplus, TF.softplus),
    "softplus_beta": (lambda x: F.softplus(x, beta=2.0), lambda x: TF.softplus(x, beta=2.0)),
    "softplus_threshold": (lambda x: F.softplus(x, beta=0.5, threshold=1.0), lambda x: TF.softplus(x, 0.5, 1.0)),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "hardtanh_range": (lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: TF.hardtanh(x, -2.0, 0.5)),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),  # PyTorch's backward multiplies by 1/6 in float32: rtol below
    "hardswish": (F.hardswish, TF.hardswish),
    "softsign": (F.softsign, TF.softsign),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_matches_torch(name, shape, device):
    ours, theirs = ACTIVATIONS[name]
    compare(ours, theirs, 3 * rand(*shape), device=device, rtol=1e-7 if name == "hardsigmoid" else 1e-10)


def test_activations_take_arrays():
    x = rand(2, 3)
    np.testing.assert_allclose(F.tanh(x).numpy(), np.tanh(x))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softsign", "tanhshrink"])
def test_integer_input_as_torch(name, device):
    # relu keeps int64, the others give float32
    compare(getattr(F, name), getattr(TF, name), np.array([[-2, 0, 3]]), rtol=1e-6, device=device)


def test_softplus_large_input_is_the_input(device):
    x = np.array([30.0, 100.0, -100.0])
    compare(F.softplus, TF.softplus, x, device=device)


def test_mish_and_hardswish_against_central_differences(device):
    for fn in (F.mish, F.hardswish, F.celu, F.logsigmoid):
        numerical, ours = central_differences(fn, 3 * rand(2, 3), device=device)
        np.testing.assert_allclose(ours, numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.gelu(x, approximate="exact"), "F.gelu: approximate"),
    (lambda x: F.leaky_relu(x, "0.1"), "F.leaky_relu: negative_slope"),
    (lambda x: F.softplus(x, beta=0), "F.softplus: beta"),
    (lambda x: F.celu(x, alpha=0.0), "F.celu: alpha"),
    (lambda x: F.hardtanh(x, 1.0, -1.0), "F.hardtanh: min_val"),
    (lambda x: F.silu(x.astype(int)), "F.silu: expected a floating-point input"),
    (lambda x: F.relu([1.0, 2.0]), "F.relu: expected input to be a Tensor"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_activation_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call(Tensor(rand(2, 3)))


# --- softmax, log_softmax, softmin ---------------------------------------------------------------

SOFTMAXES = {"softmax": (F.softmax, TF.softmax), "log_softmax": (F.log_softmax, TF.log_softmax),
             "softmin": (F.softmin, TF.softmin)}


@pytest.mark.parametrize("shape, dim", [((3, 4), 1), ((3, 4), 0), ((3, 4), -1), ((2, 1, 3), -2), ((1,), 0),
                                        ((), 0), ((), -1), ((2, 3, 1), 2), ((0, 3), 1)], ids=str)
@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_family_matches_torch(name, shape, dim, device):
    ours, theirs = SOFTMAXES[name]
    compare(lambda x: ours(x, dim=dim), lambda x: theirs(x, dim=dim), rand(*shape), device=device)


@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_dtype_casts_first(name, device):
    ours, theirs = SOFTMAXES[name]
    x = rand(2, 3).astype(np.float32)
    compare(lambda t: ours(t, 1, dtype="float64"), lambda t: theirs(t, 1, dtype=torch.float64), x, grad=(),
            rtol=1e-6, device=device)


@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_of_integers_with_a_float_dtype(name, device):
    ours, theirs = SOFTMAXES[name]
    compare(lambda t: ours(t, 0, dtype="float64"), lambda t: theirs(t, 0, dtype=torch.float64), np.array([1, 3, 2]),
            device=device)
    with pytest.raises(TypeError, match=f"F.{name}: expected a floating-point input"):
        ours(Tensor(np.array([1, 3, 2]), device=device), 0)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 5)], ids=str)
@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_implicit_dim_is_torch_choice_with_a_warning(name, shape, device):
    ours, theirs = SOFTMAXES[name]
    with pytest.warns(UserWarning, match="implicit dimension"):
        result = ours(Tensor(rand(*shape), device=device))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = theirs(torch.tensor(rand(*shape)))
    np.testing.assert_allclose(result.numpy(), expected.numpy(), rtol=1e-10)


def test_softmax_bad_dim_names_the_function():
    with pytest.raises(IndexError, match="F.softmax"):
        F.softmax(Tensor(rand(2, 3)), dim=2)
    with pytest.raises(TypeError, match="F.log_softmax: dim"):
        F.log_softmax(Tensor(rand(2, 3)), dim=1.0)


# --- linear and bilinear -------------------------------------------------------------------------


@pytest.mark.parametrize("x_shape, w_shape, with_bias", [
    ((4, 3), (5, 3), True), ((4, 3), (5, 3), False), ((3,), (5, 3), True), ((2, 1, 3), (1, 3), True),
    ((1, 3), (3,), False), ((0, 3), (2, 3), True),
], ids=str)
def test_linear_matches_torch(x_shape, w_shape, with_bias, device):
    bias = rand(w_shape[0], seed=3) if with_bias and len(w_shape) == 2 else None
    compare(F.linear, TF.linear, rand(*x_shape), rand(*w_shape, seed=2), bias, device=device)


@pytest.mark.parametrize("lead, with_bias", [((4,), True), ((4,), False), ((2, 3), True), ((1,), True)], ids=str)
def test_bilinear_matches_torch(lead, with_bias, device):
    bias = rand(5, seed=4) if with_bias else None
    compare(F.bilinear, TF.bilinear, rand(*lead, 3), rand(*lead, 2, seed=2), rand(5, 3, 2, seed=3), bias,
            device=device)


@pytest.mark.parametrize("call, message", [
    (lambda: F.linear(Tensor(rand(4, 3)), Tensor(rand(5, 2))), "F.linear: expected input"),
    (lambda: F.linear(Tensor(rand(4, 3)), Tensor(rand(5, 3)), Tensor(rand(4))), r"F.linear: expected bias of shape \(5,\)"),
    (lambda: F.bilinear(Tensor(rand(4, 3)), Tensor(rand(4, 2)), Tensor(rand(5, 2, 3))), "F.bilinear: expected"),
    (lambda: F.linear(Tensor(rand(4, 3)), "w"), "F.linear: expected weight"),
], ids=["features", "bias", "bilinear", "weight type"])
def test_linear_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()


# --- dropout -------------------------------------------------------------------------------------


def test_dropout_in_training_zeroes_about_p_and_scales_the_rest(device):
    aino.manual_seed(0)
    x = Tensor(np.ones((200, 50)), requires_grad=True, device=device)
    y = F.dropout(x, p=0.3)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7)
    y.backward(Tensor(np.ones((200, 50)), device=device))
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.7)  # dL/dx = keep / (1 - p)


@pytest.mark.parametrize("fn", [F.dropout, F.dropout1d, F.dropout2d, F.dropout3d])
def test_dropout_off_and_at_the_ends(fn, device):
    shape = {F.dropout: (3, 4), F.dropout1d: (3, 4, 5), F.dropout2d: (2, 3, 4, 5), F.dropout3d: (2, 3, 2, 2, 2)}[fn]
    x = Tensor(rand(*shape), device=device)
    assert fn(x, p=0.5, training=False) is x
    assert fn(x, p=0.0) is x
    assert not fn(x, p=1.0).numpy().any()
    compare(lambda t: fn(t, 0.5, False), lambda t: getattr(TF, fn.__name__)(t, 0.5, False), rand(*shape), device=device)


@pytest.mark.parametrize("fn, shape, kept_axes", [
    (F.dropout1d, (6, 8, 10), 2), (F.dropout1d, (8, 10), 1), (F.dropout2d, (6, 8, 3, 3), 2),
    (F.dropout2d, (6, 8, 10), 2), (F.dropout3d, (4, 6, 2, 2, 2), 2), (F.dropout3d, (8, 2, 2, 2), 1),
], ids=str)
def test_channel_dropout_drops_whole_channels(fn, shape, kept_axes, device):
    aino.manual_seed(1)
    y = fn(Tensor(np.ones(shape), device=device), p=0.5).numpy()
    channels = y.reshape(*shape[:kept_axes], -1)
    assert np.all((channels == 0).all(axis=-1) | (channels == 2.0).all(axis=-1))  # each channel whole
    assert 0 < (channels == 0).all(axis=-1).mean() < 1


@pytest.mark.parametrize("call, message", [
    (lambda x: F.dropout(x, p=1.5), r"F.dropout: p \(the probability"),
    (lambda x: F.dropout(x, p="0.5"), "F.dropout: p"),
    (lambda x: F.dropout2d(x, p=0.5), "F.dropout2d: expected a 3-d or 4-d input"),
    (lambda x: F.dropout1d(Tensor(rand(2, 3, 4, 5))), "F.dropout1d: expected a 2-d or 3-d input"),
], ids=["p range", "p type", "2d shape", "1d shape"])
def test_dropout_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call(Tensor(rand(2, 3)))


# --- embedding and one_hot -----------------------------------------------------------------------


@pytest.mark.parametrize("indices, padding_idx", [
    (np.array([[0, 2, 1], [2, 2, 3]]), None), (np.array([1]), None), (np.array(3), None),
    (np.array([[0, 2, 1], [2, 2, 3]]), 2), (np.array([0, 3, 3]), -1), (np.zeros((0, 2), dtype=np.int64), None),
], ids=str)
def test_embedding_matches_torch(indices, padding_idx, device):
    compare(lambda i, w: F.embedding(i, w, padding_idx=padding_idx),
            lambda i, w: TF.embedding(i, w, padding_idx=padding_idx), indices, rand(4, 3), device=device, grad=(1,))


@pytest.mark.parametrize("call, message", [
    (lambda w: F.embedding(Tensor(np.array([0, 4])), w), r"F.embedding: expected indices in \[0, 4\)"),
    (lambda w: F.embedding(Tensor(np.array([0.0, 1.0])), w), "F.embedding: expected integer indices"),
    (lambda w: F.embedding(Tensor(np.array([0])), w, padding_idx=4), "F.embedding: padding_idx"),
    (lambda w: F.embedding(Tensor(np.array([0])), w, max_norm=1.0), "F.embedding: max_norm"),
    (lambda w: F.embedding(Tensor(np.array([0])), Tensor(rand(4))), "F.embedding: expected weight"),
], ids=["range", "float indices", "padding_idx", "max_norm", "weight shape"])
def test_embedding_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call(Tensor(rand(4, 3)))


@pytest.mark.parametrize("indices, num_classes", [
    (np.array([0, 2, 1]), -1), (np.array([[0, 2], [1, 1]]), 4), (np.array(1), 3), (np.array([0]), 1),
    (np.zeros((0,), dtype=np.int64), 3),
], ids=str)
def test_one_hot_matches_torch(indices, num_classes, device):
    # the indices' two ends are read back once: checked against num_classes (and the width taken from the top)
    compare(lambda i: F.one_hot(i, num_classes), lambda i: TF.one_hot(i, num_classes), indices, device=device,
            host_reads=1)


def test_one_hot_bad_arguments():
    with pytest.raises(ValueError, match="one_hot"):
        F.one_hot(Tensor(np.array([0, 3])), 3)
    with pytest.raises(TypeError, match="F.one_hot: expected integer indices"):
        F.one_hot(Tensor(np.array([0.0, 1.0])))


def test_scaled_dot_product_attention_is_exported(device):
    mask = np.tril(np.ones((3, 4), dtype=bool))
    compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=Tensor(mask, device=device)),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(mask)),
            rand(2, 3, 5), rand(2, 4, 5, seed=2), rand(2, 4, 6, seed=3), device=device)
    compare(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True),
            rand(1, 4, 2), rand(1, 4, 2, seed=2), rand(1, 4, 3, seed=3), device=device)


# --- pad and interpolate -------------------------------------------------------------------------


@pytest.mark.parametrize("shape, pad, mode, value", [
    ((2, 3, 4), (1, 2), "constant", None), ((2, 3, 4), (1, 0, 2, 1), "constant", 1.5),
    ((2, 3, 4), (-1, 2, 0, -2), "constant", None), ((1, 2, 3, 4), (1, 1, 1, 1, 1, 1), "constant", -2.0),
    ((2, 3, 4), (2, 1), "reflect", None), ((1, 2, 3, 4), (1, 2, 2, 1), "reflect", None),
    ((2, 3, 4), (3, 1), "replicate", None), ((1, 2, 3, 4), (1, 2, 2, 0), "replicate", None),
    ((2, 3, 4), (2, 3), "circular", None), ((1, 2, 3, 4), (1, 2, 2, 1), "circular", None),
    ((1, 1, 1), (1, 1), "replicate", None), ((3,), (0, 0), "constant", None),
], ids=str)
def test_pad_matches_torch(shape, pad, mode, value, device):
    compare(lambda x: F.pad(x, pad, mode, value), lambda x: TF.pad(x, pad, mode, value), rand(*shape), device=device)


@pytest.mark.parametrize("shape, options", [
    ((2, 3, 5), {"size": 8}), ((2, 3, 5), {"scale_factor": 2}), ((1, 1, 4), {"size": 3, "mode": "linear"}),
    ((2, 3, 5), {"scale_factor": 1.5, "mode": "linear", "align_corners": True}),
    ((1, 2, 3, 4), {"size": (5, 7)}), ((1, 2, 3, 4), {"scale_factor": (2, 3), "mode": "bilinear"}),
    ((1, 2, 4, 4), {"size": 6, "mode": "bilinear", "align_corners": True}),
    ((1, 2, 4, 4), {"size": (2, 3), "mode": "bilinear"}), ((1, 1, 1, 1), {"size": 3, "mode": "bilinear"}),
    ((1, 2, 5, 4), {"size": (3, 2), "mode": "area"}), ((1, 2, 4, 3), {"size": (7, 5), "mode": "nearest-exact"}),
    ((1, 1, 2, 3, 2), {"scale_factor": 2, "mode": "trilinear"}),
], ids=str)
def test_interpolate_matches_torch(shape, options, device):
    compare(lambda x: F.interpolate(x, **options), lambda x: TF.interpolate(x, **options), rand(*shape),
            device=device)


def test_upsample_is_interpolate_with_a_warning(device):
    with pytest.warns(UserWarning, match="F.upsample is deprecated"):
        ours = F.upsample(Tensor(rand(1, 2, 3, 3), device=device), scale_factor=2, mode="bilinear")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = TF.upsample(torch.tensor(rand(1, 2, 3, 3)), scale_factor=2, mode="bilinear")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.pad(x, (1,)), "pad"), (lambda x: F.pad(x, (1, 1), mode="wrap"), "mode"),
    (lambda x: F.pad(x, 1), "pad must be a tuple"),
    (lambda x: F.interpolate(x, size=4, scale_factor=2), "only one of size or scale_factor"),
    (lambda x: F.interpolate(x, size=4, mode="bilinear"), "interpolate: mode 'bilinear' needs 4-D input"),
    (lambda x: F.interpolate(x, size=4, antialias=True), "F.interpolate: antialias"),
    (lambda x: F.interpolate(x, size=4, mode="nearest", align_corners=True), "align_corners"),
], ids=["pad odd", "pad mode", "pad int", "size and scale", "mode ndim", "antialias", "align_corners"])
def test_pad_and_interpolate_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call(Tensor(rand(1, 2, 3)))


def test_a_small_network_written_with_functional_calls_matches_torch(device):
    """conv -> relu -> max pool -> dropout (off) -> linear -> log_softmax -> nll, as a paper's forward() is written."""

    def forward(nn_functional, x, conv_w, conv_b, fc_w, fc_b, target):
        h = nn_functional.max_pool2d(nn_functional.relu(nn_functional.conv2d(x, conv_w, conv_b, padding=1)), 2)
        h = nn_functional.dropout(h.reshape(h.shape[0], -1), 0.5, training=False)
        return nn_functional.nll_loss(nn_functional.log_softmax(nn_functional.linear(h, fc_w, fc_b), dim=1), target)

    target = np.array([0, 2, 1])
    compare(lambda *a: forward(F, *a, Tensor(target, device=device)), lambda *a: forward(TF, *a, torch.tensor(target)),
            rand(3, 2, 4, 4), rand(4, 2, 3, 3, seed=2), rand(4, seed=3), rand(3, 16, seed=4), rand(3, seed=5),
            device=device)


# name: (ours, theirs, input shapes); float32 in, float32 out, as PyTorch
FLOAT32_CASES = {
    "gelu": (F.gelu, TF.gelu, [(2, 3)]),
    "softmax": (lambda x: F.softmax(x, 1), lambda x: TF.softmax(x, 1), [(2, 3)]),
    "linear": (F.linear, TF.linear, [(2, 3), (4, 3)]),
    "conv2d": (F.conv2d, TF.conv2d, [(1, 2, 4, 4), (3, 2, 2, 2)]),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2), [(1, 2, 4, 4)]),
    "interpolate": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
                    lambda x: TF.interpolate(x, scale_factor=2, mode="bilinear"), [(1, 1, 3, 3)]),
    "layer_norm": (lambda x: F.layer_norm(x, (3,)), lambda x: TF.layer_norm(x, (3,)), [(2, 3)]),
    "group_norm": (lambda x: F.group_norm(x, 2), lambda x: TF.group_norm(x, 2), [(2, 4, 3)]),
    "normalize": (F.normalize, TF.normalize, [(2, 3)]),
    "cosine_similarity": (F.cosine_similarity, TF.cosine_similarity, [(2, 3), (2, 3)]),
    "mse_loss": (F.mse_loss, TF.mse_loss, [(2, 3), (2, 3)]),
    "smooth_l1_loss": (F.smooth_l1_loss, TF.smooth_l1_loss, [(2, 3), (2, 3)]),
    "kl_div": (lambda x, t: F.kl_div(x, t.abs(), reduction="batchmean"),
               lambda x, t: TF.kl_div(x, t.abs(), reduction="batchmean"), [(2, 3), (2, 3)]),
}


@pytest.mark.parametrize("name", FLOAT32_CASES)
def test_float32_stays_float32(name, device):
    ours, theirs, shapes = FLOAT32_CASES[name]
    arrays = [rand(*shape, seed=i).astype(np.float32) for i, shape in enumerate(shapes)]
    compare(ours, theirs, *arrays, rtol=1e-5, atol=1e-6, device=device)  # compare checks the dtypes too

"""MultiheadAttention with kdim/vdim (PyTorch's separate q/k/v projection weights), attention weights that carry
a gradient, and the TransformerEncoder/TransformerDecoder stacks, against PyTorch (float64, torch's weights
loaded, dropout 0)."""

import copy

import numpy as np
import pytest

import aino.nn as nn
from aino.gradcheck import numerical_gradient
from aino.ops.attention import AttentionWeights
from aino.tensor import Tensor

from nn_helpers import assert_close, rand

torch = pytest.importorskip("torch")

E, HEADS = 8, 2


def leaf(array, device):
    return Tensor(array, requires_grad=True, device=device)


def loaded(ours, theirs):
    ours.load_state_dict(theirs.state_dict())
    return ours


# --- MultiheadAttention: kdim / vdim ------------------------------------------------------------------------


@pytest.mark.parametrize("kdim, vdim", [(5, 3), (E, 3), (5, E), (E, E)])
def test_multihead_attention_kdim_vdim_has_pytorchs_keys(kdim, vdim):
    ours = nn.MultiheadAttention(E, HEADS, kdim=kdim, vdim=vdim)
    theirs = torch.nn.MultiheadAttention(E, HEADS, kdim=kdim, vdim=vdim)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    for name, value in theirs.state_dict().items():
        assert ours.state_dict()[name].shape == tuple(value.shape)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("options", [dict(), dict(average_attn_weights=False),
                                     dict(key_padding_mask=np.array([[False, False, True, False, True, False]] * 3))])
def test_multihead_attention_kdim_vdim_matches_pytorch(batch_first, options, device):
    theirs = torch.nn.MultiheadAttention(E, HEADS, kdim=5, vdim=3, batch_first=batch_first).double()
    ours = loaded(nn.MultiheadAttention(E, HEADS, kdim=5, vdim=3, batch_first=batch_first, dtype="float64",
                                        device=device), theirs)
    def layout(n, length, width):
        return (n, length, width) if batch_first else (length, n, width)

    arrays = [rand(layout(3, 4, E), 1), rand(layout(3, 6, 5), 2), rand(layout(3, 6, 3), 3)]
    ours_in = [leaf(a, device) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    torch_options = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}
    out, weights = ours(*ours_in, **options)
    expected_out, expected_weights = theirs(*theirs_in, **torch_options)
    assert_close(out, expected_out)
    assert_close(weights, expected_weights)
    grad = rand(tuple(out.shape), 4)
    (out * Tensor(grad, device=device)).sum().backward()
    (expected_out * torch.from_numpy(grad)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        assert_close(a.grad, b.grad)
    for name, param in theirs.named_parameters():
        assert_close(dict(ours.named_parameters())[name].grad, param.grad)


def test_multihead_attention_kdim_init_is_pytorchs_xavier(device):
    layer = nn.MultiheadAttention(16, 2, kdim=48, vdim=4, device=device)
    for weight, width in ((layer.q_proj_weight, 16), (layer.k_proj_weight, 48), (layer.v_proj_weight, 4)):
        assert np.abs(weight.numpy()).max() <= np.sqrt(6 / (16 + width))
    assert layer.in_proj_weight is None and not layer.in_proj_bias.numpy().any()


def test_multihead_attention_kdim_refuses_keys_of_the_wrong_width(device):
    layer = nn.MultiheadAttention(E, HEADS, kdim=5, vdim=3, device=device)
    with pytest.raises(ValueError, match=r"E = 8 for the query, 5 for the key and 3 for the value"):
        layer(*(Tensor(rand(shape, seed), device=device) for shape, seed in (((4, 2, E), 1), ((6, 2, E), 2),
                                                                                ((6, 2, 3), 3))))
    with pytest.raises(ValueError, match="kdim"):
        nn.MultiheadAttention(E, HEADS, kdim=0, device=device)


# --- attention weights carry a gradient ------------------------------------------------------------------

WEIGHT_OP_CASES = {
    "plain": dict(),
    "causal": dict(is_causal=True),
    "bool mask": dict(mask=np.array([[True, False, True, True], [False, False, True, True], [True] * 4])),
    "float mask and scale": dict(mask=rand((3, 4), 30), scale=0.7),
    "a row with no key": dict(mask=np.array([[True] * 4, [False] * 4, [True, True, False, False]])),
}


@pytest.mark.parametrize("case", WEIGHT_OP_CASES)
def test_attention_weights_op_matches_central_differences(case, device):
    options = WEIGHT_OP_CASES[case]
    q, k, upstream = rand((2, 3, 5), 31), rand((2, 4, 5), 32), rand((2, 3, 4), 33)
    qt, kt = leaf(q, device), leaf(k, device)
    (AttentionWeights.apply(qt, kt, **options) * Tensor(upstream, device=device)).sum().backward()

    def loss(q_values, k_values):
        weights = AttentionWeights.apply(Tensor(q_values, device=device), Tensor(k_values, device=device), **options)
        return float((weights.numpy() * upstream).sum())

    np.testing.assert_allclose(qt.grad.numpy(), numerical_gradient(lambda v: loss(v, k), q), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(kt.grad.numpy(), numerical_gradient(lambda v: loss(q, v), k), rtol=1e-6, atol=1e-9)



@pytest.mark.parametrize("average", [True, False])
@pytest.mark.parametrize("mask", [None, "causal bool", "float"])
def test_a_loss_on_the_attention_weights_backpropagates_as_in_pytorch(average, mask, device):
    theirs = torch.nn.MultiheadAttention(E, HEADS).double()
    ours = loaded(nn.MultiheadAttention(E, HEADS, dtype="float64", device=device), theirs)
    masks = {None: None, "causal bool": np.triu(np.ones((4, 4), dtype=bool), 1), "float": rand((4, 4), 7)}
    x = rand((4, 3, E), 5)
    xa, xt = leaf(x, device), torch.tensor(x, requires_grad=True)
    weight_grad = rand((3, 4, 4) if average else (3, HEADS, 4, 4), 6)
    _, weights = ours(xa, xa, xa, attn_mask=masks[mask], average_attn_weights=average)
    attn_mask = None if mask is None else torch.tensor(masks[mask])
    _, expected = theirs(xt, xt, xt, attn_mask=attn_mask, average_attn_weights=average)
    assert weights.requires_grad
    (weights * Tensor(weight_grad, device=device)).sum().backward()
    (expected * torch.from_numpy(weight_grad)).sum().backward()
    assert_close(weights, expected)
    assert_close(xa.grad, xt.grad)
    assert_close(ours.in_proj_weight.grad, theirs.in_proj_weight.grad)
    assert ours.out_proj.weight.grad is None  # the weights do not depend on the output projection


def test_output_and_weights_together_backpropagate_as_in_pytorch(device):
    theirs = torch.nn.MultiheadAttention(E, HEADS, batch_first=True).double()
    ours = loaded(nn.MultiheadAttention(E, HEADS, batch_first=True, dtype="float64", device=device), theirs)
    x = rand((2, 5, E), 8)
    xa, xt = leaf(x, device), torch.tensor(x, requires_grad=True)
    out, weights = ours(xa, xa, xa)
    expected_out, expected_weights = theirs(xt, xt, xt)
    (out.tanh().sum() + (weights ** 2).sum()).backward()
    (expected_out.tanh().sum() + (expected_weights ** 2).sum()).backward()
    assert_close(xa.grad, xt.grad)


def test_need_weights_false_gives_the_same_output_through_the_fused_op(device):
    layer = nn.MultiheadAttention(E, HEADS, dtype="float64", device=device)
    x = Tensor(rand((4, 2, E), 9), device=device)
    with_weights, _ = layer(x, x, x)
    fused, none = layer(x, x, x, need_weights=False)
    assert none is None
    assert_close(fused, with_weights.numpy())


# --- TransformerEncoder / TransformerDecoder ---------------------------------------------------------------


def encoder_pair(num_layers, norm, batch_first, device, norm_first=False):
    options = dict(dim_feedforward=16, dropout=0.0, batch_first=batch_first, norm_first=norm_first)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, HEADS, **options), num_layers,
                                         norm=torch.nn.LayerNorm(E) if norm else None, enable_nested_tensor=False)
    theirs = theirs.double()
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS, **options, dtype="float64", device=device),
                                 num_layers, norm=nn.LayerNorm(E, dtype="float64", device=device) if norm else None)
    return loaded(ours, theirs), theirs


def test_transformer_encoder_has_pytorchs_keys_and_deep_copies():
    ours, theirs = encoder_pair(3, True, False, "cpu")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(ours.layers) == 3 and ours.layers[0] is not ours.layers[1]
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    layer = nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16)
    stack = nn.TransformerEncoder(layer, 2)
    np.testing.assert_array_equal(stack.layers[1].linear1.weight.numpy(), layer.linear1.weight.numpy())
    assert stack.layers[0].linear1.weight is not layer.linear1.weight


ENCODER_CASES = {
    "plain": dict(),
    "causal mask": dict(mask=np.triu(np.full((5, 5), -np.inf), 1)),
    "bool mask": dict(mask=np.triu(np.ones((5, 5), dtype=bool), 1)),
    "padding": dict(src_key_padding_mask=np.array([[False] * 5, [False, False, False, True, True]])),
    "causal flag": dict(mask=np.triu(np.full((5, 5), -np.inf), 1), is_causal=True),
}


@pytest.mark.parametrize("case", ENCODER_CASES)
@pytest.mark.parametrize("norm, batch_first, norm_first",
                         [(False, False, False), (True, True, False), (True, False, True)])
def test_transformer_encoder_matches_pytorch(case, norm, batch_first, norm_first, device):
    ours, theirs = encoder_pair(2, norm, batch_first, device, norm_first)
    options = ENCODER_CASES[case]
    x = rand((2, 5, E) if batch_first else (5, 2, E), 11)
    xa, xt = leaf(x, device), torch.tensor(x, requires_grad=True)
    out = ours(xa, **options)
    expected = theirs(xt, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()})
    assert_close(out, expected, rtol=1e-9, atol=1e-10)
    grad = rand(tuple(out.shape), 12)
    out.backward(Tensor(grad, device=device))
    expected.backward(torch.from_numpy(grad))
    assert_close(xa.grad, xt.grad, rtol=1e-8, atol=1e-10)
    assert_close(ours.layers[0].self_attn.in_proj_weight.grad, theirs.layers[0].self_attn.in_proj_weight.grad,
                 rtol=1e-8, atol=1e-10)


def decoder_pair(num_layers, norm, device):
    options = dict(dim_feedforward=16, dropout=0.0)
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, HEADS, **options), num_layers,
                                         norm=torch.nn.LayerNorm(E) if norm else None).double()
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, HEADS, **options, dtype="float64", device=device),
                                 num_layers, norm=nn.LayerNorm(E, dtype="float64", device=device) if norm else None)
    return loaded(ours, theirs), theirs


DECODER_CASES = {
    "plain": dict(),
    "tgt mask": dict(tgt_mask=np.triu(np.full((4, 4), -np.inf), 1), tgt_is_causal=True),
    "memory mask": dict(memory_mask=rand((4, 6), 13)),
    "paddings": dict(tgt_key_padding_mask=np.array([[False] * 4, [False, False, False, True]]),
                     memory_key_padding_mask=np.array([[False] * 6, [False, True, False, False, False, True]])),
}


@pytest.mark.parametrize("case", DECODER_CASES)
@pytest.mark.parametrize("norm", [False, True])
def test_transformer_decoder_matches_pytorch(case, norm, device):
    ours, theirs = decoder_pair(2, norm, device)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    options = DECODER_CASES[case]
    tgt, memory = rand((4, 2, E), 14), rand((6, 2, E), 15)
    ta, ma = leaf(tgt, device), leaf(memory, device)
    tt, mt = torch.tensor(tgt, requires_grad=True), torch.tensor(memory, requires_grad=True)
    out = ours(ta, ma, **options)
    expected = theirs(tt, mt, **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in options.items()})
    assert_close(out, expected, rtol=1e-9, atol=1e-10)
    grad = rand(tuple(out.shape), 16)
    out.backward(Tensor(grad, device=device))
    expected.backward(torch.from_numpy(grad))
    assert_close(ta.grad, tt.grad, rtol=1e-8, atol=1e-10)
    assert_close(ma.grad, mt.grad, rtol=1e-8, atol=1e-10)


def test_a_stack_can_be_deep_copied_after_training_a_step(device):
    ours, _ = encoder_pair(2, True, False, device)
    ours(leaf(rand((5, 2, E), 17), device)).sum().backward()
    twin = copy.deepcopy(ours)
    assert list(twin.state_dict()) == list(ours.state_dict())


STACK_REFUSED = [
    ("encoder of a linear", lambda: nn.TransformerEncoder(nn.Linear(2, 2), 2), TypeError,
     "expected a TransformerEncoderLayer"),
    ("decoder of an encoder layer", lambda: nn.TransformerDecoder(nn.TransformerEncoderLayer(E, HEADS), 2), TypeError,
     "expected a TransformerDecoderLayer"),
    ("num_layers text", lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS), "2"), TypeError,
     "num_layers"),
    ("norm text", lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(E, HEADS), 2, norm="layer"), TypeError,
     "norm must be a layer"),
]


@pytest.mark.parametrize("name, make, error, words", STACK_REFUSED, ids=[case[0] for case in STACK_REFUSED])
def test_stacks_refuse_bad_arguments(name, make, error, words):
    with pytest.raises(error, match=words):
        make()

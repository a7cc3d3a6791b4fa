"""Attention against PyTorch (float64, same weights) and against central differences: the fused op,
scaled_dot_product_attention, MultiheadAttention and document 004's MultiHeadAttention."""

import numpy as np
import pytest
from nn_helpers import assert_close, rand, torch_pair

import aino
from aino.gradcheck import numerical_gradient
from aino.nn import MultiHeadAttention
from aino.nn.attention import MultiheadAttention, scaled_dot_product_attention
from aino.ops.attention import PackedAttention, ScaledDotProductAttention, thirds
from aino.tensor import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional


def leaves(arrays, device="cpu"):
    return [Tensor(a, requires_grad=True, device=device) for a in arrays]


# --- scaled_dot_product_attention ----------------------------------------------------------------

CAUSAL_BOOL = np.tril(np.ones((4, 6), dtype=bool))  # L = 4 queries, S = 6 keys
SDPA_CASES = {
    "plain": dict(),
    "causal": dict(is_causal=True),
    "bool mask": dict(attn_mask=np.random.default_rng(9).random((2, 1, 4, 6)) > 0.3),
    "float mask": dict(attn_mask=rand((4, 6), 10)),
    "scale": dict(scale=0.3),
    "bool causal mask": dict(attn_mask=CAUSAL_BOOL),
}


@pytest.mark.parametrize("case", SDPA_CASES)
def test_scaled_dot_product_attention_matches_pytorch(case, device):
    options = SDPA_CASES[case]
    arrays = [rand((2, 3, 4, 5), 1), rand((2, 3, 6, 5), 2), rand((2, 3, 6, 7), 3)]
    grad = rand((2, 3, 4, 7), 4)
    q, k, v = leaves(arrays, device)
    out = scaled_dot_product_attention(q, k, v, **options)
    out.backward(grad)
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in arrays)
    torch_options = {key: torch.tensor(value) if key == "attn_mask" else value for key, value in options.items()}
    expected = F.scaled_dot_product_attention(qt, kt, vt, **torch_options)
    expected.backward(torch.from_numpy(grad))
    assert_close(out, expected)
    for ours, theirs in ((q, qt), (k, kt), (v, vt)):
        assert_close(ours.grad, theirs.grad)


def test_a_query_that_may_see_no_key_gets_zeros_as_in_pytorch(device):
    q, k, v = leaves([rand((1, 2, 3), 1), rand((1, 3, 3), 2), rand((1, 3, 3), 3)], device=device)
    mask = np.array([[True, False, True], [False, False, False]])
    out = scaled_dot_product_attention(q, k, v, attn_mask=mask)
    out.sum().backward()
    expected = F.scaled_dot_product_attention(*(torch.tensor(t.numpy()) for t in (q, k, v)), attn_mask=torch.tensor(mask))
    assert_close(out, expected)
    np.testing.assert_array_equal(out.numpy()[0, 1], 0)
    assert np.isfinite(q.grad.numpy()).all() and np.isfinite(k.grad.numpy()).all()


@pytest.mark.parametrize("options", [dict(), dict(is_causal=True), dict(mask=rand((3, 4), 5))])
def test_attention_op_matches_central_differences(options, device):
    arrays = [rand((2, 3, 2), 1), rand((2, 4, 2), 2), rand((2, 4, 3), 3)]
    weights = rand((2, 3, 3), 4)
    q, k, v = leaves(arrays, device=device)
    (ScaledDotProductAttention.apply(q, k, v, **options) * Tensor(weights, device=device)).sum().backward()
    for i, tensor in enumerate((q, k, v)):
        def f(value, i=i):
            inputs = [Tensor(a, device=device) for a in arrays]
            inputs[i] = Tensor(value, device=device)
            return float((ScaledDotProductAttention.apply(*inputs, **options).numpy() * weights).sum())

        np.testing.assert_allclose(tensor.grad.numpy(), numerical_gradient(f, arrays[i]), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("options", [dict(), dict(is_causal=True), dict(mask=rand((3, 3), 5))])
def test_packed_attention_is_attention_of_its_thirds_and_matches_central_differences(options, device):
    """PackedAttention of qkv (N, 3 heads, L, D) = attention of its query, key and value thirds; and its
    gradient, packed the same way, is that of the three."""
    packed, weights = rand((2, 6, 3, 2), 1), rand((2, 2, 3, 2), 4)
    qkv = Tensor(packed, requires_grad=True, device=device)
    out = PackedAttention.apply(qkv, **options)
    thirds_on_device = (Tensor(a, device=device) for a in thirds(packed))
    assert_close(out, ScaledDotProductAttention.apply(*thirds_on_device, **options), rtol=1e-14)
    (out * Tensor(weights, device=device)).sum().backward()

    def f(value):
        return float((PackedAttention.apply(Tensor(value, device=device), **options).numpy() * weights).sum())

    np.testing.assert_allclose(qkv.grad.numpy(), numerical_gradient(f, packed), rtol=1e-6, atol=1e-8)


def test_attention_dropout_backward_matches_central_differences_with_the_same_draw(device):
    arrays = [rand((2, 3, 2), 1), rand((2, 4, 2), 2), rand((2, 4, 3), 3)]
    weights = rand((2, 3, 3), 4)

    def run(inputs):
        return ScaledDotProductAttention.apply(*inputs, dropout_p=0.4, rng=np.random.default_rng(7))

    q, k, v = leaves(arrays, device=device)
    out = run((q, k, v))
    without = ScaledDotProductAttention.apply(*(Tensor(a, device=device) for a in arrays))
    assert not np.allclose(out.numpy(), without.numpy())  # some weights were dropped
    (out * Tensor(weights, device=device)).sum().backward()
    for i, tensor in enumerate((q, k, v)):
        def f(value, i=i):
            inputs = [Tensor(a, device=device) for a in arrays]
            inputs[i] = Tensor(value, device=device)
            return float((run(inputs).numpy() * weights).sum())

        np.testing.assert_allclose(tensor.grad.numpy(), numerical_gradient(f, arrays[i]), rtol=1e-6, atol=1e-8)


def test_scaled_dot_product_attention_rejects_mismatched_shapes():
    q, k, v = (Tensor(rand((2, 3, 4), 0)), Tensor(rand((2, 5, 3), 0)), Tensor(rand((2, 5, 4), 0)))
    with pytest.raises(ValueError, match=r"got \(2, 3, 4\), \(2, 5, 3\) and \(2, 5, 4\)"):
        scaled_dot_product_attention(q, k, v)


# --- MultiheadAttention --------------------------------------------------------------------------

E, HEADS, N, L, S = 8, 2, 3, 4, 5


def pair(batch_first=False, bias=True, device=None):
    return torch_pair(MultiheadAttention, torch.nn.MultiheadAttention, E, HEADS, bias=bias, batch_first=batch_first,
                      device=device)


def padding_mask(kind):
    """(N, S): True (or -inf) at the keys to ignore; every row keeps some keys."""
    padded = np.zeros((N, S), dtype=bool)
    padded[0, 3:] = padded[2, 1] = True
    return padded if kind == "bool" else np.where(padded, -np.inf, rand((N, S), 8))


def causal(kind, length, source):
    forbidden = np.triu(np.ones((length, source), dtype=bool), k=1)
    return forbidden if kind == "bool" else np.where(forbidden, -np.inf, 0.0)


MHA_CASES = {
    "self": dict(),
    "bias=False": dict(bias=False),
    "cross": dict(cross=True),
    "key_padding_mask bool": dict(cross=True, key_padding_mask=padding_mask("bool")),
    "key_padding_mask float": dict(cross=True, key_padding_mask=padding_mask("float")),
    "attn_mask causal bool": dict(attn_mask=causal("bool", L, L)),
    "attn_mask causal float": dict(attn_mask=causal("float", L, L)),
    "attn_mask per head": dict(cross=True, attn_mask=rand((N * HEADS, L, S), 11)),
    "both masks": dict(attn_mask=causal("bool", L, L), key_padding_mask=padding_mask("bool")[:, :L]),
    "is_causal": dict(attn_mask=causal("bool", L, L), is_causal=True),
    "weights per head": dict(cross=True, average_attn_weights=False),
    "no weights": dict(need_weights=False),
}


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("case", MHA_CASES)
def test_multihead_attention_matches_pytorch(case, batch_first, device):
    options = dict(MHA_CASES[case])
    ours, theirs = pair(batch_first, options.pop("bias", True), device=device)
    source = S if options.pop("cross", False) else L
    layout = (lambda n, t: (n, t, E)) if batch_first else (lambda n, t: (t, n, E))
    arrays = [rand(layout(N, L), 1), rand(layout(N, source), 2), rand(layout(N, source), 3)]
    if source == L:  # self-attention: one tensor as query, key and value
        arrays[1] = arrays[2] = arrays[0]
    grad = rand(layout(N, L), 4)

    q, k, v = leaves(arrays, device=device)
    out, weights = ours(q, k, v, **options)
    (out * Tensor(grad, device=device)).sum().backward()
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in arrays)
    torch_options = {key: torch.tensor(value) if isinstance(value, np.ndarray) else value for key, value in options.items()}
    out_t, weights_t = theirs(qt, kt, vt, **torch_options)
    (out_t * torch.from_numpy(grad)).sum().backward()

    assert_close(out, out_t)
    assert (weights is None) == (weights_t is None)
    if weights is not None:
        assert_close(weights, weights_t)
    for ours_input, theirs_input in ((q, qt), (k, kt), (v, vt)):
        assert_close(ours_input.grad, theirs_input.grad)
    torch_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, torch_params[name].grad)


SELF_ATTENTION_CASES = {
    "plain": dict(),
    "bias=False": dict(bias=False),
    "masks": dict(attn_mask=causal("bool", L, L), key_padding_mask=padding_mask("bool")[:, :L]),
    "is_causal": dict(attn_mask=causal("bool", L, L), is_causal=True),
}


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("case", SELF_ATTENTION_CASES)
def test_self_attention_of_one_tensor_without_weights_matches_pytorch(case, batch_first, device):
    """One tensor as query, key and value, need_weights=False: the layer projects Q, K and V in one product
    and attends in one packed op (PackedAttention); outputs and every gradient are still PyTorch's."""
    options = dict(SELF_ATTENTION_CASES[case])
    ours, theirs = pair(batch_first, options.pop("bias", True), device=device)
    x, grad = rand((N, L, E) if batch_first else (L, N, E), 1), rand((N, L, E) if batch_first else (L, N, E), 4)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    out, weights = ours(xa, xa, xa, need_weights=False, **options)
    (out * Tensor(grad, device=device)).sum().backward()
    torch_options = {key: torch.tensor(value) if isinstance(value, np.ndarray) else value for key, value in options.items()}
    out_t, _ = theirs(xt, xt, xt, need_weights=False, **torch_options)
    (out_t * torch.from_numpy(grad)).sum().backward()
    assert weights is None
    assert_close(out, out_t)
    assert_close(xa.grad, xt.grad)
    torch_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, torch_params[name].grad)


def test_multihead_attention_takes_one_unbatched_sequence_like_pytorch(device):
    ours, theirs = pair(device=device)
    x = rand((L, E), 1)
    out, weights = ours(Tensor(x, device=device), Tensor(x, device=device), Tensor(x, device=device))
    out_t, weights_t = theirs(*(torch.tensor(x),) * 3)
    assert_close(out, out_t)
    assert_close(weights, weights_t)
    assert out.shape == (L, E) and weights.shape == (L, L)


def test_multihead_attention_dropout_drops_in_training_only(device):
    layer = MultiheadAttention(E, HEADS, dropout=0.5, batch_first=True, device=device)
    x = Tensor(rand((N, L, E), 0).astype(np.float32), device=device)
    _, weights = layer(x, x, x, average_attn_weights=False)
    assert (weights.numpy() == 0).any()  # dropped weights
    layer.eval()
    _, weights = layer(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(weights.numpy().sum(axis=-1), 1, rtol=1e-5)


def test_multihead_attention_has_pytorchs_parameters_and_initialisation(device):
    ours, theirs = MultiheadAttention(64, 4, device=device), torch.nn.MultiheadAttention(64, 4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    weight = ours.in_proj_weight.numpy()
    bound = np.sqrt(6 / (64 + 3 * 64))  # xavier_uniform on (3E, E)
    assert weight.dtype == np.float32 and np.abs(weight).max() <= bound
    np.testing.assert_allclose(weight.std(), bound / np.sqrt(3), rtol=0.05)
    assert not ours.in_proj_bias.numpy().any() and not ours.out_proj.bias.numpy().any()


def test_multihead_attention_gives_clear_errors():
    with pytest.raises(ValueError, match=r"embed_dim \(10\) must be a positive multiple of num_heads \(3\)"):
        MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="add_bias_kv"):
        MultiheadAttention(8, 2, add_bias_kv=True)
    layer = MultiheadAttention(8, 2, batch_first=True)
    x = Tensor(rand((2, 3, 6), 0))
    with pytest.raises(ValueError, match=r"expected query, key and value of shape \(N, L, E\) with E = 8.*got \(2, 3, 6\)"):
        layer(x, x, x)
    x = Tensor(rand((2, 3, 8), 0))
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 3\), got \(3, 2\)"):
        layer(x, x, x, key_padding_mask=np.zeros((3, 2), dtype=bool))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(3, 3\) or \(4, 3, 3\), got \(2, 3\)"):
        layer(x, x, x, attn_mask=np.zeros((2, 3), dtype=bool))


# --- document 004's MultiHeadAttention -----------------------------------------------------------


def torch_twin(ours):
    """A torch MultiheadAttention (batch-first) with the weights of document 004's layer."""
    theirs = torch.nn.MultiheadAttention(ours.d_model, ours.num_heads, batch_first=True).double()
    state = {
        "in_proj_weight": np.concatenate([layer.weight.numpy() for layer in (ours.w_q, ours.w_k, ours.w_v)]),
        "in_proj_bias": np.concatenate([layer.bias.numpy() for layer in (ours.w_q, ours.w_k, ours.w_v)]),
        "out_proj.weight": ours.w_o.weight.numpy(), "out_proj.bias": ours.w_o.bias.numpy(),
    }
    theirs.load_state_dict({key: torch.from_numpy(value) for key, value in state.items()})
    return theirs


@pytest.mark.parametrize("mask_kind", [None, "causal (L, S)", "padding (N, 1, 1, S)", "per sample (N, L, S)"])
def test_document_004_multi_head_attention_matches_pytorch(mask_kind, device):
    aino.manual_seed(0)
    ours = MultiHeadAttention(d_model=8, num_heads=2, dtype="float64", device=device)
    theirs = torch_twin(ours)
    allowed = {
        None: None,
        "causal (L, S)": np.tril(np.ones((L, S), dtype=int)),
        "padding (N, 1, 1, S)": ~padding_mask("bool")[:, None, None, :],
        "per sample (N, L, S)": np.random.default_rng(3).random((N, L, S)) > 0.2,
    }[mask_kind]
    arrays = [rand((N, L, E), 1), rand((N, S, E), 2), rand((N, S, E), 3)]
    q, k, v = leaves(arrays, device=device)
    out = ours(q, k, v, mask=allowed)
    out.sum().backward()
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in arrays)
    torch_mask = None
    if allowed is not None:  # torch: boolean True = may not attend, one (N * heads, L, S) mask
        allowed = np.asarray(allowed)[:, None] if np.ndim(allowed) == 3 else np.asarray(allowed)
        forbidden = np.broadcast_to(allowed == 0, (N, HEADS, L, S))
        torch_mask = torch.tensor(forbidden.reshape(N * HEADS, L, S))
    out_t, _ = theirs(qt, kt, vt, attn_mask=torch_mask)
    out_t.sum().backward()
    assert_close(out, out_t)
    for ours_input, theirs_input in ((q, qt), (k, kt), (v, vt)):
        assert_close(ours_input.grad, theirs_input.grad)
    assert_close(ours.w_q.weight.grad, theirs.in_proj_weight.grad[:E])
    assert_close(ours.w_o.weight.grad, theirs.out_proj.weight.grad)


def test_document_004_attention_example_runs(device):
    attention = MultiHeadAttention(d_model=512, num_heads=8, device=device)
    query = key = value = Tensor(rand((2, 10, 512), 0).astype(np.float32), device=device)
    output = attention(query, key, value, mask=None)
    assert output.shape == (2, 10, 512) and output.dtype == np.float32
    assert [name for name, _ in attention.named_parameters()][:2] == ["w_q.weight", "w_q.bias"]
    with pytest.raises(ValueError, match=r"MultiHeadAttention\(d_model=512, num_heads=8\) expected"):
        attention(Tensor(rand((2, 10, 16), 0), device=device), key, value)


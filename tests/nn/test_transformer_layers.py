"""LayerNorm, TransformerEncoderLayer and TransformerDecoderLayer against PyTorch (float64, weights from its
state_dict, dropout 0): outputs and every gradient; and document 004's Encoder, Decoder and Transformer."""

import numpy as np
import pytest
from nn_helpers import assert_close, forward_backward, rand

import aino
from aino import Adam, SoftmaxCrossEntropyLoss
from aino.gradcheck import numerical_gradient
from aino.nn import Decoder, Encoder, Transformer
from aino.nn.layernorm import LayerNorm
from aino.nn.transformer import (
    TransformerDecoderLayer,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from aino.ops.norm import layer_norm
from aino.tensor import Tensor

torch = pytest.importorskip("torch")


def check_gradients(ours, theirs):
    torch_params = dict(theirs.named_parameters())
    names = [name for name, _ in ours.named_parameters()]
    assert names == list(torch_params)
    for name, param in ours.named_parameters():
        assert_close(param.grad, torch_params[name].grad)


# --- LayerNorm -----------------------------------------------------------------------------------

LAYER_NORMS = {
    "affine": dict(normalized_shape=5),
    "no affine": dict(normalized_shape=5, elementwise_affine=False),
    "no bias": dict(normalized_shape=5, bias=False),
    "two axes": dict(normalized_shape=(4, 5)),
    "three axes, eps": dict(normalized_shape=(3, 4, 5), eps=1e-2),
}


@pytest.mark.parametrize("case", LAYER_NORMS)
def test_layer_norm_matches_pytorch(case, device):
    theirs = torch.nn.LayerNorm(**LAYER_NORMS[case]).double()
    with torch.no_grad():  # weights other than the initial 1 and 0
        for param in theirs.parameters():
            param.copy_(torch.from_numpy(rand(param.shape, 5)))
    ours = LayerNorm(**LAYER_NORMS[case], dtype="float64", device=device)
    ours.load_state_dict(theirs.state_dict())
    x, grad = rand((2, 3, 4, 5), 1) * 3 + 1, rand((2, 3, 4, 5), 2)
    out, x_grad, out_t, x_grad_t = forward_backward(ours, theirs, x, grad, device)
    assert_close(out, out_t)
    assert_close(x_grad, x_grad_t)
    check_gradients(ours, theirs)


def test_layer_norm_of_a_transposed_view_matches_pytorch(device):
    """An input that is not contiguous in memory (here a transposed view) is normalised as its values say."""
    theirs = torch.nn.LayerNorm((4, 5)).double()
    ours = LayerNorm((4, 5), dtype="float64", device=device)
    ours.load_state_dict(theirs.state_dict())
    x, grad = rand((5, 4, 3), 1).transpose(2, 1, 0), rand((3, 4, 5), 2)
    out, x_grad, out_t, x_grad_t = forward_backward(ours, theirs, x, grad, device=device)
    assert_close(out, out_t)
    assert_close(x_grad, x_grad_t)
    check_gradients(ours, theirs)


def test_layer_norm_matches_central_differences(device):
    x, weights = rand((3, 4), 1), rand((3, 4), 2)
    w, b = (Tensor(rand((4,), seed), requires_grad=True, device=device) for seed in (3, 4))
    xa = Tensor(x, requires_grad=True, device=device)
    (layer_norm(xa, 4, w, b) * Tensor(weights, device=device)).sum().backward()

    def loss(x=x, w=w.numpy(), b=b.numpy()):
        x, w, b = (Tensor(value, device=device) for value in (x, w, b))
        return float((layer_norm(x, 4, w, b).numpy() * weights).sum())

    np.testing.assert_allclose(xa.grad.numpy(), numerical_gradient(lambda v: loss(x=v), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(w.grad.numpy(), numerical_gradient(lambda v: loss(w=v), w.numpy()), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad.numpy(), numerical_gradient(lambda v: loss(b=v), b.numpy()), rtol=1e-6, atol=1e-8)


def test_layer_norm_starts_at_identity_and_gives_clear_errors(device):
    layer = LayerNorm((2, 3), device=device)
    assert layer.weight.dtype == np.float32 and layer.weight.numpy().tolist() == [[1] * 3] * 2
    assert not layer.bias.numpy().any()
    with pytest.raises(ValueError, match=r"LayerNorm\(\(2, 3\)\) expected input whose last axes are \(2, 3\), got shape \(4, 3, 2\)"):
        layer(Tensor(np.ones((4, 3, 2), dtype=np.float32), device=device))
    with pytest.raises(ValueError, match=r"LayerNorm: normalized_shape \(each size\) must be an integer >= 1, got 0"):
        LayerNorm(0, device=device)


# --- encoder and decoder layers ------------------------------------------------------------------

D, HEADS, FF, N, T, M = 8, 2, 12, 3, 4, 5  # T target (or source) tokens, M memory tokens


def layer_pair(kind, batch_first, norm_first, activation, device=None):
    torch_class = torch.nn.TransformerEncoderLayer if kind == "encoder" else torch.nn.TransformerDecoderLayer
    aino_class = TransformerEncoderLayer if kind == "encoder" else TransformerDecoderLayer
    options = dict(dim_feedforward=FF, dropout=0.0, activation=activation, batch_first=batch_first, norm_first=norm_first)
    theirs = torch_class(D, HEADS, **options).double()
    with torch.no_grad():  # random LayerNorm and attention biases (torch starts them at 1 and 0)
        for name, param in theirs.named_parameters():
            if "norm" in name or "bias" in name:
                param.copy_(torch.from_numpy(rand(param.shape, len(name)) * 0.5 + ("weight" in name)))
    ours = aino_class(D, HEADS, **options, dtype="float64", device=device)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def padding(n, length):
    padded = np.zeros((n, length), dtype=bool)
    padded[0, -2:] = padded[2, 1] = True
    return padded


def as_torch(options):
    return {key: torch.tensor(value) if isinstance(value, np.ndarray) else value for key, value in options.items()}


CAUSAL = np.triu(np.full((T, T), -np.inf), k=1)
CAUSAL_BOOL = np.isinf(CAUSAL)  # torch's boolean masks: True = may not attend
ENCODER_MASKS = {
    "none": dict(),
    "src_mask": dict(src_mask=CAUSAL),
    "padding": dict(src_key_padding_mask=padding(N, T)),
    "causal and padding": dict(src_mask=CAUSAL_BOOL, src_key_padding_mask=padding(N, T), is_causal=True),
}


@pytest.mark.parametrize("masks", ENCODER_MASKS)
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_pytorch(batch_first, norm_first, activation, masks, device):
    ours, theirs = layer_pair("encoder", batch_first, norm_first, activation, device=device)
    shape = (N, T, D) if batch_first else (T, N, D)
    x, grad = rand(shape, 1), rand(shape, 2)
    options = ENCODER_MASKS[masks]
    xa = Tensor(x, requires_grad=True, device=device)
    ours(xa, **options).backward(grad)
    xt = torch.tensor(x, requires_grad=True)
    out_t = theirs(xt, **as_torch(options))
    out_t.backward(torch.from_numpy(grad))
    assert_close(ours(Tensor(x, device=device), **options), out_t)
    assert_close(xa.grad, xt.grad)
    check_gradients(ours, theirs)


DECODER_MASKS = {
    "none": dict(),
    "causal": dict(tgt_mask=CAUSAL, tgt_is_causal=True),
    "all masks": dict(tgt_mask=CAUSAL_BOOL, tgt_key_padding_mask=padding(N, T), memory_mask=rand((T, M), 9),
                      memory_key_padding_mask=np.where(padding(N, M), -np.inf, rand((N, M), 10))),
}


@pytest.mark.parametrize("masks", DECODER_MASKS)
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_pytorch(batch_first, norm_first, activation, masks, device):
    ours, theirs = layer_pair("decoder", batch_first, norm_first, activation, device=device)
    tgt_shape, memory_shape = ((N, T, D), (N, M, D)) if batch_first else ((T, N, D), (M, N, D))
    tgt, memory, grad = rand(tgt_shape, 1), rand(memory_shape, 2), rand(tgt_shape, 3)
    options = DECODER_MASKS[masks]
    tgt_a, memory_a = (Tensor(value, requires_grad=True, device=device) for value in (tgt, memory))
    out = ours(tgt_a, memory_a, **options)
    out.backward(grad)
    tgt_t, memory_t = torch.tensor(tgt, requires_grad=True), torch.tensor(memory, requires_grad=True)
    out_t = theirs(tgt_t, memory_t, **as_torch(options))
    out_t.backward(torch.from_numpy(grad))
    assert_close(out, out_t)
    assert_close(tgt_a.grad, tgt_t.grad)
    assert_close(memory_a.grad, memory_t.grad)
    check_gradients(ours, theirs)


def test_layers_have_pytorchs_state_dict_and_take_a_callable_activation(device):
    for ours, theirs in ((TransformerEncoderLayer(16, 4), torch.nn.TransformerEncoderLayer(16, 4)),
                         (TransformerDecoderLayer(16, 4, bias=False), torch.nn.TransformerDecoderLayer(16, 4, bias=False))):
        assert {k: v.shape for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    layer = TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation=lambda x: x.tanh(), dtype="float64",
                                    device=device)
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation=torch.tanh).double()
    layer.load_state_dict(theirs.state_dict())
    x = rand((T, N, D), 4)
    assert_close(layer(Tensor(x, device=device)), theirs(torch.tensor(x)))


def test_causal_mask_and_layer_errors(device):
    mask = generate_square_subsequent_mask(3).numpy()
    np.testing.assert_array_equal(mask, torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable, got 'swish'"):
        TransformerEncoderLayer(8, 2, activation="swish", device=device)
    layer = TransformerDecoderLayer(8, 2, batch_first=True, device=device)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer\(d_model=8\) expected memory of shape \(N, L, E\) "
                                         r"with E = 8, got \(2, 5, 6\)"):
        layer(Tensor(rand((2, 3, 8), 0), device=device), Tensor(rand((2, 5, 6), 0), device=device))


def test_is_causal_without_a_mask_builds_the_causal_mask(device):
    ours, _ = layer_pair("encoder", True, False, "relu", device=device)
    x = Tensor(rand((N, T, D), 6), device=device)
    np.testing.assert_allclose(ours(x, is_causal=True).numpy(), ours(x, src_mask=CAUSAL).numpy(), rtol=1e-12)
    assert not np.allclose(ours(x, is_causal=True).numpy(), ours(x).numpy())


def test_encoder_layer_with_dropout_differs_in_training_and_not_in_eval(device):
    layer = TransformerEncoderLayer(D, HEADS, FF, dropout=0.5, batch_first=True, device=device)
    x = Tensor(rand((N, T, D), 0).astype(np.float32), device=device)
    assert not np.allclose(layer(x).numpy(), layer(x).numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())


# --- document 004: Encoder, Decoder, Transformer ---------------------------------------------------


def test_decoder_position_sees_only_earlier_targets(device):
    aino.manual_seed(0)
    decoder = Decoder(vocab_size=20, d_model=16, num_heads=2, device=device)
    decoder.eval()
    memory = Tensor(rand((2, 5, 16), 0).astype(np.float32), device=device)
    tgt = np.random.default_rng(1).integers(0, 20, size=(2, 6))
    changed = tgt.copy()
    changed[:, 4:] = (changed[:, 4:] + 1) % 20  # other tokens from position 4 on
    before, after = (decoder(Tensor(tokens, device=device), memory).numpy() for tokens in (tgt, changed))
    np.testing.assert_allclose(before[:, :4], after[:, :4], rtol=1e-5, atol=1e-6)
    assert not np.allclose(before[:, 4:], after[:, 4:])


def test_document_004_encoder_and_decoder_snippets(device):
    rng = np.random.default_rng(2)
    src_tokens, tgt_tokens = (Tensor(rng.integers(0, 10000, size=(2, length)), device=device) for length in (7, 6))
    encoder = Encoder(vocab_size=10000, d_model=512, num_heads=8, device=device)
    encoder_output = encoder(src_tokens)  # src_tokens: [batch_size, src_len]
    decoder = Decoder(vocab_size=10000, d_model=512, num_heads=8, device=device)
    decoder_output = decoder(tgt_tokens, encoder_output)  # tgt_tokens: [batch_size, tgt_len]
    assert encoder_output.shape == (2, 7, 512) and decoder_output.shape == (2, 6, 512)
    assert decoder_output.dtype == np.float32


def test_a_small_transformer_learns_a_batch_of_copy_examples(device):
    aino.manual_seed(0)
    src = np.random.default_rng(0).integers(1, 8, size=(8, 5))
    tgt_in = np.concatenate([np.zeros((8, 1), dtype=src.dtype), src[:, :-1]], axis=1)  # 0 = start token
    model = Transformer(src_vocab_size=8, tgt_vocab_size=8, d_model=32, num_heads=2, num_layers=1, dropout=0.0,
                        device=device)
    optimizer = Adam(model.parameters(), lr=1e-2)
    loss_fn = SoftmaxCrossEntropyLoss()
    losses = []
    source, target_in = Tensor(src, device=device), Tensor(tgt_in, device=device)
    for _ in range(40):
        loss = loss_fn(model(source, target_in), source)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    predictions = model(source, target_in).numpy().argmax(axis=-1)
    assert losses[-1] < 0.1 * losses[0]
    assert (predictions == src).mean() >= 0.9


CAUSAL_16 = np.triu(np.full((16, 16), -np.inf, dtype=np.float32), k=1)


def test_float32_encoder_layer_matches_pytorch_to_float32_rounding(device):
    """The float32 fast path (the benchmark's): outputs and every gradient as PyTorch's, to float32 rounding."""
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
    ours = TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True, device=device)
    ours.load_state_dict({name: value.numpy() for name, value in theirs.state_dict().items()})
    x, grad = (rand((4, 16, 32), seed).astype(np.float32) for seed in (1, 2))
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    out, out_t = ours(xa, is_causal=True, src_mask=CAUSAL_16), theirs(xt, is_causal=True, src_mask=torch.tensor(CAUSAL_16))
    out.backward(Tensor(grad, device=device))
    out_t.backward(torch.from_numpy(grad))
    assert out.dtype == np.float32 and xa.grad.dtype == np.float32
    assert_close(out, out_t, rtol=1e-4, atol=1e-5)
    assert_close(xa.grad, xt.grad, rtol=1e-4, atol=1e-5)
    torch_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, torch_params[name].grad, rtol=1e-4, atol=1e-5)

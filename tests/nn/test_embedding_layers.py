"""Embedding and PositionalEncoding: PyTorch parity (float64, same weights), the sinusoid formula, errors,
and the snippets of reference document 004."""

import math

import numpy as np
import pytest

from aino.nn import Embedding
from aino.nn.embedding import PositionalEncoding
from aino.tensor import Tensor

from nn_helpers import torch_pair

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1])
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4)])
def test_embedding_matches_pytorch(shape, padding_idx, device):
    ours, theirs = torch_pair(Embedding, torch.nn.Embedding, 10, 4, padding_idx=padding_idx, device=device)
    rng = np.random.default_rng(0)
    indices = rng.integers(0, 10, size=shape)
    indices.flat[:3] = [3, 3, 9]  # repeated tokens, and the padding rows 3 and 9 (= -1) for sure
    grad = rng.normal(size=shape + (4,))

    out = ours(Tensor(indices, device=device))
    out.backward(Tensor(grad, device=device))
    out_t = theirs(torch.from_numpy(indices))
    out_t.backward(torch.from_numpy(grad))

    np.testing.assert_array_equal(out.numpy(), out_t.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_repeated_tokens_add_their_gradients_and_padding_gets_none(device):
    layer = Embedding(5, 2, padding_idx=1, dtype="float64", device=device)
    layer(np.array([[2, 2, 1], [2, 4, 1]])).sum().backward()
    expected = np.zeros((5, 2))
    expected[2], expected[4] = 3, 1  # token 2 appears three times; token 1 is the padding row
    np.testing.assert_array_equal(layer.weight.grad.numpy(), expected)
    np.testing.assert_array_equal(layer.weight.numpy()[1], 0)  # the padding row starts at zero


def test_embedding_starts_standard_normal_as_pytorch(device):
    weight = Embedding(500, 64, device=device).weight.numpy()
    assert weight.dtype == np.float32 and weight.shape == (500, 64)
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - 1) < 0.02


def test_embedding_gives_clear_errors(device):
    layer = Embedding(10, 3, device=device)
    with pytest.raises(ValueError, match=r"Embedding\(10, 3\) expected indices in \[0, 10\), got values from 0 to 12"):
        layer(np.array([0, 12]))
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\) expected integer token indices, got dtype float32"):
        layer(Tensor([0.0, 1.0], device=device))
    with pytest.raises(ValueError, match="num_embeddings must be an integer >= 1, got 0"):
        Embedding(0, 3, device=device)
    with pytest.raises(ValueError, match=r"padding_idx must be an integer in \[-10, 9\], got 10"):
        Embedding(10, 3, padding_idx=10, device=device)


def sinusoids(length, d_model):
    """The table of Vaswani et al. written the plain way, one entry at a time."""
    table = np.zeros((length, d_model))
    for pos in range(length):
        for i in range(d_model):
            angle = pos / 10000 ** (2 * (i // 2) / d_model)
            table[pos, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
    return table


@pytest.mark.parametrize("d_model", [6, 7])
def test_positional_encoding_adds_the_sinusoids_and_passes_gradients_through(d_model, device):
    layer = PositionalEncoding(d_model, max_seq_len=50, dtype="float64", device=device)
    x = Tensor(np.random.default_rng(1).normal(size=(2, 9, d_model)), requires_grad=True, device=device)
    out = layer(x)
    np.testing.assert_allclose(out.numpy() - x.numpy(), np.broadcast_to(sinusoids(9, d_model), (2, 9, d_model)), atol=1e-12)
    grad = np.random.default_rng(2).normal(size=out.shape)
    out.backward(grad)
    np.testing.assert_array_equal(x.grad.numpy(), grad)
    assert list(layer.state_dict()) == ["pe"] and layer.parameters() == []


def test_positional_encoding_dropout_and_errors(device):
    layer = PositionalEncoding(8, max_seq_len=10, dropout=0.5, device=device)
    x = Tensor(np.ones((4, 10, 8), dtype=np.float32), device=device)
    assert (layer(x).numpy() == 0).any()
    layer.eval()
    assert not (layer(x).numpy() == 0).all(axis=-1).any()
    with pytest.raises(ValueError, match=r"PositionalEncoding\(d_model=8, max_seq_len=10\) expected input of shape "
                                         r"\(batch, seq_len <= 10, 8\), got \(4, 11, 8\)"):
        layer(Tensor(np.ones((4, 11, 8), dtype=np.float32), device=device))


def test_document_004_embedding_snippets(device):
    token_indices = Tensor(np.random.default_rng(3).integers(0, 10000, size=(4, 12)), device=device)
    embedding = Embedding(vocab_size=10000, d_model=512, device=device)
    embedded = embedding(token_indices)  # token_indices shape: [batch_size, seq_len]
    positional_encoding = PositionalEncoding(d_model=512, max_seq_len=1000, device=device)
    embedded_with_positions = positional_encoding(embedded)
    assert embedded.shape == embedded_with_positions.shape == (4, 12, 512)
    assert embedded_with_positions.dtype == np.float32
    np.testing.assert_allclose((embedded_with_positions - embedded).numpy()[0, :, :8], sinusoids(12, 512)[:, :8], atol=1e-6)

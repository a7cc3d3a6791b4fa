"""Reference document 004's whole models on token indices (batch-first): Encoder, Decoder and Transformer.

Each embeds its tokens (scaled by sqrt(d_model)), adds the sinusoidal positional encoding (Vaswani et al.)
and runs a stack of PyTorch's TransformerEncoderLayer / TransformerDecoderLayer (aino/nn/transformer.py).
They are not PyTorch's nn.Transformer, which takes embedded inputs and other arguments; aino has no
PyTorch Transformer. The other spellings of the documents are in aino/nn/aliases.py.
"""

import math

from aino.nn import checks
from aino.nn.aliases import Embedding
from aino.nn.attention import check_heads
from aino.nn.embedding import PositionalEncoding
from aino.nn.linear import Linear
from aino.nn.module import Module
from aino.nn.transformer import TransformerDecoderLayer, TransformerEncoderLayer, generate_square_subsequent_mask


def _check_stack(owner, vocab_sizes, d_model, num_heads, num_layers, d_ff, dropout, max_seq_len):
    """The options of document 004's models, refused in the words of the model that was given them."""
    for name, size in vocab_sizes.items():
        checks.size(size, name, owner)
    check_heads(owner, d_model, num_heads, dropout, "d_model")
    checks.size(num_layers, "num_layers", owner)
    checks.optional_size(d_ff, "d_ff", owner)  # None: 4 * d_model
    checks.size(max_seq_len, "max_seq_len", owner)
    for name, size in vocab_sizes.items():
        checks.check_elements(owner, (size, d_model), "float32", f"the embedding table ({name}, d_model)")
    per_layer = 4 * d_model * d_model + 2 * d_model * (d_ff or 4 * d_model)  # attention and feed-forward weights
    checks.check_elements(owner, (num_layers, per_layer), "float32", "the weights of all layers")


class _Stack(Module):
    """Token embedding scaled by sqrt(d_model) plus the positional encoding (Vaswani et al.), then num_layers
    layers of `layer_class` (batch-first, feed-forward width d_ff, 4 * d_model by default)."""

    layer_class = None

    def __init__(self, vocab_size, d_model, num_heads, num_layers=2, d_ff=None, dropout=0.1, max_seq_len=5000,
                 activation="relu", norm_first=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        _check_stack(type(self).__name__, {"vocab_size": vocab_size}, d_model, num_heads, num_layers, d_ff, dropout,
                     max_seq_len)
        self.d_model = d_model
        self.embedding = Embedding(vocab_size, d_model, padding_idx=padding_idx, device=device, dtype=dtype)
        self.positional_encoding = PositionalEncoding(d_model, max_seq_len, dropout, device=device, dtype=dtype)
        self.layers = [
            self.layer_class(d_model, num_heads, d_ff or 4 * d_model, dropout, activation, batch_first=True,
                             norm_first=norm_first, device=device, dtype=dtype)
            for _ in range(num_layers)
        ]

    def _embed(self, tokens):
        return self.positional_encoding(self.embedding(tokens) * math.sqrt(self.d_model))


class Encoder(_Stack):
    """Document 004's encoder: tokens (batch, src_len) -> embedding * sqrt(d_model) + positions -> num_layers
    TransformerEncoderLayers (batch-first, feed-forward width d_ff, 4 * d_model by default) -> (batch, src_len, d_model).

    forward(src_tokens, src_key_padding_mask=None): the mask (batch, src_len) is True at padding tokens.
    """

    layer_class = TransformerEncoderLayer

    def forward(self, src, src_key_padding_mask=None):
        x = self._embed(src)
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=src_key_padding_mask)
        return x


class Decoder(_Stack):
    """Document 004's decoder: tokens (batch, tgt_len) -> embedding * sqrt(d_model) + positions -> num_layers
    TransformerDecoderLayers (batch-first, causal self-attention: position i sees targets 0..i only, and
    attention to the encoder output) -> (batch, tgt_len, d_model).

    forward(tgt_tokens, memory, tgt_key_padding_mask=None, memory_key_padding_mask=None): masks True at padding.
    """

    layer_class = TransformerDecoderLayer

    def forward(self, tgt, memory, tgt_key_padding_mask=None, memory_key_padding_mask=None):
        x = self._embed(tgt)
        for layer in self.layers:
            x = layer(x, memory, tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=True)
        return x


class Transformer(Module):
    """Document 004's encoder-decoder: logits = output_projection(decoder(tgt, encoder(src))), shape
    (batch, tgt_len, tgt_vocab_size); encoder and decoder as above, num_layers each.

    forward(src_tokens, tgt_tokens, src_key_padding_mask=None, tgt_key_padding_mask=None).
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, d_model, num_heads, num_layers=2, d_ff=None, dropout=0.1,
                 max_seq_len=5000, activation="relu", norm_first=False, padding_idx=None, device=None, dtype=None):
        super().__init__()
        _check_stack("Transformer", {"src_vocab_size": src_vocab_size, "tgt_vocab_size": tgt_vocab_size}, d_model,
                     num_heads, num_layers, d_ff, dropout, max_seq_len)
        options = dict(num_layers=num_layers, d_ff=d_ff, dropout=dropout, max_seq_len=max_seq_len, activation=activation,
                       norm_first=norm_first, padding_idx=padding_idx, device=device, dtype=dtype)
        self.encoder = Encoder(src_vocab_size, d_model, num_heads, **options)
        self.decoder = Decoder(tgt_vocab_size, d_model, num_heads, **options)
        self.output_projection = Linear(d_model, tgt_vocab_size, device=device, dtype=dtype)

    def forward(self, src, tgt, src_key_padding_mask=None, tgt_key_padding_mask=None):
        memory = self.encoder(src, src_key_padding_mask=src_key_padding_mask)
        x = self.decoder(tgt, memory, tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=src_key_padding_mask)
        return self.output_projection(x)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)


__all__ = ["Decoder", "Encoder", "Transformer"]

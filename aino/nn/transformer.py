"""Transformer layers: PyTorch's TransformerEncoderLayer and TransformerDecoderLayer (same arguments,
sub-module names and state_dict keys). Reference document 004's Encoder, Decoder and Transformer, which stack
them after a token embedding and a sinusoidal positional encoding, are in aino/nn/document_models.py.

Each layer is a residual block around attention and a two-layer feed-forward network:

    post-norm (norm_first=False, the original):   x = norm1(x + attention(x));  x = norm2(x + ff(x))
    pre-norm  (norm_first=True):                  x = x + attention(norm1(x));  x = x + ff(norm2(x))

with ff(x) = linear2(dropout(activation(linear1(x)))). TransformerEncoder and TransformerDecoder stack
num_layers deep copies of one such layer ("layers.0.self_attn.in_proj_weight", ...), with an optional final norm.
"""

import copy

import numpy

from aino.nn import checks
from aino.nn.activation import GELU, ReLU
from aino.nn.attention import MultiheadAttention, check_heads
from aino.nn.basic import Dropout
from aino.nn.container import ModuleList
from aino.nn.layernorm import LayerNorm
from aino.nn.linear import Linear
from aino.nn.module import Module
from aino.tensor import Tensor
from aino.validation import check_int

ACTIVATIONS = {"relu": ReLU, "gelu": GELU}


def generate_square_subsequent_mask(size, device=None, dtype=None):
    """The causal mask of PyTorch: a (size, size) float Tensor, 0 where key j <= query i, -inf above the diagonal."""
    size = check_int(size, "size", "generate_square_subsequent_mask", minimum=0)
    upper = numpy.triu(numpy.ones((size, size), dtype=bool), k=1)
    return Tensor(numpy.where(upper, -numpy.inf, 0.0), dtype=dtype or "float32", device=device)


def _activation(owner, name_or_function):
    """"relu" or "gelu" as a layer; a callable (an aino layer or a function on tensors) as it is."""
    if callable(name_or_function):
        return name_or_function
    if not isinstance(name_or_function, str) or name_or_function not in ACTIVATIONS:
        raise ValueError(f"{owner}: activation should be 'relu', 'gelu' or a callable, got {name_or_function!r:.60}")
    return ACTIVATIONS[name_or_function]()


class _Block(Module):
    """What both layers share: the option checks, the feed-forward part (linear1, dropout, linear2) and the input check."""

    def _check_options(self, d_model, nhead, dim_feedforward, dropout, layer_norm_eps):
        """Each option refused in this layer's words before a sub-layer is built from it."""
        owner = type(self).__name__
        check_heads(owner, d_model, nhead, dropout, "d_model")
        checks.size(dim_feedforward, "dim_feedforward", owner)
        checks.positive(layer_norm_eps, "layer_norm_eps", owner)
        checks.check_elements(owner, (d_model, 4 * d_model + 2 * dim_feedforward), "float32", "the weights")

    def _feed_forward_parts(self, d_model, dim_feedforward, dropout, bias, device, dtype):
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, device=device, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, device=device, dtype=dtype)

    def _ff_block(self, x, dropout):
        """linear2(dropout(activation(linear1(x)))), then the residual branch's own `dropout`."""
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _check(self, name, x):
        """x as a float (L, N, E), (N, L, E) with batch_first, or unbatched (L, E), E = d_model."""
        x = checks.tensor_input(self, x, name)
        d_model = self.linear1.in_features
        if x.ndim not in (2, 3) or x.shape[-1] != d_model:
            layout = "(N, L, E)" if self.self_attn.batch_first else "(L, N, E)"
            raise ValueError(f"{type(self).__name__}(d_model={d_model}) expected {name} of shape {layout} "
                             f"with E = {d_model}, got {tuple(x.shape)}")
        return x

    def _name(self):
        return f"{type(self).__name__}(d_model={self.linear1.in_features})"


class TransformerEncoderLayer(_Block):
    """Self-attention then feed-forward, each in a residual block with layer normalisation (as PyTorch's).

    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False); masks as MultiheadAttention's.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        self._check_options(d_model, nhead, dim_feedforward, dropout, layer_norm_eps)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            device=device, dtype=dtype)
        self._feed_forward_parts(d_model, dim_feedforward, dropout, bias, device, dtype)
        self.norm_first = norm_first
        self.norm1, self.norm2 = (LayerNorm(d_model, layer_norm_eps, bias=bias, device=device, dtype=dtype) for _ in range(2))
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = _activation(type(self).__name__, activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        src = self._check("src", src)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x, _ = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                              is_causal=is_causal)
        return self.dropout1(x)


class TransformerDecoderLayer(_Block):
    """Self-attention, attention to the encoder's output (memory), then feed-forward, each in a residual block
    with layer normalisation (as PyTorch's).

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False).
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        self._check_options(d_model, nhead, dim_feedforward, dropout, layer_norm_eps)
        self.self_attn, self.multihead_attn = (
            MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, device=device,
                               dtype=dtype)
            for _ in range(2)
        )
        self._feed_forward_parts(d_model, dim_feedforward, dropout, bias, device, dtype)
        self.norm_first = norm_first
        self.norm1, self.norm2, self.norm3 = (
            LayerNorm(d_model, layer_norm_eps, bias=bias, device=device, dtype=dtype) for _ in range(3)
        )
        self.dropout1, self.dropout2, self.dropout3 = Dropout(dropout), Dropout(dropout), Dropout(dropout)
        self.activation = _activation(type(self).__name__, activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        tgt, memory = self._check("tgt", tgt), self._check("memory", memory)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x, self.dropout3))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x, _ = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                              is_causal=is_causal)
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x, _ = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                   need_weights=False, is_causal=is_causal)
        return self.dropout2(x)



class _Stack(Module):
    """What both stacks share: `num_layers` deep copies of one layer (each starts with the same weights, as
    PyTorch's) in a ModuleList called layers, and an optional final `norm`."""

    def __init__(self, layer, num_layers, norm, kind):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(layer, kind):
            raise TypeError(f"{owner}: expected a {kind.__name__} to copy, got {type(layer).__name__}")
        num_layers = check_int(num_layers, "num_layers", owner, minimum=0)
        if norm is not None and not isinstance(norm, Module):
            raise TypeError(f"{owner}: norm must be a layer such as LayerNorm(d_model) or None, "
                            f"got {type(norm).__name__}")
        self.layers = ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def _finish(self, x):
        return x if self.norm is None else self.norm(x)


class TransformerEncoder(_Stack):
    """num_layers copies of a TransformerEncoderLayer, one after another, then `norm` if given (as PyTorch's).

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None): the masks go to every layer.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__(encoder_layer, num_layers, norm, TransformerEncoderLayer)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return self._finish(x)


class TransformerDecoder(_Stack):
    """num_layers copies of a TransformerDecoderLayer, each reading the same memory, then `norm` if given.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False): the masks go to every layer.
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__(decoder_layer, num_layers, norm, TransformerDecoderLayer)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask, tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=bool(tgt_is_causal),
                      memory_is_causal=memory_is_causal)
        return self._finish(x)

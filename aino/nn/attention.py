"""Attention layers: scaled_dot_product_attention and PyTorch's MultiheadAttention, and the pieces that
reference document 004's MultiHeadAttention (in aino/nn/aliases.py) shares with them. Every head's
softmax(Q K^T / sqrt(d) + mask) V runs in one fused op (aino/ops/attention.py), or, where the weights are
returned with their gradient (MultiheadAttention's need_weights=True), in two: the weights op, then a matrix
product; the layers only project, split the heads apart and join them again. Self-attention without weights
(one tensor as query, key and value) projects Q, K and V in one product and attends in PackedAttention.

Mask conventions (PyTorch's, which differ between the two functions):
- scaled_dot_product_attention(attn_mask=): boolean True = may attend; numbers are added to the scores.
- MultiheadAttention(attn_mask=, key_padding_mask=): boolean True = may NOT attend; numbers are added.
- MultiHeadAttention(mask=) of document 004: 1 (or True) = may attend, 0 = may not.
"""

import numpy

from aino import hooks
from aino.functional import linear
from aino.nn import checks
from aino.nn.init import initial_weight
from aino.nn.linear import Linear
from aino.nn.module import Module
from aino.nn.parameter import Parameter
from aino.ops.attention import (
    AttentionWeights,
    additive_mask,
    attention,
    dropout_scale,
    packed_attention,
)
from aino.ops.function import constant
from aino.tensor import get_rng
from aino.validation import check_real

MASK_WORDS = {"bf": "booleans or floats", "biuf": "numbers"}


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """softmax(Q K^T * scale + mask) V over the last two axes, as torch.nn.functional's.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). attn_mask: boolean (True = may
    attend) or numbers added to the scores; is_causal masks keys after each query; scale defaults to 1/sqrt(E).
    """
    owner = "scaled_dot_product_attention"
    query, key, value = (checks.tensor_input(owner, t, name) for t, name in ((query, "query"), (key, "key"), (value, "value")))
    dropout_p = checks.probability(dropout_p, "dropout_p", owner)
    scale = None if scale is None else check_real(scale, "scale", owner)
    if min(query.ndim, key.ndim, value.ndim) < 2 or query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention expected query (..., L, E), key (..., S, E) and value (..., S, Ev), "
            f"got {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    check_lengths(owner, query, key, -2)
    mask = None if attn_mask is None else mask_array(owner, query.xp, attn_mask, "attn_mask")
    output, _ = attention(query, key, value, mask=mask, is_causal=is_causal, scale=scale, dropout_p=dropout_p,
                          rng=get_rng())
    return output


def check_lengths(owner, query, key, axis):
    """Refuse a query or key sequence of length 0 (on `axis`): PyTorch gives an empty (or zero) result there,
    but the fused softmax of aino/ops/attention.py cannot run on an empty row yet."""
    if query.shape[axis] == 0 or key.shape[axis] == 0:
        raise ValueError(f"{checks.name_of(owner)}: expected query and key sequences of length >= 1, got query of "
                         f"shape {tuple(query.shape)} and key of shape {tuple(key.shape)}")


def split_heads(x, num_heads, batch_first):
    """(N, L, E) if batch_first else (L, N, E) -> (N, heads, L, E / heads): head h takes features h*D .. (h+1)*D - 1."""
    a, b, embed = x.shape
    x = x.reshape(a, b, num_heads, embed // num_heads)
    return x.permute(0, 2, 1, 3) if batch_first else x.permute(1, 2, 0, 3)


def merge_heads(x, batch_first):
    """(N, heads, L, D) -> (N, L, heads * D) if batch_first else (L, N, heads * D): the inverse of split_heads."""
    n, heads, length, depth = x.shape
    if batch_first:
        return x.permute(0, 2, 1, 3).reshape(n, length, heads * depth)
    return x.permute(2, 0, 1, 3).reshape(length, n, heads * depth)


def check_heads(layer, embed_dim, num_heads, dropout, name="embed_dim"):
    """(embed_dim, num_heads, dropout), checked: sizes >= 1, embed_dim a multiple of num_heads, dropout in [0, 1]."""
    embed_dim, num_heads = checks.size(embed_dim, name, layer), checks.size(num_heads, "num_heads", layer)
    if embed_dim % num_heads:
        raise ValueError(f"{layer}: {name} ({embed_dim}) must be a positive multiple of num_heads ({num_heads})")
    return embed_dim, num_heads, checks.probability(dropout, "dropout", layer)


def attention_with_weights(query, key, value, mask=None, is_causal=False, dropout_p=0.0):
    """(O, D) with D = dropout(softmax(Q K^T / sqrt(E) + mask)) and O = D V, both in the graph: the weights D
    carry a gradient (through the AttentionWeights op), unlike those of the fused `attention`."""
    weights = AttentionWeights.apply(query, key, mask=mask, is_causal=is_causal)
    if dropout_p > 0:
        keep = dropout_scale(weights.xp, get_rng(), weights.shape, dropout_p, weights.dtype)  # keep / (1 - p)
        weights = weights * constant(keep, weights)
    return weights @ value, weights


class MultiheadAttention(Module):
    """concat_h(softmax(Q_h K_h^T / sqrt(D) + mask) V_h) W_o^T + b_o, with Q, K, V = x W^T + b, as PyTorch's.

    The projections: when kdim = vdim = embed_dim, the packed in_proj_weight (3E, E) = [W_q; W_k; W_v]; else
    (keys of kdim features, values of vdim) q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight
    (E, vdim). Either way in_proj_bias (3E,) and out_proj; state_dict keys are PyTorch's.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights): inputs (L, N, E), or (N, L, E) with
    batch_first; weights (N, L, S) averaged over heads (or (N, heads, L, S)), None if not need_weights;
    they carry a gradient. Boolean masks: True = may NOT attend. is_causal without attn_mask builds the mask.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        embed_dim, num_heads, dropout = check_heads(type(self).__name__, embed_dim, num_heads, dropout)
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        owner = type(self).__name__
        self.kdim = embed_dim if kdim is None else checks.size(kdim, "kdim", owner)
        self.vdim = embed_dim if vdim is None else checks.size(vdim, "vdim", owner)
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        dtype = checks.float_dtype(dtype, owner)
        checks.check_elements(owner, (3 * embed_dim, max(embed_dim, self.kdim, self.vdim)), dtype)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(initial_weight((3 * embed_dim, embed_dim), embed_dim, 3 * embed_dim,
                                                           "xavier", dtype), device=device)
        else:  # PyTorch's xavier_uniform_ on each: U(-a, a), a = sqrt(6 / (E + its input width))
            self.in_proj_weight = None
            self.q_proj_weight, self.k_proj_weight, self.v_proj_weight = (
                Parameter(initial_weight((embed_dim, width), width, embed_dim, "xavier", dtype), device=device)
                for width in (embed_dim, self.kdim, self.vdim))
        self.in_proj_bias = Parameter(numpy.zeros(3 * embed_dim, dtype), device=device) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if bias:
            self.out_proj.bias.data[...] = 0  # PyTorch zeroes both biases

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        query, key, value = (checks.tensor_input(self, t, name) for t, name in ((query, "query"), (key, "key"), (value, "value")))
        packed = self._qkv_same_embed_dim and not need_weights and query is key is value  # self-attention
        unbatched = query.ndim == 2
        if unbatched:  # (L, E): one sequence, no batch axis
            query, key, value = (t.unsqueeze(1 - int(self.batch_first)) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = mask_array(self, query.xp, key_padding_mask, "key_padding_mask")[None]
        self._check(query, key, value)
        mask = self._mask(query, key, key_padding_mask, attn_mask)
        dropout_p = self.dropout if self.training else 0.0
        options = dict(mask=mask, is_causal=is_causal and attn_mask is None, dropout_p=dropout_p)
        if packed:  # self-attention: Q, K and V from one product by in_proj_weight, then one fused op
            qkv = split_heads(linear(query, self.in_proj_weight, self.in_proj_bias), 3 * self.num_heads, self.batch_first)
            heads, weights = packed_attention(qkv, **options, rng=get_rng())  # qkv: (N, 3 heads, L, D)
        else:
            q, k, v = (self._project(x, block) for block, x in enumerate((query, key, value)))
            if need_weights:  # two ops, so that the weights returned carry a gradient
                heads, weights = attention_with_weights(q, k, v, **options)
            else:  # one fused op
                heads, weights = attention(q, k, v, **options, rng=get_rng())
        if hooks.active: hooks.attention_weights(self, weights)  # noqa: E701  (aino.trace: (N, heads, L, S))
        output = self.out_proj(merge_heads(heads, self.batch_first))
        if unbatched:
            output = output.squeeze(1 - int(self.batch_first))
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        return output, (weights[0] if unbatched else weights)

    def _project(self, x, block):
        """x W^T + b with the weights of block 0 (query), 1 (key) or 2 (value), split into heads."""
        rows = slice(block * self.embed_dim, (block + 1) * self.embed_dim)
        bias = None if self.in_proj_bias is None else self.in_proj_bias[rows]
        if self._qkv_same_embed_dim:
            weight = self.in_proj_weight[rows]
        else:
            weight = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)[block]
        return split_heads(linear(x, weight, bias), self.num_heads, self.batch_first)

    def _check(self, query, key, value):
        batch_axis = 0 if self.batch_first else 1
        layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
        shapes = [tuple(t.shape) for t in (query, key, value)]
        widths = (self.embed_dim, self.kdim, self.vdim)
        ok = all(len(s) == 3 and s[-1] == width for s, width in zip(shapes, widths))
        ok = ok and len({s[batch_axis] for s in shapes}) == 1 and shapes[1][:-1] == shapes[2][:-1]
        if not ok:
            raise ValueError(
                f"{type(self).__name__}(embed_dim={self.embed_dim}, num_heads={self.num_heads}) expected query, key "
                f"and value of shape {layout} with E = {self.embed_dim} for the query, {self.kdim} for the key and "
                f"{self.vdim} for the value, one batch size, key and value of one length; "
                f"got {shapes[0]}, {shapes[1]} and {shapes[2]}"
            )
        check_lengths(self, query, key, 1 - batch_axis)

    def _mask(self, query, key, key_padding_mask, attn_mask):
        """One additive mask broadcastable to (N, heads, L, S) from attn_mask and key_padding_mask (or None)."""
        xp, dtype = query.xp, query.dtype
        batch_axis = 0 if self.batch_first else 1
        n, length, source = query.shape[batch_axis], query.shape[1 - batch_axis], key.shape[1 - batch_axis]
        mask = None
        if attn_mask is not None:
            mask = additive_mask(xp, _forbidden(self, xp, attn_mask, "attn_mask"), dtype)
            if mask.shape not in ((length, source), (n * self.num_heads, length, source)):
                raise ValueError(
                    f"{type(self).__name__}: attn_mask must have shape ({length}, {source}) or "
                    f"({n * self.num_heads}, {length}, {source}), got {tuple(mask.shape)}"
                )
            mask = mask.reshape(-1, self.num_heads, length, source) if mask.ndim == 3 else mask
        if key_padding_mask is not None:
            padding = additive_mask(xp, _forbidden(self, xp, key_padding_mask, "key_padding_mask"), dtype)
            if padding.shape != (n, source):
                raise ValueError(
                    f"{type(self).__name__}: key_padding_mask must have shape ({n}, {source}), got {tuple(padding.shape)}"
                )
            padding = padding[:, None, None, :]
            mask = padding if mask is None else mask + padding
        return mask

    def _name(self):
        return f"{type(self).__name__}(embed_dim={self.embed_dim}, num_heads={self.num_heads})"

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, batch_first={self.batch_first}"


def mask_array(owner, xp, mask, name="mask", kinds="bf"):
    """A mask (a Tensor, an array or a list) as an array of booleans or floats (as PyTorch), or of any of the
    dtype `kinds`; others (text, objects) are a TypeError."""
    try:
        array = xp.asarray(getattr(mask, "data", mask))
    except (TypeError, ValueError) as error:  # a ragged list
        raise TypeError(f"{checks.name_of(owner)}: {name} must be an array of {MASK_WORDS[kinds]}, got "
                        f"{type(mask).__name__} ({error})") from None
    if array.dtype.kind not in kinds:
        raise TypeError(f"{checks.name_of(owner)}: {name} must be an array of {MASK_WORDS[kinds]}, got "
                        f"{type(mask).__name__} of dtype {array.dtype}")
    return array


def _forbidden(owner, xp, mask, name):
    """A PyTorch-style layer mask (boolean True = may not attend) as an ops mask (boolean True = may attend)."""
    mask = mask_array(owner, xp, mask, name)
    return ~mask if mask.dtype == bool else mask


__all__ = ["MultiheadAttention", "scaled_dot_product_attention"]

"""Scaled dot-product attention as one fused op: forward and its whole derivative side by side.

For queries Q (..., L, E), keys K (..., S, E) and values V (..., S, Ev), with c = scale (1 / sqrt(E) by
default) and M an additive mask (0 where a query may look at a key, -inf where it may not):

    S = c Q K^T + M          scores, (..., L, S)
    P = softmax(S)           attention weights, each row sums to 1 (a row with every key masked is all 0)
    D = P * keep / (1 - p)   dropout on the weights (training only; D = P without it)
    O = D V                  output, (..., L, Ev)

Backward, with G = dL/dO:

    dL/dV = D^T G
    dL/dD = G V^T,           dL/dP = dL/dD * keep / (1 - p)
    dL/dS = P * (dL/dP - rowsum(dL/dP * P))        (the softmax derivative, one row at a time)
    dL/dQ = c dL/dS K,       dL/dK = c dL/dS^T Q

AttentionWeights is P alone (S and the softmax, with the last two lines of the backward), for a layer that
returns the weights with their gradient; ScaledDotProductAttention extends it to the whole of O, and
PackedAttention takes Q, K and V packed in one input (self-attention's single projection).
"""

import math

from aino.ops.function import Function, constant, unbroadcast


def causal_mask(xp, query_length, key_length):
    """A boolean (L, S) array, True where query i may look at key j, i.e. j <= i (aligned top-left, as PyTorch)."""
    return xp.tril(xp.ones((query_length, key_length), dtype=bool))


def additive_mask(xp, mask, dtype):
    """A mask as numbers to add to the scores: a boolean mask (True = may attend) becomes 0 / -inf. A host
    (NumPy) mask given to a GPU op is moved to the scores' device, as a CPU index tensor is."""
    mask = xp.asarray(mask)
    if mask.dtype == bool:
        return xp.where(mask, 0, -xp.inf).astype(dtype)
    return mask.astype(dtype, copy=False)


class AttentionWeights(Function):
    """P = softmax(c Q K^T + M); dL/dS = P * (dL/dP - rowsum(dL/dP * P)), dL/dQ = c dL/dS K, dL/dK = c dL/dS^T Q.

    The weights alone, as a differentiable op (MultiheadAttention returns them with need_weights=True, so a loss
    on them backpropagates). Options: `mask` (an array broadcastable to (..., L, S): boolean, True where attention
    is allowed, or numbers added to the scores), `is_causal` and `scale`. ScaledDotProductAttention builds on it.
    """

    name = "attention_weights"

    def __init__(self, mask=None, is_causal=False, scale=None):
        self.mask, self.is_causal, self.scale = mask, is_causal, scale

    def forward(self, q, k):
        self.q, self.k = q, k
        self.p = self.weights(q, k)
        return self.p

    def backward(self, grad):
        return self.through_scores(grad, self.needs_grad)

    def weights(self, q, k):
        """P = softmax(c Q K^T + M), (..., L, S); sets the scale c when none was given."""
        xp = self.xp
        if self.scale is None:
            self.scale = 1 / math.sqrt(q.shape[-1])
        scores = transposed_product(xp, q, k)  # Q K^T
        scores *= self.scale
        masked = self.mask is not None or self.is_causal
        if self.mask is not None:
            scores = scores + additive_mask(xp, self.mask, scores.dtype)
        if self.is_causal:
            scores[..., ~causal_mask(xp, q.shape[-2], k.shape[-2])] = -xp.inf
        return self.softmax(scores, masked)

    def softmax(self, scores, masked):
        """Row-wise softmax, in place; with a mask, a row whose every score is -inf gets weights 0 (not 0/0)."""
        xp = self.xp
        top = scores.max(axis=-1, keepdims=True)
        if masked:
            top[~xp.isfinite(top)] = 0  # exp(-inf - 0) = 0 for every entry of a fully masked row
        scores -= top
        e = xp.exp(scores, out=scores)
        total = e.sum(axis=-1, keepdims=True)
        if masked:
            total[total == 0] = 1
        e /= total
        return e

    def through_scores(self, dp, needs, out=(None, None)):
        """(dL/dQ, dL/dK) from dL/dP, through the softmax and S = c Q K^T (None where `needs` says no gradient),
        each written into its array of `out` where one is given."""
        xp, q, k, p = self.xp, self.q, self.k, self.p
        gq = gk = None
        ds = dp - (dp * p).sum(axis=-1, keepdims=True)
        ds *= p  # through the softmax
        ds *= self.scale  # through S = c Q K^T: the c of both products below
        if needs[0]:
            gq = product(xp, ds, k, q.shape, out[0])  # dL/dQ = c dL/dS K
        if needs[1]:
            gk = product(xp, xp.swapaxes(ds, -1, -2), q, k.shape, out[1])  # dL/dK = c dL/dS^T Q
        return gq, gk


class ScaledDotProductAttention(AttentionWeights):
    """O = dropout(softmax(c Q K^T + M)) V; dL/dV = D^T G, dL/dP = G V^T keep / (1 - p), then as AttentionWeights.

    Options: those of AttentionWeights, `dropout_p` with `rng` (a NumPy Generator that draws the dropout), and
    `weights_out`, a list that receives the weights D (as a plain array).
    """

    name = "scaled_dot_product_attention"

    def __init__(self, mask=None, is_causal=False, scale=None, dropout_p=0.0, rng=None, weights_out=None):
        super().__init__(mask, is_causal, scale)
        self.dropout_p, self.rng, self.weights_out = dropout_p, rng, weights_out

    def forward(self, q, k, v):
        xp = self.xp
        self.p = self.weights(q, k)
        self.d = self.p
        if self.dropout_p > 0:
            self.keep = dropout_scale(xp, self.rng, self.p.shape, self.dropout_p, self.p.dtype)
            self.d = self.p * self.keep
        if self.weights_out is not None:
            self.weights_out.append(self.d)
        self.q, self.k, self.v = q, k, v
        return self.d @ v

    def backward(self, grad):
        return self.through_attention(grad, self.needs_grad)

    def through_attention(self, grad, needs, out=(None, None, None)):
        """(dL/dQ, dL/dK, dL/dV) from dL/dO (None where `needs` says no gradient), each written into its array
        of `out` where one is given."""
        xp, v = self.xp, self.v
        gq = gk = gv = None
        if needs[2]:
            gv = product(xp, xp.swapaxes(self.d, -1, -2), grad, v.shape, out[2])  # dL/dV = D^T G
        if needs[0] or needs[1]:
            dp = transposed_product(xp, grad, v)  # dL/dD = G V^T
            if self.dropout_p > 0:
                dp *= self.keep  # through the dropout: dL/dP = dL/dD * keep / (1 - p)
            gq, gk = self.through_scores(dp, needs, out[:2])
        return gq, gk, gv


class PackedAttention(ScaledDotProductAttention):
    """ScaledDotProductAttention of one input that packs Q, K and V along its heads axis: qkv (..., 3 heads,
    L, D) holds the query heads, then the key heads, then the value heads (self-attention's projection by the
    whole in_proj_weight, split into 3 x heads heads). dL/dqkv packs the three gradients the same way.

    One product projects all three (a third of the calls, and no slicing of in_proj_weight), and the gradient is
    written straight into an array laid out in memory as the projection's output, so the reshapes back to it
    are views, not copies (measured: MultiheadAttention(128, 4) forward and backward at 16 x 64, 9.7 -> 8.1 ms).
    """

    name = "packed_attention"

    def forward(self, qkv):
        self.qkv = qkv
        return super().forward(*thirds(qkv))

    def backward(self, grad):
        gradient = self.xp.empty_like(self.qkv)  # in qkv's memory layout (order "K")
        self.through_attention(grad, (True, True, True), out=thirds(gradient))
        return gradient


def thirds(qkv):
    """(Q, K, V): the first, second and last third of the heads axis (-3) of a packed (..., 3 heads, L, D)."""
    heads = qkv.shape[-3] // 3
    return qkv[..., :heads, :, :], qkv[..., heads:2 * heads, :, :], qkv[..., 2 * heads:, :, :]


def product(xp, a, b, shape, out=None):
    """a @ b summed down to `shape` (undoing broadcasting), or written into `out` (of that shape) when given."""
    if out is None:
        return unbroadcast(a @ b, shape)
    return xp.matmul(a, b, out=out)


def transposed_product(xp, a, b):
    """a @ b^T, (..., La, Lb), computed as (b @ a^T)^T: the same numbers, stored with the La axis last in memory
    (a transposed view). A softmax over the Lb axis then reduces over memory's middle axis, which NumPy does
    about 3x faster than over a short last axis (measured at 16x4x64x64: max 133 us against 427, and the
    attention forward 1.48 -> 1.14 ms); the products with it take either layout at the same speed."""
    return xp.swapaxes(b @ xp.swapaxes(a, -1, -2), -1, -2)


def dropout_scale(xp, rng, shape, p, dtype):
    """keep / (1 - p): 1 / (1 - p) where an element is kept (with probability 1 - p), 0 where it is dropped."""
    keep = xp.asarray(rng.random(shape) >= p)
    return keep * dtype.type(1 / (1 - p))


def attention(query, key, value, mask=None, is_causal=False, scale=None, dropout_p=0.0, rng=None):
    """(output, weights) of scaled dot-product attention on Tensors; the weights come without a gradient."""
    options = dict(mask=mask, is_causal=is_causal, scale=scale, dropout_p=dropout_p, rng=rng)
    return _with_weights(ScaledDotProductAttention, (query, key, value), options)


def packed_attention(qkv, **options):
    """attention(Q, K, V, **options) with Q, K and V packed in qkv (..., 3 heads, L, D), as PackedAttention."""
    return _with_weights(PackedAttention, (qkv,), options)


def _with_weights(op, tensors, options):
    weights = []
    output = op.apply(*tensors, **options, weights_out=weights)
    return output, constant(weights[0], output)

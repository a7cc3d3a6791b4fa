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
returns the weights with their gradient; ScaledDotProductAttention extends it to the whole of O.
"""

import math

from aino.ops.function import Function, constant, unbroadcast


def causal_mask(xp, query_length, key_length):
    """A boolean (L, S) array, True where query i may look at key j, i.e. j <= i (aligned top-left, as PyTorch)."""
    return xp.tril(xp.ones((query_length, key_length), dtype=bool))


def additive_mask(xp, mask, dtype):
    """A mask as numbers to add to the scores: a boolean mask (True = may attend) becomes 0 / -inf."""
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
        return self.through_scores(grad)

    def weights(self, q, k):
        """P = softmax(c Q K^T + M), (..., L, S); sets the scale c when none was given."""
        xp = self.xp
        if self.scale is None:
            self.scale = 1 / math.sqrt(q.shape[-1])
        scores = q @ xp.swapaxes(k, -1, -2)
        scores *= self.scale
        masked = self.mask is not None or self.is_causal
        if self.mask is not None:
            scores = scores + additive_mask(xp, self.mask, scores.dtype)
        if self.is_causal:
            scores = xp.where(causal_mask(xp, q.shape[-2], k.shape[-2]), scores, -xp.inf)
        return self.softmax(scores, masked)

    def softmax(self, scores, masked):
        """Row-wise softmax; with a mask, a row whose every score is -inf gets weights 0 (not 0/0)."""
        xp = self.xp
        top = scores.max(axis=-1, keepdims=True)
        if masked:
            top[~xp.isfinite(top)] = 0  # exp(-inf - 0) = 0 for every entry of a fully masked row
        e = xp.exp(scores - top)
        total = e.sum(axis=-1, keepdims=True)
        if masked:
            total[total == 0] = 1
        e /= total
        return e

    def through_scores(self, dp):
        """(dL/dQ, dL/dK) from dL/dP, through the softmax and S = c Q K^T (None where no gradient is needed)."""
        xp, q, k, p = self.xp, self.q, self.k, self.p
        gq = gk = None
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))  # through the softmax
        ds *= self.scale  # through S = c Q K^T: the c of both products below
        if self.needs_grad[0]:
            gq = unbroadcast(ds @ k, q.shape)  # dL/dQ = c dL/dS K
        if self.needs_grad[1]:
            gk = unbroadcast(xp.swapaxes(ds, -1, -2) @ q, k.shape)  # dL/dK = c dL/dS^T Q
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
        xp, v = self.xp, self.v
        gq = gk = gv = None
        if self.needs_grad[2]:
            gv = unbroadcast(xp.swapaxes(self.d, -1, -2) @ grad, v.shape)  # dL/dV = D^T G
        if self.needs_grad[0] or self.needs_grad[1]:
            dp = grad @ xp.swapaxes(v, -1, -2)  # dL/dD = G V^T
            if self.dropout_p > 0:
                dp *= self.keep  # through the dropout: dL/dP = dL/dD * keep / (1 - p)
            gq, gk = self.through_scores(dp)
        return gq, gk, gv


def dropout_scale(xp, rng, shape, p, dtype):
    """keep / (1 - p): 1 / (1 - p) where an element is kept (with probability 1 - p), 0 where it is dropped."""
    keep = xp.asarray(rng.random(shape) >= p)
    return keep * dtype.type(1 / (1 - p))


def attention(query, key, value, mask=None, is_causal=False, scale=None, dropout_p=0.0, rng=None):
    """(output, weights) of scaled dot-product attention on Tensors; the weights come without a gradient."""
    weights = []
    output = ScaledDotProductAttention.apply(
        query, key, value, mask=mask, is_causal=is_causal, scale=scale, dropout_p=dropout_p, rng=rng,
        weights_out=weights,
    )
    return output, constant(weights[0], output)

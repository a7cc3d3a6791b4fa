"""Token embeddings (a lookup table of learned vectors) and sinusoidal positional encodings."""

import math

import numpy

from aino.backend import parse_dtype
from aino.nn.basic import Dropout
from aino.nn.init import normal
from aino.nn.module import Module
from aino.nn.parameter import Buffer, Parameter
from aino.ops.function import Function


class Lookup(Function):
    """out[..., :] = W[indices[...], :]; dL/dW[i] = sum of the gradients of every position that picked row i.

    The backward is a scatter-add: a token that appears several times collects all its gradients.
    The row `padding_idx` gets no gradient (it stays as it is, usually all zeros).
    """

    name = "embedding"

    def __init__(self, indices, padding_idx=None):
        self.indices, self.padding_idx = indices, padding_idx

    def forward(self, weight):
        self.weight_shape = weight.shape
        return self.xp.take(weight, self.indices, axis=0)

    def backward(self, grad):
        full = self.xp.zeros(self.weight_shape, dtype=grad.dtype)
        self.xp.add.at(full, self.indices.ravel(), grad.reshape(-1, self.weight_shape[1]))  # scatter-add
        if self.padding_idx is not None:
            full[self.padding_idx] = 0
        return full


class Embedding(Module):
    """out = weight[indices]: each integer index in [0, num_embeddings) picks a row of weight (num_embeddings, embedding_dim).

    weight starts N(0, 1), as PyTorch; the row `padding_idx` (if given) starts at zero and never learns.
    Reference document 004 spells the sizes Embedding(vocab_size=, d_model=).
    """

    def __init__(self, num_embeddings=None, embedding_dim=None, padding_idx=None, device=None, dtype=None,
                 vocab_size=None, d_model=None):
        super().__init__()
        num_embeddings = vocab_size if num_embeddings is None else num_embeddings
        embedding_dim = d_model if embedding_dim is None else embedding_dim
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)) or value < 1:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx must lie in [-{num_embeddings}, {num_embeddings}), got {padding_idx}")
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        weight = normal((self.num_embeddings, self.embedding_dim), 1.0, parse_dtype(dtype) or numpy.dtype(numpy.float32))
        if padding_idx is not None:
            weight[padding_idx] = 0
        self.weight = Parameter(weight, device=device)

    def forward(self, indices):
        xp = self.weight.xp
        index = xp.asarray(getattr(indices, "data", indices))
        if index.dtype.kind not in "iu":
            raise ValueError(f"{self._name()} expected integer token indices, got dtype {index.dtype}")
        if index.size and (int(index.min()) < 0 or int(index.max()) >= self.num_embeddings):
            raise ValueError(
                f"{self._name()} expected indices in [0, {self.num_embeddings}), "
                f"got values from {int(index.min())} to {int(index.max())}"
            )
        return Lookup.apply(self.weight, indices=index, padding_idx=self.padding_idx)

    def _name(self):
        return f"{type(self).__name__}({self.num_embeddings}, {self.embedding_dim})"

    def extra_repr(self):
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{padding}"


def sinusoid_table(max_seq_len, d_model, dtype):
    """pe[pos, 2i] = sin(pos / 10000^(2i / d_model)), pe[pos, 2i + 1] = cos(pos / 10000^(2i / d_model))."""
    position = numpy.arange(max_seq_len)[:, None]
    frequency = numpy.exp(numpy.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    table = numpy.zeros((max_seq_len, d_model))
    table[:, 0::2] = numpy.sin(position * frequency)
    table[:, 1::2] = numpy.cos(position * frequency[: d_model // 2])
    return table.astype(dtype)


class PositionalEncoding(Module):
    """x + pe[:seq_len], then dropout: adds to each position of a (batch, seq, d_model) input its sinusoid of
    Vaswani et al. (2017), pe[pos, 2i] = sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(pos / 10000^(2i/d)).

    The table (max_seq_len, d_model) is a Buffer named `pe`: it moves with the model and is not learned.
    """

    def __init__(self, d_model, max_seq_len=5000, dropout=0.0, device=None, dtype=None):
        super().__init__()
        self.d_model, self.max_seq_len = int(d_model), int(max_seq_len)
        self.pe = Buffer(sinusoid_table(self.max_seq_len, self.d_model, parse_dtype(dtype) or numpy.float32), device=device)
        self.dropout = Dropout(dropout)

    def forward(self, x):
        if x.ndim < 2 or x.shape[-1] != self.d_model or x.shape[-2] > self.max_seq_len:
            raise ValueError(
                f"{type(self).__name__}(d_model={self.d_model}, max_seq_len={self.max_seq_len}) expected input "
                f"of shape (batch, seq_len <= {self.max_seq_len}, {self.d_model}), got {tuple(x.shape)}"
            )
        return self.dropout(x + self.pe[: x.shape[-2]])

    def extra_repr(self):
        return f"d_model={self.d_model}, max_seq_len={self.max_seq_len}"

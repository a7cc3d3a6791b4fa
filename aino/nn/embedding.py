"""Token embeddings (a lookup table of learned vectors) and sinusoidal positional encodings."""

import math

import numpy

from aino.backend import array_module, waits_for_device
from aino.nn import checks
from aino.nn.basic import Dropout
from aino.nn.init import normal
from aino.nn.module import Module
from aino.nn.parameter import Buffer, Parameter
from aino.ops.function import Function
from aino.validation import check_int


class Lookup(Function):
    """out[..., :] = W[indices[...], :]; dL/dW[i] = sum of the gradients of every position that picked row i.

    The backward is a scatter-add: a token that appears several times collects all its gradients.
    The row `padding_idx` gets no gradient (it stays as it is, usually all zeros).
    """

    name = "embedding"

    def __init__(self, indices, padding_idx=None, out_of_range=None):
        self.indices, self.padding_idx, self.out_of_range = indices, padding_idx, out_of_range

    def forward(self, weight):
        self.weight_shape = weight.shape
        rows = self.xp.take(weight, self.indices, axis=0)
        if self.out_of_range is not None:  # on a GPU: the rows of indices outside the table are NaN (see Embedding)
            rows = self.xp.where(self.out_of_range[..., None], self.xp.nan, rows)
        return rows

    def backward(self, grad):
        xp, width = self.xp, self.weight_shape[1]
        full = xp.zeros(self.weight_shape, dtype=grad.dtype)
        # the scatter-add on flat positions row * width + column: 3x faster than add.at by rows (16x64 tokens
        # into a 1000x128 table, 0.93 -> 0.32 ms), the same sums in the same order
        flat_positions = (self.indices.reshape(-1, 1) * width + xp.arange(width)).ravel()
        xp.add.at(full.reshape(-1), flat_positions, grad.reshape(-1))
        if self.padding_idx is not None:
            full[self.padding_idx] = 0
        return full


class Embedding(Module):
    """out = weight[indices]: each integer index in [0, num_embeddings) picks a row of weight (num_embeddings, embedding_dim).

    weight starts N(0, 1), as PyTorch; the row `padding_idx` (if given) starts at zero and never learns.
    An index outside [0, num_embeddings) is a ValueError when the indices come from the host; indices already
    on a GPU are checked there, as asking would stall every step: the row of a bad index comes out NaN
    (PyTorch stops with a device-side assert), so the loss shows it.
    Reference document 004's Embedding(vocab_size=, d_model=) is in aino/nn/aliases.py.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = checks.size(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = checks.size(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            n = self.num_embeddings
            padding_idx = check_int(padding_idx, "padding_idx", "Embedding", minimum=-n, maximum=n - 1) % n
        self.padding_idx = padding_idx
        dtype = checks.float_dtype(dtype, "Embedding")
        shape = (self.num_embeddings, self.embedding_dim)
        checks.check_elements("Embedding", shape, dtype)
        weight = normal(shape, 1.0, dtype)
        if padding_idx is not None:
            weight[padding_idx] = 0
        self.weight = Parameter(weight, device=device)

    def forward(self, indices):
        """indices: integers in [0, num_embeddings) of any shape (a Tensor, an array or a list) -> (*shape, embedding_dim)."""
        given, xp = getattr(indices, "data", indices), self.weight.xp
        module = array_module(given)
        if waits_for_device(module):  # indices already on a GPU: checked there, since asking would wait every
            # step; an index outside the table reads row 0 and its row comes out NaN, which the loss shows
            index = self._integers(module, given, indices)
            outside = (index < 0) | (index >= self.num_embeddings)
            return Lookup.apply(self.weight, indices=xp.where(outside, 0, index), padding_idx=self.padding_idx,
                                out_of_range=outside)
        index = self._integers(numpy, given, indices)  # on the host: checked here, then moved to the weight
        if index.size and (int(index.min()) < 0 or int(index.max()) >= self.num_embeddings):
            raise ValueError(
                f"{self._name()} expected indices in [0, {self.num_embeddings}), "
                f"got values from {int(index.min())} to {int(index.max())}"
            )
        return Lookup.apply(self.weight, indices=xp.asarray(index), padding_idx=self.padding_idx)

    def _integers(self, module, given, indices):
        """`given` (the data of `indices`) as an integer array of `module`; a float, bool or text index is a TypeError."""
        try:
            index = module.asarray(given)
        except (TypeError, ValueError) as error:  # a ragged list
            raise TypeError(f"{self._name()} expected integer token indices, got {type(indices).__name__} ({error})") from None
        if index.dtype.kind not in "iu":
            what = type(indices).__name__ if indices is None or isinstance(indices, str) else f"dtype {index.dtype}"
            raise TypeError(f"{self._name()} expected integer token indices, got {what}")
        return index

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
        self.d_model = checks.size(d_model, "d_model", "PositionalEncoding")
        self.max_seq_len = checks.size(max_seq_len, "max_seq_len", "PositionalEncoding")
        dtype = checks.float_dtype(dtype, "PositionalEncoding")
        checks.check_elements("PositionalEncoding", (self.max_seq_len, self.d_model), numpy.float64)  # built in float64
        self.pe = Buffer(sinusoid_table(self.max_seq_len, self.d_model, dtype), device=device)
        self.dropout = Dropout(checks.probability(dropout, "dropout", "PositionalEncoding"))

    def forward(self, x):
        x = checks.tensor_input(self, x)
        if x.ndim < 2 or x.shape[-1] != self.d_model or x.shape[-2] > self.max_seq_len:
            raise ValueError(
                f"{self._name()} expected input "
                f"of shape (batch, seq_len <= {self.max_seq_len}, {self.d_model}), got {tuple(x.shape)}"
            )
        return self.dropout(x + self.pe[: x.shape[-2]])

    def _name(self):
        return f"{type(self).__name__}(d_model={self.d_model}, max_seq_len={self.max_seq_len})"

    def extra_repr(self):
        return f"d_model={self.d_model}, max_seq_len={self.max_seq_len}"

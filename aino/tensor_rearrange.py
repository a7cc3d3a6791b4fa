"""The Tensor's flip, roll, tril, triu, repeat, repeat_interleave, narrow, split, chunk, unbind (their ops in
aino/ops/rearrange.py), and scatter, scatter_add (aino/ops/scatter.py), masked_fill (aino/ops/index.py):
each a call of its op, where its formula stands. split, chunk and unbind return tuples of narrows (picks
for unbind), each with its gradient path to the tensor.
"""

from aino.ops.function import Node, raw
from aino.ops.index import GetItem, masked_fill
from aino.ops.rearrange import Flip, Narrow, Repeat, RepeatInterleave, Roll, Triangle
from aino.ops.scatter import scatter, scatter_add
from aino.validation import InvalidOperationError, as_shape, check_dim, check_int


class RearrangeMethods:
    """Mixed into Tensor."""

    __slots__ = ()

    def flip(self, *dims):
        """The entries in reverse order along each of `dims` (torch.flip; a 0-d tensor is unchanged)."""
        return Flip.apply(self, dims=dims[0] if len(dims) == 1 else dims)

    def roll(self, shifts, dims=None):
        """Entries shifted cyclically by `shifts` along `dims` (dims None: over the flattened tensor)."""
        return Roll.apply(self, shifts=shifts, dims=dims)

    def tril(self, diagonal=0):
        """The lower triangle of the last two dims (j - i <= diagonal), zeros above; batched over the rest."""
        return Triangle.apply(self, diagonal=check_int(diagonal, "diagonal", "Tensor.tril"))

    def triu(self, diagonal=0):
        """The upper triangle of the last two dims (j - i >= diagonal), zeros below; batched over the rest."""
        return Triangle.apply(self, diagonal=check_int(diagonal, "diagonal", "Tensor.triu"), upper=True)

    def repeat(self, *sizes):
        """torch's repeat: the whole tensor tiled sizes[d] times along each dim (new leading dims where
        more sizes than dims are given); NumPy's repeat is repeat_interleave."""
        if not sizes:
            raise TypeError("Tensor.repeat: expected the sizes (one per dim, or more), got none")
        return Repeat.apply(self, sizes=as_shape(sizes, "Tensor.repeat", "sizes"))

    def repeat_interleave(self, repeats, dim=None):
        """Each entry repeated `repeats` times in place (an int, or one count per entry along dim); dim None:
        over the flattened tensor."""
        return RepeatInterleave.apply(self, repeats=raw(repeats), dim=dim)

    def narrow(self, dim, start, length):
        """The entries start .. start + length - 1 along `dim` (start may count from the end)."""
        return Narrow.apply(self, dim=dim, start=check_int(int(start) if isinstance(start, Node) else start,
                                                          "start", "Tensor.narrow"),
                            length=check_int(length, "length", "Tensor.narrow"))

    def split(self, split_size_or_sections, dim=0):
        """Pieces along `dim`: of split_size each (the last smaller), or of the sizes listed (summing to the
        dim's size); a tuple of tensors, each with its gradient path to this one."""
        owner = "Tensor.split"
        size = self._pieces_dim(dim, owner)
        if isinstance(split_size_or_sections, (tuple, list)):
            sizes = as_shape((split_size_or_sections,), owner, "split sizes", minimum=0)
            if sum(sizes) != size:
                raise InvalidOperationError(f"{owner}: split sizes {sizes} must sum to {size}, the size of dim {dim}")
        else:
            step = check_int(split_size_or_sections, "split_size", owner, minimum=0)
            if step == 0 and size:
                raise InvalidOperationError(f"{owner}: split_size can be 0 only if the dim's size is 0, got {size}")
            sizes = [min(step, size - start) for start in range(0, size, step)] if step else []
            sizes = sizes or [0]
        return self._narrows(dim, sizes)

    def chunk(self, chunks, dim=0):
        """At most `chunks` pieces along `dim`, each of ceil(size / chunks) entries (the last smaller), as torch."""
        chunks = check_int(chunks, "chunks", "Tensor.chunk", minimum=1)
        size = self._pieces_dim(dim, "Tensor.chunk")
        if size == 0:
            return self._narrows(dim, [0] * chunks)
        step = -(-size // chunks)
        return self._narrows(dim, [min(step, size - start) for start in range(0, size, step)])

    def unbind(self, dim=0):
        """The slices along `dim`, each without that dim, as a tuple."""
        if not self.data.ndim:
            raise InvalidOperationError("Tensor.unbind: the tensor has no dimensions to unbind")
        dim = check_dim(dim, self.data.ndim, "Tensor.unbind")
        return tuple(GetItem.apply(self, key=(slice(None),) * dim + (i,)) for i in range(self.data.shape[dim]))

    def _pieces_dim(self, dim, owner):
        if not self.data.ndim:
            raise InvalidOperationError(f"{owner}: expected at least a 1-dimensional tensor, got a 0-d one")
        return self.data.shape[check_dim(dim, self.data.ndim, owner)]

    def _narrows(self, dim, sizes):
        starts = [sum(sizes[:k]) for k in range(len(sizes))]
        return tuple(Narrow.apply(self, dim=dim, start=start, length=n) for start, n in zip(starts, sizes))

    # --- writing at places -------------------------------------------------------------------------

    def masked_fill(self, mask, value):
        """`value` where the bool `mask` (broadcast with the tensor) holds, else the tensor's entries; value a
        number or a 0-d tensor (which then receives a gradient)."""
        return masked_fill(self, mask, value)

    def scatter(self, dim, index, src=None, *, value=None):
        """A copy with src's entries (or one number) written at the places `index` names along `dim`
        (as torch.scatter): for dim=0, out[index[i][j]][j] = src[i][j]."""
        return scatter(self, dim, index, src, value)

    def scatter_add(self, dim, index, src):
        """A copy with src's entries added at the places `index` names along `dim` (repeats add up)."""
        return scatter_add(self, dim, index, src)

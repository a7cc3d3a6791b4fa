"""The Tensor's shapes and picks: reshape, transpose, movedim, squeeze, unflatten, expand, padding; indexing,
gather, index_select, masked_select, nonzero, one_hot and where, each a call of its op in aino/ops/shape.py,
aino/ops/index.py or aino/ops/__init__.py.

A reshape or a transpose moves no gradient anywhere new: its backward undoes it. A pick sends the
gradient back to the places picked from.
"""

from aino import ops
from aino.backend import FLOAT32, INT64, as_array, device_of, move_array
from aino.ops.function import constant, raw
from aino.ops.index import GetItem, IndexSelect, MaskedSelect, as_index, nonzero, set_item
from aino.ops.shape import (Expand, Flatten, Pad, Pad2d, Reshape, Squeeze, Transpose, Unflatten, Unsqueeze,
                            moved_dims)
from aino.validation import as_shape, check_dim


class ShapeMethods:
    """Mixed into Tensor: shapes and picking values."""

    __slots__ = ()

    @property
    def T(self):
        """All axes reversed (the transpose of a matrix)."""
        return Transpose.apply(self)

    def reshape(self, *shape):
        return Reshape.apply(self, shape=as_shape(shape, "Tensor.reshape", "shape"))

    view = reshape

    def transpose(self, *axes):
        """No axes: all axes reversed. Two axes: those two swapped (as torch). A full permutation: as NumPy."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2:
            order = list(range(self.data.ndim))
            a, b = (check_dim(axis, self.data.ndim, "Tensor.transpose") for axis in axes)
            order[a], order[b] = order[b], order[a]
            axes = tuple(order)
        return Transpose.apply(self, axes=tuple(axes) if axes else None)

    def swapaxes(self, axis0, axis1):
        """The two dims swapped: transpose(axis0, axis1)."""
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def movedim(self, source, destination):
        """Dims `source` moved to the places `destination`, the others keeping their order (torch.movedim)."""
        return Transpose.apply(self, axes=moved_dims(source, destination, self.data.ndim))

    moveaxis = movedim

    def permute(self, *dims):
        return Transpose.apply(self, axes=as_shape(dims, "Tensor.permute", "dims"))

    def flatten(self, start_dim=0, end_dim=-1):
        return Flatten.apply(self, start_dim=start_dim, end_dim=end_dim)

    def squeeze(self, axis=None, *, dim=None):
        return Squeeze.apply(self, axis=axis if dim is None else dim)

    def unsqueeze(self, axis=None, *, dim=None):
        return Unsqueeze.apply(self, axis=axis if dim is None else dim)

    def unflatten(self, dim, sizes):
        """Dim `dim` split into `sizes` (one may be -1), as torch.unflatten."""
        return Unflatten.apply(self, dim=dim, sizes=as_shape((sizes,), "Tensor.unflatten", "sizes"))

    def expand(self, *shape):
        return Expand.apply(self, shape=as_shape(shape, "Tensor.expand"))

    def view_as(self, other):
        """This tensor reshaped to other's shape."""
        return self.reshape(other.shape)

    reshape_as = view_as

    def expand_as(self, other):
        """This tensor broadcast to other's shape."""
        return self.expand(other.shape)

    def pad(self, pad, mode="constant", value=None):
        """torch.nn.functional.pad: `pad` = (left, right) of the last dim, then of the one before, ...;
        negative amounts crop; modes constant, reflect, replicate, circular (aino/ops/shape.py, Pad)."""
        return Pad.apply(self, pad=pad, mode=mode, value=value)

    def pad2d(self, padding, value=0.0):
        return Pad2d.apply(self, padding=padding, value=value)

    # --- picking values ----------------------------------------------------------------------------

    def __getitem__(self, key):
        return GetItem.apply(self, key=_raw_key(key, self.device))

    def __setitem__(self, key, value):
        """Write into the data in place (not recorded in the graph: use it on tensors without gradients)."""
        set_item(self.data, _raw_key(key, self.device), raw(value))

    def gather(self, dim, index):
        """out[i][j] = self[i][index[i][j]] for dim=1 (as torch.gather)."""
        return ops.gather(self, dim, index)

    def index_select(self, dim, index):
        """The entries index[0], index[1], ... along `dim` (index a vector of integers)."""
        return IndexSelect.apply(self, dim=dim, index=as_index(self, index, "Tensor.index_select (index)"))

    def masked_select(self, mask):
        """The entries where the bool `mask` (broadcast with the tensor) holds, as one vector."""
        return MaskedSelect.apply(self, mask=as_index(self, mask, "Tensor.masked_select (mask)"))

    def nonzero(self, as_tuple=False):
        """The positions of the nonzero entries: int64 of shape (count, ndim), or one vector per dim with
        as_tuple (no gradient)."""
        found = nonzero(self.xp, self.data, as_tuple)
        return tuple(constant(f, self) for f in found) if as_tuple else constant(found, self)

    def one_hot(self, num_classes=-1, dtype=FLOAT32):
        """Each integer class index as a row of the identity matrix (float32 unless dtype says otherwise)."""
        return ops.one_hot(self, num_classes, dtype)

    def where(self, condition, other):
        """torch.Tensor.where: self where condition holds, else other."""
        return ops.where(condition, self, other)


def _raw_key(key, device):
    """An index with Tensors replaced by their arrays and lists by arrays on `device` (an empty list: int64);
    an index array on another device is moved to `device`, as PyTorch takes a CPU index for a GPU tensor."""
    if isinstance(key, tuple):
        return tuple(_raw_key(k, device) for k in key)
    if isinstance(key, list):
        return as_array(key, None if key else INT64, device, "Tensor[index]")
    key = raw(key)
    if getattr(key, "ndim", 0) and device_of(key) != device:
        return move_array(key, device)
    return key

"""The Tensor's shapes and picks: reshape, transpose, squeeze, expand, padding; indexing, gather, one_hot
and where, each a call of its op in aino/ops/shape.py, aino/ops/index.py or aino/ops/__init__.py.

A reshape or a transpose moves no gradient anywhere new: its backward undoes it. A pick sends the
gradient back to the places picked from.
"""

from aino import ops
from aino.backend import FLOAT32, INT64, as_array
from aino.ops.function import raw
from aino.ops.index import GetItem, set_item
from aino.ops.shape import Expand, Flatten, Pad2d, Reshape, Squeeze, Transpose, Unsqueeze
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

    def permute(self, *dims):
        return Transpose.apply(self, axes=as_shape(dims, "Tensor.permute", "dims"))

    def flatten(self, start_dim=0, end_dim=-1):
        return Flatten.apply(self, start_dim=start_dim, end_dim=end_dim)

    def squeeze(self, axis=None, *, dim=None):
        return Squeeze.apply(self, axis=axis if dim is None else dim)

    def unsqueeze(self, axis=None, *, dim=None):
        return Unsqueeze.apply(self, axis=axis if dim is None else dim)

    def expand(self, *shape):
        return Expand.apply(self, shape=as_shape(shape, "Tensor.expand"))

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

    def one_hot(self, num_classes=-1, dtype=FLOAT32):
        """Each integer class index as a row of the identity matrix (float32 unless dtype says otherwise)."""
        return ops.one_hot(self, num_classes, dtype)

    def where(self, condition, other):
        """torch.Tensor.where: self where condition holds, else other."""
        return ops.where(condition, self, other)


def _raw_key(key, device):
    """An index with Tensors replaced by their arrays and lists by arrays on `device` (an empty list: int64)."""
    if isinstance(key, tuple):
        return tuple(_raw_key(k, device) for k in key)
    if isinstance(key, list):
        return as_array(key, None if key else INT64, device, "Tensor[index]")
    return raw(key)

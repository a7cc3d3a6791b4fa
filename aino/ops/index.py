"""Picking values out of a tensor: indexing and slicing, gather, where, one_hot.

The gradient of a pick goes back to the places picked from; where one place was picked several
times (an integer index with repeats), its gradients add up (scatter-add).
"""

from aino.ops.function import Function, unbroadcast


def _is_integer_array(item):
    return hasattr(item, "dtype") and item.dtype.kind in "iu" and item.ndim > 0


class GetItem(Function):
    """x[key]; the gradient lands at the picked places, summed where a place is picked twice."""

    def __init__(self, key):
        self.key = key

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.key]

    def backward(self, grad):
        key = self.key
        full = self.xp.zeros(self.shape, dtype=grad.dtype)
        items = key if isinstance(key, tuple) else (key,)
        if any(_is_integer_array(item) for item in items):
            self.xp.add.at(full, key, grad)  # scatter-add: repeated indices accumulate
        else:
            full[key] = grad  # slices, integers and boolean masks never pick a place twice
        return full


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] (for dim=1; as torch.gather); the gradient is scattered back, with adds."""

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x):
        index, dim = self.index, self.dim % max(x.ndim, 1)
        if index.ndim != x.ndim:
            raise ValueError(f"gather: index has {index.ndim} dimensions, input has {x.ndim}")
        self.dim, self.shape = dim, x.shape
        window = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        return self.xp.take_along_axis(x[window], index, axis=dim)

    def backward(self, grad):
        xp, index = self.xp, self.index
        places = []
        for d, n in enumerate(index.shape):
            view = [1] * index.ndim
            view[d] = n
            places.append(index if d == self.dim else xp.arange(n).reshape(view))
        full = xp.zeros(self.shape, dtype=grad.dtype)
        xp.add.at(full, tuple(places), grad)
        return full


class Where(Function):
    """cond ? a : b, elementwise with broadcasting; the gradient goes to a where cond holds, else to b."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return self.xp.where(self.condition, a, b)

    def backward(self, grad):
        xp, cond = self.xp, self.condition
        ga = unbroadcast(xp.where(cond, grad, 0), self.shapes[0]) if self.needs_grad[0] else None
        gb = unbroadcast(xp.where(cond, 0, grad), self.shapes[1]) if self.needs_grad[1] else None
        return ga, gb


def one_hot(xp, indices, num_classes=-1, dtype="float32"):
    """Rows of the identity matrix picked by integer `indices`: shape indices.shape + (num_classes,)."""
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer class indices, got dtype {indices.dtype}")
    if num_classes < 0:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= num_classes):
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes}), got {int(indices.min())}..{int(indices.max())}")
    return (indices[..., None] == xp.arange(num_classes)).astype(dtype)

"""Picking values out of a tensor: indexing and slicing, gather, where, one_hot.

The gradient of a pick goes back to the places picked from; where one place was picked several
times (an integer index with repeats), its gradients add up (scatter-add).
"""

import numbers

from aino.ops.function import Function, unbroadcast
from aino.validation import OutOfRangeError, check_broadcast, check_dim


def _is_integer_array(item):
    return hasattr(item, "dtype") and item.dtype.kind in "iu" and item.ndim > 0


def _refuse_index(key, shape, error, owner="Tensor[index]"):
    """The clear error for an index NumPy refused: a TypeError naming an entry of the wrong type (a float, a
    string), else an OutOfRangeError (an IndexError as in PyTorch) with NumPy's account of what is out."""
    for item in key if isinstance(key, tuple) else (key,):
        if not (item is None or item is Ellipsis or isinstance(item, (slice, numbers.Integral))
                or (hasattr(item, "dtype") and item.dtype.kind in "biu")):
            described = f"dtype {item.dtype}" if hasattr(item, "dtype") else f"{type(item).__name__} {item!r:.60}"
            raise TypeError(f"{owner}: indices must be integers, slices, ..., None, or integer or boolean "
                            f"tensors, got {described}") from None
    if isinstance(error, IndexError):
        raise OutOfRangeError(f"{owner}: {error} (the tensor has shape {tuple(shape)})") from None


def set_item(array, key, value):
    """array[key] = value, in place, with the errors of indexing named as GetItem names them."""
    try:
        array[key] = value
    except (IndexError, TypeError, ValueError) as error:
        _refuse_index(key, array.shape, error, "Tensor[index] = value")
        raise ValueError(f"Tensor[index] = value: cannot write {type(value).__name__} {value!r:.60} into "
                         f"the tensor of shape {tuple(array.shape)} at that index ({error})") from None


class GetItem(Function):
    """x[key]; the gradient lands at the picked places, summed where a place is picked twice."""

    def __init__(self, key):
        self.key = key

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        return x[self.key]

    def explain(self, arrays, error):
        _refuse_index(self.key, arrays[0].shape, error)

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
        owner, index = "Tensor.gather", self.index
        dim = check_dim(self.dim, x.ndim, owner)
        if index.dtype.kind not in "iu":
            raise TypeError(f"{owner}: index must be an integer tensor, got dtype {index.dtype}")
        if index.ndim != x.ndim or any(n > m for d, (n, m) in enumerate(zip(index.shape, x.shape)) if d != dim):
            raise ValueError(f"{owner}: index of shape {tuple(index.shape)} does not fit the input of shape "
                             f"{tuple(x.shape)}: expected as many dimensions, each no larger than the input's "
                             f"apart from dim {dim}")
        self.dim, self.shape = dim, x.shape
        window = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
        try:
            return self.xp.take_along_axis(x[window], index, axis=dim)
        except IndexError as error:
            raise OutOfRangeError(f"{owner}: {error} (expected indices in [0, {x.shape[dim]}) "
                                  f"along dim {dim})") from None

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

    def explain(self, arrays, error):
        check_broadcast("aino.where", self.condition.shape, *(a.shape for a in arrays))

    def backward(self, grad):
        xp, cond = self.xp, self.condition
        ga = unbroadcast(xp.where(cond, grad, 0), self.shapes[0]) if self.needs_grad[0] else None
        gb = unbroadcast(xp.where(cond, 0, grad), self.shapes[1]) if self.needs_grad[1] else None
        return ga, gb


def one_hot(xp, indices, num_classes=-1, dtype="float32"):
    """Rows of the identity matrix picked by integer `indices`: shape indices.shape + (num_classes,)."""
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, got dtype {indices.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"one_hot: num_classes must be an integer, got {type(num_classes).__name__} {num_classes!r}")
    if num_classes < 0:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= num_classes):
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes}), got {int(indices.min())}..{int(indices.max())}")
    return (indices[..., None] == xp.arange(num_classes)).astype(dtype)

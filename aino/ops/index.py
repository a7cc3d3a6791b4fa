"""Picking values out of a tensor: indexing and slicing, gather, index_select, masked_fill, masked_select,
nonzero, where, one_hot.

The gradient of a pick goes back to the places picked from; where one place was picked several
times (an integer index with repeats), its gradients add up (scatter-add).

PyTorch's order of the axes of x[key], where NumPy's differs: PyTorch applies the integers of the key
first (and 0-d integer tensors, as integers), as selections that drop their dims, and makes None and True
new size-1 dims; then the index tensors (integer, or boolean masks as their nonzero positions) index
what is left together, broadcast to one shape. Where those index tensors stand side by side in the key,
the broadcast dims take their place; where a slice, an Ellipsis or None stands between two of them, the
broadcast dims go first. NumPy counts an integer as one more index array, so for x of shape (2, 3, 4),
x[1, :, [0, 1]] has shape (2, 3) in NumPy (the int and the list are apart: their dims go first) and
(3, 2) in PyTorch (x[1] is (3, 4); then [:, [0, 1]]). Such a key runs here as those two NumPy steps.
"""

import numbers

from aino.backend import INT64, array_module, as_array, device_of, waits_for_device
from aino.ops.function import Function, Node, raw, unbroadcast
from aino.validation import InvalidOperationError, OutOfRangeError, check_broadcast, check_dim


def _is_integer_array(item):
    return hasattr(item, "dtype") and item.dtype.kind in "iu" and item.ndim > 0


def _kind(item):
    """How PyTorch reads one entry of an index: "int" (a selection), "array" (an index tensor of >= 1 dim),
    "bool" (True or False: a new dim, indexed), or "basic" (a slice, None, Ellipsis)."""
    if isinstance(item, bool) or (hasattr(item, "dtype") and item.dtype.kind == "b" and item.ndim == 0):
        return "bool"
    if isinstance(item, numbers.Integral) or (hasattr(item, "dtype") and item.dtype.kind in "iu" and item.ndim == 0):
        return "int"
    return "array" if hasattr(item, "ndim") and item.ndim > 0 else "basic"


_PLAIN = frozenset((int, slice, type(None), type(Ellipsis)))  # Python ints (not bools), slices, None, ...


def torch_steps(key, xp):
    """`key` as two NumPy keys (selections, then index arrays) that give PyTorch's axis order, or None
    where NumPy's one step already does (no integer beside an index tensor or a bool)."""
    items = key if isinstance(key, tuple) else (key,)
    if all(type(item) in _PLAIN for item in items):  # the common x[i], x[a:b], x[:, None]: 2.8 -> 2.0 us a pick
        return None
    kinds = [_kind(item) for item in items]
    if "int" not in kinds or not {"array", "bool"} & set(kinds):
        return None
    selections, indices = [], []
    for item, kind in zip(items, kinds):
        if kind == "int":
            selections.append(int(item))  # the dim is gone: nothing in the second step
        elif kind == "array":
            selections.extend([slice(None)] * (item.ndim if item.dtype.kind == "b" else 1))
            indices.append(item)
        elif kind == "bool":
            selections.append(None)  # a new size-1 dim, indexed by [0] (True) or [] (False)
            indices.append(xp.zeros(int(bool(item)), dtype=INT64))
        elif item is Ellipsis:
            selections.append(item)
            indices.append(item)
        else:  # a slice, or None (its new dim is made in the first step)
            selections.append(item)
            indices.append(slice(None))
    return tuple(selections), tuple(indices)


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
    """array[key] = value, in place, in PyTorch's axis order, with the errors of indexing named as GetItem
    names them."""
    try:
        steps = torch_steps(key, array_module(array))
        if steps is None:
            array[key] = value
        else:
            array[steps[0]][steps[1]] = value  # the first step is a view: the write lands in `array`
    except (IndexError, TypeError, ValueError) as error:
        _refuse_index(key, array.shape, error, "Tensor[index] = value")
        raise ValueError(f"Tensor[index] = value: cannot write {type(value).__name__} {value!r:.60} into "
                         f"the tensor of shape {tuple(array.shape)} at that index ({error})") from None


def as_index(tensor, value, owner):
    """An index or a mask (a Tensor, an array or a list) as an array on the device of the Node `tensor`."""
    return as_array(raw(value), None, device_of(tensor.data), owner)


def _add_at(target, key, grad, xp):
    """target[key] += grad, adding up where an integer index picks one place twice."""
    items = key if isinstance(key, tuple) else (key,)
    if any(_is_integer_array(item) for item in items):
        xp.add.at(target, key, grad)  # scatter-add: repeated indices accumulate
    else:
        target[key] = grad  # slices, integers and boolean masks never pick a place twice


class GetItem(Function):
    """x[key] in PyTorch's axis order (module docstring); the gradient lands at the picked places, summed
    where a place is picked twice."""

    def __init__(self, key):
        self.key = key

    def forward(self, x):
        self.shape = x.shape
        self.steps = torch_steps(self.key, self.xp)
        if self.steps is None:
            return x[self.key]
        selections, indices = self.steps
        return x[selections][indices]

    def explain(self, arrays, error):
        _refuse_index(self.key, arrays[0].shape, error)

    def backward(self, grad):
        full = self.xp.zeros(self.shape, dtype=grad.dtype)
        if self.steps is None:
            _add_at(full, self.key, grad, self.xp)
        else:
            _add_at(full[self.steps[0]], self.steps[1], grad, self.xp)  # a view of full: the adds land there
        return full


# --- gather, and the index checks scatter shares ----------------------------------------------


def value_ends(array):
    """(smallest, largest) value of a non-empty array, as Python numbers (ints for an integer array): read from a
    GPU in one copy, both ends together, where two int() or float() calls would each wait for the device."""
    xp = array_module(array)
    ends = (array.min(), array.max())
    return tuple(xp.stack(ends).tolist()) if waits_for_device(xp) else (ends[0].item(), ends[1].item())


def check_index(owner, index, bound, dim):
    """An integer index array whose values lie in [0, bound) (PyTorch refuses negative indices here)."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"{owner}: index must be an integer tensor, got dtype {index.dtype}")
    if index.size:  # the check needs the values on the host: one read on a GPU
        low, high = value_ends(index)
        if low < 0 or high >= bound:
            raise InvalidOperationError(f"{owner}: index {low if low < 0 else high} is out of bounds for dimension "
                                        f"{dim} with size {bound} (expected indices in [0, {bound}) along dim {dim})")


def check_index_fits(owner, index, shape, dim, src_shape=None):
    """PyTorch's rule for gather and scatter: index has as many dims as the input, each no larger than the
    input's apart from `dim` (and, for scatter, no larger than src's in every dim)."""
    fits = index.ndim == len(shape) and all(n <= m for d, (n, m) in enumerate(zip(index.shape, shape)) if d != dim)
    if src_shape is not None:
        fits = fits and len(src_shape) == index.ndim and all(n <= m for n, m in zip(index.shape, src_shape))
    if not fits:
        src = "" if src_shape is None else f" and src of shape {tuple(src_shape)}"
        raise InvalidOperationError(
            f"{owner}: index of shape {tuple(index.shape)} does not fit the input of shape {tuple(shape)}{src}: "
            f"expected as many dimensions, each no larger than the input's apart from dim {dim}"
            + ("" if src_shape is None else ", and no larger than src's in every dim"))


def places(xp, index, dim):
    """The NumPy key of the places index names along `dim`: index itself there, the position in each other dim."""
    key = []
    for d, n in enumerate(index.shape):
        view = [1] * index.ndim
        view[d] = n
        key.append(index if d == dim else xp.arange(n).reshape(view))
    return tuple(key)


def window(shape):
    """The key of the leading corner of this shape (the part of src or the input an index of `shape` reaches)."""
    return tuple(slice(0, n) for n in shape)


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] (for dim=1; as torch.gather); dL/dx[i][k] = sum over j with
    index[i][j] = k of dL/dout[i][j] (the gradient scattered back, with adds). A 0-d input reads as shape (1,)."""

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x):
        owner, index = "Tensor.gather", self.index
        self.dim, self.shape = check_dim(self.dim, x.ndim, owner), x.shape
        self.out_shape = index.shape
        if not x.ndim and index.ndim <= 1:
            x, index = x.reshape(1), index.reshape(-1)
        check_index_fits(owner, index, x.shape, self.dim)
        check_index(owner, index, x.shape[self.dim], self.dim)
        self.places, self.index_shape = places(self.xp, index, self.dim), index.shape
        return x[self.places].reshape(self.out_shape)

    def backward(self, grad):
        full = self.xp.zeros(self.shape or (1,), dtype=grad.dtype)
        self.xp.add.at(full, self.places, grad.reshape(self.index_shape))
        return full.reshape(self.shape)


class IndexSelect(Function):
    """out = x with dim `dim` replaced by x's entries index[0], index[1], ... (as torch.index_select);
    dL/dx[..., k, ...] = sum over i with index[i] = k of dL/dout[..., i, ...]."""

    name = "index_select"

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x):
        index, owner = self.index, self.owner
        self.dim, self.shape = check_dim(self.dim, x.ndim, owner), x.shape
        if index.ndim > 1:
            raise ValueError(f"{owner}: index must be a vector (0 or 1 dimensions), got shape {tuple(index.shape)}")
        if not x.ndim and index.size != 1:
            raise InvalidOperationError(f"{owner}: the index into a 0-d tensor must hold one value, got {index.size}")
        self.index = index.reshape(-1)
        check_index(owner, self.index, x.shape[self.dim] if x.ndim else 1, self.dim)
        picked = self.xp.take(x.reshape(x.shape or (1,)), self.index, axis=self.dim)
        return picked.reshape(x.shape) if not x.ndim else picked

    def backward(self, grad):
        full = self.xp.zeros(self.shape or (1,), dtype=grad.dtype)
        self.xp.add.at(full, (slice(None),) * self.dim + (self.index,), grad.reshape(grad.shape or (1,)))
        return full.reshape(self.shape)


# --- masks -------------------------------------------------------------------------------------


def check_mask(owner, mask, shape):
    """A bool mask that broadcasts with `shape`."""
    if mask.dtype.kind != "b":
        raise TypeError(f"{owner}: mask must be a bool tensor, got dtype {mask.dtype}")
    check_broadcast(owner, shape, mask.shape)


class MaskedFill(Function):
    """out = value where mask holds, else x (mask broadcast with x); dL/dx = dL/dout where the mask does not
    hold (0 where it does); dL/dvalue = the sum of dL/dout where it holds (value a 0-d tensor)."""

    name = "masked_fill"

    def __init__(self, mask, value=None):
        self.mask, self.value = mask, value

    def forward(self, x, *value):
        check_mask(self.owner, self.mask, x.shape)
        self.shape = x.shape
        fill = self.xp.asarray(value[0] if value else self.value, dtype=x.dtype)
        return self.xp.where(self.mask, fill, x)

    def backward(self, grad):
        xp = self.xp
        gx = unbroadcast(xp.where(self.mask, 0, grad), self.shape) if self.needs_grad[0] else None
        if len(self.needs_grad) == 1:
            return gx
        return gx, (xp.where(self.mask, grad, 0).sum() if self.needs_grad[1] else None)


class MaskedSelect(Function):
    """out = the entries of x where mask holds, as one vector (x and mask broadcast together, row-major
    order); dL/dx = dL/dout put back at those places (0 elsewhere), summed over broadcast dims."""

    name = "masked_select"

    def __init__(self, mask):
        self.mask = mask

    def forward(self, x):
        check_mask(self.owner, self.mask, x.shape)
        self.shape = x.shape
        x, self.mask = self.xp.broadcast_arrays(x, self.mask)
        return x[self.mask]

    def backward(self, grad):
        full = self.xp.zeros(self.mask.shape, dtype=grad.dtype)
        full[self.mask] = grad
        return unbroadcast(full, self.shape)


def masked_fill(input, mask, value):
    """Tensor.masked_fill: `value` where the bool `mask` (broadcast with input) holds, else input's entries;
    value a number or a 0-d tensor (which then receives a gradient)."""
    mask = as_index(input, mask, "Tensor.masked_fill (mask)")
    if isinstance(value, Node):
        if value.data.ndim:
            raise InvalidOperationError(f"Tensor.masked_fill: value must be a number or a 0-d tensor, got "
                                        f"shape {tuple(value.data.shape)}")
        return MaskedFill.apply(input, value, mask=mask)
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise TypeError(f"Tensor.masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return MaskedFill.apply(input, mask=mask, value=value)


def nonzero(xp, array, as_tuple=False):
    """The positions of the nonzero entries (as torch.nonzero): an int64 array of shape (count, ndim), or
    with as_tuple one int64 vector per dim (one for a 0-d array, as PyTorch)."""
    positions = xp.argwhere(array).astype(INT64)
    if not as_tuple:
        return positions
    return tuple(positions[:, d] for d in range(array.ndim)) if array.ndim else (xp.zeros(int(bool(array)), INT64),)


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
    low, high = value_ends(indices) if indices.size else (0, -1)  # one read on a GPU: the width may need the top
    if num_classes < 0:
        num_classes = high + 1
    if low < 0 or high >= num_classes:
        raise ValueError(f"one_hot: class indices must lie in [0, {num_classes}), got {low}..{high}")
    return (indices[..., None] == xp.arange(num_classes)).astype(dtype)

"""Writing values into a tensor at the places an index names: scatter and scatter_add (as torch's), the
mirror image of gather (aino/ops/index.py).

For dim=0 (the other dims alike), with i, j running over index's shape:

    scatter:      out = x, then out[index[i][j]][j] = src[i][j]
    scatter_add:  out = x, then out[index[i][j]][j] += src[i][j]   (repeated places add up)

The gradients: scatter_add passes dL/dout to x whole; scatter passes it to x except at the places written
(overwritten, so x did not reach the output there). Both give src the gradient of the place each entry
went to: dL/dsrc[i][j] = dL/dout[index[i][j]][j] (a gather), and 0 for the entries of src the index does
not reach. PyTorch's rule for the index: as many dims as x and src, each no larger than src's, and no
larger than x's apart from `dim`; the values in [0, x.size(dim)).
"""

import numbers

from aino.ops.function import Function, Node, constant
from aino.ops.index import as_index, check_index, check_index_fits, places, window
from aino.validation import InvalidOperationError, check_dim


class Scatter(Function):
    """scatter: out = x with out[index[i][j]][j] = src[i][j] (dim=0), src a tensor or a number `value`;
    dL/dx = dL/dout with the written places zeroed; dL/dsrc[i][j] = dL/dout[index[i][j]][j]."""

    def __init__(self, dim, index, value=None):
        self.dim, self.index, self.value = dim, index, value

    def forward(self, x, *src):
        owner, index = self.owner, self.index
        self.dim = check_dim(self.dim, x.ndim, owner)
        if not x.ndim:  # a 0-d tensor reads as shape (1,), with a 0-d or one-element index and src
            self.unflat = x.shape
            x, index, src = x.reshape(1), index.reshape(-1), tuple(s.reshape(-1) for s in src)
        else:
            self.unflat = None
        if src and src[0].dtype != x.dtype:
            raise InvalidOperationError(f"{owner}: expected src of the input's dtype {x.dtype}, got {src[0].dtype}")
        check_index_fits(owner, index, x.shape, self.dim, src[0].shape if src else None)
        check_index(owner, index, x.shape[self.dim], self.dim)
        self.places = places(self.xp, index, self.dim)
        self.src_shape = src[0].shape if src else None
        out = x.copy()
        values = src[0][window(index.shape)] if src else self.xp.asarray(self.value, dtype=x.dtype)
        self.write(out, values)
        return out if self.unflat is None else out.reshape(self.unflat)

    def write(self, out, values):
        """Put `values` at the places (the step scatter_add makes an addition)."""
        out[self.places] = values

    def grad_input(self, grad):
        """dL/dx: zero where scatter wrote over x."""
        grad = grad.copy()
        grad[self.places] = 0
        return grad

    def backward(self, grad):
        shape = grad.shape
        if self.unflat is not None:
            grad = grad.reshape(1)
        gx = self.grad_input(grad).reshape(shape) if self.needs_grad[0] else None
        if len(self.needs_grad) == 1:
            return gx
        gsrc = None
        if self.needs_grad[1]:
            gsrc = self.xp.zeros(self.src_shape, dtype=grad.dtype)
            gsrc[window(self.places[self.dim].shape)] = grad[self.places]  # the gather of dL/dout
            gsrc = gsrc.reshape(self.parents[1].data.shape)
        return gx, gsrc


class ScatterAdd(Scatter):
    """scatter_add: out = x with out[index[i][j]][j] += src[i][j] (dim=0; repeats add up);
    dL/dx = dL/dout; dL/dsrc[i][j] = dL/dout[index[i][j]][j]."""

    name = "scatter_add"

    def write(self, out, values):
        self.xp.add.at(out, self.places, values)

    def grad_input(self, grad):
        return grad


def scatter(input, dim, index, src=None, value=None):
    """torch.scatter on a Tensor: a copy of `input` with src's entries (or the number `value`, or src given as
    a number) written at the places `index` names along `dim`."""
    return _scatter(Scatter, input, dim, index, src if value is None else value, "Tensor.scatter")


def scatter_add(input, dim, index, src):
    """torch.scatter_add on a Tensor: a copy of `input` with the tensor src's entries added at the places
    `index` names along `dim` (repeats add up)."""
    if not isinstance(src, Node):
        raise TypeError(f"Tensor.scatter_add: src must be a tensor, got {type(src).__name__}")
    return _scatter(ScatterAdd, input, dim, index, src, "Tensor.scatter_add")


def _scatter(op, input, dim, index, src, owner):
    index = as_index(input, index, f"{owner} (index)")
    if isinstance(src, numbers.Number) and not isinstance(src, bool):
        return op.apply(input, dim=dim, index=index, value=src)
    if src is None:
        raise TypeError(f"{owner}: expected src (a tensor) or value (a number), got neither")
    src = src if isinstance(src, Node) else constant(as_index(input, src, f"{owner} (src)"), input)
    return op.apply(input, src, dim=dim, index=index)

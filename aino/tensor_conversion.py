"""The Tensor's dtype conversions (float, double, half, int, long, bool, type, type_as), copies (clone,
new_zeros, new_tensor, ...) and in-place fills (fill_, zero_, copy_, uniform_, normal_), with PyTorch's names.

A conversion between float dtypes, and clone, are differentiable (d/dx = 1: ops.cast, the Cast op of
aino/ops/elementwise.py); a conversion to an integer or bool dtype is a constant. The in-place fills
write into the tensor's array and are not recorded in the graph, so, as PyTorch, they refuse a tensor
that requires grad while gradients are on: wrap them in `with aino.no_grad():` (as nn.init does).
"""

import numbers

from aino import ops
from aino.backend import (BOOL, FLOAT16, FLOAT32, FLOAT64, INT8, INT16, INT32, INT64, UINT8, as_array, move_array,
                          parse_dtype)
from aino.ops import elementwise
from aino.ops.function import constant, is_grad_enabled, raw
from aino.tensor_creation import get_rng
from aino.validation import InvalidOperationError, check_real

# x.type() names, as PyTorch's legacy tensor types ("torch.FloatTensor" is "aino.FloatTensor" here)
TYPE_NAMES = {FLOAT32: "FloatTensor", FLOAT64: "DoubleTensor", FLOAT16: "HalfTensor", INT64: "LongTensor",
              INT32: "IntTensor", INT16: "ShortTensor", INT8: "CharTensor", UINT8: "ByteTensor", BOOL: "BoolTensor"}
DTYPES_BY_TYPE_NAME = {name: dtype for dtype, name in TYPE_NAMES.items()}


class ConversionMethods:
    """Mixed into Tensor: dtype conversions, copies and in-place fills."""

    __slots__ = ()

    # --- dtypes --------------------------------------------------------------------------------------

    def astype(self, dtype):
        """A copy with another dtype; differentiable between float dtypes."""
        return ops.cast(self, parse_dtype(dtype, "Tensor.astype"))

    def float(self):
        return self.astype(FLOAT32)

    def double(self):
        return self.astype(FLOAT64)

    def half(self):
        return self.astype(FLOAT16)

    def long(self):
        return self.astype(INT64)

    def int(self):
        """As int32, as PyTorch's x.int() (x.long() is int64)."""
        return self.astype(INT32)

    def bool(self):
        return self.astype(BOOL)

    def type(self, dtype=None):
        """No argument: the type's name, "aino.FloatTensor" for float32 (PyTorch's "torch.FloatTensor").
        With a dtype (or such a name, "torch.DoubleTensor" too): this tensor cast to it."""
        if dtype is None:
            return "aino." + TYPE_NAMES.get(self.data.dtype, f"Tensor[{self.data.dtype}]")
        name = str(dtype).rsplit(".", 1)[-1]
        return self.astype(DTYPES_BY_TYPE_NAME[name] if name in DTYPES_BY_TYPE_NAME else dtype)

    def type_as(self, other):
        """This tensor cast to `other`'s dtype."""
        return self.astype(other.dtype)

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

    def element_size(self):
        """Bytes per element (4 for float32)."""
        return self.data.itemsize

    # --- copies --------------------------------------------------------------------------------------

    def clone(self):
        """A copy of the data that stays in the graph: the gradient flows back unchanged (d/dx = 1)."""
        if self.data.dtype.kind not in "fc":
            return constant(self.data.copy(), self)
        return elementwise.Cast.apply(self, dtype=self.data.dtype)  # astype copies

    def contiguous(self):
        """Itself: aino's arrays need no particular memory layout."""
        return self

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A new leaf holding a copy of `data`, with this tensor's dtype and device unless given."""
        array = as_array(raw(data), owner="Tensor.new_tensor").copy()
        return self._result_class(array, requires_grad=requires_grad, dtype=dtype or self.data.dtype,
                                  device=device or self.device)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self._result_class.zeros(*size, **self._new_options(dtype, device, requires_grad))

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self._result_class.ones(*size, **self._new_options(dtype, device, requires_grad))

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros (aino never hands out uninitialised memory)."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return self._result_class.full(size, fill_value, **self._new_options(dtype, device, requires_grad))

    def _new_options(self, dtype, device, requires_grad):
        """The keyword arguments of a new_* maker: this tensor's dtype and device unless given."""
        return {"dtype": dtype or self.data.dtype, "device": device or self.device, "requires_grad": requires_grad}

    # --- in-place fills (not recorded in the graph) ---------------------------------------------------

    def fill_(self, value):
        """Every element set to the number `value`; returns self."""
        if not isinstance(value, numbers.Number) and getattr(raw(value), "size", 0) != 1:
            raise TypeError(f"Tensor.fill_: value must be a number (or a one-element tensor), "
                            f"got {type(value).__name__}")
        self._check_in_place("Tensor.fill_")
        self.data[...] = raw(value)
        return self

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src):
        """The values of `src` (broadcast to this shape, cast to this dtype) written into this tensor."""
        self._check_in_place("Tensor.copy_")
        values = as_array(raw(src), owner="Tensor.copy_")
        try:
            self.data[...] = move_array(values, self.device)
        except ValueError:
            raise ValueError(f"Tensor.copy_: src of shape {tuple(values.shape)} does not broadcast to this "
                             f"tensor's shape {tuple(self.data.shape)}") from None
        return self

    def uniform_(self, a=0.0, b=1.0):
        """Samples from U(a, b) (aino's generator, seeded by manual_seed) written into this tensor."""
        low, high = check_real(a, "a", "Tensor.uniform_"), check_real(b, "b", "Tensor.uniform_")
        if low > high:
            raise ValueError(f"Tensor.uniform_: expected a <= b, got a={a}, b={b}")
        return self._write_samples(get_rng().uniform(low, high, self.data.shape), "Tensor.uniform_")

    def normal_(self, mean=0.0, std=1.0):
        """Samples from N(mean, std**2) written into this tensor."""
        mean = check_real(mean, "mean", "Tensor.normal_")
        std = check_real(std, "std", "Tensor.normal_", minimum=0)
        return self._write_samples(get_rng().normal(mean, std, self.data.shape), "Tensor.normal_")

    def _write_samples(self, samples, owner):
        self._check_in_place(owner)
        if self.data.dtype.kind != "f":
            raise TypeError(f"{owner}: expected a float tensor, got dtype {self.data.dtype}")
        self.data[...] = move_array(samples.astype(self.data.dtype), self.device)
        return self

    def _check_in_place(self, owner):
        """As PyTorch: a tensor that requires grad is changed in place only inside no_grad()."""
        if self.requires_grad and is_grad_enabled():
            raise InvalidOperationError(f"{owner}: a tensor that requires grad is being used in an in-place "
                                        f"operation; wrap it in `with aino.no_grad():` (as nn.init does)")

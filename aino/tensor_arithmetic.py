"""The Tensor's arithmetic: the operators (+ - * / ** // % @, comparisons), their method spellings (add, div
with a rounding mode, ...), exp, log, sqrt, clamp, and the activations and softmax: each a call of its
op in aino/ops/ (where its formula stands). The other elementwise maths is in tensor_math.py.

Binary operators go through `pair`, which makes a Python number or an array beside a tensor a constant
with PyTorch's dtype rules (float32 * 2.5 stays float32, int / int is a float).
"""

import math
import operator

import numpy

from aino.ops import activation, compare, elementwise, matmul, rounding, softmax
from aino.ops.function import Node, constant, pair, raw


def _operator(op, true_division=False, **options):
    """The methods of a binary operator: `tensor op other` and, when the tensor stands on the right,
    `other op tensor`; both run the op class `op` (with `options`) on the two, paired as `pair` says."""

    def forward(self, other):
        return op.apply(*pair(self, other, true_division), **options)

    def reflected(self, other):
        return op.apply(*pair(other, self, true_division), **options)

    return forward, reflected


def unary_method(op):
    """The method `tensor.f()` of a one-input op class `op` (tensor.exp() runs elementwise.Exp)."""

    def method(self):
        return op.apply(self)

    method.__name__ = op.__name__.lower()
    return method


def _comparison(compare_op):
    """The method `tensor < other` (or another comparison `compare_op` from the operator module)."""

    def method(self, other):
        return compare.compare(compare_op, self, raw(other))

    method.__name__ = f"__{compare_op.__name__}__"
    return method


def _floor_quotient(a, b):
    """a // b rounded down, outside the graph (PyTorch's floor_divide has no derivative)."""
    return rounding.DivRounded.apply(*pair(a, b), rounding_mode="floor").detach()


def _bound(x, value, missing):
    """A clamp bound as a tensor beside x: `value` when given, else `missing` (+-inf, or the integer extreme)."""
    if value is not None:
        return value
    dtype = x.data.dtype
    if dtype.kind not in "fc":
        extremes = numpy.iinfo(dtype)
        missing = extremes.min if missing < 0 else extremes.max
    return constant(x.xp.asarray(missing, dtype=dtype), x)


class ArithmeticMethods:
    """Mixed into Tensor: operators, their method spellings, exp/log/sqrt/abs, clamp, activations, softmax."""

    __slots__ = ()
    __array_ufunc__ = None  # numpy_array * tensor calls Tensor.__rmul__ instead of numpy's loop

    __add__, __radd__ = _operator(elementwise.Add)  # a + b
    __sub__, __rsub__ = _operator(elementwise.Sub)  # a - b
    __mul__, __rmul__ = _operator(elementwise.Mul)  # a * b
    __truediv__, __rtruediv__ = _operator(elementwise.Div, true_division=True)  # a / b, a float even for ints
    __pow__, __rpow__ = _operator(elementwise.Pow)  # a ** b
    __mod__, __rmod__ = _operator(rounding.Remainder)  # a % b, with the sign of b (as Python and PyTorch)
    __matmul__, __rmatmul__ = _operator(matmul.MatMul)  # a @ b

    def __floordiv__(self, other):  # a // b: rounded down, outside the graph
        return _floor_quotient(self, other)

    def __rfloordiv__(self, other):
        return _floor_quotient(other, self)

    def __pos__(self):
        return self

    # comparisons: bool tensors outside the graph
    __lt__, __le__ = _comparison(operator.lt), _comparison(operator.le)
    __gt__, __ge__ = _comparison(operator.gt), _comparison(operator.ge)
    __eq__, __ne__ = _comparison(operator.eq), _comparison(operator.ne)

    __hash__ = object.__hash__  # __eq__ is elementwise; hashing stays by identity (else Python sets None)

    # --- the operators as methods (PyTorch's spellings) -----------------------------------------------

    def add(self, other, alpha=1):
        """self + alpha * other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        """self - alpha * other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        """self * other."""
        return self * other

    def div(self, other, rounding_mode=None):
        """self / other; rounding_mode "trunc" rounds the quotient towards 0, "floor" down (integers stay
        integers then, and the gradient is 0, as PyTorch)."""
        if rounding.check_rounding_mode(rounding_mode) is None:
            return self / other
        return rounding.DivRounded.apply(*pair(self, other), rounding_mode=rounding_mode)

    def true_divide(self, other):
        """self / other, a float even for integers."""
        return self / other

    def floor_divide(self, other):
        """self // other: the quotient rounded down, outside the graph."""
        return self // other

    def remainder(self, other):
        """self % other, with the sign of other."""
        return self % other

    def fmod(self, other):
        """self - trunc(self / other) * other: the remainder with the sign of self (C's fmod)."""
        return rounding.Fmod.apply(*pair(self, other))

    def pow(self, exponent):
        """self ** exponent."""
        return self**exponent

    def matmul(self, other):
        return self @ other

    subtract, multiply, divide = sub, mul, div

    # --- unary functions (each op's formula and derivative are in aino/ops/elementwise.py) ------------

    exp, log = unary_method(elementwise.Exp), unary_method(elementwise.Log)
    sqrt, abs = unary_method(elementwise.Sqrt), unary_method(elementwise.Abs)
    neg = negative = __neg__ = unary_method(elementwise.Neg)

    def clip(self, min=None, max=None):
        """min(max(self, min), max): bounds that are numbers, tensors (a gradient flows to them too) or None."""
        if isinstance(min, Node) or isinstance(max, Node):
            low, high = _bound(self, min, -math.inf), _bound(self, max, math.inf)
            x, low = pair(self, low)
            x, high = pair(x, high)
            low, x = pair(low, x)  # an integer x made float beside high makes an integer low float too
            return compare.Clamp.apply(x, low, high)
        x = self
        if x.data.dtype.kind not in "fc" and (isinstance(min, float) or isinstance(max, float)):
            x = constant(elementwise.floating(x.data), x)  # an integer tensor clamped to 2.5 is float32
        return elementwise.Clip.apply(x, low=min, high=max)

    clamp = clip

    def clamp_min(self, min):
        """max(self, min)."""
        return self.clip(min=min)

    def clamp_max(self, max):
        """min(self, max)."""
        return self.clip(max=max)

    # --- activations (their formulas in aino/ops/activation.py and aino/activations.py) -------------

    tanh, sigmoid = unary_method(activation.Tanh), unary_method(activation.Sigmoid)
    relu, selu = unary_method(activation.ReLU), unary_method(activation.SELU)
    softplus, logsigmoid = unary_method(activation.Softplus), unary_method(activation.LogSigmoid)
    silu, mish, relu6 = unary_method(activation.SiLU), unary_method(activation.Mish), unary_method(activation.ReLU6)
    hardsigmoid, hardswish = unary_method(activation.Hardsigmoid), unary_method(activation.Hardswish)

    def leaky_relu(self, negative_slope=0.01):
        return activation.LeakyReLU.apply(self, negative_slope=negative_slope)

    def elu(self, alpha=1.0):
        return activation.ELU.apply(self, alpha=alpha)

    def gelu(self, approximate="none"):
        return activation.GELU.apply(self, approximate=approximate)

    def hardtanh(self, min_val=-1.0, max_val=1.0):
        """self clamped to [min_val, max_val] (gradient 1 strictly inside)."""
        return activation.Hardtanh.apply(self, min_val=min_val, max_val=max_val)

    def softmax(self, axis=-1, dim=None):
        return softmax.Softmax.apply(self, axis=axis if dim is None else dim)

    def softmin(self, axis=-1, dim=None):
        """softmax(-self) along dim."""
        return softmax.Softmin.apply(self, axis=axis if dim is None else dim)

    def log_softmax(self, axis=-1, dim=None):
        return softmax.LogSoftmax.apply(self, axis=axis if dim is None else dim)

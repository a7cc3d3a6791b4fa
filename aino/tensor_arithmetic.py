"""The Tensor's arithmetic: the operators (+ - * / ** @, comparisons) and the elementwise functions
(exp, log, the activations, softmax), each a call of its op in aino/ops/ (where its formula stands).

Binary operators go through `pair`, which makes a Python number or an array beside a tensor a constant
with PyTorch's dtype rules (float32 * 2.5 stays float32, int / int is a float).
"""

import operator

from aino.ops import elementwise, matmul, softmax
from aino.ops.function import pair, raw


def _operator(op, true_division=False):
    """The methods of a binary operator: `tensor op other` and, when the tensor stands on the right,
    `other op tensor`; both run the op class `op` on the two, paired as `pair` says."""

    def forward(self, other):
        return op.apply(*pair(self, other, true_division))

    def reflected(self, other):
        return op.apply(*pair(other, self, true_division))

    return forward, reflected


def _unary(op):
    """The method `tensor.f()` of a one-input op class `op` (tensor.exp() runs elementwise.Exp)."""

    def method(self):
        return op.apply(self)

    method.__name__ = op.__name__.lower()
    return method


def _comparison(compare_op):
    """The method `tensor < other` (or another comparison `compare_op` from the operator module)."""

    def method(self, other):
        return elementwise.compare(compare_op, self, raw(other))

    method.__name__ = f"__{compare_op.__name__}__"
    return method


class ArithmeticMethods:
    """Mixed into Tensor: operators and elementwise maths."""

    __slots__ = ()
    __array_ufunc__ = None  # numpy_array * tensor calls Tensor.__rmul__ instead of numpy's loop

    __add__, __radd__ = _operator(elementwise.Add)  # a + b
    __sub__, __rsub__ = _operator(elementwise.Sub)  # a - b
    __mul__, __rmul__ = _operator(elementwise.Mul)  # a * b
    __truediv__, __rtruediv__ = _operator(elementwise.Div, true_division=True)  # a / b, a float even for ints
    __pow__, __rpow__ = _operator(elementwise.Pow)  # a ** b
    __matmul__, __rmatmul__ = _operator(matmul.MatMul)  # a @ b

    def __pos__(self):
        return self

    # comparisons: bool tensors outside the graph
    __lt__, __le__ = _comparison(operator.lt), _comparison(operator.le)
    __gt__, __ge__ = _comparison(operator.gt), _comparison(operator.ge)
    __eq__, __ne__ = _comparison(operator.eq), _comparison(operator.ne)

    __hash__ = object.__hash__  # __eq__ is elementwise; hashing stays by identity (else Python sets None)

    def matmul(self, other):
        return self @ other

    # --- unary functions (each op's formula and derivative are in aino/ops/elementwise.py) ------------

    exp, log = _unary(elementwise.Exp), _unary(elementwise.Log)
    sqrt, abs = _unary(elementwise.Sqrt), _unary(elementwise.Abs)
    neg = __neg__ = _unary(elementwise.Neg)
    tanh, sigmoid = _unary(elementwise.Tanh), _unary(elementwise.Sigmoid)
    relu, selu, softplus = _unary(elementwise.ReLU), _unary(elementwise.SELU), _unary(elementwise.Softplus)

    def leaky_relu(self, negative_slope=0.01):
        return elementwise.LeakyReLU.apply(self, negative_slope=negative_slope)

    def elu(self, alpha=1.0):
        return elementwise.ELU.apply(self, alpha=alpha)

    def gelu(self, approximate="none"):
        return elementwise.GELU.apply(self, approximate=approximate)

    def clip(self, min=None, max=None):
        return elementwise.Clip.apply(self, low=min, high=max)

    clamp = clip

    def softmax(self, axis=-1, dim=None):
        return softmax.Softmax.apply(self, axis=axis if dim is None else dim)

    def log_softmax(self, axis=-1, dim=None):
        return softmax.LogSoftmax.apply(self, axis=axis if dim is None else dim)

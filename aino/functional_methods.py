"""The function form of the Tensor's methods, with PyTorch's module-level names: aino.exp(x) is x.exp(),
aino.sum(x, dim=1) is x.sum(dim=1), aino.sort(x) is x.sort(). The first argument is made a Tensor (a
number or an array too) and the Tensor method of the same name does the work, so each op's formula stays
in one place (its op in aino/ops/). The list is explicit, one name a line; torch.max and torch.min, which
also take a second tensor, and mm and bmm, which check their ranks, are written out.
"""

import operator
from types import FunctionType

from aino.tensor import Tensor


def as_tensor_argument(value):
    """`value` as a Tensor: a Tensor unchanged, anything else Tensor(value)."""
    return value if isinstance(value, Tensor) else Tensor(value)


def _method_form(name):
    """The function `name(input, *args, **kwargs)`: input.name(*args, **kwargs), input made a Tensor."""

    def function(input, *args, **kwargs):
        return getattr(as_tensor_argument(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"aino.{name}(input, ...) is input.{name}(...), as torch.{name}: see Tensor.{name}."
    return function


# --- elementwise ----------------------------------------------------------------------------------------
abs = _method_form("abs")
absolute = _method_form("abs")
neg = _method_form("neg")
negative = _method_form("neg")
exp = _method_form("exp")
exp2 = _method_form("exp2")
expm1 = _method_form("expm1")
log = _method_form("log")
log2 = _method_form("log2")
log10 = _method_form("log10")
log1p = _method_form("log1p")
sqrt = _method_form("sqrt")
rsqrt = _method_form("rsqrt")
square = _method_form("square")
sign = _method_form("sign")
round = _method_form("round")
floor = _method_form("floor")
ceil = _method_form("ceil")
trunc = _method_form("trunc")
sin = _method_form("sin")
cos = _method_form("cos")
tan = _method_form("tan")
asin = _method_form("asin")
acos = _method_form("acos")
atan = _method_form("atan")
atan2 = _method_form("atan2")
sinh = _method_form("sinh")
cosh = _method_form("cosh")
asinh = _method_form("asinh")
acosh = _method_form("acosh")
atanh = _method_form("atanh")
erf = _method_form("erf")
erfc = _method_form("erfc")
erfinv = _method_form("erfinv")
reciprocal = _method_form("reciprocal")
frac = _method_form("frac")
lerp = _method_form("lerp")
sigmoid = _method_form("sigmoid")
tanh = _method_form("tanh")
relu = _method_form("relu")
softmax = _method_form("softmax")
log_softmax = _method_form("log_softmax")
clamp = _method_form("clamp")
clip = _method_form("clip")
add = _method_form("add")
sub = _method_form("sub")
subtract = _method_form("sub")
mul = _method_form("mul")
multiply = _method_form("mul")
div = _method_form("div")
divide = _method_form("div")
true_divide = _method_form("div")
pow = _method_form("pow")
remainder = _method_form("remainder")
fmod = _method_form("fmod")
floor_divide = _method_form("floor_divide")
maximum = _method_form("maximum")
minimum = _method_form("minimum")
isclose = _method_form("isclose")
allclose = _method_form("allclose")
isnan = _method_form("isnan")
isinf = _method_form("isinf")
isfinite = _method_form("isfinite")
masked_fill = _method_form("masked_fill")
masked_select = _method_form("masked_select")
is_floating_point = _method_form("is_floating_point")

# --- reductions and ordering ------------------------------------------------------------------------------
sum = _method_form("sum")
mean = _method_form("mean")
prod = _method_form("prod")
var = _method_form("var")
std = _method_form("std")
amax = _method_form("amax")
amin = _method_form("amin")
argmax = _method_form("argmax")
argmin = _method_form("argmin")
logsumexp = _method_form("logsumexp")
median = _method_form("median")
kthvalue = _method_form("kthvalue")
count_nonzero = _method_form("count_nonzero")
norm = _method_form("norm")
all = _method_form("all")
any = _method_form("any")
cumsum = _method_form("cumsum")
cumprod = _method_form("cumprod")
sort = _method_form("sort")
argsort = _method_form("argsort")
topk = _method_form("topk")

# --- shapes and rearranging ------------------------------------------------------------------------------
reshape = _method_form("reshape")
flatten = _method_form("flatten")
squeeze = _method_form("squeeze")
unsqueeze = _method_form("unsqueeze")
transpose = _method_form("transpose")
swapaxes = _method_form("swapaxes")
permute = _method_form("permute")
t = _method_form("t")
flip = _method_form("flip")
narrow = _method_form("narrow")
movedim = _method_form("movedim")
moveaxis = _method_form("movedim")
unflatten = _method_form("unflatten")
roll = _method_form("roll")
tril = _method_form("tril")
triu = _method_form("triu")
split = _method_form("split")
chunk = _method_form("chunk")
unbind = _method_form("unbind")
repeat_interleave = _method_form("repeat_interleave")
scatter = _method_form("scatter")
scatter_add = _method_form("scatter_add")
index_select = _method_form("index_select")
nonzero = _method_form("nonzero")
clone = _method_form("clone")
detach = _method_form("detach")


def _comparison_form(compare):
    """The function `name(input, other)`: input <op> other elementwise, a bool tensor (torch.eq, torch.lt, ...)."""

    def function(input, other):
        return compare(as_tensor_argument(input), other)

    function.__name__ = function.__qualname__ = compare.__name__
    function.__doc__ = f"aino.{compare.__name__}(input, other): input {compare.__name__} other elementwise (bool)."
    return function


eq = _comparison_form(operator.eq)
ne = _comparison_form(operator.ne)
lt = _comparison_form(operator.lt)
le = _comparison_form(operator.le)
gt = _comparison_form(operator.gt)
ge = _comparison_form(operator.ge)


def max(input, *args, **kwargs):
    """torch.max: max(x) the largest value; max(x, dim, keepdim=False) the named tuple (values, indices);
    max(x, other) with a tensor `other` the elementwise maximum (as maximum)."""
    if (args and isinstance(args[0], Tensor)) or isinstance(kwargs.get("other"), Tensor):
        return maximum(input, *args, **kwargs)
    return as_tensor_argument(input).max(*args, **kwargs)


def min(input, *args, **kwargs):
    """torch.min: min(x), min(x, dim) as (values, indices), min(x, other) the elementwise minimum."""
    if (args and isinstance(args[0], Tensor)) or isinstance(kwargs.get("other"), Tensor):
        return minimum(input, *args, **kwargs)
    return as_tensor_argument(input).min(*args, **kwargs)


def mm(input, mat2):
    """The product of two matrices (2-D tensors only, as torch.mm; matmul broadcasts)."""
    return _product_of_rank(input, mat2, 2, "aino.mm", "matrices")


def bmm(input, mat2):
    """The products of two batches of matrices, (b, n, m) @ (b, m, p) -> (b, n, p) (3-D only, as torch.bmm)."""
    return _product_of_rank(input, mat2, 3, "aino.bmm", "batches of matrices (b, n, m) and (b, m, p)")


def dot(input, other):
    """The dot product of two 1-D tensors of one length (as torch.dot; matmul takes more shapes)."""
    input, other = as_tensor_argument(input), as_tensor_argument(other)
    if input.ndim != 1 or other.ndim != 1 or input.shape != other.shape:
        raise ValueError(f"aino.dot: expected two 1-D tensors of one length, got shapes {tuple(input.shape)} and "
                         f"{tuple(other.shape)}")
    return input @ other


def _product_of_rank(input, other, rank, owner, what):
    input, other = as_tensor_argument(input), as_tensor_argument(other)
    if input.ndim != rank or other.ndim != rank:
        raise ValueError(f"{owner}: expected two {rank}-D tensors ({what}), got shapes {tuple(input.shape)} "
                         f"and {tuple(other.shape)}")
    if rank == 3 and input.shape[0] != other.shape[0]:
        raise ValueError(f"{owner}: expected batches of one size, got {input.shape[0]} and {other.shape[0]}")
    return input @ other


# The names that shadow Python's builtins: aino's __all__ leaves them out, so `from aino import *` keeps the
# builtins, while aino.sum(x) (torch.sum(x) under `import aino as torch`) reaches them.
BUILTIN_NAMES = ("abs", "all", "any", "max", "min", "pow", "round", "sum")
__all__ = [name for name, value in list(globals().items())
           if isinstance(value, FunctionType) and not name.startswith("_") and name != "as_tensor_argument"]

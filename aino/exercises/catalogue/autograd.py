"""Exercises: autograd Functions, written as aino's own ops are (aino/ops/function.py).

An op's forward computes its output from input arrays and saves what backward needs; backward turns
dL/d(output) into dL/d(input) for every input. Broadcasting in forward is undone in backward by
`unbroadcast`. Class exercises (`Mul`, `Sum`) are run as aino runs an op: built with its options,
given `xp` and `needs_grad`, then forward, then backward; their cases name every value (the case's
kwargs), so that a failure shows each by name. The references are aino's ops and
`unbroadcast`; central differences check every gradient independently.
"""

import numpy

from aino.exercises.spec import Case, Exercise, Mistake
from aino.gradcheck import numerical_gradient, numerical_jacobian_product
from aino.ops import elementwise, matmul, reduce
from aino.ops.function import unbroadcast

LESSON = "02 Classic to fast path"


def gradient_of(f, x, grad_output):
    """d(sum(grad_output * f(x)))/dx by central differences: the backward of f at x."""
    return numerical_gradient(lambda point: float(numpy.sum(grad_output * f(point))), x)


def op_runner(inputs):
    """How a class exercise is run, as Function.apply runs an op: built with the case's options, given `xp`
    and `needs_grad`, then forward on the case's values named in `inputs`, then backward on its `grad`.
    The call returns {"forward": the output, "grads": what backward returned}."""

    def run(op_class, case):
        values = {key: numpy.array(value) if isinstance(value, numpy.ndarray) else value
                  for key, value in case.kwargs.items()}  # copies: an op may change its arrays in place
        arrays = [values.pop(name) for name in inputs]
        grad = values.pop("grad")
        fn = op_class(**values)
        fn.xp = numpy
        fn.needs_grad = (True,) * len(arrays)
        return {"forward": fn.forward(*arrays), "grads": fn.backward(grad)}

    return run


# --- unbroadcast ---------------------------------------------------------------------------------


def unbroadcast_cases(rng):
    """(grad, shape) pairs: no broadcasting, axes added in front, size-1 axes stretched, both at once."""
    pairs = [("no broadcasting", (2, 3), (2, 3)), ("batch 1: one sample, a leading axis added", (1, 3), (3,)),
             ("a single number (1,) broadcast to (2, 3)", (2, 3), (1,)),
             ("a bias (3,) added to a batch of 4", (4, 3), (3,)),
             ("a (4, 1) column stretched to 3 columns", (4, 3), (4, 1)),
             ("a (1, 3) row stretched to 4 rows", (4, 3), (1, 3)),
             ("a (3, 1) broadcast to (2, 3, 4): both at once", (2, 3, 4), (3, 1))]
    return [Case(label, (rng.normal(size=grad), shape)) for label, grad, shape in pairs]


def leading_only(grad, shape):
    extra = grad.ndim - len(shape)
    return grad.sum(axis=tuple(range(extra))) if extra > 0 else grad


def without_keepdims(grad, shape):
    grad = leading_only(grad, shape)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched) if stretched else grad


def stretched_only(grad, shape):
    extra = grad.ndim - len(shape)
    stretched = tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def mean_instead_of_sum(grad, shape):
    summed = unbroadcast(grad, shape)
    return summed * (numpy.size(summed) / numpy.size(grad))


# --- Mul -----------------------------------------------------------------------------------------


def mul_cases(rng):
    """a, b and dL/d(a*b): equal shapes, batch 1, a row, a column and a single number broadcast."""
    shapes = [("a and b of one shape", (2, 3), (2, 3)), ("batch 1", (1, 4), (1, 4)),
              ("b a row (3,) broadcast over a batch of 4", (4, 3), (3,)),
              ("a (4, 1) times b (1, 3): both stretched", (4, 1), (1, 3)),
              ("b a single number (1,)", (3, 2), (1,)), ("a (2, 3, 4) times b (3, 1)", (2, 3, 4), (3, 1))]
    return [Case(label, kwargs={"a": rng.normal(size=sa), "b": rng.normal(size=sb),
                                "grad": rng.normal(size=numpy.broadcast_shapes(sa, sb))})
            for label, sa, sb in shapes]


class GradientsSwapped(elementwise.Mul):
    """Mul with each input's gradient made from itself instead of the other input."""

    def backward(self, grad):
        return unbroadcast(grad * self.a, self.a.shape), unbroadcast(grad * self.b, self.b.shape)


class BroadcastKept(elementwise.Mul):
    """Mul whose gradients keep the broadcast shape."""

    def backward(self, grad):
        return grad * self.b, grad * self.a


class LocalDerivativesOnly(elementwise.Mul):
    """Mul whose backward returns the local derivatives, without grad."""

    def backward(self, grad):
        return self.b, self.a


def mul_numerically(case):
    a, b, grad = case.kwargs["a"], case.kwargs["b"], case.kwargs["grad"]
    return {"forward": a * b, "grads": (gradient_of(lambda x: x * b, a, grad), gradient_of(lambda x: a * x, b, grad))}


# --- MatMul --------------------------------------------------------------------------------------


def matmul_cases(rng):
    """A (n, k), B (k, m) and dL/dC for C = A @ B: square, batch 1, wide, an outer product."""
    shapes = [("2 x 2 times 2 x 2", 2, 2, 2), ("batch 1: a row (1, 3) times (3, 4)", 1, 3, 4),
              ("an outer product: (3, 1) times (1, 4)", 3, 1, 4), ("(4, 3) times (3, 5)", 4, 3, 5)]
    return [Case(label, (rng.normal(size=(n, k)), rng.normal(size=(k, m)), rng.normal(size=(n, m))))
            for label, n, k, m in shapes]


def matmul_backward(a, b, grad_output):
    op = matmul.MatMul()
    op.xp, op.needs_grad = numpy, (True, True)
    op.forward(a, b)
    return op.backward(grad_output)


def matmul_numerically(case):
    a, b, grad = case.args
    return gradient_of(lambda x: x @ b, a, grad), gradient_of(lambda x: a @ x, b, grad)


# --- Sum -----------------------------------------------------------------------------------------


def sum_cases(rng):
    """x, the options and dL/dy for y = x.sum(dim, keepdim): an axis dropped or kept, several, all, batch 1."""
    options = [("3 x 3, dim=1", (3, 3), 1, False), ("batch 1: (1, 5), dim=1", (1, 5), 1, False),
               ("(4, 3), dim=0", (4, 3), 0, False), ("(4, 3), dim=1, keepdim=True", (4, 3), 1, True),
               ("(4, 3), dim=-1", (4, 3), -1, False), ("(2, 3, 4), dim=(0, 2)", (2, 3, 4), (0, 2), False),
               ("(2, 3), every entry summed (dim=None), keepdim=True", (2, 3), None, True)]
    cases = []
    for label, shape, dim, keepdim in options:
        x = rng.normal(size=shape)
        grad = rng.normal(size=numpy.shape(x.sum(axis=dim, keepdims=keepdim)))
        cases.append(Case(label, kwargs={"dim": dim, "keepdim": keepdim, "x": x, "grad": grad}))
    return cases


class Sum(reduce.Sum):
    """aino's Sum with PyTorch's option names: Sum(dim=None, keepdim=False)."""

    def __init__(self, dim=None, keepdim=False):
        super().__init__(axis=dim, keepdims=keepdim)


class AxisNotPutBack(Sum):
    """Sum whose backward broadcasts grad without putting the summed axes back."""

    def backward(self, grad):
        return numpy.broadcast_to(grad, self.shape)


class DividedByCount(Sum):
    """Sum whose backward is the mean's."""

    def backward(self, grad):
        return super().backward(grad) / self.count


class OnesOnly(Sum):
    """Sum whose backward returns ones, without grad."""

    def backward(self, grad):
        return numpy.ones(self.shape)


def sum_numerically(case):
    x, grad, dim, keepdim = (case.kwargs[key] for key in ("x", "grad", "dim", "keepdim"))
    return {"forward": x.sum(axis=dim, keepdims=keepdim),
            "grads": gradient_of(lambda point: point.sum(axis=dim, keepdims=keepdim), x, grad)}


# --- Linear --------------------------------------------------------------------------------------


def linear_cases(rng):
    """x (N, in), W (out, in), b (out,) and dL/dy: batch 1, a batch, one output unit."""
    shapes = [("batch 1, 2 -> 2", 1, 2, 2), ("a batch of 4, 3 -> 2", 4, 3, 2), ("a batch of 5, 4 -> 1", 5, 4, 1),
              ("a batch of 3, 2 -> 2", 3, 2, 2)]
    return [Case(label, tuple(rng.normal(size=shape) for shape in ((n, i), (o, i), (o,), (n, o))))
            for label, n, i, o in shapes]


def linear_backward(x, W, b, grad_output):
    op = matmul.Linear()
    op.xp, op.needs_grad = numpy, (True, True, True)
    op.forward(x, W, b)
    return op.backward(grad_output)


def linear_numerically(case):
    x, W, b, grad = case.args
    return (gradient_of(lambda p: p @ W.T + b, x, grad), gradient_of(lambda p: x @ p.T + b, W, grad),
            gradient_of(lambda p: x @ W.T + p, b, grad))


CHAIN_RULE = "Multiply by grad (the gradient arriving from above): the chain rule."

EXERCISES = (
    Exercise(
        "unbroadcast", "Undoing broadcasting in a gradient", LESSON, "unbroadcast(grad, shape)",
        "An input of `shape` was broadcast to grad.shape in forward (axes added in front, size-1 axes "
        "stretched). Return the input's gradient: grad summed over those axes, so that it has exactly `shape`.",
        unbroadcast_cases, unbroadcast,
        mistakes=(
            Mistake("only leading axes summed",
                    "Also sum over the axes where `shape` has a 1 and grad does not (keepdims=True, so that the "
                    "size-1 axis stays): a stretched axis was used many times too.", leading_only),
            Mistake("size-1 axes dropped",
                    "Keep the size-1 axes: sum the stretched axes with keepdims=True, so the result has exactly "
                    "`shape`.", without_keepdims),
            Mistake("leading axes forgotten",
                    "Broadcasting also adds axes in front: first sum over the leading axes that `shape` does not "
                    "have (grad.ndim - len(shape) of them).", stretched_only),
            Mistake("mean instead of sum",
                    "An entry broadcast to many positions gets the sum of their gradients, not their mean: use sum.",
                    mean_instead_of_sum),
        ),
        numerical=lambda case: numerical_jacobian_product(lambda x: numpy.broadcast_to(x, case.args[0].shape),
                                                          numpy.zeros(case.args[1]), case.args[0])),
    Exercise(
        "mul_function", "Multiplication as an autograd Function", LESSON,
        "class Mul(Function): forward(self, a, b) and backward(self, grad)",
        "Write Mul as aino's ops are written: forward(a, b) returns a * b (NumPy broadcasting allowed) and saves "
        "what backward needs on self; backward(grad) returns (dL/da, dL/db), each with its input's shape. "
        "aino runs it as Mul().forward(a, b), then .backward(grad).",
        mul_cases, elementwise.Mul, call=op_runner(("a", "b")),
        mistakes=(
            Mistake("gradients swapped",
                    "dL/da is grad * b and dL/db is grad * a: each input's gradient is the other input times grad.",
                    GradientsSwapped),
            Mistake("broadcasting not undone",
                    "Each gradient must have its input's shape: sum it back with unbroadcast(grad * b, a.shape) "
                    "(and likewise for b).", BroadcastKept),
            Mistake("chain rule forgotten", f"You returned b and a alone. {CHAIN_RULE}", LocalDerivativesOnly),
        ),
        numerical=mul_numerically),
    Exercise(
        "matmul_backward", "The backward of a matrix product", LESSON, "matmul_backward(a, b, grad_output)",
        "For C = a @ b with a (n, k), b (k, m) and grad_output = dL/dC (n, m), return (dL/da, dL/db).",
        matmul_cases, matmul_backward,
        mistakes=(
            Mistake("transposes forgotten",
                    "Transpose the other factor: dL/da = grad_output @ b.T and dL/db = a.T @ grad_output "
                    "(check the shapes: dL/da is (n, k) like a).",
                    lambda a, b, g: (g @ b, a @ g)),
            Mistake("factors in the wrong order",
                    "Order matters in a matrix product: grad_output stands on the left in dL/da = grad_output @ b.T "
                    "and on the right in dL/db = a.T @ grad_output.",
                    lambda a, b, g: (b.T @ g, g @ a.T)),
            Mistake("dL/db transposed",
                    "dL/db must have b's shape (k, m): it is a.T @ grad_output; grad_output.T @ a is its transpose.",
                    lambda a, b, g: (g @ b.T, g.T @ a)),
        ),
        numerical=matmul_numerically),
    Exercise(
        "sum_function", "Sum over axes as an autograd Function", LESSON,
        "class Sum(Function): __init__(self, dim=None, keepdim=False), forward(self, x) and backward(self, grad)",
        "Write Sum as aino's ops are written, options in the constructor: forward(x) returns "
        "x.sum(axis=dim, keepdims=keepdim) (dim an int, a tuple of ints or None for all) and saves what backward "
        "needs; backward(grad) returns dL/dx, shaped like x. aino runs it as Sum(dim=..., keepdim=...).forward(x), "
        "then .backward(grad).",
        sum_cases, Sum, call=op_runner(("x",)),
        mistakes=(
            Mistake("summed axis not put back",
                    "With keepdim=False the summed axes are gone from grad: put them back as size-1 axes "
                    "(numpy.expand_dims(grad, dim)) before broadcasting, or grad lands on the wrong axis.",
                    AxisNotPutBack),
            Mistake("divided by the count",
                    "Every x_i enters the sum with weight 1: copy grad to each position without dividing by the "
                    "number of entries (that is the mean's backward).", DividedByCount),
            Mistake("chain rule forgotten",
                    f"The sum's local derivative is 1 everywhere, but you must pass on grad itself. {CHAIN_RULE}",
                    OnesOnly),
        ),
        numerical=sum_numerically),
    Exercise(
        "linear_backward", "A Linear layer's backward", LESSON, "linear_backward(x, W, b, grad_output)",
        "For y = x @ W.T + b as nn.Linear computes it, with x (N, in), W (out, in), b (out,) and "
        "grad_output = dL/dy (N, out), return (dL/dx, dL/dW, dL/db), each shaped like its input.",
        linear_cases, linear_backward,
        mistakes=(
            Mistake("W transposed",
                    "dL/dW must have W's shape (out, in): it is grad_output.T @ x; x.T @ grad_output is its transpose.",
                    lambda x, W, b, g: (g @ W, x.T @ g, g.sum(axis=0))),
            Mistake("bias gradient not summed",
                    "The bias is added to every sample: sum grad_output over the batch (axis 0) to get dL/db.",
                    lambda x, W, b, g: (g @ W, g.T @ x, g)),
            Mistake("bias gradient averaged",
                    "Sum grad_output over the batch for dL/db, not its mean: any 1/N of a mean loss is already in "
                    "grad_output.", lambda x, W, b, g: (g @ W, g.T @ x, g.mean(axis=0))),
            Mistake("dL/dx with W transposed",
                    "dL/dx = grad_output @ W, without a transpose: forward used W.T, so backward uses W.",
                    lambda x, W, b, g: (g @ W.T, g.T @ x, g.sum(axis=0))),
        ),
        numerical=linear_numerically),
)

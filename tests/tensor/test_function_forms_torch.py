"""The function form of each Tensor method (aino.exp(x), aino.matmul(a, b), ...) against torch's, on every device."""


import numpy as np
import pytest
from op_parity import check_op, torch

import aino


# --- the function form of each method ----------------------------------------------------------------------

FUNCTIONS = [  # (name, input shapes, extra arguments, input kind); each checked against torch.<name>
    ("exp", [(2, 3)], (), None), ("log", [(2, 3)], (), "positive"), ("sqrt", [(3,)], (), "positive"),
    ("abs", [(2, 3)], (), None), ("sigmoid", [(2, 3)], (), None), ("tanh", [(2, 3)], (), None),
    ("relu", [(2, 3)], (), None), ("neg", [(3,)], (), None),
    ("sin", [(3,)], (), None), ("cos", [(3,)], (), None), ("tan", [(3,)], (), "unit"), ("sinh", [(3,)], (), None),
    ("cosh", [(3,)], (), None), ("asin", [(3,)], (), "unit"), ("acos", [(3,)], (), "unit"),
    ("atan", [(3,)], (), None), ("log2", [(3,)], (), "positive"), ("log10", [(3,)], (), "positive"),
    ("exp2", [(3,)], (), None), ("rsqrt", [(3,)], (), "positive"), ("erf", [(3,)], (), None),
    ("sum", [(2, 3)], (), None), ("sum", [(2, 3)], (1,), None), ("mean", [(2, 3)], (0,), None),
    ("prod", [(2, 3)], (1,), None), ("var", [(2, 3)], (1,), None), ("std", [(2, 3)], (), None),
    ("max", [(2, 3)], (), "distinct"), ("max", [(2, 3)], (1,), "distinct"), ("min", [(2, 3)], (0,), "distinct"),
    ("amax", [(2, 3)], (1,), "distinct"), ("logsumexp", [(2, 3)], (1,), None),
    ("argmax", [(2, 3)], (1,), "distinct"), ("argmin", [(2, 3)], (), "distinct"),
    ("cumsum", [(2, 3)], (1,), None), ("cumprod", [(2, 3)], (0,), None),
    ("sort", [(2, 3)], (), "distinct"), ("argsort", [(2, 3)], (), "distinct"), ("topk", [(2, 3)], (2,), "distinct"),
    ("softmax", [(2, 3)], (1,), None), ("log_softmax", [(2, 3)], (-1,), None),
    ("clamp", [(2, 3)], (-0.5, 0.5), None), ("clip", [(2, 3)], (-0.5, 0.5), None),
    ("maximum", [(2, 3), (3,)], (), "distinct"), ("minimum", [(2, 3), (2, 3)], (), "distinct"),
    ("max", [(2, 3), (2, 3)], (), "distinct"), ("min", [(2, 3), (3,)], (), "distinct"),
    ("add", [(2, 3), (3,)], (), None), ("sub", [(2, 3), (3,)], (), None), ("mul", [(2, 3), (2, 3)], (), None),
    ("div", [(2, 3), (3,)], (), "positive"), ("pow", [(2, 3)], (2,), None),
    ("matmul", [(2, 3), (3, 4)], (), None), ("mm", [(2, 3), (3, 4)], (), None),
    ("bmm", [(2, 2, 3), (2, 3, 4)], (), None),
    ("transpose", [(2, 3, 4)], (0, 2), None), ("permute", [(2, 3, 4)], ((2, 0, 1),), None),
    ("reshape", [(2, 3)], ((3, 2),), None), ("flatten", [(2, 3, 4)], (1,), None),
    ("squeeze", [(2, 1, 3)], (1,), None), ("unsqueeze", [(2, 3)], (0,), None),
    ("flip", [(2, 3)], ((0,),), None), ("roll", [(2, 3)], (1, 1), None), ("tril", [(3, 3)], (), None),
    ("triu", [(3, 3)], (1,), None), ("split", [(4, 3)], (2,), None), ("chunk", [(4, 3)], (2, 0), None),
    ("sign", [(3,)], (), "distinct"), ("floor", [(3,)], (), "distinct"), ("ceil", [(3,)], (), "distinct"),
    ("round", [(3,)], (), "distinct"), ("trunc", [(3,)], (), "distinct"),
    ("eq", [(2, 3), (3,)], (), "ties"), ("ne", [(2, 3), (2, 3)], (), "ties"), ("lt", [(2, 3), (3,)], (), "ties"),
    ("le", [(3,)], (0.0,), "ties"), ("gt", [(2, 3), (3,)], (), "ties"), ("ge", [(2, 3), (2, 3)], (), "ties"),
    ("t", [(2, 3)], (), None), ("t", [(3,)], (), None), ("dot", [(4,), (4,)], (), None),
    ("swapaxes", [(2, 3, 4)], (0, 2), None),
    ("reciprocal", [(3,)], (), "positive"), ("erfc", [(3,)], (), None), ("erfinv", [(3,)], (), "unit"),
    ("frac", [(3,)], (), "distinct"), ("lerp", [(3,), (3,)], (0.25,), None),
    ("median", [(2, 3)], (), "distinct"), ("median", [(2, 3)], (1,), "distinct"),
    ("kthvalue", [(2, 3)], (2, 1), "distinct"), ("count_nonzero", [(2, 3)], (), None),
    ("narrow", [(2, 3)], (1, 1, 2), None), ("movedim", [(2, 3, 4)], (0, 2), None),
    ("unflatten", [(2, 6)], (1, (2, 3)), None),
]


@pytest.mark.parametrize("name, shapes, args, kind", FUNCTIONS, ids=[f"{f[0]}{f[2]}{len(f[1])}" for f in FUNCTIONS])
def test_function_forms_match_torch(name, shapes, args, kind, device):
    check_op(shapes, lambda *xs: getattr(aino, name)(*xs, *args), lambda *xs: getattr(torch, name)(*xs, *args),
             kind=kind, device=device)


def test_function_forms_take_numbers_and_arrays_too():
    assert aino.exp(0.0).item() == 1.0 and aino.sum(np.ones((2, 3)), 1).tolist() == [3.0, 3.0]
    assert aino.sqrt([4.0, 9.0]).tolist() == [2.0, 3.0]


def test_mm_and_bmm_check_their_ranks():
    with pytest.raises(ValueError, match=r"aino.mm: expected two 2-D tensors \(matrices\), got shapes \(2, 3, 4\) and \(4, 2\)"):
        aino.mm(aino.zeros(2, 3, 4), aino.zeros(4, 2))
    with pytest.raises(ValueError, match="aino.bmm: expected two 3-D tensors"):
        aino.bmm(aino.zeros(2, 3), aino.zeros(3, 2))
    with pytest.raises(ValueError, match="aino.bmm: expected batches of one size, got 2 and 3"):
        aino.bmm(aino.zeros(2, 3, 4), aino.zeros(3, 4, 2))
    with pytest.raises(ValueError, match=r"aino.dot: expected two 1-D tensors of one length, got shapes \(3,\) and \(4,\)"):
        aino.dot(aino.zeros(3), aino.zeros(4))
    with pytest.raises(ValueError, match=r"Tensor.t: expected a tensor of at most 2 dims, got shape \(2, 3, 4\)"):
        aino.zeros(2, 3, 4).t()


def test_backward_takes_the_upstream_gradient_as_gradient_as_torch(device):
    x = aino.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3).backward(gradient=aino.tensor([1.0, 0.5], device=device))
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 1.5])

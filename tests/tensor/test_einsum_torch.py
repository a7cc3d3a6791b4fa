"""aino.einsum against torch.einsum in float64: forward, gradients of every operand, central differences; and
the equations torch refuses, refused with its reasons."""

import numpy as np
import pytest
from op_parity import check_op, torch

import aino
from aino.validation import InvalidOperationError

CASES = [  # (equation, operand shapes)
    ("ij,jk->ik", [(2, 3), (3, 4)]),  # a matrix product
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),  # a batch of them
    ("i,i->", [(5,)]*2),  # a dot product
    ("i,j->ij", [(3,), (4,)]),  # an outer product
    ("ij->ji", [(2, 3)]),  # a transpose
    ("ij->", [(2, 3)]),  # a sum of everything
    ("ij->i", [(2, 3)]),  # a letter summed away within one operand
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),  # the diagonal: a repeated letter
    ("ii->", [(3, 3)]),  # the trace
    ("iij->ij", [(2, 2, 3)]),
    ("ii,i->i", [(3, 3), (3,)]),  # a diagonal times a vector
    ("bii->bi", [(2, 3, 3)]),  # a batch of diagonals
    ("iji->j", [(2, 3, 2)]),  # a repeated letter, apart
    ("ii,jj->ij", [(2, 2), (3, 3)]),  # two operands, each with its own diagonal
    ("ij,ij->ij", [(2, 3), (2, 3)]),  # elementwise
    ("ij,ij->", [(2, 3), (2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),  # three operands
    ("i,i,i->i", [(4,)]*3),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # attention scores
    ("bhqk,bhkd->bhqd", [(2, 2, 3, 5), (2, 2, 5, 4)]),
    ("ij,kj->ik", [(0, 3), (2, 3)]),  # a size-0 dim
    ("ij,jk->ik", [(2, 0), (0, 3)]),  # summed over a size-0 dim
    ("ij,jk->ik", [(1, 1), (1, 1)]),  # size-1 dims
    ("ij,ij->ij", [(2, 1), (1, 3)]),  # size-1 dims broadcast
    ("ij,j->i", [(3, 4), (1,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),  # '...' broadcast
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (3, 4, 5)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("...ij->ij", [(4, 2, 3)]),  # the '...' dims summed away
    ("i...->...", [(3, 2)]),
    ("...,...->...", [(2, 3), (3,)]),
    ("ij", [(2, 3)]),  # implicit output: the letters seen once, in order
    ("ba", [(2, 3)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("...j,j", [(4, 2, 3), (3,)]),
    ("ii", [(3, 3)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),  # spaces
    ("Ab,bC->AC", [(2, 3), (3, 2)]),  # capital letters
    ("->", [()]),  # a 0-d operand
    (",i->i", [(), (3,)]),
]


@pytest.mark.parametrize("equation, shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_matches_torch(equation, shapes, device):
    check_op(shapes, lambda *xs: aino.einsum(equation, *xs), lambda *xs: torch.einsum(equation, *xs), device=device)


def test_operands_may_come_as_one_list_as_torch_allows(device):
    check_op([(2, 3), (3, 4)], lambda a, b: aino.einsum("ij,jk->ik", [a, b]),
             lambda a, b: torch.einsum("ij,jk->ik", [a, b]), device=device)


def test_a_gradient_for_only_the_operand_that_asks(device):
    a = aino.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, device=device)
    b = aino.Tensor(np.ones((3, 2)), device=device)
    aino.einsum("ij,jk->ik", a, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((2, 3), 2.0))
    assert b.grad is None


def test_integer_operands_give_an_integer_result_as_torch(device):
    out = aino.einsum("i,i->", aino.arange(4, device=device), aino.arange(4, device=device))
    assert out.dtype == np.int64 and out.item() == 14 == torch.einsum("i,i->", torch.arange(4), torch.arange(4)).item()


def test_numbers_and_arrays_are_made_tensors():
    out = aino.einsum("ij->j", np.ones((2, 3)))
    np.testing.assert_allclose(out.numpy(), [2.0, 2.0, 2.0])


@pytest.mark.parametrize("equation, shapes, error, message", [
    ("ii->i", [(2, 3)], InvalidOperationError, "subscript i is repeated for operand 0 but the sizes don't match, 2 != 3"),
    ("i->ii", [(2,)], InvalidOperationError, "output subscript i appears more than once"),
    ("ij->k", [(2, 2)], InvalidOperationError, "output subscript k does not appear in any operand"),
    ("ij", [(2, 2, 2)], InvalidOperationError, r"subscripts in 'ij' \(2\) does not match the number of dimensions \(3\)"),
    ("i,j", [(2,)], InvalidOperationError, "names 2 operands, got 1"),
    ("i1", [(2, 2)], InvalidOperationError, "invalid subscript '1'"),
    ("ij,ij->ij", [(2, 3), (2, 4)], InvalidOperationError, "subscript j has size 4 for operand 1, which does not broadcast"),
    ("i->i->i", [(2,)], InvalidOperationError, "more than one '->'"),
    ("ij...->", [(2,)], InvalidOperationError, "operand 0 has 1 dims, fewer than the 2 letters"),
])
def test_bad_equations_are_refused_as_torch_refuses_them(equation, shapes, error, message):
    operands = [aino.randn(*shape) for shape in shapes]
    with pytest.raises(error, match=message):
        aino.einsum(equation, *operands)
    with pytest.raises(RuntimeError):  # torch refuses each one too
        torch.einsum(equation, *[torch.randn(*shape) for shape in shapes])


def test_operands_of_two_dtypes_are_refused_as_torch_refuses_them():
    with pytest.raises(TypeError, match="expected operands of one dtype .*float32, float64"):
        aino.einsum("i,i->", aino.randn(3), aino.randn(3, dtype="float64"))
    with pytest.raises(TypeError, match="the equation must be a string"):
        aino.einsum(3, aino.randn(3))
    with pytest.raises(InvalidOperationError, match="at least one operand"):
        aino.einsum("i")

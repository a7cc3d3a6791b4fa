"""Rearranging ops against PyTorch in float64 (forward, gradients, central differences): pad in every mode
(negative amounts crop), flip, roll, tril/triu, split, chunk, unbind, repeat, repeat_interleave, narrow,
unflatten, movedim, swapaxes, view_as/reshape_as/expand_as, and squeeze/unsqueeze of a 0-d tensor; and
the bad arguments refused with the error PyTorch raises (its RuntimeError is aino's InvalidOperationError,
a RuntimeError and a ValueError)."""

import numpy as np
import pytest
from op_parity import check_op

from aino.ops.shape import pad
from aino.tensor import Tensor
from aino.validation import InvalidOperationError

torch = pytest.importorskip("torch")
F = torch.nn.functional

PADS = {  # (shape, pad, mode)
    "constant_last_dim": ((3, 4), (1, 2), "constant"),
    "constant_two_dims": ((2, 3, 4), (1, 0, 2, 1), "constant"),
    "constant_all_dims": ((2, 3), (1, 1, 2, 0), "constant"),
    "constant_negative_crops": ((3, 5), (-1, 2), "constant"),
    "constant_crop_both_sides": ((2, 3, 5), (-2, -1, 1, -1), "constant"),
    "constant_crop_to_nothing": ((3, 4), (-2, -2), "constant"),
    "constant_size_zero_dim": ((2, 0), (1, 1), "constant"),
    "constant_empty_pad": ((3,), (), "constant"),
    "reflect_1d": ((2, 5), (2, 3), "reflect"),
    "reflect_2d": ((1, 2, 4, 5), (1, 2, 3, 1), "reflect"),
    "reflect_3d": ((1, 3, 3, 4), (1, 1, 2, 0, 1, 2), "reflect"),
    "reflect_negative": ((1, 2, 4), (-1, 3), "reflect"),
    "reflect_negative_left": ((1, 2, 4), (3, -1), "reflect"),
    "reflect_size_zero_batch": ((0, 2, 3), (1, 2), "reflect"),
    "replicate_1d": ((2, 3), (2, 1), "replicate"),
    "replicate_2d": ((2, 1, 3, 1), (2, 0, 1, 3), "replicate"),
    "replicate_negative": ((1, 2, 4), (-2, 3), "replicate"),
    "circular_1d": ((2, 4), (3, 4), "circular"),
    "circular_2d": ((1, 2, 3, 4), (1, 2, 3, 0), "circular"),
    "circular_negative_right": ((1, 1, 4), (1, -1), "circular"),
    "circular_negative_left": ((1, 1, 4), (-1, 3), "circular"),
}


@pytest.mark.parametrize("name", PADS)
def test_pad_matches_torch(name, device):
    shape, amounts, mode = PADS[name]
    check_op([shape], lambda a: pad(a, amounts, mode), lambda a: F.pad(a, amounts, mode), device=device)


def test_pad_with_a_value_and_as_a_method(device):
    check_op([(2, 3)], lambda a: a.pad((1, -1, 0, 2), value=0.5), lambda a: F.pad(a, (1, -1, 0, 2), value=0.5),
             device=device)


def test_pad_negative_crops_instead_of_crashing(device):
    """Once, negative padding raised a NumPy indexing error; PyTorch crops, and so does pad2d, built on pad."""
    check_op([(2, 4, 5)], lambda a: a.pad2d((-1, 1, 2, -2)), lambda a: F.pad(a, (-1, 1, 2, -2)), device=device)
    check_op([(2, 4, 5)], lambda a: a.pad2d(-1), lambda a: F.pad(a, (-1, -1, -1, -1)), device=device)


def test_pad_keeps_an_integer_dtype_as_torch(device):
    got = pad(Tensor([[1, 2]], device=device), (1, 1), value=1.5)
    assert got.dtype == np.int64 and got.tolist() == F.pad(torch.tensor([[1, 2]]), (1, 1), value=1.5).tolist()


PAD_REFUSED = {  # torch raises RuntimeError for each (a bad mode name: NotImplementedError; here ValueError)
    "odd_length": ((3, 4), (1,), "constant", ValueError, r"pairs \(left, right\) per dim, got 1 numbers"),
    "more_dims_than_tensor": ((3, 4), (1,) * 6, "constant", InvalidOperationError, r"pads 3 dims.* has 2"),
    "negative_size": ((3, 4), (-3, -2), "constant", InvalidOperationError, r"would have a negative size"),
    "reflect_too_far": ((1, 3, 4), (4, 0), "reflect", InvalidOperationError, r"less than the dim's size"),
    "circular_twice_round": ((1, 3, 4), (5, 0), "circular", InvalidOperationError, r"wraps round more than once"),
    "replicate_empty_dim": ((1, 2, 0), (1, 1), "replicate", InvalidOperationError, r"leaves nothing to copy"),
    "unknown_mode": ((3, 4), (1, 1), "mirror", ValueError, r"mode must be one of constant, reflect"),
    "value_with_reflect": ((1, 3, 4), (1, 1), "reflect", ValueError, r"takes no value"),
    "float_amount": ((3, 4), (1.5, 1), "constant", TypeError, r"pad must be a tuple of integers"),
}


@pytest.mark.parametrize("name", PAD_REFUSED)
def test_pad_refuses_bad_arguments(name, device):
    shape, amounts, mode, error, message = PAD_REFUSED[name]
    value = 2.0 if name == "value_with_reflect" else None
    with pytest.raises(error, match=r"Tensor\.pad: .*" + message):
        pad(Tensor(np.zeros(shape), device=device), amounts, mode, value)


# --- flip, roll, tril, triu, repeat ------------------------------------------------------------

CASES = {
    "flip_one_dim": ([(3, 4)], lambda a: a.flip(0), lambda a: a.flip(0)),
    "flip_dims_list": ([(2, 3, 4)], lambda a: a.flip([0, -1]), lambda a: a.flip([0, -1])),
    "flip_varargs": ([(2, 3, 4)], lambda a: a.flip(1, 2), lambda a: a.flip(1, 2)),
    "flip_no_dims": ([(2, 3)], lambda a: a.flip([]), lambda a: a.flip([])),
    "flip_zero_d": ([()], lambda a: a.flip(0), lambda a: a.flip(0)),
    "flip_size_zero": ([(0, 3)], lambda a: a.flip(1), lambda a: a.flip(1)),
    "roll_flattened": ([(3, 4)], lambda a: a.roll(5), lambda a: a.roll(5)),
    "roll_one_dim_negative": ([(3, 4)], lambda a: a.roll(-1, -1), lambda a: a.roll(-1, -1)),
    "roll_two_dims": ([(2, 3, 4)], lambda a: a.roll((1, 7), (0, 2)), lambda a: a.roll((1, 7), (0, 2))),
    "roll_zero_d": ([()], lambda a: a.roll(2), lambda a: a.roll(2)),
    "roll_size_zero": ([(0, 3)], lambda a: a.roll(1, 1), lambda a: a.roll(1, 1)),
    "tril": ([(4, 3)], lambda a: a.tril(), lambda a: a.tril()),
    "tril_diagonal_batched": ([(2, 3, 4)], lambda a: a.tril(1), lambda a: a.tril(1)),
    "tril_negative_diagonal": ([(4, 4)], lambda a: a.tril(-2), lambda a: a.tril(-2)),
    "triu": ([(3, 4)], lambda a: a.triu(), lambda a: a.triu()),
    "triu_diagonal_batched": ([(2, 2, 4, 3)], lambda a: a.triu(-1), lambda a: a.triu(-1)),
    "triu_beyond": ([(3, 4)], lambda a: a.triu(10), lambda a: a.triu(10)),
    "tril_size_zero": ([(0, 3)], lambda a: a.tril(1), lambda a: a.tril(1)),
    "repeat_same_dims": ([(2, 3)], lambda a: a.repeat(2, 3), lambda a: a.repeat(2, 3)),
    "repeat_new_dims": ([(2, 3)], lambda a: a.repeat(2, 1, 2), lambda a: a.repeat(2, 1, 2)),
    "repeat_tuple": ([(3,)], lambda a: a.repeat((2,)), lambda a: a.repeat((2,))),
    "repeat_zero": ([(2, 3)], lambda a: a.repeat(0, 2), lambda a: a.repeat(0, 2)),
    "repeat_zero_d": ([()], lambda a: a.repeat(2, 3), lambda a: a.repeat(2, 3)),
    "repeat_size_one": ([(1, 3)], lambda a: a.repeat(4, 1), lambda a: a.repeat(4, 1)),
    "repeat_interleave_flat": ([(2, 3)], lambda a: a.repeat_interleave(2), lambda a: a.repeat_interleave(2)),
    "repeat_interleave_dim": ([(2, 3)], lambda a: a.repeat_interleave(3, dim=-1),
                              lambda a: a.repeat_interleave(3, dim=-1)),
    "repeat_interleave_counts": ([(3, 2)], lambda a: a.repeat_interleave(Tensor([1, 0, 3], device=a.device), dim=0),
                                 lambda a: a.repeat_interleave(torch.tensor([1, 0, 3]), dim=0)),
    "repeat_interleave_zero_d": ([()], lambda a: a.repeat_interleave(3), lambda a: a.repeat_interleave(3)),
    "narrow": ([(3, 5)], lambda a: a.narrow(1, 1, 3), lambda a: a.narrow(1, 1, 3)),
    "narrow_negative_start": ([(3, 5)], lambda a: a.narrow(-1, -2, 2), lambda a: a.narrow(-1, -2, 2)),
    "narrow_empty": ([(3, 5)], lambda a: a.narrow(1, 5, 0), lambda a: a.narrow(1, 5, 0)),
    # pieces: tuples of tensors, each with its gradient
    "split_size": ([(5, 2)], lambda a: a.split(2), lambda a: a.split(2)),
    "split_sections": ([(2, 6)], lambda a: a.split([1, 0, 5], dim=-1), lambda a: a.split([1, 0, 5], dim=-1)),
    "split_larger_than_dim": ([(3, 2)], lambda a: a.split(4), lambda a: a.split(4)),
    "split_size_zero_dim": ([(0, 2)], lambda a: a.split(2), lambda a: a.split(2)),
    "chunk_even": ([(6, 2)], lambda a: a.chunk(3), lambda a: a.chunk(3)),
    "chunk_uneven": ([(2, 5)], lambda a: a.chunk(3, dim=1), lambda a: a.chunk(3, dim=1)),
    "chunk_fewer_pieces": ([(6,)], lambda a: a.chunk(4), lambda a: a.chunk(4)),
    "chunk_more_than_size": ([(3,)], lambda a: a.chunk(5), lambda a: a.chunk(5)),
    "chunk_size_zero": ([(0, 2)], lambda a: a.chunk(3), lambda a: a.chunk(3)),
    "unbind": ([(3, 2)], lambda a: a.unbind(), lambda a: a.unbind()),
    "unbind_negative_dim": ([(2, 3, 2)], lambda a: a.unbind(-2), lambda a: a.unbind(-2)),
    # shapes
    "unflatten": ([(3, 4)], lambda a: a.unflatten(1, (2, 2)), lambda a: a.unflatten(1, (2, 2))),
    "unflatten_inferred_negative_dim": ([(3, 6)], lambda a: a.unflatten(-1, (-1, 2)),
                                        lambda a: a.unflatten(-1, (-1, 2))),
    "unflatten_ones": ([(3, 4)], lambda a: a.unflatten(0, [1, 3, 1]), lambda a: a.unflatten(0, [1, 3, 1])),
    "movedim": ([(2, 3, 4)], lambda a: a.movedim(0, -1), lambda a: a.movedim(0, -1)),
    "movedim_several": ([(2, 3, 4)], lambda a: a.movedim((0, 1), (2, 0)), lambda a: a.movedim((0, 1), (2, 0))),
    "swapaxes": ([(2, 3, 4)], lambda a: a.swapaxes(0, -1), lambda a: a.swapaxes(0, -1)),
    "swapdims": ([(2, 3)], lambda a: a.swapdims(1, 0), lambda a: a.swapdims(1, 0)),
    "view_as": ([(3, 4), (2, 6)], lambda a, b: a.view_as(b) * b, lambda a, b: a.view_as(b) * b),
    "reshape_as": ([(3, 4), (12,)], lambda a, b: a.reshape_as(b) + b, lambda a, b: a.reshape_as(b) + b),
    "expand_as": ([(3, 1), (2, 3, 4)], lambda a, b: a.expand_as(b) * b, lambda a, b: a.expand_as(b) * b),
    # 0-d: dim 0 and -1 work, as PyTorch
    "squeeze_zero_d_minus_one": ([()], lambda a: a.squeeze(-1), lambda a: a.squeeze(-1)),
    "squeeze_zero_d_zero": ([()], lambda a: a.squeeze(0), lambda a: a.squeeze(0)),
    "unsqueeze_zero_d": ([()], lambda a: a.unsqueeze(0), lambda a: a.unsqueeze(0)),
    "unsqueeze_zero_d_minus_one": ([()], lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1)),
    "squeeze_size_one_negative": ([(2, 1)], lambda a: a.squeeze(-1), lambda a: a.squeeze(-1)),
}


@pytest.mark.parametrize("name", CASES)
def test_rearrange_matches_torch(name, device):
    shapes, ours, theirs = CASES[name]
    # counts in a tensor on the device are read back once: the output's length is their sum
    check_op(shapes, ours, theirs, device=device, host_reads=int(name == "repeat_interleave_counts"))


def test_squeeze_and_unsqueeze_of_a_0d_tensor_take_dims_0_and_minus_1(device):
    """PyTorch lets a 0-d tensor take dim 0 and -1 (and no other) in squeeze and unsqueeze."""
    for dim in (0, -1):
        assert Tensor(1.5, device=device).squeeze(dim).shape == tuple(torch.tensor(1.5).squeeze(dim).shape) == ()
        assert Tensor(1.5, device=device).unsqueeze(dim).shape == tuple(torch.tensor(1.5).unsqueeze(dim).shape) == (1,)
    with pytest.raises(IndexError, match=r"Tensor\.squeeze: dimension out of range"):
        Tensor(1.5, device=device).squeeze(1)


def test_pad_in_a_copying_mode_accepts_the_default_value_zero(device):
    check_op([(1, 2, 3)], lambda a: pad(a, (2, 1), "reflect", 0.0), lambda a: F.pad(a, (2, 1), "reflect"),
             device=device)


def test_split_chunk_unbind_give_pieces_that_share_one_gradient(device):
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True, device=device)
    first, rest = x.split([1, 2])
    (first.sum() * 2 + rest.sum() * 3).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 2], [3, 3], [3, 3]])


REFUSED = {  # each raises in torch too (RuntimeError unless said)
    "flip_repeated_dim": (lambda x: x.flip([0, 0]), InvalidOperationError, r"Tensor\.flip: dim 0 appears multiple"),
    "roll_shifts_dims_differ": (lambda x: x.roll((1, 2), 0), InvalidOperationError,
                                r"Tensor\.roll: shifts and dims must align"),
    "roll_zero_d_with_dim": (lambda x: Tensor(1.0).roll(1, 0), IndexError, r"Tensor\.roll: dims \(0,\) were given"),
    "tril_1d": (lambda x: x[0].tril(), InvalidOperationError, r"Tensor\.tril: expected at least 2 dimensions"),
    "repeat_fewer_sizes": (lambda x: x.repeat(2), InvalidOperationError, r"Tensor\.repeat: expected at least 2"),
    "repeat_negative": (lambda x: x.repeat(-1, 2), ValueError, r"Tensor\.repeat: sizes must be >= 0"),
    "split_sizes_sum": (lambda x: x.split([1, 1]), InvalidOperationError, r"split sizes \(1, 1\) must sum"),
    "split_zero": (lambda x: x.split(0), InvalidOperationError, r"Tensor\.split: split_size can be 0 only if"),
    "split_zero_d": (lambda x: Tensor(1.0).split(1), InvalidOperationError, r"Tensor\.split: expected at least a 1-"),
    "chunk_zero": (lambda x: x.chunk(0), ValueError, r"Tensor\.chunk: chunks must be an integer >= 1"),
    "unbind_zero_d": (lambda x: Tensor(1.0).unbind(), InvalidOperationError, r"Tensor\.unbind: the tensor has"),
    "narrow_too_long": (lambda x: x.narrow(1, 1, 4), InvalidOperationError, r"start \(1\) \+ length \(4\) exceeds"),
    "narrow_start_out": (lambda x: x.narrow(1, 5, 0), IndexError, r"Tensor\.narrow: start out of range"),
    "narrow_zero_d": (lambda x: Tensor(1.0).narrow(0, 0, 1), InvalidOperationError, r"Tensor\.narrow: cannot"),
    "unflatten_product": (lambda x: x.unflatten(-1, (2, 3)), ValueError, r"sizes \(2, 3\) do not multiply"),
    "unflatten_two_inferred": (lambda x: x.unflatten(0, (-1, -1)), ValueError, r"at most one -1"),
    "movedim_lengths": (lambda x: x.movedim((0, 1), (1,)), ValueError, r"Tensor\.movedim: source \(0, 1\) and"),
    "movedim_repeated": (lambda x: x.movedim((0, 1), (1, 1)), ValueError, r"Tensor\.movedim: repeated dim in"),
    "repeat_interleave_counts": (lambda x: x.repeat_interleave(Tensor([1, 2]), dim=0), InvalidOperationError,
                                 r"Tensor\.repeat_interleave: repeats must hold one count or one per entry"),
    "repeat_interleave_negative": (lambda x: x.repeat_interleave(-1), ValueError, r"repeats must be >= 0"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_bad_arguments_are_refused(name, device):
    call, error, message = REFUSED[name]
    with pytest.raises(error, match=message):
        call(Tensor(np.zeros((3, 4)), device=device))

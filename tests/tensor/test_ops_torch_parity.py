"""Every op against PyTorch in float64: the same forward values and the same gradients.

Each case gives the input shapes, the aino function and the torch function of the same inputs.
The upstream gradient is random (not ones), so a wrong sum or a wrong transpose shows.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from aino.ops import cat, gather, linear, stack, where  # noqa: E402
from aino.tensor import Tensor  # noqa: E402
from op_parity import POSITIVE, TIES, inputs  # noqa: E402  (the shared harness's input kinds and draws)

MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
IDX = np.array([0, 2, 2, 1, 0])
GATHER_IDX = np.array([[0, 2, 2], [1, 1, 0]])

CASES = {
    # arithmetic, with broadcasting both ways
    "add": ([(3, 4), (3, 4)], lambda a, b: a + b, lambda a, b: a + b),
    "add_broadcast_row": ([(3, 4), (4,)], lambda a, b: a + b, lambda a, b: a + b),
    "add_broadcast_both": ([(2, 1, 4), (3, 1)], lambda a, b: a + b, lambda a, b: a + b),
    "add_scalar_tensor": ([(3, 4), ()], lambda a, b: a + b, lambda a, b: a + b),
    "radd_number": ([(3,)], lambda a: 2.5 + a, lambda a: 2.5 + a),
    "sub_broadcast": ([(4, 1), (1, 5)], lambda a, b: a - b, lambda a, b: a - b),
    "rsub_number": ([(3,)], lambda a: 1.5 - a, lambda a: 1.5 - a),
    "mul_broadcast": ([(2, 3, 4), (3, 1)], lambda a, b: a * b, lambda a, b: a * b),
    "rmul_number": ([(3,)], lambda a: 3 * a, lambda a: 3 * a),
    "div_broadcast": ([(3, 4), (1, 4)], lambda a, b: a / b, lambda a, b: a / b, POSITIVE),
    "rdiv_number": ([(3,)], lambda a: 2 / a, lambda a: 2 / a, POSITIVE),
    "pow_tensor": ([(3, 4), (4,)], lambda a, b: a**b, lambda a, b: a**b, POSITIVE),
    "pow_number": ([(3, 4)], lambda a: a**3, lambda a: a**3),
    "rpow_number": ([(3,)], lambda a: 2**a, lambda a: 2**a),
    "neg": ([(3, 4)], lambda a: -a, lambda a: -a),
    # matrix products
    "matmul_2d": ([(3, 4), (4, 5)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_batched": ([(2, 3, 4), (4, 5)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_broadcast_batch": ([(2, 1, 3, 4), (5, 4, 2)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_vector_matrix": ([(4,), (4, 5)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_matrix_vector": ([(3, 4), (4,)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_vector_vector": ([(4,), (4,)], lambda a, b: a @ b, lambda a, b: a @ b),
    "linear": ([(6, 4), (3, 4), (3,)], lambda x, w, b: linear(x, w, b), F.linear),
    "linear_3d_no_bias": ([(2, 6, 4), (3, 4)], lambda x, w: linear(x, w), F.linear),
    # unary functions and activations
    "exp": ([(3, 4)], lambda a: a.exp(), torch.exp),
    "log": ([(3, 4)], lambda a: a.log(), torch.log, POSITIVE),
    "sqrt": ([(3, 4)], lambda a: a.sqrt(), torch.sqrt, POSITIVE),
    "abs": ([(3, 4)], lambda a: a.abs(), torch.abs),
    "tanh": ([(3, 4)], lambda a: a.tanh(), torch.tanh),
    "sigmoid": ([(3, 4)], lambda a: a.sigmoid(), torch.sigmoid),
    "relu": ([(3, 4)], lambda a: a.relu(), torch.relu),
    "clip": ([(3, 4)], lambda a: a.clip(-0.5, 0.5), lambda a: a.clamp(-0.5, 0.5)),
    "clip_min_only": ([(3, 4)], lambda a: a.clip(min=0.1), lambda a: a.clamp(min=0.1)),
    "leaky_relu": ([(3, 4)], lambda a: a.leaky_relu(0.1), lambda a: F.leaky_relu(a, 0.1)),
    "elu": ([(3, 4)], lambda a: a.elu(1.3), lambda a: F.elu(a, 1.3)),
    "selu": ([(3, 4)], lambda a: a.selu(), F.selu),
    "gelu": ([(3, 4)], lambda a: a.gelu(), F.gelu),
    "gelu_tanh": ([(3, 4)], lambda a: a.gelu("tanh"), lambda a: F.gelu(a, approximate="tanh")),
    "softplus": ([(3, 4)], lambda a: a.softplus(), F.softplus),
    "softmax_last": ([(3, 4)], lambda a: a.softmax(-1), lambda a: torch.softmax(a, -1)),
    "softmax_axis0": ([(3, 4, 2)], lambda a: a.softmax(axis=0), lambda a: torch.softmax(a, 0)),
    "log_softmax_last": ([(3, 4)], lambda a: a.log_softmax(-1), lambda a: torch.log_softmax(a, -1)),
    "log_softmax_dim1": ([(2, 3, 4)], lambda a: a.log_softmax(dim=1), lambda a: torch.log_softmax(a, 1)),
    # reductions
    "sum_all": ([(3, 4)], lambda a: a.sum(), torch.sum),
    "sum_axis0": ([(3, 4)], lambda a: a.sum(axis=0), lambda a: a.sum(0)),
    "sum_axes_keepdims": ([(2, 3, 4)], lambda a: a.sum(axis=(0, 2), keepdims=True), lambda a: a.sum((0, 2), keepdim=True)),
    "sum_dim_keepdim": ([(2, 3, 4)], lambda a: a.sum(dim=-1, keepdim=True), lambda a: a.sum(-1, keepdim=True)),
    "mean_all": ([(3, 4)], lambda a: a.mean(), torch.mean),
    "mean_axis1": ([(2, 3, 4)], lambda a: a.mean(axis=1), lambda a: a.mean(1)),
    "mean_keepdims": ([(3, 4)], lambda a: a.mean(-1, keepdims=True), lambda a: a.mean(-1, keepdim=True)),
    "max_all_ties": ([(3, 4)], lambda a: a.max(), torch.max, TIES),
    "amax_axis_ties": ([(3, 4)], lambda a: a.amax(axis=1), lambda a: torch.amax(a, 1), TIES),
    "amax_keepdims": ([(2, 3, 4)], lambda a: a.amax(axis=(0, 2), keepdims=True), lambda a: torch.amax(a, (0, 2), keepdim=True)),
    "max_dim_values_ties": ([(3, 4)], lambda a: a.max(axis=1).values, lambda a: torch.max(a, 1).values, TIES),
    "min_all_ties": ([(3, 4)], lambda a: a.min(), torch.min, TIES),
    "amin_axis0": ([(3, 4)], lambda a: a.amin(0), lambda a: torch.amin(a, 0), TIES),
    "min_dim_values_ties": ([(3, 4)], lambda a: a.min(0).values, lambda a: torch.min(a, 0).values, TIES),
    "var_all": ([(3, 4)], lambda a: a.var(), torch.var),
    "var_axis_biased": ([(3, 4)], lambda a: a.var(axis=0, unbiased=False), lambda a: torch.var(a, 0, unbiased=False)),
    "var_correction_keepdims": (
        [(2, 3, 4)],
        lambda a: a.var(dim=(1, 2), correction=2, keepdim=True),
        lambda a: torch.var(a, (1, 2), correction=2, keepdim=True),
    ),
    "std_axis": ([(3, 4)], lambda a: a.std(axis=1), lambda a: torch.std(a, 1)),
    # shapes
    "reshape": ([(3, 4)], lambda a: a.reshape(2, 6), lambda a: a.reshape(2, 6)),
    "view_minus_one": ([(2, 3, 4)], lambda a: a.view((-1, 4)), lambda a: a.view(-1, 4)),
    "transpose_swap": ([(2, 3, 4)], lambda a: a.transpose(0, 2), lambda a: a.transpose(0, 2)),
    "T": ([(3, 4)], lambda a: a.T, lambda a: a.T),
    "permute": ([(2, 3, 4)], lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1)),
    "flatten_all": ([(2, 3, 4)], lambda a: a.flatten(), torch.flatten),
    "flatten_from_1": ([(2, 3, 4)], lambda a: a.flatten(1), lambda a: a.flatten(1)),
    "flatten_middle": ([(2, 3, 4, 2)], lambda a: a.flatten(1, 2), lambda a: a.flatten(1, 2)),
    "squeeze_all": ([(3, 1, 4, 1)], lambda a: a.squeeze(), torch.squeeze),
    "squeeze_dim": ([(3, 1, 4, 1)], lambda a: a.squeeze(1), lambda a: a.squeeze(1)),
    "unsqueeze": ([(3, 4)], lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(1)),
    "unsqueeze_last": ([(3, 4)], lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1)),
    "expand": ([(3, 1)], lambda a: a.expand(2, 3, 4), lambda a: a.expand(2, 3, 4)),
    "expand_keep": ([(3, 1)], lambda a: a.expand(-1, 5), lambda a: a.expand(-1, 5)),
    "pad2d_int": ([(2, 3, 4)], lambda a: a.pad2d(1), lambda a: F.pad(a, (1, 1, 1, 1))),
    "pad2d_sides_value": ([(2, 2, 3, 4)], lambda a: a.pad2d((1, 2, 0, 3), value=0.5), lambda a: F.pad(a, (1, 2, 0, 3), value=0.5)),
    # picking values
    "index_int": ([(3, 4)], lambda a: a[1], lambda a: a[1]),
    "slice": ([(3, 4)], lambda a: a[:, 1:3], lambda a: a[:, 1:3]),
    "slice_step_none": ([(4, 3, 2)], lambda a: a[::2, ..., None], lambda a: a[::2, ..., None]),
    "int_array_repeats": ([(3, 4)], lambda a: a[[0, 2, 2, 0]], lambda a: a[[0, 2, 2, 0]]),
    "int_arrays_pairs": ([(3, 4)], lambda a: a[IDX, [1, 1, 3, 0, 1]], lambda a: a[IDX, [1, 1, 3, 0, 1]]),
    "tensor_index": ([(3, 4)], lambda a: a[Tensor(IDX)], lambda a: a[torch.tensor(IDX)]),
    "bool_mask": ([(3, 4)], lambda a: a[MASK], lambda a: a[torch.tensor(MASK)]),
    "iterate_rows": ([(3, 4)], lambda a: stack(list(a), axis=1), lambda a: torch.stack(list(a), 1)),
    "gather_dim1": ([(2, 4)], lambda a: a.gather(1, GATHER_IDX), lambda a: a.gather(1, torch.tensor(GATHER_IDX))),
    "gather_dim0_smaller": ([(3, 4)], lambda a: gather(a, 0, GATHER_IDX), lambda a: a.gather(0, torch.tensor(GATHER_IDX))),
    "cat_axis0": ([(2, 3), (4, 3)], lambda a, b: cat([a, b]), lambda a, b: torch.cat([a, b])),
    "cat_axis1_three": ([(2, 3), (2, 1), (2, 2)], lambda a, b, c: cat([a, b, c], axis=1), lambda a, b, c: torch.cat([a, b, c], 1)),
    "stack_axis0": ([(2, 3), (2, 3)], lambda a, b: stack([a, b]), lambda a, b: torch.stack([a, b])),
    "stack_last": ([(2, 3), (2, 3)], lambda a, b: stack([a, b], dim=-1), lambda a, b: torch.stack([a, b], -1)),
    "where_broadcast": (
        [(3, 4), (4,)],
        lambda a, b: where(MASK, a, b),
        lambda a, b: torch.where(torch.tensor(MASK), a, b),
    ),
    "where_method": ([(3, 4), (3, 4)], lambda a, b: a.where(a > b, b), lambda a, b: a.where(a > b, b)),
}


def _case(name):
    shapes, aino_fn, torch_fn, *kind = CASES[name]
    return shapes, aino_fn, torch_fn, (kind[0] if kind else None)


def _both(name, device, seed=0):
    """Forward and gradients of case `name`, in aino and in torch."""
    shapes, aino_fn, torch_fn, kind = _case(name)
    arrays = inputs(shapes, kind, seed)
    ours = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = aino_fn(*ours), torch_fn(*theirs)
    upstream = np.random.default_rng(seed + 1).standard_normal(tuple(expected.shape))
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    return ours, out, theirs, expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradient_match_torch(name, device):
    ours, out, theirs, expected = _both(name, device)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for i, (mine, reference) in enumerate(zip(ours, theirs)):
        assert mine.grad is not None, f"input {i} got no gradient"
        assert mine.grad.shape == mine.shape and mine.grad.dtype == mine.dtype
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {i}")


def test_one_hot_and_comparisons_match_torch(device):
    labels = np.array([2, 0, 1, 2])
    ours = Tensor(labels, device=device).one_hot(4)
    np.testing.assert_array_equal(ours.numpy(), F.one_hot(torch.tensor(labels), 4).numpy())
    a, b = np.random.default_rng(3).standard_normal((2, 3, 4))
    a[0, 0] = b[0, 0]
    x, y, tx, ty = Tensor(a, device=device), Tensor(b, device=device), torch.tensor(a), torch.tensor(b)
    for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        result = getattr(x, op)(y)
        assert result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(result.numpy(), getattr(tx, op)(ty).numpy())


def test_mlp_loss_gradients_match_torch(device):
    """The ops of one training step together: two linear layers, relu, log_softmax, picked targets."""
    rng = np.random.default_rng(7)
    x, w1, b1, w2, b2 = (rng.standard_normal(s) for s in [(8, 5), (6, 5), (6,), (3, 6), (3,)])
    y = rng.integers(0, 3, 8)
    ours = [Tensor(a, requires_grad=True, device=device) for a in (w1, b1, w2, b2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
    logits = (Tensor(x, device=device) @ ours[0].T + ours[1]).relu() @ ours[2].T + ours[3]
    loss = -logits.log_softmax(-1)[Tensor.arange(8), Tensor(y, device=device)].mean()
    loss.backward()
    expected = F.cross_entropy(F.linear(F.linear(torch.tensor(x), *theirs[:2]).relu(), *theirs[2:]), torch.tensor(y))
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-12)

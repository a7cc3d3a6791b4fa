"""Every op's hand-written backward against the definition of the derivative (float64 central
differences, `aino.gradcheck.numerical_gradient`), without PyTorch.

For an op y = f(x1, x2, ...) and a random upstream gradient v, backward must give d(v . y)/dxi.
"""

import numpy as np
import pytest

from aino.gradcheck import numerical_gradient
from aino.ops import cat, gather, linear, stack, where
from aino.tensor import Tensor

POSITIVE = "positive"
MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])

CASES = {
    "add_broadcast": ([(2, 1, 4), (3, 1)], lambda a, b: a + b),
    "sub_broadcast": ([(4, 1), (1, 5)], lambda a, b: a - b),
    "mul_broadcast": ([(2, 3, 4), (3, 1)], lambda a, b: a * b),
    "div_broadcast": ([(3, 4), (1, 4)], lambda a, b: a / b, POSITIVE),
    "pow_tensor": ([(3, 4), (4,)], lambda a, b: a**b, POSITIVE),
    "rpow_number": ([(3,)], lambda a: 2**a),
    "neg": ([(3,)], lambda a: -a),
    "matmul_2d": ([(3, 4), (4, 5)], lambda a, b: a @ b),
    "matmul_broadcast_batch": ([(2, 1, 3, 4), (5, 4, 2)], lambda a, b: a @ b),
    "matmul_vector_matrix": ([(4,), (4, 5)], lambda a, b: a @ b),
    "matmul_vector_vector": ([(4,), (4,)], lambda a, b: a @ b),
    "linear": ([(2, 3, 4), (3, 4), (3,)], lambda x, w, b: linear(x, w, b)),
    "exp": ([(3, 4)], lambda a: a.exp()),
    "log": ([(3, 4)], lambda a: a.log(), POSITIVE),
    "sqrt": ([(3, 4)], lambda a: a.sqrt(), POSITIVE),
    "abs": ([(3, 4)], lambda a: a.abs()),
    "tanh": ([(3, 4)], lambda a: a.tanh()),
    "sigmoid": ([(3, 4)], lambda a: a.sigmoid()),
    "relu": ([(3, 4)], lambda a: a.relu()),
    "clip": ([(3, 4)], lambda a: a.clip(-0.5, 0.5)),
    "leaky_relu": ([(3, 4)], lambda a: a.leaky_relu(0.2)),
    "elu": ([(3, 4)], lambda a: a.elu(0.7)),
    "selu": ([(3, 4)], lambda a: a.selu()),
    "gelu": ([(3, 4)], lambda a: a.gelu()),
    "gelu_tanh": ([(3, 4)], lambda a: a.gelu(approximate="tanh")),
    "softplus": ([(3, 4)], lambda a: a.softplus()),
    "softmax": ([(3, 4)], lambda a: a.softmax(axis=0)),
    "log_softmax": ([(2, 3, 4)], lambda a: a.log_softmax(-1)),
    "sum_axes": ([(2, 3, 4)], lambda a: a.sum(axis=(0, 2))),
    "mean_keepdims": ([(2, 3, 4)], lambda a: a.mean(1, keepdims=True)),
    "amax_axis": ([(3, 4)], lambda a: a.amax(axis=1)),
    "max_dim_values": ([(3, 4)], lambda a: a.max(dim=1).values),
    "min_all": ([(3, 4)], lambda a: a.min()),
    "var_unbiased": ([(3, 4)], lambda a: a.var(axis=0)),
    "var_biased_all": ([(3, 4)], lambda a: a.var(correction=0)),
    "reshape": ([(3, 4)], lambda a: a.reshape(4, 3)),
    "transpose": ([(2, 3, 4)], lambda a: a.transpose(1, 2)),
    "permute": ([(2, 3, 4)], lambda a: a.permute(2, 0, 1)),
    "flatten": ([(2, 3, 4)], lambda a: a.flatten(1)),
    "squeeze_unsqueeze": ([(3, 1, 4)], lambda a: a.squeeze(1).unsqueeze(0)),
    "expand": ([(3, 1)], lambda a: a.expand(2, 3, 4)),
    "pad2d": ([(2, 3, 4)], lambda a: a.pad2d((1, 0, 2, 1), value=1.0)),
    "int_array_repeats": ([(3, 4)], lambda a: a[[0, 2, 2, 0], 1:]),
    "bool_mask": ([(3, 4)], lambda a: a[MASK]),
    "gather": ([(3, 4)], lambda a: gather(a, 1, np.array([[0, 0], [3, 1], [2, 2]]))),
    "cat": ([(2, 3), (2, 1)], lambda a, b: cat([a, b], axis=1)),
    "stack": ([(2, 3), (2, 3)], lambda a, b: stack([a, b], axis=1)),
    "where": ([(3, 4), (4,)], lambda a, b: where(MASK, a, b)),
}


def _inputs(shapes, kind, rng):
    if kind == POSITIVE:
        return [rng.uniform(0.5, 2.0, s) for s in shapes]
    return [rng.standard_normal(s) for s in shapes]


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_matches_central_differences(name, device):
    shapes, fn, *kind = CASES[name]
    rng = np.random.default_rng(1)
    arrays = _inputs(shapes, kind[0] if kind else None, rng)
    tensors = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    out = fn(*tensors)
    upstream = rng.standard_normal(out.shape)
    out.backward(upstream)

    for i, tensor in enumerate(tensors):

        def weighted_output(x, i=i):
            inputs = [Tensor(x if j == i else a, device=device) for j, a in enumerate(arrays)]
            return float(np.sum(upstream * fn(*inputs).numpy()))

        expected = numerical_gradient(weighted_output, arrays[i], eps=1e-6)
        np.testing.assert_allclose(tensor.grad.numpy(), expected, rtol=1e-6, atol=1e-8, err_msg=f"input {i}")

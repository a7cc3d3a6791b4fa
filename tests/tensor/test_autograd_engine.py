"""The graph walk: reuse, long chains, accumulation, freeing, no_grad, and its error messages."""

import numpy as np
import pytest

from aino.tensor import Tensor, is_grad_enabled, no_grad


def test_a_reused_node_gets_the_sum_of_its_gradients(device):
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True, device=device)
    y = x * x + x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 1)


def test_diamond_graph_waits_for_every_path(device):
    # h is used by two branches, one of them longer: h must collect both before passing on
    x = Tensor([0.5, 1.5], requires_grad=True, device=device)
    h = x * 3
    out = (h + (h * h).exp().log() * 2).sum()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * (1 + 4 * 3 * x.numpy()))


def test_a_chain_of_100000_ops_needs_no_recursion():
    x = Tensor(2.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert y.item() == pytest.approx(100_002.0)
    assert x.grad.item() == 1.0


def test_gradients_accumulate_across_backward_calls_until_zero_grad(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])


def test_graph_is_freed_after_backward_unless_retained(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_no_grad_records_nothing_and_restores_the_mode(device):
    x = Tensor([1.0], requires_grad=True, device=device)
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
    assert is_grad_enabled() and not y.requires_grad and y.grad_fn is None

    @no_grad()
    def evaluate(t):
        return t * 2

    assert not evaluate(x).requires_grad and is_grad_enabled()
    assert (x * 2).requires_grad


def test_requires_grad_propagates_and_constants_get_no_gradient(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    c = Tensor([3.0, 4.0], device=device)
    y = x * c
    assert y.requires_grad and not y.is_leaf and x.is_leaf
    assert not (c * 2).requires_grad
    y.sum().backward()
    assert c.grad is None
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_detach_cuts_the_graph(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    y = (x * x).detach() * x
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 4.0])


def test_leaf_gradients_are_separate_writable_arrays(device):
    a = Tensor([1.0, 2.0], requires_grad=True, device=device)
    b = Tensor([3.0, 4.0], requires_grad=True, device=device)
    upstream = np.array([1.0, 1.0], dtype=np.float32)
    (a + b).backward(upstream)
    a.grad.data += 10  # what an optimizer may do in place
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(upstream, [1.0, 1.0])
    c = Tensor([1.0, 2.0], requires_grad=True, device=device)
    c.sum().backward()  # the gradient of a sum is a broadcast view inside the op
    c.grad.data *= 2
    np.testing.assert_allclose(c.grad.numpy(), [2.0, 2.0])


def test_backward_on_a_non_scalar_needs_a_gradient(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="one-element"):
        (x * 2).backward()
    (x * 2).backward(Tensor([1.0, 0.5], device=device))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        (x * 2).backward(np.ones(3))


def test_backward_without_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_matmul_shape_mismatch_names_both_shapes(device):
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        Tensor(np.ones((2, 3)), device=device) @ Tensor(np.ones((4, 5)), device=device)


def test_stop_at_treats_a_tensor_as_a_leaf(device):
    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    h = x * 3
    y = (h * h).sum()
    y.backward(stop_at=[h])
    assert x.grad is None
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())


def test_comparisons_are_outside_the_graph(device):
    x = Tensor([1.0, -1.0], requires_grad=True, device=device)
    mask = x > 0
    assert mask.dtype == np.bool_ and not mask.requires_grad
    (x * mask).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0])


def test_cat_and_stack_of_a_single_tensor_pass_the_gradient_back(device):
    from aino.functional import cat, stack

    x = Tensor([1.0, 2.0], requires_grad=True, device=device)
    (stack([x]) * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    (cat([x]) * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]

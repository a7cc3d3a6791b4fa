"""aino.nn.functional's losses against torch.nn.functional (float64, forward and input gradients, and target
gradients where PyTorch gives them), every reduction and option, batches of one; bad arguments raise errors
that name the function."""

import warnings

import numpy as np
import pytest
from functional_parity import TF, F, central_differences, compare, rand, torch

from aino.tensor import Tensor

REDUCTIONS = ["mean", "sum", "none"]
CLASS_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


def indices(*shape, classes=4, seed=5, keep_first=None):
    """Random class indices; keep_first: a class (an ignore_index) that the first position must not hold, so
    that a mean never divides by zero kept positions."""
    picked = np.random.default_rng(seed).integers(0, classes, size=shape)
    if keep_first is not None and picked.size and picked.flat[0] == keep_first:
        picked.flat[0] = (keep_first + 1) % classes
    return picked


def probabilities(*shape, seed=6):
    return rand(*shape, seed=seed, low=0.05, high=0.95)


def distribution(*shape, axis=1, seed=7):
    e = np.exp(rand(*shape, seed=seed))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("shape", [(5, 3), (1,), (2, 1, 3), ()], ids=str)
def test_regression_losses_match_torch(name, shape, reduction, device):
    compare(lambda x, y: getattr(F, name)(x, y, reduction=reduction),
            lambda x, y: getattr(TF, name)(x, y, reduction=reduction), 2 * rand(*shape), 2 * rand(*shape, seed=2),
            device=device)  # the target's gradient too


@pytest.mark.parametrize("name, options", [
    ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 3.0}), ("smooth_l1_loss", {"beta": 0.0}),
    ("huber_loss", {"delta": 0.5}), ("huber_loss", {"delta": 3.0}),
], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_smooth_l1_and_huber_options(name, options, reduction):
    compare(lambda x, y: getattr(F, name)(x, y, reduction=reduction, **options),
            lambda x, y: getattr(TF, name)(x, y, reduction=reduction, **options), 2 * rand(4, 3), rand(4, 3, seed=2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_elementwise_weight_matches_torch(name, reduction, device):
    compare(lambda x, y, w: getattr(F, name)(x, y, reduction=reduction, weight=w),
            lambda x, y, w: getattr(TF, name)(x, y, reduction=reduction, weight=w),
            2 * rand(4, 3), rand(4, 3, seed=2), rand(4, 3, seed=3, low=0.1, high=2.0), device=device, grad=(0,))


@pytest.mark.parametrize("size_average, reduce", [(None, False), (False, None), (True, True), (False, True)], ids=str)
def test_legacy_reduction_arguments(size_average, reduce):
    with pytest.warns(UserWarning, match="deprecated"):
        ours = F.mse_loss(Tensor(rand(3, 2)), Tensor(rand(3, 2, seed=2)), size_average, reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch
        theirs = TF.mse_loss(torch.tensor(rand(3, 2)), torch.tensor(rand(3, 2, seed=2)), size_average, reduce)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_composed_losses_against_central_differences():
    y = rand(3, 4, seed=2)
    t = distribution(3, 4)
    for fn, target in ((F.smooth_l1_loss, y), (lambda a, b: F.huber_loss(a, b, delta=0.7), y),
                       (lambda a, b: F.kl_div(a, b, reduction="batchmean"), t)):
        numerical, ours = central_differences(fn, 2 * rand(3, 4), target)
        np.testing.assert_allclose(ours, numerical, rtol=1e-6, atol=1e-8)


# --- kl_div --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("shape", [(3, 4), (1, 5), (2, 3, 2)], ids=str)
def test_kl_div_matches_torch(shape, log_target, reduction, device):
    log_p = np.log(distribution(*shape))
    target = distribution(*shape, seed=8)
    target = np.log(target) if log_target else target
    compare(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
            lambda x, t: TF.kl_div(x, t, reduction=reduction, log_target=log_target), log_p, target, device=device)


def test_kl_div_counts_zero_targets_as_zero():
    target = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    compare(lambda x, t: F.kl_div(x, t, reduction="sum"), lambda x, t: TF.kl_div(x, t, reduction="sum"),
            np.log(distribution(2, 3)), target, grad=(0,))


# --- binary cross-entropy ------------------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, np.linspace(0.5, 2.0, 4), np.linspace(0.5, 2.0, 24).reshape(6, 4)],
                         ids=["plain", "row weight", "full weight"])
def test_binary_cross_entropy_matches_torch(weight, reduction, device):
    compare(lambda p, y, w: F.binary_cross_entropy(p, y, w, reduction=reduction),
            lambda p, y, w: TF.binary_cross_entropy(p, y, w, reduction=reduction),
            probabilities(6, 4), (probabilities(6, 4, seed=9) > 0.5).astype(float), weight, device=device, grad=(0,),
            host_reads=0 if weight is None else 1)  # a weight on the device is checked once: its ends, one read


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": np.linspace(0.5, 2.0, 4)}, {"pos_weight": np.array([0.5, 1., 2., 4.])},
                                     {"weight": np.linspace(0.5, 2.0, 4), "pos_weight": np.array([3., 1., .2, 2.])}],
                         ids=["plain", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits_matches_torch(options, reduction, device):
    import torch
    theirs_options = {k: torch.tensor(v) for k, v in options.items()}
    compare(lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, **options),
            lambda x, y: TF.binary_cross_entropy_with_logits(x, y, reduction=reduction, **theirs_options),
            3 * rand(6, 4), probabilities(6, 4, seed=9), device=device, grad=(0,))


def test_binary_cross_entropy_of_a_single_value():
    compare(F.binary_cross_entropy, TF.binary_cross_entropy, np.array(0.3), np.array(1.0), grad=(0,))
    compare(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, np.array([-2.0]), np.array([0.0]),
            grad=(0,))


# --- cross-entropy and nll -----------------------------------------------------------------------

CLASS_OPTIONS = [{}, {"weight": CLASS_WEIGHT}, {"ignore_index": 1}, {"label_smoothing": 0.2},
                 {"label_smoothing": 0.2, "weight": CLASS_WEIGHT, "ignore_index": 2}]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CLASS_OPTIONS, ids=str)
@pytest.mark.parametrize("shape", [(6, 4), (1, 4), (4,), (3, 4, 5), (2, 4, 3, 2)], ids=str)
def test_cross_entropy_with_class_indices_matches_torch(shape, options, reduction, device):
    target = indices(*(shape[:1] + shape[2:] if len(shape) > 1 else ()), keep_first=options.get("ignore_index"))
    compare(lambda z, y: F.cross_entropy(z, y, reduction=reduction, **_weights(options, Tensor)),
            lambda z, y: TF.cross_entropy(z, y, reduction=reduction, **_weights(options)),
            rand(*shape), target, device=device)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": CLASS_WEIGHT}, {"label_smoothing": 0.3}], ids=str)
@pytest.mark.parametrize("shape", [(6, 4), (1, 4), (3, 4, 5)], ids=str)
def test_cross_entropy_with_class_probabilities_matches_torch(shape, options, reduction, device):
    compare(lambda z, q: F.cross_entropy(z, q, reduction=reduction, **_weights(options, Tensor)),
            lambda z, q: TF.cross_entropy(z, q, reduction=reduction, **_weights(options)),
            rand(*shape), distribution(*shape, axis=1), device=device, grad=(0,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": CLASS_WEIGHT}, {"ignore_index": 2},
                                     {"weight": CLASS_WEIGHT, "ignore_index": 0}], ids=str)
@pytest.mark.parametrize("shape", [(6, 4), (1, 4), (3, 4, 5)], ids=str)
def test_nll_loss_matches_torch(shape, options, reduction, device):
    log_p = np.log(distribution(*shape, axis=1))
    compare(lambda x, y: F.nll_loss(x, y, reduction=reduction, **_weights(options, Tensor)),
            lambda x, y: TF.nll_loss(x, y, reduction=reduction, **_weights(options)),
            log_p, indices(*(shape[:1] + shape[2:]), keep_first=options.get("ignore_index")), device=device)


def _weights(options, make=None):
    """The options with a class weight as a torch tensor (default) or made by `make`."""
    import torch
    make = make or torch.tensor
    return {k: make(v) if isinstance(v, np.ndarray) else v for k, v in options.items()}


# --- bad arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.mse_loss(x, Tensor(rand(3))), ValueError, r"F.mse_loss: expected target of the input's shape"),
    (lambda x: F.mse_loss(x, x, reduction="avg"), ValueError, "F.mse_loss: reduction must be one of"),
    (lambda x: F.l1_loss(x, x.detach(), weight=Tensor(rand(3))), ValueError, "F.l1_loss: expected weight"),
    (lambda x: F.smooth_l1_loss(x, Tensor(rand(2, 2))), ValueError, "F.smooth_l1_loss: expected target"),
    (lambda x: F.smooth_l1_loss(x, x, beta=-1.0), ValueError, "F.smooth_l1_loss: beta"),
    (lambda x: F.huber_loss(x, x, delta=0.0), ValueError, "F.huber_loss: delta"),
    (lambda x: F.huber_loss(x, x, reduction="batchmean"), ValueError, "F.huber_loss: reduction"),
    (lambda x: F.kl_div(x, x, reduction="average"), ValueError, "F.kl_div: reduction"),
    (lambda x: F.binary_cross_entropy(x.sigmoid() * 2, x.sigmoid().detach()), ValueError, "F.binary_cross_entropy: expected input"),
    (lambda x: F.binary_cross_entropy_with_logits(x, x.detach() + 3), ValueError,
     "F.binary_cross_entropy_with_logits: expected targets"),
    (lambda x: F.cross_entropy(x, Tensor(np.array([0, 1]))), ValueError, "F.cross_entropy: expected target of shape"),
    (lambda x: F.cross_entropy(x, Tensor(np.array([0, 1, 2.0]))), TypeError, "F.cross_entropy: expected class indices"),
    (lambda x: F.cross_entropy(x, Tensor(np.array([0, 1, 5]))), ValueError, r"F.cross_entropy: expected class indices in \[0, 2\)"),
    (lambda x: F.cross_entropy(x, Tensor(np.array([0, 1, 0])), label_smoothing=1.5), ValueError,
     "F.cross_entropy: label_smoothing"),
    (lambda x: F.cross_entropy(x, Tensor(np.array([0, 1, 0])), weight=Tensor(np.ones(3))), ValueError,
     r"F.cross_entropy: expected weight of shape \(2,\)"),
    (lambda x: F.nll_loss(x, Tensor(np.array([0, 1, 0])), reduction="all"), ValueError, "F.nll_loss: reduction"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_loss_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(rand(3, 2), requires_grad=True))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_every_target_ignored_gives_nan_loss_and_zero_gradient_as_torch(name, device):
    logits = rand(3, 4, seed=5)
    ours, theirs = Tensor(logits, requires_grad=True, device=device), torch.tensor(logits, requires_grad=True)
    ignored = np.full(3, -100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy division warnings either (a GPU divides by a select, not an if)
        loss = getattr(F, name)(ours, Tensor(ignored, device=device))
        loss.backward()
    expected = getattr(TF, name)(theirs, torch.tensor(ignored))
    expected.backward()
    assert np.isnan(loss.item()) and np.isnan(expected.item())
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())

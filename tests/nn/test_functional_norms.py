"""aino.nn.functional's normalisations, norms and distances against torch.nn.functional (float64, forward and
the gradients of every input), with their options; batch_norm's running statistics; bad arguments raise
errors that name the function."""

import numpy as np
import pytest
from functional_parity import TF, F, central_differences, compare, rand, torch

from aino.tensor import Tensor


@pytest.mark.parametrize("shape, normalized_shape", [((4, 5), 5), ((2, 3, 4), (3, 4)), ((1, 3), [3]), ((3,), 3),
                                                     ((2, 1, 1), (1,))], ids=str)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_matches_torch(shape, normalized_shape, affine, device):
    n = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    weight = rand(*n, seed=2) if affine in ("both", "weight") else None
    bias = rand(*n, seed=3) if affine in ("both", "bias") else None
    compare(lambda x, w, b: F.layer_norm(x, normalized_shape, w, b, eps=1e-3),
            lambda x, w, b: TF.layer_norm(x, n, w, b, eps=1e-3), rand(*shape), weight, bias,
            device=device, rtol=1e-9)


@pytest.mark.parametrize("shape, groups", [((2, 6, 4), 3), ((2, 6, 4), 1), ((2, 6, 4), 6), ((1, 4, 3, 3), 2),
                                           ((3, 4), 2)], ids=str)
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(shape, groups, affine, device):
    weight, bias = (rand(shape[1], seed=2), rand(shape[1], seed=3)) if affine else (None, None)
    compare(lambda x, w, b: F.group_norm(x, groups, w, b), lambda x, w, b: TF.group_norm(x, groups, w, b),
            rand(*shape), weight, bias, device=device, rtol=1e-9)


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4), (2, 3, 2, 2), (1, 3, 2)], ids=str)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch_and_moves_the_running_statistics(shape, affine, training, device):
    c = shape[1]
    mean, var = rand(c, seed=4), rand(c, seed=5, low=0.5, high=2.0)
    ours_stats = [Tensor(mean.copy(), device=device), Tensor(var.copy(), device=device)]
    theirs_stats = [torch.tensor(mean.copy()), torch.tensor(var.copy())]
    weight = rand(c, seed=2) if affine in ("both", "weight") else None
    bias = rand(c, seed=3) if affine in ("both", "bias") else None
    compare(lambda x, w, b: F.batch_norm(x, *ours_stats, w, b, training=training, momentum=0.3, eps=1e-3),
            lambda x, w, b: TF.batch_norm(x, *theirs_stats, w, b, training=training, momentum=0.3, eps=1e-3),
            rand(*shape), weight, bias, device=device, rtol=1e-9)
    for ours, theirs in zip(ours_stats, theirs_stats):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 3, 2, 3), (2, 1, 2, 2, 2)], ids=str)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("use_input_stats, with_stats", [(True, True), (True, False), (False, True)], ids=str)
def test_instance_norm_matches_torch_and_moves_the_running_statistics(shape, affine, use_input_stats, with_stats,
                                                                      device):
    c = shape[1]
    mean, var = rand(c, seed=4), rand(c, seed=5, low=0.5, high=2.0)
    ours_stats = [Tensor(mean.copy(), device=device), Tensor(var.copy(), device=device)] if with_stats else [None] * 2
    theirs_stats = [torch.tensor(mean.copy()), torch.tensor(var.copy())] if with_stats else [None] * 2
    weight, bias = (rand(c, seed=2), rand(c, seed=3)) if affine else (None, None)
    compare(lambda x, w, b: F.instance_norm(x, *ours_stats, w, b, use_input_stats, momentum=0.3, eps=1e-3),
            lambda x, w, b: TF.instance_norm(x, *theirs_stats, w, b, use_input_stats, momentum=0.3, eps=1e-3),
            rand(*shape), weight, bias, device=device, rtol=1e-9)
    for ours, theirs in zip(ours_stats, theirs_stats):
        if ours is not None:
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_batch_norm_in_training_needs_no_running_statistics(device):
    compare(lambda x: F.batch_norm(x, None, None, training=True), lambda x: TF.batch_norm(x, None, None, training=True),
            rand(4, 3), device=device)


@pytest.mark.parametrize("shape, p, dim", [((3, 4), 2, 1), ((3, 4), 1, 0), ((3, 4), 3.0, -1), ((2, 3, 4), 2, 1),
                                           ((1, 4), 2, 1), ((4,), 2, 0), ((2, 1), 0.5, 1)], ids=str)
def test_normalize_matches_torch(shape, p, dim, device):
    compare(lambda x: F.normalize(x, p, dim), lambda x: TF.normalize(x, p, dim), rand(*shape), device=device)


def test_normalize_of_a_zero_vector_has_a_finite_gradient(device):
    x = np.zeros((2, 3))
    x[1] = [1.0, -2.0, 0.5]
    compare(F.normalize, TF.normalize, x, device=device)


@pytest.mark.parametrize("shapes, dim", [(((3, 4), (3, 4)), 1), (((3, 4), (1, 4)), 1), (((2, 3, 4), (2, 3, 4)), -1),
                                         (((4,), (4,)), 0), (((1, 5), (1, 5)), 1), (((2, 3), (3,)), -1)], ids=str)
def test_cosine_similarity_matches_torch(shapes, dim, device):
    compare(lambda a, b: F.cosine_similarity(a, b, dim), lambda a, b: TF.cosine_similarity(a, b, dim),
            rand(*shapes[0]), rand(*shapes[1], seed=2), device=device)


def test_cosine_similarity_eps_and_zero_vectors(device):
    a, b = np.zeros((2, 3)), rand(2, 3)
    a[1] = [1.0, 2.0, 3.0]
    compare(lambda x, y: F.cosine_similarity(x, y, eps=0.1), lambda x, y: TF.cosine_similarity(x, y, eps=0.1), a, b,
            device=device)


@pytest.mark.parametrize("shapes, options", [
    (((3, 4), (3, 4)), {}), (((3, 4), (1, 4)), {"p": 1.0}), (((2, 3, 4), (2, 3, 4)), {"p": 3.0, "keepdim": True}),
    (((4,), (4,)), {}), (((1, 5), (1, 5)), {"eps": 0.1}),
], ids=str)
def test_pairwise_distance_matches_torch(shapes, options, device):
    compare(lambda a, b: F.pairwise_distance(a, b, **options), lambda a, b: TF.pairwise_distance(a, b, **options),
            rand(*shapes[0]), rand(*shapes[1], seed=2), device=device)


def test_composed_norms_against_central_differences(device):
    for fn in (lambda x: F.normalize(x, 3.0, 1), lambda x: F.group_norm(x, 2), lambda x: F.cosine_similarity(x, x * x)):
        numerical, ours = central_differences(fn, rand(3, 4), device=device)
        np.testing.assert_allclose(ours, numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("call, message", [
    (lambda x: F.layer_norm(x, (4,)), r"F.layer_norm: expected input whose last axes are normalized_shape=\(4,\)"),
    (lambda x: F.layer_norm(x, 3, weight=Tensor(np.ones(4))), r"F.layer_norm: expected weight of shape \(3,\)"),
    (lambda x: F.layer_norm(x, 3, eps=0.0), "F.layer_norm: eps"),
    (lambda x: F.group_norm(x, 2), "F.group_norm: expected input .* divisible by num_groups=2"),
    (lambda x: F.group_norm(x, 0), "F.group_norm: num_groups"),
    (lambda x: F.batch_norm(x, None, None), "F.batch_norm: normalising with the running statistics needs"),
    (lambda x: F.instance_norm(x), r"F.instance_norm: expected input of shape \(N, C, \*S\)"),
    (lambda x: F.instance_norm(x[:, :, None], None, None), "F.instance_norm: expected more than 1 spatial"),
    (lambda x: F.instance_norm(x[..., None].expand(4, 3, 2), use_input_stats=False), "F.instance_norm: normalising"),
    (lambda x: F.batch_norm(x, Tensor(np.zeros(2)), Tensor(np.ones(3))), r"F.batch_norm: expected running_mean of shape \(3,\)"),
    (lambda x: F.batch_norm(x[:1], None, None, training=True), "F.batch_norm: expected more than 1 value per channel"),
    (lambda x: F.batch_norm(x, None, None, training=True, momentum=2.0), "F.batch_norm: momentum"),
    (lambda x: F.normalize(x, p=0), "F.normalize: p"),
    (lambda x: F.normalize(x, dim=2), "F.normalize"),
    (lambda x: F.cosine_similarity(x, Tensor(rand(4, 2))), "F.cosine_similarity: expected x1 and x2 of shapes"),
    (lambda x: F.pairwise_distance(x, x, p=-1.0), "F.pairwise_distance: p"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_norm_bad_arguments(call, message):
    with pytest.raises((TypeError, ValueError, IndexError), match=message):
        call(Tensor(rand(4, 3)))

"""PyTorch's torch.nn.utils helpers for a training loop: gradient clipping, and a model's parameters as one
vector and back. `import aino.nn as nn; nn.utils.clip_grad_norm_(model.parameters(), 1.0)`.

Clipping by norm: with the gradients g_1 .. g_m of the parameters and p = norm_type,

    total = (sum_i ||g_i||_p ** p) ** (1 / p)       (the norm of all gradients as one vector; p = inf: max |g|)
    g_i <- g_i * min(1, max_norm / (total + 1e-6))

so the gradients keep their direction and their joint norm becomes at most max_norm. The total and the
scale stay arrays on the gradients' device: on a GPU, reading them to the host would wait for the device
every step (only error_if_nonfinite=True reads the total, since it must decide whether to raise).
"""

import math

from aino.functional import cat
from aino.tensor import Tensor, no_grad
from aino.validation import InvalidOperationError

_EPS = 1e-6  # keeps max_norm / total finite when every gradient is 0


def _parameter_list(parameters, owner):
    """`parameters` (one tensor or an iterable of them, e.g. model.parameters()) as a list of tensors."""
    if isinstance(parameters, Tensor):
        return [parameters]
    try:
        parameters = list(parameters)
    except TypeError:
        raise TypeError(f"{owner}: expected a tensor or an iterable of tensors, "
                        f"got {type(parameters).__name__}") from None
    for item in parameters:
        if not isinstance(item, Tensor):
            raise TypeError(f"{owner}: expected tensors, got an item of type {type(item).__name__}")
    return parameters


def _norm(array, xp, norm_type):
    """||array||_p as a float64 scalar array (p = inf: the largest |entry|); an empty array's is 0, where
    PyTorch refuses the inf-norm of one."""
    magnitude = xp.abs(array.astype("float64", copy=False))
    if magnitude.size == 0:
        return xp.zeros((), dtype="float64")  # made on the device, not copied there
    if norm_type == math.inf:
        return magnitude.max()
    return (magnitude ** norm_type).sum() ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients in place so that their joint `norm_type`-norm is at most `max_norm`; returns the
    norm they had before, as a 0-d tensor. Parameters without a gradient are skipped. With error_if_nonfinite,
    a NaN or infinite total norm is an error (and nothing is changed). foreach, a PyTorch speed option, changes
    nothing here."""
    owner = "nn.utils.clip_grad_norm_"
    grads = [p.grad for p in _parameter_list(parameters, owner) if p.grad is not None]
    norm_type, max_norm = float(norm_type), float(max_norm)
    if not grads:
        return Tensor(0.0)
    xp, dtype = grads[0].xp, grads[0].dtype
    norms = xp.stack([_norm(g.data, xp, norm_type) for g in grads])
    total = norms.max() if norm_type == math.inf else _norm(norms, xp, norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise InvalidOperationError(f"{owner}: the total norm of order {norm_type} of the gradients is non-finite "
                                    f"({float(total)}), so it cannot be clipped; pass error_if_nonfinite=False to "
                                    "clip anyway")
    scale = xp.minimum(max_norm / (total + _EPS), 1.0)  # min(max_norm / (total + eps), 1), a 0-d array
    with no_grad():
        for g in grads:
            g.data *= scale.astype(g.data.dtype, copy=False)
    return Tensor(xp.asarray(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry into [-clip_value, clip_value], in place; returns None (foreach: as above)."""
    owner = "nn.utils.clip_grad_value_"
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"{owner}: clip_value must be >= 0, got {clip_value}")
    for p in _parameter_list(parameters, owner):
        if p.grad is not None:
            p.grad.xp.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)


def parameters_to_vector(parameters):
    """Every parameter flattened and joined, in order, into one 1-D tensor (part of the graph, as PyTorch's)."""
    return cat([p.reshape(-1) for p in _parameter_list(parameters, "nn.utils.parameters_to_vector")])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D tensor `vec` into the parameters, in order (the inverse of
    parameters_to_vector); `vec` must have exactly as many entries as the parameters together."""
    owner = "nn.utils.vector_to_parameters"
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"{owner}: expected vec to be a 1-D Tensor, got {type(vec).__name__} "
                        f"{tuple(getattr(vec, 'shape', ()))}")
    parameters = _parameter_list(parameters, owner)
    needed = sum(p.numel() for p in parameters)
    if vec.shape[0] != needed:
        raise ValueError(f"{owner}: vec has {vec.shape[0]} entries, the parameters need {needed}")
    start = 0
    with no_grad():
        for p in parameters:
            p.data[...] = vec.data[start:start + p.numel()].reshape(p.shape).astype(p.dtype, copy=False)
            start += p.numel()

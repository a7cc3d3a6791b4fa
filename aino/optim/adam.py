"""Adam and AdamW: momentum on the gradient, scaled by a running estimate of its size."""

import math

from aino import parallel
from aino.backend import array_module
from aino.optim.optimizer import Optimizer, check_betas, with_weight_decay, zeros_state


class Adam(Optimizer):
    """Adam (PyTorch's rule exactly). For each parameter p with gradient g, at its step t = 1, 2, ...:

        g = g + weight_decay * p                  (L2 penalty; AdamW instead does p = p - lr * weight_decay * p)
        m = beta1 * m + (1 - beta1) * g           (first moment: running mean of g)
        v = beta2 * v + (1 - beta2) * g**2        (second moment: running mean of g squared)
        v_max = max(v_max, v)                     (only with amsgrad; v_max is then used instead of v)
        m_hat = m / (1 - beta1**t)                (bias corrections: m and v start at 0)
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    `betas=(beta1, beta2)` and `eps` are PyTorch's names; `beta1=`, `beta2=`, `epsilon=` are accepted too
    and win when given. `decay` > 0 turns on `decay_lr()`: lr = initial_lr / (1 + decay * iterations).

    >>> optimizer = Adam(model.parameters, lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8)
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 decay=0, beta1=None, beta2=None, epsilon=None, decoupled_weight_decay=False):
        betas = check_betas(type(self).__name__, betas)
        betas = (betas[0] if beta1 is None else beta1, betas[1] if beta2 is None else beta2)
        eps = eps if epsilon is None else epsilon
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        decay=decay, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        xp = array_module(p)
        lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        if group["decoupled_weight_decay"]:
            if weight_decay != 0:
                p *= 1 - lr * weight_decay  # AdamW: shrink the weights directly
        else:
            g = with_weight_decay(g, p, weight_decay)

        state["step"] = t = state.get("step", 0) + 1
        m = zeros_state(state, "exp_avg", p)
        v = zeros_state(state, "exp_avg_sq", p)
        v_max = zeros_state(state, "max_exp_avg_sq", p) if group["amsgrad"] else None
        correction2 = math.sqrt(1 - beta2**t)
        # lr m_hat / (sqrt(v_hat) + eps) = step_size m / (sqrt(v) + eps sqrt(1 - beta2**t)): one pass fewer
        constants = (beta1, beta2, eps * correction2, lr * correction2 / (1 - beta1**t))
        arrays = [a if a is None else xp.atleast_1d(a) for a in (p, g, m, v, v_max)]  # 0-d as 1-d views

        def update_rows(start, stop):
            adam_rows(xp, *[a if a is None else a[start:stop] for a in arrays], *constants)

        # a parameter of parallel.MIN_ELEMENTS values or more is split over the threads (measured on the
        # quiet 2-core VM, one step at 1 / 2 threads: 1024x1024 3.26 / 1.79 ms; 256x784 0.448 / 0.443 ms and
        # 1000x128 0.25 / 0.33 ms, which is why smaller ones are not)
        parallel.split_rows(update_rows, len(arrays[0]), p.size, xp)


def adam_rows(xp, p, g, m, v, v_max, beta1, beta2, eps_scaled, step_size):
    """Adam's update of (rows of) one parameter in place, in 12 passes through one scratch array, written
    with the bias corrections folded into two numbers (the Adam paper's "efficient version"):

        p = p - step_size * m / (sqrt(v) + eps_scaled),  step_size = lr sqrt(1 - beta2**t) / (1 - beta1**t),
                                                         eps_scaled = eps sqrt(1 - beta2**t)

    which is lr * m_hat / (sqrt(v_hat) + eps) exactly. v_max is None without amsgrad."""
    scratch = g * (1 - beta1)
    m *= beta1
    m += scratch  # m = beta1 m + (1 - beta1) g
    xp.multiply(g, 1 - beta2, out=scratch)
    scratch *= g
    v *= beta2
    v += scratch  # v = beta2 v + (1 - beta2) g**2
    if v_max is not None:
        xp.maximum(v_max, v, out=v_max)
        v = v_max
    xp.sqrt(v, out=scratch)
    scratch += eps_scaled
    xp.divide(m, scratch, out=scratch)
    scratch *= step_size
    p -= scratch


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter; PyTorch's AdamW exactly):

        p = p - lr * weight_decay * p             (first, instead of adding weight_decay * p to g)
        then Adam's update, with g left alone.

    The decay then shrinks every weight by the same fraction, not scaled by the moments.
    Default weight_decay=0.01, as in PyTorch.
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False,
                 decay=0, beta1=None, beta2=None, epsilon=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         decay=decay, beta1=beta1, beta2=beta2, epsilon=epsilon,
                         decoupled_weight_decay=True)

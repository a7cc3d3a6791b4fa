"""RMSprop: divide the gradient by a running root-mean-square of its recent values."""

from aino.backend import array_module
from aino.optim.optimizer import Optimizer, with_weight_decay, zeros_state


class RMSprop(Optimizer):
    """RMSprop (PyTorch's rule exactly). For each parameter p with gradient g:

        g = g + weight_decay * p                     (if weight_decay != 0)
        v = alpha * v + (1 - alpha) * g**2           (running mean of g squared)
        centered:  g_avg = alpha * g_avg + (1 - alpha) * g
                   denominator = sqrt(v - g_avg**2) + eps     (an estimate of the variance of g)
        otherwise: denominator = sqrt(v) + eps
        momentum > 0:  b = momentum * b + g / denominator;  p = p - lr * b
        otherwise:     p = p - lr * g / denominator

    `decay` > 0 turns on `decay_lr()`: lr = initial_lr / (1 + decay * iterations).
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 decay=0):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, decay=decay)
        super().__init__(params, defaults)

    def _update(self, p, g, state, group):
        xp = array_module(p)
        alpha = group["alpha"]
        g = with_weight_decay(g, p, group["weight_decay"])

        state["step"] = state.get("step", 0) + 1
        v = zeros_state(state, "square_avg", p)
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:
            g_avg = zeros_state(state, "grad_avg", p)
            g_avg *= alpha
            g_avg += (1 - alpha) * g
            denominator = xp.sqrt(v - g_avg * g_avg)
        else:
            denominator = xp.sqrt(v)
        denominator += group["eps"]

        if group["momentum"] > 0:
            buffer = zeros_state(state, "momentum_buffer", p)
            buffer *= group["momentum"]
            buffer += g / denominator
            p -= group["lr"] * buffer
        else:
            p -= group["lr"] * g / denominator

"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from aino.optim.optimizer import Optimizer, with_weight_decay


class SGD(Optimizer):
    """Stochastic gradient descent (PyTorch's rule exactly). For each parameter p with gradient g:

        g = g + weight_decay * p                       (if weight_decay != 0)
        if momentum != 0:
            b = g                                      (first step)
            b = momentum * b + (1 - dampening) * g     (later steps)
            g = g + momentum * b   if nesterov  else  b
        p = p - lr * g

    `decay` > 0 turns on `decay_lr()`: lr = initial_lr / (1 + decay * iterations).

    >>> optimizer = SGD(model.parameters, lr=0.01, momentum=0.9)
    >>> optimizer.step(); optimizer.zero_grad()
    """

    def __init__(self, params, lr=0.01, momentum=0, dampening=0, weight_decay=0, nesterov=False, decay=0):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, decay=decay)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"{type(self).__name__}: nesterov=True needs momentum > 0 and dampening = 0, got "
                             f"momentum={group['momentum']!r}, dampening={group['dampening']!r}")

    def _update(self, p, g, state, group):
        g = with_weight_decay(g, p, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = g.astype(p.dtype, copy=True)
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * g
            g = g + momentum * buffer if group["nesterov"] else buffer
        p -= group["lr"] * g

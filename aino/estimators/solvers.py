"""scikit-learn's two stochastic solvers for its MLPs, as aino optimizers (so `step()` reports to the trace).

For each parameter p (a weight matrix or a bias vector) with gradient g:

    "sgd"    v = momentum * v - lr * g                 (the velocity; v starts at 0)
             p = p + v                                 (plain momentum)
             p = p + momentum * v - lr * g             (nesterovs_momentum=True: a look one step ahead)

    "adam"   m = beta_1 * m + (1 - beta_1) * g         (first moment; m and v start at 0; t = 1, 2, ...)
             v = beta_2 * v + (1 - beta_2) * g**2      (second moment)
             p = p - lr_t * m / (sqrt(v) + epsilon),   lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)

scikit-learn's Adam puts both bias corrections into the step size lr_t. PyTorch's (aino.optim.Adam)
corrects m and v themselves, p = p - lr * m_hat / (sqrt(v_hat) + eps): the same but for where epsilon
sits (here it is added to sqrt(v), there to sqrt(v_hat) = sqrt(v) / sqrt(1 - beta_2**t)). Each line
below does the arithmetic in scikit-learn's order, so the weights follow scikit-learn's to the last bits.

After each epoch (`end_epoch`) and when training stops improving (`keep_going`), the learning rate follows
`learning_rate` (SGD only; Adam's stays learning_rate_init):
    "constant"    lr = learning_rate_init
    "invscaling"  lr = learning_rate_init / (t + 1)**power_t, t the number of samples seen so far
    "adaptive"    lr stays, but each time the loss (or validation score) stalls it is divided by 5 and
                  training goes on, until lr <= 1e-6
"""

import math

from aino.backend import array_module
from aino.optim.optimizer import Optimizer, zeros_state

ADAPTIVE_DIVISOR = 5.0  # "adaptive": lr /= 5 each time training stalls
SMALLEST_ADAPTIVE_LR = 1e-6  # ... and training stops once lr is this small


class Solver(Optimizer):
    """What both solvers share: pickling (scikit-learn's persistence) that keeps each parameter's state.

    An aino optimizer finds a parameter's state by the parameter's id(), which a pickle round trip changes;
    so the state is pickled in the order of the parameters, and keyed by the new ids on unpickling."""

    def __getstate__(self):
        state = self.__dict__.copy()
        state["state"] = [self.state.get(id(p)) for p in self._all_parameters()]
        return state

    def __setstate__(self, state):
        in_order = state["state"]
        self.__dict__.update(state)
        self.state = {id(p): s for p, s in zip(self._all_parameters(), in_order) if s is not None}

    def _all_parameters(self):
        return [p for group in self.param_groups for p in group["params"]]


class SGDSolver(Solver):
    """scikit-learn's SGD with momentum (see the module docstring): `params` in the order of
    coefs_ then intercepts_, learning rate `lr`, `schedule` "constant", "invscaling" or "adaptive"."""

    def __init__(self, params, lr, momentum=0.9, nesterov=True, schedule="constant", power_t=0.5):
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov))
        self.schedule, self.power_t, self.lr_init = schedule, power_t, lr

    def _update(self, p, g, state, group):
        lr, momentum = group["lr"], group["momentum"]
        velocity = zeros_state(state, "velocity", p)
        velocity *= momentum
        velocity -= lr * g  # v = momentum * v - lr * g
        if group["nesterov"]:
            p += momentum * velocity - lr * g
        else:
            p += velocity

    def end_epoch(self, samples_seen):
        """After an epoch: "invscaling" sets lr = learning_rate_init / (samples_seen + 1)**power_t."""
        if self.schedule == "invscaling":
            self.lr = self.lr_init / (samples_seen + 1) ** self.power_t

    def keep_going(self):
        """Training has stalled: True to go on (the "adaptive" schedule divides lr by 5, while lr > 1e-6)."""
        if self.schedule != "adaptive" or self.lr <= SMALLEST_ADAPTIVE_LR:
            return False
        self.lr = self.lr / ADAPTIVE_DIVISOR
        return True


class AdamSolver(Solver):
    """scikit-learn's Adam (see the module docstring): `params` in the order of coefs_ then intercepts_."""

    def __init__(self, params, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(params, dict(lr=lr, betas=(beta_1, beta_2), eps=epsilon))

    def _update(self, p, g, state, group):
        lr, (beta_1, beta_2), epsilon = group["lr"], group["betas"], group["eps"]
        state["step"] = t = state.get("step", 0) + 1
        m = zeros_state(state, "m", p)
        v = zeros_state(state, "v", p)
        m *= beta_1
        m += (1 - beta_1) * g  # m = beta_1 * m + (1 - beta_1) * g
        v *= beta_2
        v += (1 - beta_2) * (g * g)  # v = beta_2 * v + (1 - beta_2) * g**2
        lr_t = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        p -= lr_t * m / (array_module(p).sqrt(v) + epsilon)

    def end_epoch(self, samples_seen):
        """Adam keeps its learning rate."""

    def keep_going(self):
        """Training has stalled: Adam stops."""
        return False

"""Learning-rate schedulers: change an optimizer's learning rate as training goes on.

Call `scheduler.step()` once per epoch, after `optimizer.step()`. `last_epoch` counts those calls
(0 right after the scheduler is made); the sequences of learning rates are PyTorch's.

>>> optimizer = SGD(model.parameters, lr=0.1)
>>> scheduler = StepLR(optimizer, step_size=10, gamma=0.5)
>>> for epoch in range(30):
...     train_one_epoch(model, optimizer)
...     scheduler.step()
"""

import math
import numbers
from functools import partial

from aino.optim.optimizer import Optimizer
from aino.validation import check_positive_int, check_positive_number, check_real


class LRScheduler:
    """Base class: a subclass writes `get_lr()`, the learning rates of every group at `last_epoch`."""

    def __init__(self, optimizer, **settings):
        """`settings`: the subclass's own (step_size=, gamma=, ...), kept as attributes of the same names."""
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an aino optimizer, got {type(optimizer).__name__}")
        vars(self).update(settings)
        self._check_settings()
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()  # epoch 0: the learning rates the optimizer starts with

    def get_lr(self):
        raise NotImplementedError

    checks = {}  # setting -> its check(value, name, owner), run on construction and by load_state_dict

    def _check_settings(self):
        """Raise TypeError or ValueError naming a setting (step_size, gamma, ...) that is out of range."""
        for name, check in self.checks.items():
            check(getattr(self, name), name, type(self).__name__)

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        """Advance one epoch and write the new learning rates into the optimizer."""
        self.last_epoch += 1
        self._last_lr = list(self.get_lr())
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self):
        """The learning rates (one per parameter group) set by the last `step()`."""
        return list(self._last_lr)

    def state_dict(self):
        """Plain numbers and lists: everything but the optimizer."""
        return {key: (list(value) if isinstance(value, list) else value)
                for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned. Each entry must be one this scheduler has, of the same kind
        (a number, or a list of one number per parameter group), and the settings must pass the checks
        of the constructor; otherwise a ValueError says which, and nothing changes."""
        owner = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise TypeError(f"{owner}: expected a dict as state_dict() returns, got {type(state_dict).__name__}")
        mine = self.state_dict()
        unknown = sorted(map(str, set(state_dict) - set(mine)))
        if unknown:
            raise ValueError(f"{owner}: unknown entries {unknown} (expected some of {sorted(mine)})")
        for key, value in state_dict.items():
            _check_like(owner, key, value, mine[key])
        previous = dict(self.__dict__)
        self.__dict__.update({key: (list(value) if isinstance(value, (list, tuple)) else value)
                              for key, value in state_dict.items()})
        try:
            self._check_settings()
        except (TypeError, ValueError):
            self.__dict__ = previous
            raise

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in self.state_dict().items()
                             if k not in ("base_lrs", "_last_lr"))
        return f"{type(self).__name__}({settings}, lr={self._last_lr})"


class StepLR(LRScheduler):
    """Multiply the learning rate by `gamma` every `step_size` epochs:

        lr = initial_lr * gamma ** (last_epoch // step_size)
    """

    checks = {"step_size": check_positive_int, "gamma": partial(check_real, minimum=0)}

    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer, step_size=step_size, gamma=gamma)

    def get_lr(self):
        # PyTorch's chained form: the current lr, times gamma at each multiple of step_size.
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by `gamma` every epoch:

        lr = initial_lr * gamma ** last_epoch
    """

    checks = {"gamma": partial(check_real, minimum=0)}

    def __init__(self, optimizer, gamma):
        super().__init__(optimizer, gamma=gamma)

    def get_lr(self):
        if self.last_epoch == 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the initial learning rate down to `eta_min` over `T_max` epochs:

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2

    After T_max epochs the cosine carries on, so the learning rate climbs back up (as in PyTorch).
    """

    checks = {"T_max": check_positive_number, "eta_min": partial(check_real, minimum=0)}

    def __init__(self, optimizer, T_max, eta_min=0):
        super().__init__(optimizer, T_max=T_max, eta_min=eta_min)

    def get_lr(self):
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


def _check_like(owner, key, value, like):
    """ValueError unless a loaded `value` is of the kind of this scheduler's own `like`: a number (an integer
    for last_epoch), or a list of numbers as long as `like` (one per parameter group)."""
    def number(v, integer):
        return (isinstance(v, numbers.Real) and not isinstance(v, bool)
                and (not integer or isinstance(v, numbers.Integral)))

    if isinstance(like, list):
        ok = isinstance(value, (list, tuple)) and len(value) == len(like) and all(number(v, False) for v in value)
        expected = f"a list of {len(like)} numbers (one per parameter group)"
    else:
        ok = number(value, key == "last_epoch")
        expected = "an integer" if key == "last_epoch" else "a number"
    if not ok:
        raise ValueError(f"{owner}: {key!r} must be {expected}, got {value!r:.60}")

"""What every aino optimizer shares: parameter groups, `step`, `zero_grad`, `lr`, `decay_lr`, `state_dict`.

A *parameter* is any object with
  - `.data`: a NumPy or CuPy array, which the optimizer changes IN PLACE (`param.data -= ...`), because
    layers hold references to that very array;
  - `.grad`: None when there is no gradient (the parameter is then skipped), otherwise an object whose
    `.data` is an array of the same shape.

A subclass writes only `_update(p, g, state, group)`: the rule that turns one gradient array `g` into a
change of one parameter array `p`. `state` is that parameter's own dict (momentum, moments, step count),
`group` its settings (`lr`, `momentum`, ...). Everything else lives here, once.
"""

from aino.backend import array_module
from aino.trace import hooks


class Optimizer:
    """Base class. `params` may be:

    - a list, tuple or generator of parameters;
    - a list of parameter groups, dicts like `{"params": [...], "lr": 0.1}` whose settings override the
      optimizer's defaults for those parameters (as in PyTorch);
    - a callable returning either of those, e.g. `model.parameters` (a list that is also callable);
    - a model (anything with a `parameters()` method).
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}  # id(parameter) -> that parameter's state dict
        self.iterations = 0  # how many times step() has run; decay_lr() uses it
        for group in _as_groups(params, type(self).__name__):
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a dict `{"params": [...], setting: value, ...}`; missing settings take the defaults."""
        group = dict(group)
        group["params"] = _as_parameter_list(group.get("params"), type(self).__name__)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        group.setdefault("initial_lr", group["lr"])
        self._check_group(group)
        self.param_groups.append(group)

    # ---- settings ----------------------------------------------------------------------------------
    def _check_group(self, group):
        """Raise ValueError naming the setting and its value when a setting is out of range.
        A subclass with a rule of its own (SGD's nesterov) adds it and calls this one."""
        owner = type(self).__name__
        for name in ("lr", "momentum", "weight_decay", "decay", "eps"):
            if name in group:
                _check_at_least(owner, name, group[name], 0)
        if "alpha" in group:
            _check_fraction(owner, "alpha", group["alpha"])
        if "betas" in group:
            _check_fraction(owner, "beta1 (betas[0])", group["betas"][0])
            _check_fraction(owner, "beta2 (betas[1])", group["betas"][1])

    @property
    def lr(self):
        """The learning rate (of the first parameter group). Setting it changes every group, takes effect
        at the next `step()`, and is also the new starting point of `decay_lr()`."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        _check_at_least(type(self).__name__, "lr", value, 0)
        for group in self.param_groups:
            group["lr"] = value
            group["initial_lr"] = value

    # ---- the training-loop calls -------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient, in place. `closure` (optional) recomputes and
        returns the loss, which `step` then returns."""
        loss = closure() if closure is not None else None
        if hooks.active: hooks.before_step(self)  # noqa: E701  (aino.trace)
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state.setdefault(id(param), {})
                self._update(param.data, param.grad.data, state, group)
        self.iterations += 1
        if hooks.active: hooks.after_step(self)  # noqa: E701  (aino.trace: a step ends here)
        return loss

    def _update(self, p, g, state, group):
        raise NotImplementedError(f"{type(self).__name__} must define _update(p, g, state, group)")

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: `param.grad = None` (or fill them with zeros if `set_to_none=False`)."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none:
                    param.grad = None
                elif param.grad is not None:  # a new array: aino.trace keeps the old one by reference
                    param.grad.data = array_module(param.grad.data).zeros_like(param.grad.data)

    def decay_lr(self):
        """Time-based learning-rate decay, for each group whose `decay` is above 0:

            lr = initial_lr / (1 + decay * iterations)

        `initial_lr` is the learning rate the optimizer was built with (or the last one you set through
        `optimizer.lr = ...`); `iterations` is how many times `step()` has run. Call it after `step()`.
        Returns the (first group's) new learning rate."""
        for group in self.param_groups:
            if group.get("decay", 0) > 0:
                group["lr"] = group["initial_lr"] / (1 + group["decay"] * self.iterations)
        return self.lr

    # ---- saving and loading ------------------------------------------------------------------------
    def state_dict(self):
        """Plain data, laid out as PyTorch's: `{"state": {index: {name: array or number}},
        "param_groups": [{setting: value, "params": [index, ...]}], "iterations": n}`. Parameters are
        numbered in group order; arrays are copies."""
        index = {}
        groups = []
        for group in self.param_groups:
            saved = {name: value for name, value in group.items() if name != "params"}
            saved["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(saved)
        state = {
            index[key]: {name: _copy(value) for name, value in values.items()}
            for key, values in self.state.items()
        }
        return {"state": state, "param_groups": groups, "iterations": self.iterations}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned (for an optimizer over parameters of the same shapes),
        so training continues exactly where it stopped. Arrays are copied into each parameter's
        array module and dtype."""
        name = type(self).__name__
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: expected {len(self.param_groups)} parameter "
                             f"groups, got {len(groups)}")
        by_index = {}
        for number, (mine, saved) in enumerate(zip(self.param_groups, groups)):
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(f"{name}.load_state_dict: group {number} has {len(mine['params'])} "
                                 f"parameters, the saved one {len(saved['params'])}")
            by_index.update(zip(saved["params"], mine["params"]))
        new_state = {}
        for index, values in state_dict["state"].items():
            param = by_index[int(index)]
            new_state[id(param)] = {key: _restore(key, value, param.data, name)
                                    for key, value in values.items() if value is not None}
        self.state = new_state
        for mine, saved in zip(self.param_groups, groups):
            mine.update({key: value for key, value in saved.items() if key != "params"})
        self.iterations = int(state_dict.get("iterations", 0))

    def __repr__(self):
        def settings(group):
            shown = ", ".join(f"{k}={v!r}" for k, v in group.items() if k not in ("params", "initial_lr"))
            return f"{shown}; {len(group['params'])} parameters"

        if len(self.param_groups) == 1:
            return f"{type(self).__name__}({settings(self.param_groups[0])})"
        lines = [f"  group {i}: {settings(g)}" for i, g in enumerate(self.param_groups)]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


# ---- small helpers the optimizers share ------------------------------------------------------------
def zeros_state(state, key, like):
    """`state[key]`, created as zeros shaped like `like` (same dtype and array module) the first time."""
    if key not in state:
        state[key] = array_module(like).zeros_like(like)
    return state[key]


def with_weight_decay(g, p, weight_decay):
    """L2 penalty folded into the gradient: g + weight_decay * p (a new array; the gradient is kept)."""
    return g + weight_decay * p if weight_decay != 0 else g


def _check_at_least(owner, name, value, low):
    """ValueError `SGD: lr must be >= 0, got -1` unless value >= low (NaN fails too)."""
    if not value >= low:
        raise ValueError(f"{owner}: {name} must be >= {low}, got {value!r}")


def _check_fraction(owner, name, value):
    """ValueError unless 0 <= value < 1 (betas, alpha)."""
    if not 0 <= value < 1:
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {value!r}")


def _as_groups(params, owner):
    """Turn what the user passed into a list of group dicts."""
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a model
    elif callable(params):
        params = params()  # e.g. the bound method model.parameters
    if isinstance(params, dict):
        params = [params]
    if hasattr(params, "data") or not hasattr(params, "__iter__"):
        raise TypeError(f"{owner}: params must be a list of parameters (or of parameter groups), "
                        f"got {type(params).__name__}")
    params = list(params)
    if not params:
        raise ValueError(f"{owner}: params is an empty list; give the parameters to optimize, "
                         f"e.g. {owner}(model.parameters())")
    if all(isinstance(p, dict) for p in params):
        return params
    return [{"params": params}]


def _as_parameter_list(params, owner):
    if callable(params):
        params = params()
    if hasattr(params, "data"):
        params = [params]
    params = list(params) if params is not None else []
    for param in params:
        if isinstance(param, dict) or not (hasattr(param, "data") and hasattr(param, "grad")):
            raise TypeError(f"{owner}: expected parameters with .data and .grad, got {type(param).__name__}")
    return params


def _copy(value):
    return value.copy() if hasattr(value, "shape") else value


def _restore(key, value, like, owner):
    if key == "step":
        return int(value)
    xp = array_module(like)
    array = xp.array(value, dtype=like.dtype)  # a copy, on the parameter's device and in its dtype
    if array.shape != like.shape:
        raise ValueError(f"{owner}.load_state_dict: state {key!r} has shape {array.shape}, "
                         f"the parameter {like.shape}")
    return array

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

import numbers

from aino.backend import array_module
from aino import hooks
from aino.validation import check_bool, check_real


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
        owner = type(self).__name__
        if not isinstance(group, dict):
            raise TypeError(f"{owner}: a parameter group must be a dict {{'params': [...], ...}}, "
                            f"got {type(group).__name__}")
        if "params" not in group:
            raise ValueError(f"{owner}: parameter group didn't specify a value of required optimization parameter "
                             f"params (expected {{'params': [...], setting: value}}, got keys {sorted(group)})")
        group = dict(group)
        group["params"] = _as_parameter_list(group["params"], owner)
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
                check_real(group[name], name, owner, minimum=0)
        if "dampening" in group:
            check_real(group["dampening"], "dampening", owner)
        for name in ("nesterov", "amsgrad", "centered", "decoupled_weight_decay"):
            if name in group:
                check_bool(group[name], name, owner)
        if "alpha" in group:
            _check_fraction(owner, "alpha", group["alpha"])
        if "betas" in group:
            beta1, beta2 = check_betas(owner, group["betas"])
            _check_fraction(owner, "beta1 (betas[0])", beta1)
            _check_fraction(owner, "beta2 (betas[1])", beta2)

    @property
    def lr(self):
        """The learning rate (of the first parameter group). Setting it changes every group, takes effect
        at the next `step()`, and is also the new starting point of `decay_lr()`."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        check_real(value, "lr", type(self).__name__, minimum=0)
        for group in self.param_groups:
            group["lr"] = value
            group["initial_lr"] = value

    # ---- the training-loop calls -------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient, in place. `closure` (optional) recomputes and
        returns the loss, which `step` then returns."""
        if closure is not None and not callable(closure):
            raise TypeError(f"{type(self).__name__}.step: closure must be callable (or None), "
                            f"got {type(closure).__name__}")
        loss = closure() if closure is not None else None
        pending = [(param, group) for group in self.param_groups for param in group["params"] if param.grad is not None]
        for param, _ in pending:  # all checked before anything changes
            if param.grad.data.shape != param.data.shape:
                raise ValueError(f"{type(self).__name__}.step: a parameter of shape {tuple(param.data.shape)} "
                                 f"has a gradient of shape {tuple(param.grad.data.shape)} (expected the same)")
        if hooks.active: hooks.before_step(self)  # noqa: E701  (aino.trace)
        for param, group in pending:
            self._update(param.data, param.grad.data, self.state.setdefault(id(param), {}), group)
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
        array module and dtype. Everything is checked before anything changes: a state dict of another
        layout, group count, parameter count or state shape is a ValueError saying which."""
        name = f"{type(self).__name__}.load_state_dict"
        groups, saved_state, iterations = _read_state_dict(state_dict, name)
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}: expected {len(self.param_groups)} parameter "
                             f"groups, got {len(groups)}")
        by_index = {}
        for number, (mine, saved) in enumerate(zip(self.param_groups, groups)):
            if len(saved["params"]) != len(mine["params"]):
                raise ValueError(f"{name}: group {number} has {len(mine['params'])} "
                                 f"parameters, the saved one {len(saved['params'])}")
            by_index.update(zip(saved["params"], mine["params"]))
        new_state = {}
        for index, values in saved_state.items():
            if index not in by_index:
                raise ValueError(f"{name}: the state names parameter {index}, which no saved group lists "
                                 f"(expected one of {sorted(by_index)})")
            param = by_index[index]
            new_state[id(param)] = {key: _restore(key, value, param.data, name)
                                    for key, value in values.items() if value is not None}
        new_groups = [{**mine, **{key: value for key, value in saved.items() if key != "params"}}
                      for mine, saved in zip(self.param_groups, groups)]
        for group in new_groups:
            self._check_group(group)
        self.state = new_state
        for mine, group in zip(self.param_groups, new_groups):
            mine.update(group)
        self.iterations = iterations

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


def check_betas(owner, betas):
    """`betas` as a pair (beta1, beta2); anything else (one number, three) is a TypeError."""
    if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
        raise TypeError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r:.60}")
    return tuple(betas)


def _check_fraction(owner, name, value):
    """ValueError unless 0 <= value < 1 (betas, alpha); TypeError for a non-number."""
    if not 0 <= check_real(value, name, owner) < 1:
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {value!r}")


def _as_groups(params, owner):
    """Turn what the user passed into a list of group dicts."""
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()  # a model
    elif callable(params):
        params = params()  # e.g. the bound method model.parameters
    if isinstance(params, dict):
        params = [params]
    if hasattr(params, "data") or isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise TypeError(f"{owner}: params must be a list of parameters (or of parameter groups), "
                        f"got {type(params).__name__}")
    params = list(params)
    if not params:
        raise ValueError(f"{owner}: params is an empty list; give the parameters to optimize, "
                         f"e.g. {owner}(model.parameters())")
    if all(isinstance(p, dict) for p in params):
        return params
    if any(isinstance(p, dict) for p in params):
        raise TypeError(f"{owner}: params must be all parameters or all parameter groups (dicts), got a mix")
    return [{"params": params}]


def _as_parameter_list(params, owner):
    """A group's `params` as a list of parameters (objects with .data and .grad), each at most once."""
    if callable(params):
        params = params()
    if hasattr(params, "data"):
        params = [params]
    if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise TypeError(f"{owner}: a group's params must be a list of parameters, got {type(params).__name__}")
    params = list(params)
    for param in params:
        if isinstance(param, dict) or not (hasattr(param, "data") and hasattr(param, "grad")):
            raise TypeError(f"{owner}: expected parameters with .data and .grad, got {type(param).__name__}")
    if len({id(p) for p in params}) != len(params):
        raise ValueError(f"{owner}: a parameter appears twice in one group (it would be updated twice per step)")
    return params


def _copy(value):
    return value.copy() if hasattr(value, "shape") else value


def _read_state_dict(state_dict, owner):
    """(param_groups, state keyed by int index, iterations) from a saved state dict, its layout checked:
    a dict with "state" and "param_groups", groups that list distinct integer indices, a state of dicts."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"{owner}: expected a dict as state_dict() returns, got {type(state_dict).__name__}")
    missing = [key for key in ("state", "param_groups") if key not in state_dict]
    if missing:
        raise ValueError(f"{owner}: expected keys 'state' and 'param_groups' (as state_dict() returns), "
                         f"missing {missing}; got keys {sorted(map(str, state_dict))}")
    groups, state = state_dict["param_groups"], state_dict["state"]
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, dict) and "params" in g for g in groups):
        raise ValueError(f"{owner}: param_groups must be a list of dicts, each with a 'params' list")
    seen = []
    for group in groups:
        if not isinstance(group["params"], (list, tuple)) or not all(_is_index(i) for i in group["params"]):
            raise ValueError(f"{owner}: a group's 'params' must be a list of parameter indices (integers >= 0), "
                             f"got {group['params']!r:.60}")
        seen += [int(i) for i in group["params"]]
    if len(set(seen)) != len(seen):
        raise ValueError(f"{owner}: a parameter index appears twice in param_groups")
    if not isinstance(state, dict) or not all(_is_index(k) and isinstance(v, dict) for k, v in state.items()):
        raise ValueError(f"{owner}: state must be a dict {{parameter index: {{name: array or number}}}}")
    iterations = state_dict.get("iterations", 0)
    if not _is_index(iterations):
        raise ValueError(f"{owner}: iterations must be an integer >= 0, got {iterations!r:.60}")
    groups = [{**group, "params": [int(i) for i in group["params"]]} for group in groups]
    return groups, {int(k): v for k, v in state.items()}, int(iterations)


def _is_index(value):
    """True for an integer >= 0, also written as a string of digits (as a JSON round trip leaves dict keys)."""
    if isinstance(value, str):
        return value.isdigit()
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


def _restore(key, value, like, owner):
    """A saved state entry for a parameter shaped like `like`: an int for "step", else an array copied to
    the parameter's device and dtype, refused unless it holds numbers of the parameter's shape."""
    if key == "step":
        try:  # a number, a 0-d array or a one-element tensor (PyTorch saves the step as one)
            step = -1.0 if isinstance(value, (str, bytes, bool)) else float(value)
        except (TypeError, ValueError):
            step = -1.0
        if not (step >= 0 and step.is_integer()):
            raise ValueError(f"{owner}: state 'step' must be a whole number >= 0, got {value!r:.60}")
        return int(step)
    xp = array_module(like)
    kind = getattr(getattr(value, "dtype", None), "kind", None)  # None for lists and PyTorch tensors
    if isinstance(value, (str, bytes)) or kind not in (None, "b", "i", "u", "f"):
        raise ValueError(f"{owner}: state {key!r} must be an array of numbers, got {type(value).__name__}")
    try:
        array = xp.array(value, dtype=like.dtype)  # a copy, on the parameter's device and in its dtype
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: state {key!r} must be an array of numbers, got {type(value).__name__}") from None
    if array.shape != like.shape:
        raise ValueError(f"{owner}: state {key!r} has shape {array.shape}, "
                         f"the parameter {like.shape}")
    return array

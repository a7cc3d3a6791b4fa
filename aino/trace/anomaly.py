"""detect_anomaly(): stop at the first op that turns finite numbers into NaN or inf, and say where.

    with aino.trace.detect_anomaly():
        loss = loss_fn(model(X), y)      # FloatingPointError: op 'log' in layer '3' (Log) produced -inf ...
        loss.backward()                  # ... or: backward of op 'div' produced NaN gradients

How: on entering, `Function.apply` (the one door every op goes through) is wrapped by a version that
checks each output; on leaving, the original is put back, so outside the context nothing changes and
nothing is paid. The layer is the innermost aino.nn Module whose forward is running, found on the call
stack only when an anomaly is found. Backward is checked through the gradient hook of run_backward:
the first non-finite gradient names the op that produced the tensor receiving it.
"""

import sys

import numpy

from aino.trace import hooks

_depth = 0
_original_apply = None


class detect_anomaly(hooks.Listener):
    """Context manager: the first op whose output (or gradient) holds NaN or inf raises FloatingPointError
    naming the op and the layer. `model` (optional) lets the message use the layer's dotted name."""

    def __init__(self, model=None, check_backward=True):
        self.model = model
        self.check_backward = check_backward

    def __enter__(self):
        global _depth, _original_apply
        from aino.ops.function import Function

        if _depth == 0:
            _original_apply = Function.__dict__["apply"]
            Function.apply = classmethod(_checked_apply)
        _depth += 1
        _names.append(self._module_names())
        if self.check_backward:
            hooks.attach(self)
        return self

    def __exit__(self, *exc):
        global _depth
        from aino.ops.function import Function

        hooks.detach(self)
        _names.pop()
        _depth -= 1
        if _depth == 0:
            Function.apply = _original_apply
        return False

    def node_gradient(self, node, grad):
        if grad.dtype.kind in "fc" and not bool(_xp(grad).isfinite(grad).all()):
            op = _op_name(node._ctx) if node._ctx is not None else "a leaf tensor"
            raise FloatingPointError(
                f"detect_anomaly: in backward, the gradient arriving at the output of op {op!r} holds "
                f"{_what(grad)}: the backward of the op that used this output produced it. Shape "
                f"{tuple(grad.shape)}.")

    def _module_names(self):
        if self.model is None or not hasattr(self.model, "named_modules"):
            return {}
        return {id(module): name for name, module in self.model.named_modules()}


_names = []  # a stack: the module names of each active detect_anomaly


def _checked_apply(cls, *tensors, **options):
    out = _original_apply.__func__(cls, *tensors, **options)
    data = out.data
    if data.dtype.kind in "fc" and not bool(_xp(data).isfinite(data).all()):
        inputs_finite = all(bool(_xp(t.data).isfinite(t.data).all()) for t in tensors if t.data.dtype.kind in "fc")
        raise FloatingPointError(
            f"detect_anomaly: op {_op_name(cls)!r} {_layer()} produced {_what(data)} "
            + ("from finite inputs" if inputs_finite else "(its inputs already held NaN or inf)")
            + f"; input shapes {[tuple(t.shape) for t in tensors]}, output shape {tuple(data.shape)}.")
    return out


def _layer():
    """'in layer NAME (Type)' for the innermost Module whose forward is running, or 'outside any layer'."""
    from aino.nn.module import Module

    frame = sys._getframe(2)
    while frame is not None:
        owner = frame.f_locals.get("self")
        if frame.f_code.co_name == "forward" and isinstance(owner, Module):
            names = _names[-1] if _names else {}
            name = names.get(id(owner))
            label = f"{name!r} ({type(owner).__name__})" if name else repr(owner)
            return f"in layer {label}"
        frame = frame.f_back
    return "outside any layer"


def _op_name(fn):
    cls = fn if isinstance(fn, type) else type(fn)
    return cls.name or cls.__name__.lower()


def _what(array):
    host = array.get() if hasattr(array, "get") and not isinstance(array, numpy.ndarray) else array
    kinds = []
    if numpy.isnan(host).any():
        kinds.append("NaN")
    if numpy.isposinf(host).any():
        kinds.append("inf")
    if numpy.isneginf(host).any():
        kinds.append("-inf")
    return " and ".join(kinds)


def _xp(array):
    from aino.backend import array_module

    return array_module(array)

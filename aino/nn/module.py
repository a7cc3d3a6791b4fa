"""Module: the base class of every layer and model (alias BaseModel).

A Module finds its parts by looking at its attributes: any attribute that is a Module, a Parameter or a
Buffer, or a list, tuple or dict of them, is part of the model, whenever it was filled in. Names follow
PyTorch (`fc1.weight`, `blocks.0.conv1.bias`), so state dicts move between aino and PyTorch.
"""

from collections import OrderedDict, namedtuple

from aino.backend import array_module, parse_dtype
from aino.nn.parameter import Buffer, Parameter
from aino.tensor import Tensor, no_grad
from aino.trace import hooks

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class: subclass it, create layers in __init__, compute in forward(); call the module to run it."""

    def __init__(self):
        self.training = True

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *inputs, **options):
        inputs = tuple(_as_tensor(value) for value in inputs)
        output = self.forward(*inputs, **options)
        self._last_input, self._last_output = (inputs[0] if inputs else None), output
        if hooks.active: hooks.module_called(self, inputs, output)  # noqa: E701  (aino.trace)
        return output

    # --- finding the parts ------------------------------------------------------------------------

    def _members(self):
        """(name, value) for each direct part: a Module, Parameter or Buffer, lists/tuples/dicts opened."""
        for name, value in vars(self).items():
            if not name.startswith("_"):
                yield from _open(name, value)

    def named_children(self):
        """(name, module) for each direct sub-module."""
        return [(name, value) for name, value in self._members() if isinstance(value, Module)]

    def children(self):
        return [module for _, module in self.named_children()]

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every sub-module, each once."""
        seen, result = set(), []
        _walk_modules(self, prefix, seen, result)
        return result

    def modules(self):
        return [module for _, module in self.named_modules()]

    def _named_tensors(self, kind):
        """(dotted name, tensor) for every Parameter or Buffer (`kind`) in the model, each once."""
        seen, result = set(), []
        for module_name, module in self.named_modules():
            for name, value in module._members():
                if isinstance(value, kind) and id(value) not in seen:
                    seen.add(id(value))
                    result.append((f"{module_name}.{name}" if module_name else name, value))
        return result

    def named_parameters(self):
        """(name, Parameter) pairs with PyTorch's names, e.g. ('0.weight', ...), shared ones once."""
        return self._named_tensors(Parameter)

    @property
    def parameters(self):
        """Every Parameter of the model, as a list that may also be called.

        `model.parameters()` (PyTorch's spelling) and `model.parameters` (reference document 004's) both
        give the list; pass either to an optimizer.
        """
        return ParameterList(param for _, param in self.named_parameters())

    def named_buffers(self):
        return self._named_tensors(Buffer)

    def buffers(self):
        return [buffer for _, buffer in self.named_buffers()]

    # --- modes -----------------------------------------------------------------------------------

    def train(self, mode=True):
        """Training mode (dropout drops, batch norm uses batch statistics) for this module and its parts."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: the same as train(False)."""
        return self.train(False)

    def is_training(self):
        return getattr(self, "training", True)

    def no_grad(self):
        """A context in which no graph is recorded: `with model.no_grad(): predictions = model(x)`."""
        return no_grad()

    def zero_grad(self):
        """Forget the gradients of every parameter (they become None, as in PyTorch)."""
        for param in self.parameters():
            param.grad = None

    # --- the manual style (reference document 003) -------------------------------------------------

    def backward(self, grad_output):
        """Backpropagate dL/d(output) through this module's last call only; returns dL/d(input) as an array.

        Parameter gradients accumulate in each parameter's .grad. Call the module on NumPy arrays (or on
        tensors with requires_grad=True) so that the input gradient is computed.
        """
        output, inputs = getattr(self, "_last_output", None), getattr(self, "_last_input", None)
        if output is None:
            raise RuntimeError(f"{type(self).__name__}.backward: call the module before backward()")
        grad = grad_output.data if isinstance(grad_output, Tensor) else grad_output
        output.backward(output.xp.asarray(grad, dtype=output.dtype), stop_at=(inputs,))
        if inputs is None or inputs.grad is None:
            return None
        input_grad, inputs.grad = inputs.grad.data, None
        return input_grad

    def update_weights(self, learning_rate):
        """Plain gradient descent on every parameter: w <- w - learning_rate * dL/dw."""
        for param in self.parameters():
            if param.grad is not None:
                param.data -= learning_rate * param.grad.data

    # --- state, devices, dtypes ------------------------------------------------------------------

    def state_dict(self):
        """{name: NumPy array} for every parameter and buffer, with PyTorch's keys; copies, safe to pickle."""
        return OrderedDict((name, tensor.numpy().copy()) for name, tensor in self._state_tensors())

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (NumPy, CuPy, aino or torch tensors) into the parameters and buffers, in place."""
        own = OrderedDict(self._state_tensors())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        if strict and (missing or unexpected):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, unexpected keys {unexpected}"
            )
        for name, tensor in own.items():
            if name in state_dict:
                value = _host(state_dict[name])
                if tuple(value.shape) != tuple(tensor.shape):
                    raise ValueError(
                        f"{type(self).__name__}.load_state_dict: {name!r} expects shape "
                        f"{tuple(tensor.shape)}, got {tuple(value.shape)}"
                    )
                tensor.data[...] = tensor.xp.asarray(value, dtype=tensor.dtype)
        return IncompatibleKeys(missing, unexpected)

    def _state_tensors(self):
        return self.named_parameters() + self.named_buffers()

    def to(self, device=None, dtype=None):
        """Move every parameter and buffer to `device` and/or cast floating ones to `dtype`, in place."""
        dtype = parse_dtype(dtype)
        for _, tensor in self._state_tensors():
            cast = dtype if dtype is not None and tensor.dtype.kind == "f" else None
            tensor.to(device, dtype=cast, inplace=True)
        return self

    def set_device(self, device):
        return self.to(device=device)

    def set_dtype(self, dtype):
        return self.to(dtype=dtype)

    def __repr__(self):
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): " + repr(module).replace("\n", "\n  ") for name, module in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self):
        return ""


class ParameterList(list):
    """A list of parameters that returns itself when called, so `model.parameters()` works as in PyTorch."""

    def __call__(self):
        return self


BaseModel = Module  # reference document 004 names
Base_Layer = Module


def _open(name, value):
    if isinstance(value, (Module, Parameter, Buffer)):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _open(f"{name}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _open(f"{name}.{key}", item)


def _walk_modules(module, prefix, seen, result):
    if id(module) in seen:
        return
    seen.add(id(module))
    result.append((prefix, module))
    for name, child in module.named_children():
        _walk_modules(child, f"{prefix}.{name}" if prefix else name, seen, result)


def _as_tensor(value):
    """NumPy/CuPy arrays become tensors that collect an input gradient (for Module.backward)."""
    if isinstance(value, Tensor) or not hasattr(value, "__array_interface__") and not hasattr(value, "__cuda_array_interface__"):
        return value
    return Tensor(value, requires_grad=value.dtype.kind == "f")


def _host(value):
    """A NumPy or CuPy array from an aino/torch tensor or an array."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().cpu().numpy()
    return value if hasattr(value, "shape") else array_module(value).asarray(value)

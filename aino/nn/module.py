"""Module: the base class of every layer and model (alias BaseModel).

A Module finds its parts by looking at its attributes: any attribute that is a Module, a Parameter or a
Buffer, or a list, tuple or dict of them, is part of the model, whenever it was filled in. Names follow
PyTorch (`fc1.weight`, `blocks.0.conv1.bias`), so state dicts move between aino and PyTorch.
"""

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

from aino.backend import FLOAT32, array_module, cuda_device, device_or_dtype
from aino.nn.checks import as_numbers
from aino.nn.parameter import Buffer, Parameter
from aino.tensor import Tensor, no_grad
from aino import hooks
from aino.validation import InvalidOperationError, check_bool, check_real

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class: subclass it, create layers in __init__, compute in forward(); call the module to run it."""

    def __init__(self):
        self.training = True

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *inputs, **options):
        inputs = tuple(_as_tensor(value) for value in inputs)
        if hooks.active: hooks.module_entered(self)  # noqa: E701  (aino.trace: which layer the ops run in)
        output = self.forward(*inputs, **options)
        self._last_input, self._last_output = (inputs[0] if inputs else None), output
        if hooks.active: hooks.module_called(self, inputs, output)  # noqa: E701  (aino.trace)
        return output

    _LAST_CALL = ("_last_input", "_last_output")  # kept for the manual backward; their graph is not state

    def __getstate__(self):
        """What pickle and copy.deepcopy copy: everything but the last call's input and output, whose graph
        holds the array module (not copyable) and is no part of the model."""
        return {name: value for name, value in vars(self).items() if name not in self._LAST_CALL}

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

    def _named_tensors(self, *kinds):
        """(dotted name, tensor) for every tensor of the `kinds` (Parameter, Buffer) in the model, each once, in
        PyTorch's order: module by module, each one's own tensors of the first kind, then of the next."""
        seen, result = set(), []
        for module_name, module in self.named_modules():
            members = list(module._members())
            for kind in kinds:
                for name, value in members:
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
        return CallableList(param for _, param in self.named_parameters())

    def named_buffers(self):
        return self._named_tensors(Buffer)

    def buffers(self):
        return [buffer for _, buffer in self.named_buffers()]

    # --- PyTorch's ways of adding parts and of walking them ----------------------------------------

    def register_buffer(self, name, tensor, persistent=True):
        """Keep `tensor` (a Tensor or array, or None) as the buffer `name`, e.g. a positional-encoding table:
        moved by to(), never learned, saved in state_dict unless persistent=False."""
        _check_part_name(self, name, "register_buffer")
        setattr(self, name, None if tensor is None else Buffer(tensor))
        if not check_bool(persistent, "persistent", f"{type(self).__name__}.register_buffer"):
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    def register_parameter(self, name, param):
        """Keep `param` (a Parameter, or None) as the parameter `name`."""
        _check_part_name(self, name, "register_parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}.register_parameter: {name!r} must be a Parameter or None, "
                            f"got {type(param).__name__}")
        setattr(self, name, param)

    def add_module(self, name, module):
        """Keep `module` (a Module, or None) as the sub-module `name`."""
        _check_part_name(self, name, "add_module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module: {name!r} must be a Module or None, "
                            f"got {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def apply(self, fn):
        """Call fn(module) on every sub-module and then on this one (children first, as PyTorch), e.g. to
        initialise weights: model.apply(init_weights). Returns the module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad=True):
        """Let every parameter learn (True) or freeze it (False), in place; returns the module."""
        flag = check_bool(requires_grad, "requires_grad", f"{type(self).__name__}.requires_grad_")
        for param in self.parameters():
            param.requires_grad = flag
        return self

    # --- modes -----------------------------------------------------------------------------------

    def train(self, mode=True):
        """Training mode (dropout drops, batch norm uses batch statistics) for this module and its parts."""
        mode = check_bool(mode, "mode", f"{type(self).__name__}.train")  # train("no") must not mean True
        for module in self.modules():
            module.training = mode
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
        owner = f"{type(self).__name__}.backward"
        output, inputs = getattr(self, "_last_output", None), getattr(self, "_last_input", None)
        if output is None:
            raise InvalidOperationError(f"{owner}: call the module before backward()")
        grad = as_numbers(grad_output, "grad_output (dL/d(output))", owner)  # its shape is checked by Tensor.backward
        output.backward(output.xp.asarray(grad, dtype=output.dtype), stop_at=(inputs,))
        if inputs is None or inputs.grad is None:
            return None
        input_grad, inputs.grad = inputs.grad.data, None
        return input_grad

    def update_weights(self, learning_rate):
        """Plain gradient descent on every parameter: w <- w - learning_rate * dL/dw."""
        learning_rate = check_real(learning_rate, "learning_rate", f"{type(self).__name__}.update_weights", minimum=0)
        for param in self.parameters():
            if param.grad is not None:
                param.data -= learning_rate * param.grad.data

    # --- state, devices, dtypes ------------------------------------------------------------------

    def state_dict(self):
        """{name: NumPy array} for every parameter and (persistent) buffer, with PyTorch's keys; copies, safe
        to pickle."""
        return OrderedDict((name, tensor.numpy().copy()) for name, tensor in self._saved_tensors())

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (NumPy, CuPy, aino or torch tensors) into the parameters and buffers, in place.

        Everything is checked before anything is copied, so a refused state dict changes nothing: it must
        be a mapping {name: array} of numbers, each of its parameter's shape, with no missing or unexpected
        names (unless strict=False). Returns (missing_keys, unexpected_keys), as PyTorch does.
        """
        owner = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{owner}: expected a mapping {{name: array}} such as state_dict() returns, "
                            f"got {type(state_dict).__name__}")
        own = OrderedDict(self._saved_tensors())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        if strict and (missing or unexpected):
            raise ValueError(f"{owner}: missing keys {missing}, unexpected keys {unexpected}")
        values = {name: _loadable(state_dict[name], tensor, f"{owner}: {name!r}")
                  for name, tensor in own.items() if name in state_dict}
        for name, value in values.items():
            own[name].data[...] = own[name].xp.asarray(value, dtype=own[name].dtype)
        return IncompatibleKeys(missing, unexpected)

    def _state_tensors(self):
        """(name, tensor) for every parameter and buffer in PyTorch's state_dict order."""
        return self._named_tensors(Parameter, Buffer)

    def _saved_tensors(self):
        """_state_tensors less the buffers registered with persistent=False (which state_dict leaves out)."""
        skipped = {f"{prefix}.{name}" if prefix else name
                   for prefix, module in self.named_modules() for name in module.__dict__.get("_non_persistent", ())}
        return [(name, tensor) for name, tensor in self._state_tensors() if name not in skipped]

    def to(self, device=None, dtype=None):
        """Move every parameter and buffer to `device` and/or cast floating ones to `dtype` (a floating-point
        type: parameters must stay differentiable, as PyTorch), in place. model.to(aino.float64) casts too."""
        device, dtype = device_or_dtype(device, dtype, f"{type(self).__name__}.to")
        if dtype is not None and dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: dtype must be a floating-point type (float32, float64), got {dtype}")
        for _, tensor in self._state_tensors():
            cast = dtype if dtype is not None and tensor.dtype.kind == "f" else None
            tensor.to(device, dtype=cast, inplace=True)
        return self

    def cpu(self):
        """Every parameter and buffer on the CPU, in place; returns the module (as PyTorch)."""
        return self.to("cpu")

    def cuda(self, device=None):
        """Every parameter and buffer on the GPU (CuPy), in place: `device` None or a GPU index, as PyTorch."""
        return self.to(cuda_device(device))

    def float(self):
        return self.to(dtype=FLOAT32)

    def double(self):
        return self.to(dtype="float64")

    def half(self):
        return self.to(dtype="float16")

    def set_device(self, device):
        return self.to(device=device)

    def set_dtype(self, dtype):
        return self.to(dtype=dtype)

    def _name(self):
        """How errors name this module: its class, or with its sizes where a layer says so ("Linear(3 -> 4)")."""
        return type(self).__name__

    def __repr__(self):
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        extra = self.extra_repr()  # as PyTorch: the module's own settings first, then its children
        lines = [f"  {line}" for line in extra.split("\n") if line]
        lines += [f"  ({name}): " + repr(module).replace("\n", "\n  ") for name, module in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self):
        return ""


class CallableList(list):
    """A list of parameters that returns itself when called, so `model.parameters()` works as in PyTorch."""

    def __call__(self):
        return self


def _open(name, value):
    if isinstance(value, (Module, Parameter, Buffer)):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _open(f"{name}.{i}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _open(f"{name}.{key}", item)


def _check_part_name(module, name, method):
    """A part's name: a non-empty string without '.' (PyTorch raises KeyError for those, TypeError for others)."""
    owner = f"{type(module).__name__}.{method}"
    if not isinstance(name, str):
        raise TypeError(f"{owner}: the name must be a string, got {type(name).__name__} {name!r:.40}")
    if not name or "." in name:
        raise KeyError(f"{owner}: the name must be non-empty and contain no '.', got {name!r:.40}")


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


def _loadable(value, tensor, what):
    """`value` as an array that may be copied into `tensor`: numbers, of the tensor's shape."""
    try:
        value = _host(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{what} expects an array of shape {tuple(tensor.shape)}, got {type(value).__name__} ({error})") from None
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind not in ("b", "i", "u", "f"):
        raise TypeError(f"{what} expects numbers (bool, integer or float), got {type(value).__name__} of dtype "
                        f"{getattr(value, 'dtype', None)}")
    if tuple(value.shape) != tuple(tensor.shape):
        raise ValueError(f"{what} expects shape {tuple(tensor.shape)}, got {tuple(value.shape)}")
    return value


def _host(value):
    """A NumPy or CuPy array from an aino/torch tensor or an array."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().cpu().numpy()
    return value if hasattr(value, "shape") else array_module(value).asarray(value)

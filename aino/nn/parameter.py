"""Parameter and Buffer: the tensors a Module owns."""

from aino.tensor import Tensor


class Parameter(Tensor):
    """A Tensor the model learns: requires_grad=True by default, found by Module.parameters()."""

    def __init__(self, data, requires_grad=True, dtype=None, device=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, device=device)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A Tensor the model keeps but does not learn (e.g. BatchNorm's running mean); saved in state_dict."""

    def __init__(self, data, dtype=None, device=None):
        super().__init__(data, requires_grad=False, dtype=dtype, device=device)

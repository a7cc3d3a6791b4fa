"""aino's ops, one file per family, each op a class with forward and backward (see function.py).

The module-level functions (cat, stack, where, ...) accept Tensors, arrays and numbers; they live in
aino/tensor.py next to the Tensor they build and are found here on first use (tensor.py imports the
op files, so this package cannot import tensor.py while it loads).
"""

from aino.ops.function import (
    Function,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    unbroadcast,
    unbroadcast_grad,
)

_FROM_TENSOR = ("cat", "concatenate", "gather", "linear", "matmul", "one_hot", "stack", "where")

__all__ = [
    "Function", "enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled", "unbroadcast",
    "unbroadcast_grad", *_FROM_TENSOR,
]


def __getattr__(name):
    if name in _FROM_TENSOR:
        import aino.tensor

        return getattr(aino.tensor, name)
    raise AttributeError(f"module 'aino.ops' has no attribute {name!r}")

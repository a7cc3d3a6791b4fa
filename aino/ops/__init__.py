"""aino's ops, one file per family, each op a class with forward and backward (see function.py).

The module-level functions (cat, stack, where, ...) accept Tensors, arrays and numbers; they live in
aino/functional.py and are found here on first use (they need the Tensor, and tensor.py imports the op
files, so this package cannot import them while it loads).
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

_FUNCTIONS = ("cat", "concatenate", "gather", "linear", "one_hot", "stack", "where")  # matmul is the op file

__all__ = [
    "Function", "enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled", "unbroadcast",
    "unbroadcast_grad", *_FUNCTIONS,
]


def __getattr__(name):
    if name in _FUNCTIONS:
        import importlib

        return getattr(importlib.import_module("aino.functional"), name)
    raise AttributeError(f"module 'aino.ops' has no attribute {name!r}")

"""The Tensor's sort, argsort, topk, kthvalue (aino/ops/sort.py) and cumsum, cumprod (aino/ops/scan.py):
each a call of its op, where its formula stands. Sorts and picks return (values, indices), as PyTorch."""

from aino.ops import scan, sort
from aino.tensor_reductions import _as_dtype


class OrderingMethods:
    """Mixed into Tensor: sorting, picking the k-th values, running sums and products."""

    __slots__ = ()

    def sort(self, dim=-1, descending=False, *, stable=False):
        """(values, indices): the values along `dim` in order, and where each came from (ties keep their order)."""
        return sort.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, *, stable=False):
        """The int64 indices that sort the values along `dim`."""
        return sort.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """(values, indices): the k largest (largest=False: smallest) values along `dim`, in order."""
        return sort.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        """(values, indices): the k-th smallest value along `dim` (k from 1)."""
        return sort.kthvalue(self, k, dim, keepdim)

    def cumsum(self, dim, *, dtype=None):
        """Running sums along `dim`; integers and bools give int64, as PyTorch; dtype= casts first."""
        return scan.Cumsum.apply(_as_dtype(self, dtype, "Tensor.cumsum"), dim=dim)

    def cumprod(self, dim, *, dtype=None):
        """Running products along `dim`; integers and bools give int64, as PyTorch; dtype= casts first."""
        return scan.Cumprod.apply(_as_dtype(self, dtype, "Tensor.cumprod"), dim=dim)

"""The Tensor's sort, argsort, topk, cumsum, cumprod (aino/ops/sort.py, aino/ops/scan.py): each a call of its op, where its formula stands."""


class OrderingMethods:
    """Mixed into Tensor."""

    __slots__ = ()

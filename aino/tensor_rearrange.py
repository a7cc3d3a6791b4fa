"""The Tensor's flip, roll, tril, triu, split, chunk, repeat, masked_fill, scatter, scatter_add, nonzero (aino/ops/rearrange.py, aino/ops/scatter.py): each a call of its op, where its formula stands."""


class RearrangeMethods:
    """Mixed into Tensor."""

    __slots__ = ()

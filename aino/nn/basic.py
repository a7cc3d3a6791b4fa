"""Small layers that reshape or regularise: Flatten and Dropout."""

from aino.nn.module import Module
from aino.tensor import get_rng


class Flatten(Module):
    """Joins dimensions start_dim..end_dim into one; by default keeps the batch axis: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zeroes each element with probability p and scales the rest by 1 / (1 - p); identity in eval."""

    def __init__(self, p=0.5, inplace=False, rate=None):
        super().__init__()
        p = p if rate is None else rate  # reference document 000 calls it the rate
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p!r}")
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = get_rng().random(x.shape) >= self.p
        mask = x.xp.asarray(keep, dtype=x.dtype) / x.dtype.type(1 - self.p)
        return x * mask

    def extra_repr(self):
        return f"p={self.p}"

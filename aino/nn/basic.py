"""Small layers that reshape or regularise: Flatten and Dropout."""

from aino.nn import checks
from aino.nn.module import Module
from aino.tensor import get_rng
from aino.validation import check_dim, check_int


class Flatten(Module):
    """Joins dimensions start_dim..end_dim into one; by default keeps the batch axis: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = check_int(start_dim, "start_dim", "Flatten")
        self.end_dim = check_int(end_dim, "end_dim", "Flatten")

    def forward(self, x):
        x = checks.tensor_input(self, x, kinds=None)
        for name, dim in (("start_dim", self.start_dim), ("end_dim", self.end_dim)):
            check_dim(dim, x.ndim, f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim})", name)
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """In training, zeroes each element with probability p and scales the rest by 1 / (1 - p); identity in eval.

    p = 1 zeroes everything (as PyTorch); p = 0 is the identity.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = checks.probability(p, "p (the probability of an element to be zeroed)", "Dropout")

    def forward(self, x):
        if not self.training or self.p == 0:
            return checks.tensor_input(self, x, kinds=None)
        x = checks.tensor_input(self, x)
        if self.p == 1:
            return x * 0.0
        keep = get_rng().random(x.shape) >= self.p
        mask = x.xp.asarray(keep, dtype=x.dtype) / x.dtype.type(1 - self.p)
        return x * mask

    def extra_repr(self):
        return f"p={self.p}"

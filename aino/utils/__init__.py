"""aino.utils: helpers around training, as PyTorch's torch.utils (data: datasets, random_split, DataLoader)."""

from aino.utils import data

__all__ = ["data"]

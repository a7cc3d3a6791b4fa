"""torch.cuda's everyday questions, answered from aino's backend: `aino.cuda.is_available()` is True where
CuPy sees an NVIDIA GPU, so `device = "cuda" if torch.cuda.is_available() else "cpu"` works with
`import aino as torch`."""

from aino.backend import DeviceType, get_available_devices
from aino.tensor_creation import manual_seed


def device_count():
    """How many CUDA GPUs CuPy can see (0 without CuPy)."""
    return len([d for d in get_available_devices() if d.type is DeviceType.CUDA])


def is_available():
    """True where a CUDA GPU can be computed on."""
    return device_count() > 0


def manual_seed_all(seed):
    """Seed aino's one generator (it makes the random tensors of every device)."""
    manual_seed(seed)


__all__ = ["device_count", "is_available", "manual_seed", "manual_seed_all"]

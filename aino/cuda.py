"""torch.cuda's everyday questions, answered from aino's backend: `aino.cuda.is_available()` is True where
CuPy sees an NVIDIA GPU, so `device = "cuda" if torch.cuda.is_available() else "cpu"` works with
`import aino as torch`."""

from aino.backend import DeviceType, cuda_device, get_available_devices, module_for
from aino.tensor_creation import manual_seed


def device_count():
    """How many CUDA GPUs CuPy can see (0 without CuPy)."""
    return len([d for d in get_available_devices() if d.type is DeviceType.CUDA])


def is_available():
    """True where a CUDA GPU can be computed on."""
    return device_count() > 0


def current_device():
    """The index of the GPU that "cuda" means (always 0: aino computes on the first unless told "cuda:1");
    a RuntimeError naming what is missing where there is no CuPy or no GPU."""
    module_for("cuda")
    return 0


def synchronize(device=None):
    """Wait until the GPU has finished the work queued on it (CuPy runs kernels asynchronously): call it
    before reading a clock. `device` None, an index or "cuda:1"."""
    device = cuda_device(device)
    xp = module_for(device)
    xp.cuda.Device(device.index or 0).synchronize()


def manual_seed_all(seed):
    """Seed aino's one generator: it draws the random numbers of every device (on the host, then copied
    over), so a seed gives the same weights and dropout masks on the CPU and on a GPU."""
    manual_seed(seed)


__all__ = ["current_device", "device_count", "is_available", "manual_seed", "manual_seed_all", "synchronize"]

"""Resampling layers: Upsample (PyTorch's arguments), UpsamplingNearest2d and UpsamplingBilinear2d. They hold
no parameters; the op, with its matrices and their adjoints, is aino/ops/resample.py."""

import numbers

from aino.nn import checks
from aino.nn.module import Module
from aino.ops.resample import Resample, check_mode, resample_options


class Upsample(Module):
    """y = x resampled to `size` or by `scale_factor` (an int or float, or one per spatial axis) with `mode`
    "nearest", "nearest-exact", "linear" (N, C, L), "bilinear", "bicubic" (N, C, H, W), "trilinear" or "area";
    align_corners (linear modes only) lines up the centres of the corner pixels of input and output."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        name = type(self).__name__
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{name}: expected exactly one of size and scale_factor, got size={size!r} and "
                             f"scale_factor={scale_factor!r}")
        if not isinstance(mode, str):
            raise TypeError(f"{name}: mode must be a string such as 'nearest' or 'bilinear', got {type(mode).__name__}")
        check_mode(mode, align_corners, name)
        self.size = size if size is None or isinstance(size, numbers.Integral) else tuple(size)
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(v) for v in scale_factor)
        else:
            self.scale_factor = None if scale_factor is None else float(scale_factor)
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, x):
        x = checks.tensor_input(self, x)
        options = resample_options(x, self.size, self.scale_factor, self.mode, self.align_corners,
                                   self.recompute_scale_factor, self._name())
        return Resample.apply(x, **options)

    def extra_repr(self):
        given = f"scale_factor={self.scale_factor!r}" if self.size is None else f"size={self.size!r}"
        return f"{given}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Upsample(size, scale_factor, mode="nearest") of images (N, C, H, W), as PyTorch's."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(size, scale_factor, mode="bilinear", align_corners=True) of images (N, C, H, W), as PyTorch's."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)

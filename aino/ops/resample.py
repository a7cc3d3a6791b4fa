"""Resampling (torch's F.interpolate): each output position reads the input at a source coordinate, one spatial
axis at a time, so the whole op is one matrix per axis (see AxisMatrices in pool.py):

    y = A_1 x A_2^T (in 2-D)            dL/dx = A_1^T grad A_2

Row i of an axis's matrix A (out, in) holds the weights output i gives the inputs. With `scale` the
input length per output step (1 / scale_factor when one is given, else in / out; with align_corners,
(in - 1) / (out - 1), so that the first and last pixels' centres line up):

    nearest         src = min(floor(i scale), in - 1)                   A[i, src] = 1
    nearest-exact   src = min(floor((i + 1/2) scale), in - 1)           A[i, src] = 1
    linear          s = (i + 1/2) scale - 1/2, at least 0 (align_corners: s = i scale), j = floor(s), t = s - j:
                    A[i, j] = 1 - t, A[i, min(j + 1, in - 1)] += t      (bilinear, trilinear: on every axis)
    bicubic         the four inputs j - 1 .. j + 2 (clamped to the edges) with Keys' cubic weights, a = -0.75
    area            the adaptive average of pool.py

For nearest A holds one 1 per row, so the forward is a gather and its adjoint A^T grad adds each
output's gradient back onto the input it copied (a scatter-add); for linear each gradient is shared
between the two inputs in the proportions 1 - t and t that made the output.
"""

import math
import numbers

from aino.backend import FLOAT32, INT64
from aino.ops.pool import AxisMatrices, averaging_matrix
from aino.validation import check_int

OWNER = "interpolate"
MODES = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "area": (3, 4, 5), "linear": (3,), "bilinear": (4,),
         "bicubic": (4,), "trilinear": (5,)}
CUBIC_A = -0.75  # PyTorch's (and OpenCV's) choice of Keys' parameter


def cubic_weights(t):
    """Keys' cubic convolution weights of the inputs at distances 1 + t, t, 1 - t, 2 - t from the source point."""
    a = CUBIC_A
    near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1  # noqa: E731  |d| <= 1
    far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a  # noqa: E731  1 < |d| < 2
    return far(t + 1), near(t), near(1 - t), far(2 - t)


class Resample(AxisMatrices):
    """y = x resampled to `output_size` by the matrices of the module docstring; dL/dx = A^T grad on each axis.

    `scales` holds each axis's scale_factor (None: from the sizes), as PyTorch passes it to its kernels.
    """

    name = "interpolate"

    def __init__(self, output_size, mode, align_corners=False, scales=None):
        super().__init__(output_size)
        self.mode, self.align_corners = mode, align_corners
        self.scales = scales or (None,) * len(self.output_size)

    def source_scale(self, size, out_size, axis):
        """Input positions per output position: (in - 1) / (out - 1) with align_corners, else 1 / scale_factor
        when one was given, else in / out."""
        if self.align_corners and self.mode not in ("nearest", "nearest-exact"):
            return (size - 1) / (out_size - 1) if out_size > 1 else 0.0
        factor = self.scales[axis]
        if self.mode in ("nearest", "nearest-exact"):  # PyTorch divides in float32 here
            return 1.0 / factor if factor is not None else float(FLOAT32.type(size) / FLOAT32.type(out_size))
        return 1.0 / factor if factor is not None else size / out_size

    def matrix(self, size, out_size, dtype, axis):
        xp = self.xp
        if self.mode == "area":
            return averaging_matrix(xp, size, out_size, dtype)
        scale, i = self.source_scale(size, out_size, axis), xp.arange(out_size)
        a = xp.zeros((out_size, size), dtype=dtype)
        if self.mode in ("nearest", "nearest-exact"):
            shift = 0.5 if self.mode == "nearest-exact" else 0.0  # in float32, as PyTorch rounds it
            source = (i.astype(FLOAT32) + FLOAT32.type(shift)) * FLOAT32.type(scale)
            a[i, xp.minimum(xp.floor(source).astype(INT64), size - 1)] = 1
            return a
        source = i * scale if self.align_corners else (i + 0.5) * scale - 0.5
        if self.mode == "bicubic":
            j = xp.floor(source).astype(INT64)
            for offset, weight in zip(range(-1, 3), cubic_weights(source - j)):
                a[i, xp.clip(j + offset, 0, size - 1)] += weight  # beyond an edge reads the edge pixel
            return a
        source = xp.maximum(source, 0.0)
        j = xp.minimum(xp.floor(source).astype(INT64), size - 1)
        t = source - j
        a[i, j] += 1 - t
        a[i, xp.minimum(j + 1, size - 1)] += t
        return a


def output_sizes(spatial, size, scale_factor, owner=OWNER):
    """(the output's spatial sizes, the scale factors per axis or None), from exactly one of size and scale_factor."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{owner}: " + ("only one of size or scale_factor should be defined" if size is not None
                                         else "either size or scale_factor should be defined"))
    given, name = (size, "size") if size is not None else (scale_factor, "scale_factor")
    values = (given,) * len(spatial) if isinstance(given, numbers.Real) else given
    if not isinstance(values, (tuple, list)) or len(values) != len(spatial):
        raise ValueError(f"{owner}: input and {name} must have the same number of spatial dimensions, got input "
                         f"with spatial sizes {list(spatial)} and {name} {given!r:.60}")
    if size is not None:
        return tuple(check_int(v, "size", owner, minimum=1) for v in values), None
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v > 0 or not math.isfinite(v):
            raise ValueError(f"{owner}: scale_factor must be a number > 0 or a tuple of them, got {given!r:.60}")
    sizes = tuple(math.floor(n * float(v)) for n, v in zip(spatial, values))
    if min(sizes) < 1:
        raise ValueError(f"{owner}: input and output sizes should be greater than 0, got input {tuple(spatial)} "
                         f"and output {sizes} from scale_factor {given!r}")
    return sizes, tuple(float(v) for v in values)


def check_mode(mode, align_corners, owner=OWNER):
    """Refuse an unknown mode, and align_corners with a mode that does not interpolate, as PyTorch does."""
    if mode not in MODES:
        raise ValueError(f"{owner}: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if align_corners is not None and mode in ("nearest", "nearest-exact", "area"):
        raise ValueError(f"{owner}: align_corners option can only be set with the interpolating modes: "
                         f"linear | bilinear | bicubic | trilinear, got mode {mode!r}")


def resample_options(x, size, scale_factor, mode, align_corners, recompute_scale_factor, owner=OWNER):
    """The options of Resample for interpolate's arguments, checked against the input x."""
    check_mode(mode, align_corners, owner)
    if x.data.ndim not in MODES[mode]:
        wanted = " or ".join(f"{n}-D" for n in MODES[mode])
        raise ValueError(f"{owner}: mode {mode!r} needs {wanted} input (N, C, *S), got shape {tuple(x.data.shape)}")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{owner}: expected a floating-point input, got dtype {x.data.dtype}")
    sizes, scales = output_sizes(x.data.shape[2:], size, scale_factor, owner)
    if recompute_scale_factor:
        scales = None  # the coordinates then follow the sizes alone
    return dict(output_size=sizes, mode=mode, align_corners=bool(align_corners), scales=scales)


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
    """x (N, C, *S) resampled to `size` (an int, or one per spatial axis) or by `scale_factor` (output size
    floor(S scale_factor)), as torch's F.interpolate: modes nearest, nearest-exact and area (1 to 3 spatial
    axes), linear (N, C, L), bilinear and bicubic (N, C, H, W), trilinear (N, C, D, H, W)."""
    return Resample.apply(x, **resample_options(x, size, scale_factor, mode, align_corners, recompute_scale_factor))

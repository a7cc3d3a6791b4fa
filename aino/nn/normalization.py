"""Batch normalisation layers: BatchNorm1d for (N, C) and (N, C, L), BatchNorm2d for (N, C, H, W).

In training a layer normalises each channel with the statistics of the batch and keeps running
estimates of them; in evaluation (model.eval()) it uses those estimates, so one sample alone gets the
same answer as inside any batch. Names, buffers and updates are PyTorch's.
"""

import numpy

from aino.nn import checks
from aino.nn.module import Module
from aino.nn.parameter import Buffer, Parameter
from aino.ops.batchnorm import BatchNorm


class _BatchNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel (axis 1), with running estimates of mean and var.

    weight (gamma, starts at 1) and bias (beta, starts at 0) are shaped (num_features,) and exist when affine=True
    (bias=False leaves beta out).
    With track_running_stats=True the buffers running_mean (starts at 0), running_var (starts at 1) and
    num_batches_tracked (int64) are updated in each training step:
        running = (1 - momentum) * running + momentum * batch statistic
    with the unbiased batch variance; momentum=None makes it the plain average of all batches so far
    (momentum = 1 / num_batches_tracked). Without running statistics the batch's are used in eval mode too.
    """

    ndims = ()  # the accepted numbers of input dimensions
    shape_text = ""  # the accepted input shapes in words, C standing for num_features

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        owner = type(self).__name__
        self.num_features = checks.size(num_features, "num_features", owner)
        self.eps = checks.positive(eps, "eps", owner)
        self.momentum = None if momentum is None else checks.probability(momentum, "momentum", owner)
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = checks.float_dtype(dtype, owner)
        shape = (self.num_features,)
        checks.check_elements(owner, shape, dtype)
        self.weight = Parameter(numpy.ones(shape, dtype), device=device) if affine else None
        self.bias = Parameter(numpy.zeros(shape, dtype), device=device) if affine and bias else None
        if track_running_stats:
            self.running_mean = Buffer(numpy.zeros(shape, dtype), device=device)
            self.running_var = Buffer(numpy.ones(shape, dtype), device=device)
            self.num_batches_tracked = Buffer(numpy.array(0, dtype=numpy.int64), device=device)
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        x = self._check_input(x)
        use_batch_stats = self.training or not self.track_running_stats
        if x.numel() == 0:  # an empty batch: an empty result, the statistics left as they are (as PyTorch)
            if self.training and self.track_running_stats:
                self.num_batches_tracked.data += 1
            return x * 1
        if use_batch_stats and x.numel() // self.num_features < 2:
            raise ValueError(
                f"{self._name()} needs more than 1 value per channel to take batch statistics, "
                f"got input of shape {tuple(x.shape)}"
            )
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if momentum is None:  # cumulative average: batch k gets weight 1/k, worked out where the count is
                momentum = (1.0 / self.num_batches_tracked.data).astype(self.running_mean.dtype)  # nothing read back
        running = (self.running_mean.data, self.running_var.data) if self.track_running_stats else (None, None)
        params = [param for param in (self.weight, self.bias) if param is not None]
        return BatchNorm.apply(x, *params, training=use_batch_stats, running_mean=running[0],
                               running_var=running[1], momentum=momentum, eps=self.eps)

    def reset_running_stats(self):
        """Start the running estimates again: mean 0, variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def _check_input(self, x):
        """x as a float tensor of one of the accepted shapes, C = num_features."""
        x = checks.tensor_input(self, x)
        if x.ndim not in self.ndims or x.shape[1] != self.num_features:
            expected = self.shape_text.format(C=self.num_features)
            raise ValueError(f"{self._name()} expected input of shape {expected}, got {tuple(x.shape)}")
        return x

    def _name(self):
        return f"{type(self).__name__}({self.num_features})"

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs: each of the C features over the batch (and length)."""

    ndims = (2, 3)
    shape_text = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W): each of the C channels over the batch and all pixels."""

    ndims = (4,)
    shape_text = "(N, {C}, H, W)"

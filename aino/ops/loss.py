"""Losses as fused ops: each computes its per-element (or per-position) loss and the reduction in one
forward, and writes the whole derivative out in one backward.

Every op takes the input as its only tensor; the target (an array that never needs a gradient) and
the options go to the constructor. `reduction` is "mean" (the sum divided by `divisor`, by default the
number of losses), "sum" or "none" (one loss per element or position).

The star is softmax cross-entropy. With q the target distribution of a position (a one-hot row y,
perhaps smoothed and weighted) and p = softmax(z):

    loss = -sum_c q_c log p_c          dloss/dz = p * sum_c q_c - q

which for a plain one-hot y (sum_c y_c = 1) averaged over N samples is the famous (softmax(z) - y) / N.

Extreme logits stay finite wherever PyTorch's are: the shift by the max keeps exp from overflowing
(z = +-float max, or -inf), and a class with q_c = 0 adds nothing to the sum (0 log 0 = 0) even where
log p_c = -inf, which the plain product 0 * -inf would turn into NaN.

Nothing here reads a device array back to the host inside a step (on a GPU that waits for all the work queued
before it): where the CPU branches on a value (a divisor of 0, a non-finite loss), a GPU selects with where.
"""

import math

from aino.backend import waits_for_device
from aino.ops.function import Function

REDUCTIONS = ("mean", "sum", "none")
BCE_LOG_FLOOR = -100.0  # BCELoss clamps log(p) and log(1 - p) here, as PyTorch does, so p = 0 or 1 stays finite
BCE_GRAD_EPSILON = 1e-12  # PyTorch's floor for p (1 - p) in the BCE derivative


class ReducedLoss(Function):
    """Base of the fused losses: forward hands its losses to `reduce`; backward gets dL/d(each loss) from `spread`."""

    def __init__(self, target, reduction="mean", weight=None, divisor=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.target, self.reduction, self.weight, self.divisor = target, reduction, weight, divisor

    def reduce(self, losses, dtype):
        """The losses (times the weight, if any) summed, averaged (sum / divisor) or kept as they are, in `dtype`."""
        if self.weight is not None:
            losses = losses * self.weight
        self.loss_shape = losses.shape
        if self.reduction == "none":
            return losses.astype(dtype, copy=False)
        total = losses.sum()
        if self.reduction == "mean":
            if self.divisor is None:
                self.divisor = losses.size
            if self.divisor_on_host():
                total = total / self.divisor if self.divisor else total * math.nan  # every target ignored: NaN (PyTorch)
            else:  # the same, selected on the device
                nonzero = self.divisor != 0
                total = self.xp.where(nonzero, total / self.xp.where(nonzero, self.divisor, 1), math.nan)
        return self.xp.asarray(total, dtype=dtype)

    def divisor_on_host(self):
        """Whether the divisor of the mean can be read without waiting for a device: a number, or a CPU array."""
        return not waits_for_device(self.xp) or not hasattr(self.divisor, "shape")

    def spread(self, grad):
        """dL/d(each loss), weight included: grad itself for "none", copied to every loss for "sum", / divisor for "mean"."""
        if self.reduction == "mean":
            if self.divisor_on_host():
                grad = grad / self.divisor if self.divisor else grad * 0  # every target ignored: nothing to learn, 0
            else:  # the same, selected on the device
                nonzero = self.divisor != 0
                grad = grad / self.xp.where(nonzero, self.divisor, 1) * nonzero
        if self.reduction != "none":
            grad = self.xp.broadcast_to(grad, self.loss_shape)
        return grad if self.weight is None else grad * self.weight


def cross_entropies(xp, q, log_p, axis):
    """-sum_c q_c log p_c along `axis`, with 0 log 0 = 0: a class the target does not hold counts 0 even where
    log p_c = -inf. On the CPU the plain sum is taken first; only a position that came out inf or NaN is summed
    again with the zeros left out, so ordinary inputs pay one check over the positions, not a pass over every
    class. On a GPU that check would read a value back (a wait for the device), so the zeros are always left out."""
    if waits_for_device(xp):
        return -xp.where(q != 0, q * log_p, 0).sum(axis=axis)
    losses = -(q * log_p).sum(axis=axis)
    if not bool(xp.isfinite(losses).all()):
        losses = -xp.where(q != 0, q * log_p, 0).sum(axis=axis)
    return losses


class MSE(ReducedLoss):
    """(x - y)**2 per element; d/dx = 2 (x - y)."""

    name = "mse_loss"

    def forward(self, x):
        self.diff = x - self.target
        return self.reduce(self.diff**2, x.dtype)

    def backward(self, grad):
        return 2 * self.diff * self.spread(grad)


class L1(ReducedLoss):
    """|x - y| per element; d/dx = sign(x - y), 0 where x = y (as PyTorch)."""

    name = "l1_loss"

    def forward(self, x):
        self.diff = x - self.target
        return self.reduce(self.xp.abs(self.diff), x.dtype)

    def backward(self, grad):
        return self.xp.sign(self.diff) * self.spread(grad)


def clamped_log(xp, p):
    """log(p), never below -100: log(0) is -100 (PyTorch's rule in BCELoss), with no warning."""
    positive = p > 0
    return xp.where(positive, xp.maximum(xp.log(xp.where(positive, p, 1)), BCE_LOG_FLOOR), BCE_LOG_FLOOR)


def bce_gradient(xp, p, y):
    """d/dp of -[y log p + (1 - y) log(1 - p)] = (p - y) / (p (1 - p)), the denominator floored at 1e-12 (as PyTorch)."""
    return (p - y) / xp.maximum(p * (1 - p), BCE_GRAD_EPSILON)


class BCE(ReducedLoss):
    """-w [y log p + (1 - y) log(1 - p)] per element, logs clamped at -100; d/dp = w (p - y) / max(p (1 - p), 1e-12)."""

    name = "binary_cross_entropy"

    def forward(self, p):
        xp, y = self.xp, self.target
        self.p = p
        losses = -(y * clamped_log(xp, p) + (1 - y) * clamped_log(xp, 1 - p))
        return self.reduce(losses, p.dtype)

    def backward(self, grad):
        return bce_gradient(self.xp, self.p, self.target) * self.spread(grad)


class BCEWithLogits(ReducedLoss):
    """w [(1 - y) x + (1 + (pw - 1) y) log(1 + e^-x)] per element (pw = pos_weight, default 1);
    d/dx = w [(1 - y) - (1 + (pw - 1) y) sigmoid(-x)], which is w (sigmoid(x) - y) when pw = 1."""

    name = "binary_cross_entropy_with_logits"

    def __init__(self, target, reduction="mean", weight=None, pos_weight=None):
        super().__init__(target, reduction, weight)
        self.pos_weight = pos_weight

    def forward(self, x):
        xp, y = self.xp, self.target
        self.log_weight = 1 if self.pos_weight is None else 1 + (self.pos_weight - 1) * y
        tail = xp.log1p(xp.exp(-xp.abs(x)))  # log(1 + e^-|x|): softplus(+-x) = max(+-x, 0) + tail, never overflowing
        softplus_neg = xp.maximum(-x, 0) + tail  # log(1 + e^-x)
        self.sigmoid_neg = xp.exp(-(xp.maximum(x, 0) + tail))  # sigmoid(-x) = e^-softplus(x): 1 at x = -inf, 0 at +inf
        losses = (1 - y) * x + self.log_weight * softplus_neg
        return self.reduce(losses, x.dtype)

    def backward(self, grad):
        local = (1 - self.target) - self.log_weight * self.sigmoid_neg
        return local * self.spread(grad)


class SoftmaxCrossEntropy(ReducedLoss):
    """-sum_c q_c log softmax(z)_c per position (classes along `axis`, q the target distribution);
    dL/dz = softmax(z) * sum_c q_c - q, i.e. (softmax(z) - y) / N for one-hot y and a mean over N."""

    name = "cross_entropy"

    def __init__(self, target, axis=1, reduction="mean", divisor=None):
        super().__init__(target, reduction, divisor=divisor)
        self.axis = axis

    def forward(self, z):
        xp, q, axis = self.xp, self.target, self.axis
        shifted = z - z.max(axis=axis, keepdims=True)  # shifting by the max avoids overflow in exp
        e = xp.exp(shifted)
        total = e.sum(axis=axis, keepdims=True)
        self.p = e / total
        log_p = shifted - xp.log(total)
        return self.reduce(cross_entropies(xp, q, log_p, axis), z.dtype)

    def backward(self, grad):
        q, axis = self.target, self.axis
        g = self.xp.expand_dims(self.spread(grad), axis)
        return (self.p * q.sum(axis=axis, keepdims=True) - q) * g


class NLL(ReducedLoss):
    """-sum_c q_c x_c per position (x log-probabilities along `axis`, q the weighted one-hot target); d/dx = -q."""

    name = "nll_loss"

    def __init__(self, target, axis=1, reduction="mean", divisor=None):
        super().__init__(target, reduction, divisor=divisor)
        self.axis = axis

    def forward(self, x):
        return self.reduce(cross_entropies(self.xp, self.target, x, self.axis), x.dtype)

    def backward(self, grad):
        return -self.target * self.xp.expand_dims(self.spread(grad), self.axis)


# --- target distributions q for the two ops above ------------------------------------------------


def class_view(array, ndim, axis):
    """A (C,) per-class array shaped to broadcast along `axis` of an ndim-dimensional input."""
    shape = [1] * ndim
    shape[axis] = -1
    return array.reshape(shape)


def index_target(xp, indices, num_classes, axis, dtype, weight=None, ignore_index=-100, label_smoothing=0.0,
                 unchecked=False):
    """q for class indices: (1 - eps) w_y one_hot(y) + eps w / C per position, 0 where y = ignore_index (None: none).

    Returns (q, divisor): the divisor of the mean is sum of w_y over the kept positions, their
    number without weights (PyTorch's rule, label smoothing included).

    unchecked: the indices were not checked to lie in [0, C) (a GPU's, whose values are not read back). Then an
    index outside it (and not ignore_index) gives its position w_y = NaN, so its q, its loss and the mean are
    NaN; and no index reads outside w (CuPy would wrap it round without a word).
    """
    kept = xp.ones(indices.shape, dtype=bool) if ignore_index is None else indices != ignore_index
    if unchecked:
        outside = kept & ((indices < 0) | (indices >= num_classes))
        kept = kept & ~outside
    safe = xp.where(kept, indices, 0)
    picked = xp.expand_dims(safe, axis)
    ndim = picked.ndim
    one_hot = picked == class_view(xp.arange(num_classes), ndim, axis)
    w = xp.ones(num_classes, dtype=dtype) if weight is None else weight
    w_y = w[safe] * kept  # w of each position's class, 0 where ignored
    if unchecked:
        w_y = xp.where(outside, w.dtype.type(math.nan), w_y)
    w_y = xp.expand_dims(w_y, axis)
    q = one_hot * ((1 - label_smoothing) * w_y)
    if label_smoothing:
        q = q + (label_smoothing / num_classes) * class_view(w, ndim, axis) * xp.expand_dims(kept, axis)
    return q.astype(dtype, copy=False), w_y.sum()


def probability_target(target, num_classes, axis, dtype, weight=None, label_smoothing=0.0):
    """q for class probabilities t (one-hot rows or soft labels): w ((1 - eps) t + eps / C) (as PyTorch)."""
    q = target
    if label_smoothing:
        q = (1 - label_smoothing) * q + label_smoothing / num_classes
    if weight is not None:
        q = q * class_view(weight, target.ndim, axis)
    return q.astype(dtype, copy=False)

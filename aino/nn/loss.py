"""Loss functions: `loss_fn(input, target)` returns a Tensor, one element for reduction="mean" or "sum",
one loss per element (or per position) for reduction="none". Call `.backward()` on it.

The classes check what they are given and compute nothing themselves: each hands its input, target
and options to a fused op in `aino/ops/loss.py`, where the forward and the backward are written out.

PyTorch's losses, with its arguments and its maths:
    MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss
and the spellings of the reference documents:
    CrossEntropy, SoftmaxCrossEntropyLoss (document 004), BinaryCrossEntropy (document 003).
"""

import numpy

from aino.backend import array_module, move_array
from aino.nn.module import Module
from aino.ops import loss as L
from aino.tensor import Tensor


class Loss(Module):
    """Base class of the losses: `loss_fn(input, target)`; input a Tensor or an array, target never needs a gradient."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in L.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {L.REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def __call__(self, input, target):
        input = _as_input(input)
        return self.forward(input, _as_target(target, input))

    def forward(self, input, target):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def extra_repr(self):
        return f"reduction={self.reduction!r}"

    def error(self, expected, got):
        """A ValueError naming this loss, what it expected and what it received."""
        return ValueError(f"{type(self).__name__}: expected {expected}, got {got}")

    def same_shape_target(self, input, target):
        """The target of an elementwise loss: exactly the input's shape, in the input's dtype."""
        if target.shape != input.shape:
            raise self.error(f"target of the input's shape {input.shape}", f"shape {target.shape}")
        return target.astype(input.dtype, copy=False)

    def broadcast_weight(self, weight, input, name="weight"):
        """A weight that broadcasts to the input's shape, on the input's device and in its dtype."""
        if weight is None:
            return None
        weight = move_array(weight, input.device).astype(input.dtype, copy=False)
        try:
            fits = numpy.broadcast_shapes(weight.shape, input.shape) == input.shape
        except ValueError:
            fits = False
        if not fits:
            raise self.error(f"{name} broadcastable to the input's shape {input.shape}", f"shape {weight.shape}")
        return weight


class MSELoss(Loss):
    """Mean squared error: L = mean((x - y)**2) over every element; dL/dx = 2 (x - y) / n."""

    def forward(self, input, target):
        return L.MSE.apply(input, target=self.same_shape_target(input, target), reduction=self.reduction)


class L1Loss(Loss):
    """Mean absolute error: L = mean(|x - y|) over every element; dL/dx = sign(x - y) / n."""

    def forward(self, input, target):
        return L.L1.apply(input, target=self.same_shape_target(input, target), reduction=self.reduction)


class BCELoss(Loss):
    """Binary cross-entropy on probabilities p in [0, 1]: L = mean(-w [y log p + (1 - y) log(1 - p)]),
    each log clamped at -100 (as PyTorch), so p = 0 or 1 gives a large but finite loss."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = as_array(weight)

    def forward(self, input, target):
        target = self.same_shape_target(input, target)
        xp = input.xp
        if input.data.size and not bool(xp.all((input.data >= 0) & (input.data <= 1))):
            low, high = float(input.data.min()), float(input.data.max())
            raise self.error("probabilities in [0, 1] (apply a sigmoid, or use BCEWithLogitsLoss on logits)",
                             f"values from {low:g} to {high:g} in an input of shape {input.shape}")
        weight = self.broadcast_weight(self.weight, input)
        return L.BCE.apply(input, target=target, reduction=self.reduction, weight=weight)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits x, sigmoid fused in:
    L = mean(w [(1 - y) x + (1 + (pw - 1) y) log(1 + e^-x)]), pw = pos_weight (weighs the positive class; default 1)."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight, self.pos_weight = as_array(weight), as_array(pos_weight)

    def forward(self, input, target):
        target = self.same_shape_target(input, target)
        weight = self.broadcast_weight(self.weight, input)
        pos_weight = self.broadcast_weight(self.pos_weight, input, "pos_weight")
        return L.BCEWithLogits.apply(input, target=target, reduction=self.reduction, weight=weight, pos_weight=pos_weight)


class BinaryCrossEntropy(BCELoss):
    """Document 003's loss: mean binary cross-entropy on probabilities, L = -mean(y log p + (1 - y) log(1 - p)).

        loss = criterion(predictions, y)        # a one-element Tensor; f"{loss:.4f}" works
        grad = criterion.backward()             # dL/dpredictions = (p - y) / (p (1 - p)) / n, an array
    """

    def __init__(self):
        super().__init__(reduction="mean")
        self._last = None

    def forward(self, input, target):
        loss = super().forward(input, target)
        self._last = (input.data, target.astype(input.dtype, copy=False))
        return loss

    def backward(self, grad_output=1.0):
        """dL/dpredictions for the last call, an array of the predictions' shape and dtype (times grad_output)."""
        if self._last is None:
            raise RuntimeError("BinaryCrossEntropy.backward: call the loss on predictions and targets first")
        p, y = self._last
        grad = L.bce_gradient(array_module(p), p, y) * (grad_output / p.size)
        return grad.astype(p.dtype, copy=False)


# --- cross-entropy: classes along one axis -------------------------------------------------------


class ClassLoss(Loss):
    """Base of the losses over classes: finds the class axis, turns the target into a distribution q, runs `op`."""

    op = L.SoftmaxCrossEntropy
    probabilities_allowed = True  # a target of the input's shape holds class probabilities (or one-hot rows)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"{type(self).__name__}: label_smoothing must lie in [0, 1], got {label_smoothing}")
        self.weight, self.ignore_index, self.label_smoothing = as_array(weight), ignore_index, float(label_smoothing)

    def forward(self, input, target):
        axis = self.class_axis(input)
        q, divisor = self.target_distribution(input, target, axis)
        return self.op.apply(input, target=q, axis=axis, reduction=self.reduction, divisor=divisor)

    def class_axis(self, input):
        """PyTorch's layout: (N, C) or (N, C, d1, ...) has classes on axis 1, a single (C,) row on axis 0."""
        if input.ndim == 0:
            raise self.error("logits with a class axis, (N, C) or (N, C, d1, ...)", "a 0-d input")
        return 1 if input.ndim > 1 else 0

    def target_distribution(self, input, target, axis):
        """(q, divisor): the target distribution for the op, and the divisor of the mean (None: the positions)."""
        xp, shape = input.xp, input.shape
        classes = shape[axis]
        index_shape = shape[:axis] + shape[axis + 1:]
        weight = self.class_weight(input, classes)
        options = {"weight": weight, "label_smoothing": self.label_smoothing}
        if target.shape == shape and self.probabilities_allowed:
            return L.probability_target(target, classes, axis, input.dtype, **options), None
        if target.shape != index_shape:
            expected = f"target of shape {index_shape} (class indices)"
            if self.probabilities_allowed:
                expected += f" or {shape} (class probabilities, one-hot rows)"
            raise self.error(f"{expected} for input of shape {shape}", f"shape {target.shape}")
        indices = self.class_indices(xp, target, classes)
        return L.index_target(xp, indices, classes, axis, input.dtype, ignore_index=self.ignore_index, **options)

    def class_weight(self, input, classes):
        if self.weight is None:
            return None
        if self.weight.shape != (classes,):
            raise self.error(f"weight of shape ({classes},), one per class", f"shape {self.weight.shape}")
        return move_array(self.weight, input.device).astype(input.dtype, copy=False)

    def class_indices(self, xp, target, classes):
        """The target as int64 class indices, each in [0, classes) or equal to ignore_index."""
        if target.dtype.kind == "f":
            if not bool(xp.all(target == xp.round(target))):
                raise self.error("whole-number class indices", f"fractional values in a target of shape {target.shape}")
        elif target.dtype.kind not in "iub":
            raise self.error("integer class indices", f"dtype {target.dtype}")
        indices = target.astype("int64", copy=False)
        bad = (indices < 0) | (indices >= classes)
        if self.ignore_index is not None:
            bad &= indices != self.ignore_index
        if bool(bad.any()):
            ignored = "" if self.ignore_index is None else f" (or ignore_index={self.ignore_index})"
            raise self.error(f"class indices in [0, {classes}){ignored}", f"{int(indices[bad][0])} in a target of shape {target.shape}")
        return indices

    def extra_repr(self):
        extras = [super().extra_repr()]
        if self.ignore_index != -100 and self.ignore_index is not None:
            extras.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing:
            extras.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(extras)


class CrossEntropyLoss(ClassLoss):
    """Softmax cross-entropy on logits z, classes on axis 1 of (N, C) or (N, C, d1, ...) (as PyTorch).

    Per position with class index y: loss = -sum_c q_c log softmax(z)_c, q = (1 - eps) w_y one_hot(y) + eps w / C
    (eps = label_smoothing, w = weight, 1 by default); "mean" divides the sum by sum of w_y over the positions
    whose y is not ignore_index. A target of the input's shape holds class probabilities t: q = w ((1 - eps) t + eps / C),
    and "mean" divides by the number of positions.
    """


class NLLLoss(ClassLoss):
    """Negative log-likelihood on log-probabilities x (from log_softmax), classes on axis 1 (as PyTorch):
    loss = -w_y x_y per position, 0 where y = ignore_index; "mean" divides the sum by sum of w_y over the kept positions."""

    op = L.NLL
    probabilities_allowed = False

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, ignore_index, reduction)


class SoftmaxCrossEntropyLoss(ClassLoss):
    """Document 004's softmax cross-entropy: logits (..., C), classes on the LAST axis; targets class indices (...)
    or one-hot rows (..., C). L = mean over all leading positions of -log softmax(z)_y; dL/dz = (softmax(z) - y) / N."""

    def __init__(self):
        super().__init__(ignore_index=None)

    def class_axis(self, input):
        """Classes on the last axis: (..., C)."""
        if input.ndim == 0:
            raise self.error("logits of shape (..., C), classes on the last axis", "a 0-d input")
        return input.ndim - 1


class CrossEntropy(SoftmaxCrossEntropyLoss):
    """Document 004's cross-entropy: logits (N, C) and one-hot targets (N, C) (class indices (N,) work too);
    L = -(1/N) sum_n sum_c y_nc log softmax(z_n)_c; dL/dz = (softmax(z) - y) / N."""


# --- turning what users pass into arrays ---------------------------------------------------------


def as_array(value):
    """A weight, a target or an option as an array: Tensors give their data, lists become NumPy arrays."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        return value.data
    return value if hasattr(value, "dtype") and hasattr(value, "shape") else numpy.asarray(value)


def _as_input(value):
    """The input as a floating-point Tensor; an array becomes a Tensor that needs no gradient."""
    if not isinstance(value, Tensor):
        value = Tensor(value)  # aino's dtype rules: arrays keep theirs, Python floats become float32
    return value if value.dtype.kind == "f" else value.float()


def _as_target(value, input):
    """The target as an array on the input's device."""
    return move_array(as_array(value), input.device)

"""Loss functions: `loss_fn(input, target)` returns a Tensor, one element for reduction="mean" or "sum",
one loss per element (or per position) for reduction="none". Call `.backward()` on it.

The classes check what they are given and compute nothing themselves: each hands its input, target
and options to a fused op in `aino/ops/loss.py`, where the forward and the backward are written out.

PyTorch's losses, with its arguments and its maths:
    MSELoss, L1Loss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss
The reference documents' losses (CrossEntropy, SoftmaxCrossEntropyLoss, BinaryCrossEntropy) are in
aino/nn/aliases.py.

On a GPU the checks of the target's values differ. Reading a value back to the host (a class index, a
probability's range) stops the Python side until the device has finished all the work queued before it, every
step, so there they are not read: a value the loss has no meaning for (a class index outside [0, C), a
probability or binary target outside [0, 1]) makes the loss of its position NaN instead, and so the mean,
and its gradient NaN, never a silent finite number (PyTorch stops with a device-side assert there). The
CPU keeps the ValueError that names the bad value: to find it, run the same batch on the CPU.
"""

import math

import numpy

from aino.backend import move_array, waits_for_device
from aino.nn.checks import as_numbers
from aino.nn.module import Module
from aino.ops import loss as L
from aino.ops.index import value_ends
from aino.tensor import Tensor, is_grad_enabled
from aino.validation import check_int, check_real


class Loss(Module):
    """Base class of the losses: `loss_fn(input, target)`; input a Tensor or an array, target never needs a gradient."""

    def __init__(self, reduction="mean"):
        super().__init__()
        if not isinstance(reduction, str) or reduction not in L.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {L.REDUCTIONS}, got {reduction!r:.60}")
        self.reduction = reduction

    def __call__(self, input, target):
        input = _as_input(input, type(self).__name__)
        if isinstance(target, Tensor) and target.requires_grad and is_grad_enabled():
            return self.forward_with_target_gradient(input, target)
        return self.forward(input, _as_target(target, input, type(self).__name__))

    def forward(self, input, target):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def forward_with_target_gradient(self, input, target):
        """A target that requires a gradient: refused, rather than silently left without one (this loss's op
        treats its target as a constant; MSELoss and L1Loss compute the gradient instead)."""
        raise ValueError(f"{type(self).__name__}: expected a target that needs no gradient ({type(self).__name__} "
                         f"computes none for it), got one with requires_grad=True; pass target.detach()")

    def extra_repr(self):
        return f"reduction={self.reduction!r}"

    def error(self, expected, got):
        """A ValueError naming this loss, what it expected and what it received."""
        return ValueError(f"{type(self).__name__}: expected {expected}, got {got}")

    def same_shape_target(self, input, target):
        """The target of an elementwise loss: exactly the input's shape, in the input's dtype. (PyTorch broadcasts
        a mismatch with a warning; (N, 1) against (N,) would then compare every sample with every target.)"""
        if target.shape != input.shape:
            raise self.error(f"target of the input's shape {input.shape}", f"shape {target.shape}")
        return target.astype(input.dtype, copy=False)

    def check_unit_interval(self, xp, array, what, hint=""):
        """Refuse values outside [0, 1] (NaN included): one min and one max over the array, done only by the
        losses whose formula is meaningless there (a probability, a binary target). Host arrays only."""
        if array.size and not (float(xp.min(array)) >= 0 and float(xp.max(array)) <= 1):
            low, high = float(xp.min(array)), float(xp.max(array))
            raise self.error(f"{what} in [0, 1]{hint}", f"values from {low:g} to {high:g} in an array of shape {array.shape}")

    def unit_interval_target(self, xp, target, *checked):
        """`target`, each (array, what, hint) of `checked` required to lie in [0, 1]. On the CPU a value outside
        is the ValueError of check_unit_interval. On a GPU nothing is read back (see the module docstring): the
        target becomes NaN wherever a checked array is outside [0, 1] or NaN, so that element's loss is NaN."""
        if not waits_for_device(xp):
            for array, what, hint in checked:
                self.check_unit_interval(xp, array, what, hint)
            return target
        inside = None
        for array, _, _ in checked:
            here = (array >= 0) & (array <= 1)  # False for NaN too
            inside = here if inside is None else inside & here
        return xp.where(inside, target, target.dtype.type(math.nan))

    def on_device(self, name, array, input):
        """`array`, a setting of this loss kept on the host (a weight), on the input's device and in its dtype.
        On a GPU the copy is made once and kept (a copy in every step would be a transfer every step), so
        give the loss a new array rather than changing its weight in place."""
        if not waits_for_device(input.xp) and isinstance(array, numpy.ndarray):
            return array.astype(input.dtype, copy=False)
        moved = vars(self).setdefault("_moved", {})
        key = (name, str(input.device), input.dtype)
        if key not in moved or moved[key][0] is not array:
            moved[key] = (array, move_array(array, input.device).astype(input.dtype, copy=False))
        return moved[key][1]

    def broadcast_weight(self, weight, input, name="weight"):
        """A weight that broadcasts to the input's shape, on the input's device and in its dtype."""
        if weight is None:
            return None
        weight = self.on_device(name, weight, input)
        try:
            fits = numpy.broadcast_shapes(weight.shape, input.shape) == input.shape
        except ValueError:
            fits = False
        if not fits:
            raise self.error(f"{name} broadcastable to the input's shape {input.shape}", f"shape {weight.shape}")
        return weight


class DifferenceLoss(Loss):
    """A loss of the difference x - y (MSELoss, L1Loss): a target that requires a gradient gets one, as in PyTorch,
    through L(x - y, 0), whose dL/dy = -dL/d(x - y)."""

    def forward_with_target_gradient(self, input, target):
        self.same_shape_target(input, target.data)
        difference = input - target
        return self.forward(difference, difference.xp.zeros_like(difference.data))


class MSELoss(DifferenceLoss):
    """Mean squared error: L = mean((x - y)**2) over every element; dL/dx = 2 (x - y) / n."""

    def forward(self, input, target):
        return L.MSE.apply(input, target=self.same_shape_target(input, target), reduction=self.reduction)


class L1Loss(DifferenceLoss):
    """Mean absolute error: L = mean(|x - y|) over every element; dL/dx = sign(x - y) / n."""

    def forward(self, input, target):
        return L.L1.apply(input, target=self.same_shape_target(input, target), reduction=self.reduction)


class BCELoss(Loss):
    """Binary cross-entropy on probabilities p in [0, 1]: L = mean(-w [y log p + (1 - y) log(1 - p)]),
    each log clamped at -100 (as PyTorch), so p = 0 or 1 gives a large but finite loss. Targets y must lie in
    [0, 1] too (PyTorch checks both): y = 2 would make the loss negative, a silent wrong result. On a GPU
    neither is read back: an element with p or y outside [0, 1] gets a NaN loss instead of the CPU's ValueError."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = weight_array(weight, "weight", type(self).__name__)

    def forward(self, input, target):
        target = self.same_shape_target(input, target)
        target = self.unit_interval_target(
            input.xp, target, (input.data, "input probabilities", " (apply a sigmoid, or use BCEWithLogitsLoss on logits)"),
            (target, "targets", " (0 or 1, or a probability between)"))
        weight = self.broadcast_weight(self.weight, input)
        return L.BCE.apply(input, target=target, reduction=self.reduction, weight=weight)


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on logits x, sigmoid fused in:
    L = mean(w [(1 - y) x + (1 + (pw - 1) y) log(1 + e^-x)]), pw = pos_weight (weighs the positive class; default 1).

    Targets must lie in [0, 1]. PyTorch takes any target here, but outside [0, 1] the loss is not a
    cross-entropy: it is linear in y and unbounded below (y = 2 is minimised by x -> +inf), a silent wrong result.
    On a GPU the targets are not read back: one outside [0, 1] gives its element a NaN loss (a ValueError on the CPU).
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight = weight_array(weight, "weight", type(self).__name__)
        self.pos_weight = weight_array(pos_weight, "pos_weight", type(self).__name__)

    def forward(self, input, target):
        target = self.same_shape_target(input, target)
        target = self.unit_interval_target(input.xp, target, (target, "targets", " (0 or 1, or a probability between)"))
        weight = self.broadcast_weight(self.weight, input)
        pos_weight = self.broadcast_weight(self.pos_weight, input, "pos_weight")
        return L.BCEWithLogits.apply(input, target=target, reduction=self.reduction, weight=weight, pos_weight=pos_weight)


# --- cross-entropy: classes along one axis -------------------------------------------------------


class ClassLoss(Loss):
    """Base of the losses over classes: finds the class axis, turns the target into a distribution q, runs `op`."""

    op = L.SoftmaxCrossEntropy
    probabilities_allowed = True  # a target of the input's shape holds class probabilities (or one-hot rows)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        owner = type(self).__name__
        self.label_smoothing = check_real(label_smoothing, "label_smoothing", owner, minimum=0.0, maximum=1.0)
        self.weight = weight_array(weight, "weight", owner)
        self.ignore_index = None if ignore_index is None else check_int(ignore_index, "ignore_index", owner)

    def forward(self, input, target):
        axis = self.class_axis(input)
        q, divisor = self.target_distribution(input, target, axis)
        return self.op.apply(input, target=q, axis=axis, reduction=self.reduction, divisor=divisor)

    def class_axis(self, input):
        """PyTorch's layout: (N, C) or (N, C, d1, ...) has classes on axis 1, a single (C,) row on axis 0."""
        if input.ndim == 0:
            raise self.error("logits with a class axis, (N, C) or (N, C, d1, ...)", "a 0-d input")
        return self.some_classes(input, 1 if input.ndim > 1 else 0)

    def some_classes(self, input, axis):
        """`axis`, refused when it holds no class at all (C = 0: no target could be right)."""
        if input.shape[axis] == 0:
            raise self.error(f"at least one class on axis {axis}", f"an input of shape {input.shape}")
        return axis

    def target_distribution(self, input, target, axis):
        """(q, divisor): the target distribution for the op, and the divisor of the mean (None: the positions)."""
        xp, shape = input.xp, input.shape
        classes = shape[axis]
        index_shape = shape[:axis] + shape[axis + 1:]
        weight = self.class_weight(input, classes)
        options = {"weight": weight, "label_smoothing": self.label_smoothing}
        if target.shape == shape and self.probabilities_allowed:
            return L.probability_target(self.class_probabilities(xp, target), classes, axis, input.dtype, **options), None
        if target.shape != index_shape:
            expected = f"target of shape {index_shape} (class indices)"
            if self.probabilities_allowed:
                expected += f" or {shape} (class probabilities, one-hot rows)"
            raise self.error(f"{expected} for input of shape {shape}", f"shape {target.shape}")
        indices = self.class_indices(xp, target, classes)
        return L.index_target(xp, indices, classes, axis, input.dtype, ignore_index=self.ignore_index,
                              unchecked=waits_for_device(xp), **options)

    def class_probabilities(self, xp, target):
        """A target of the input's shape: probabilities in [0, 1] of a floating dtype (as PyTorch); on a GPU one
        outside [0, 1] is not read back but becomes NaN (see unit_interval_target)."""
        if target.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}: expected class probabilities of a floating-point dtype for a target "
                            f"of the input's shape, got dtype {target.dtype} (class indices have one axis less)")
        return self.unit_interval_target(xp, target, (target, "class probabilities", ""))

    def class_weight(self, input, classes):
        if self.weight is None:
            return None
        if self.weight.shape != (classes,):
            raise self.error(f"weight of shape ({classes},), one per class", f"shape {self.weight.shape}")
        return self.on_device("weight", self.weight, input)

    def class_indices(self, xp, target, classes):
        """The target as int64 class indices, each in [0, classes) or equal to ignore_index.

        As PyTorch, indices are integers. On the CPU an index out of range is a ValueError naming it; on a GPU
        it is not read back (that would wait for the device every step): index_target gives its position a NaN
        target, so its loss is NaN (PyTorch stops there with a device-side assert)."""
        if target.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__}: expected class indices of an integer dtype (such as int64), got "
                            f"dtype {target.dtype}" + (" (use target.astype(int))" if target.dtype.kind in "fb" else ""))
        indices = target.astype("int64", copy=False)
        if waits_for_device(xp):
            return indices
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

    As PyTorch, class indices are integers (a float target of the index shape is a TypeError) and class
    probabilities floats; they must lie in [0, 1] (a negative one would make the loss negative).

    On a GPU the target's values are not read back to check them: an index outside [0, C) (other than
    ignore_index) or a probability outside [0, 1] makes the loss of its position NaN, where the CPU raises a
    ValueError naming it (see the module docstring).
    """


class NLLLoss(ClassLoss):
    """Negative log-likelihood on log-probabilities x (from log_softmax), classes on axis 1 (as PyTorch):
    loss = -w_y x_y per position, 0 where y = ignore_index; "mean" divides the sum by sum of w_y over the kept positions.
    A class index out of range is a ValueError on the CPU and a NaN loss at its position on a GPU, as in CrossEntropyLoss."""

    op = L.NLL
    probabilities_allowed = False

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, ignore_index, reduction)


# --- turning what users pass into arrays ---------------------------------------------------------


def weight_array(value, name, owner):
    """A weight given to a loss (None, a list, an array or a Tensor) as a float array of finite numbers >= 0.

    A negative weight would reward a wrong prediction, and a mean divided by a sum of weights of mixed signs is
    meaningless, so both are refused here, once, rather than on every call (PyTorch takes them)."""
    if value is None:
        return None
    array = as_numbers(value, name, owner)
    low, high = value_ends(array) if array.size else (0, 0)  # a weight on a GPU: one read, both ends together
    if not (low >= 0 and math.isfinite(high)):
        raise ValueError(f"{owner}: {name} must hold finite numbers >= 0, got values from {low:g} to {high:g}")
    return array


def _as_input(value, owner):
    """The input as a floating-point Tensor (integers and booleans are cast); an array becomes a Tensor that needs
    no gradient."""
    if not isinstance(value, Tensor):
        as_numbers(value, "input", owner)  # None, text and objects are refused in this loss's words
        value = Tensor(value)  # aino's dtype rules: arrays keep theirs, Python floats become float32
    elif value.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: expected a floating-point input, got dtype {value.dtype}")
    return value if value.dtype.kind == "f" else value.float()


def _as_target(value, input, owner):
    """The target as an array of numbers on the input's device."""
    return move_array(as_numbers(value, "target", owner), input.device)

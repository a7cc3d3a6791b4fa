"""The losses of aino.nn.functional (F.cross_entropy, F.mse_loss, ...), with torch.nn.functional's arguments.

Those that aino.nn has as a loss class (MSELoss, CrossEntropyLoss, ...) run that class's checks and its fused
op (aino/ops/loss.py, where the derivative is written out); their errors name the function ("F.mse_loss:
expected ..."). smooth_l1_loss, huber_loss and kl_div, which have no op, are composed here of
differentiable Tensor ops, with their formulas in the docstrings.

The legacy arguments size_average and reduce are read as PyTorch reads them (reduce=False: "none";
size_average=False: "sum"; else "mean"), with PyTorch's deprecation warning.
"""

import warnings

from aino.functional import where
from aino.nn import checks
from aino.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from aino.ops.loss import REDUCTIONS
from aino.tensor import Tensor
from aino.validation import check_bool, check_real


def _named(loss_class, name):
    """loss_class under the name "F.<name>", so that the checks it runs name the function in their errors."""
    return type(f"F.{name}", (loss_class,), {"__doc__": loss_class.__doc__, "__module__": __name__})


_MSE, _L1 = _named(MSELoss, "mse_loss"), _named(L1Loss, "l1_loss")
_BCE = _named(BCELoss, "binary_cross_entropy")
_BCE_LOGITS = _named(BCEWithLogitsLoss, "binary_cross_entropy_with_logits")
_CROSS_ENTROPY, _NLL = _named(CrossEntropyLoss, "cross_entropy"), _named(NLLLoss, "nll_loss")


def reduction_of(owner, size_average, reduce, reduction):
    """The reduction to use: `reduction`, unless a legacy argument is given (PyTorch's rule and warning)."""
    if size_average is not None or reduce is not None:
        warnings.warn(f"{owner}: size_average and reduce are deprecated, as in PyTorch; use reduction=",
                      UserWarning, stacklevel=3)
        keep_all = reduce is not None and not reduce
        reduction = "none" if keep_all else ("sum" if size_average is not None and not size_average else "mean")
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{owner}: reduction must be one of {REDUCTIONS}, got {reduction!r:.60}")
    return reduction


# --- losses with an op ---------------------------------------------------------------------------


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean((x - y)**2); with an elementwise weight w: sum(w (x - y)**2) / sum(w) (as PyTorch)."""
    reduction = reduction_of("F.mse_loss", size_average, reduce, reduction)
    return _weighted_by_sum(_MSE, "F.mse_loss", input, target, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """mean(|x - y|); with an elementwise weight w: sum(w |x - y|) / sum(w) (as PyTorch)."""
    reduction = reduction_of("F.l1_loss", size_average, reduce, reduction)
    return _weighted_by_sum(_L1, "F.l1_loss", input, target, reduction, weight)


def _weighted_by_sum(loss_class, owner, input, target, reduction, weight):
    """loss_class's loss; with `weight`, its per-element losses times weight, summed, or for "mean" summed
    and divided by sum(weight) (PyTorch's weighted mean)."""
    if weight is None:
        return loss_class(reduction=reduction)(input, target)
    weight = checks.tensor_input(owner, weight, "weight")
    weighted = _times_weight(owner, loss_class(reduction="none")(input, target), weight)
    if reduction == "none":
        return weighted
    return weighted.sum() if reduction == "sum" else weighted.sum() / weight.sum()


def _times_weight(owner, losses, weight):
    """losses * weight, the weight of the input's shape."""
    weight = checks.tensor_input(owner, weight, "weight")
    if tuple(weight.shape) != tuple(losses.shape):
        raise ValueError(f"{owner}: expected weight of the input's shape {tuple(losses.shape)}, got {tuple(weight.shape)}")
    return losses * weight


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """mean(-w [y log p + (1 - y) log(1 - p)]) on probabilities p, each log clamped at -100 (as PyTorch)."""
    reduction = reduction_of("F.binary_cross_entropy", size_average, reduce, reduction)
    return _BCE(weight=weight, reduction=reduction)(input, target)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """mean(w [(1 - y) x + (1 + (pos_weight - 1) y) log(1 + e^-x)]) on logits x: the sigmoid fused in."""
    reduction = reduction_of("F.binary_cross_entropy_with_logits", size_average, reduce, reduction)
    return _BCE_LOGITS(weight=weight, reduction=reduction, pos_weight=pos_weight)(input, target)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy on logits, classes on axis 1 of (N, C, *) (axis 0 of a (C,) row); target class
    indices (N, *) or class probabilities of the input's shape; weight per class, label_smoothing eps."""
    reduction = reduction_of("F.cross_entropy", size_average, reduce, reduction)
    loss = _CROSS_ENTROPY(weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    return loss(input, target)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-w_y x_y per position on log-probabilities x (from log_softmax), classes on axis 1; "mean" divides by
    the sum of w_y over the positions whose y is not ignore_index."""
    reduction = reduction_of("F.nll_loss", size_average, reduce, reduction)
    return _NLL(weight=weight, ignore_index=ignore_index, reduction=reduction)(input, target)


# --- losses composed of Tensor ops ---------------------------------------------------------------


def _pair(owner, input, target):
    """(input, target) as float Tensors of one shape (a target array becomes a constant Tensor)."""
    x = checks.tensor_input(owner, input)
    y = target if isinstance(target, Tensor) else Tensor(checks.as_numbers(target, "target", owner), device=x.device)
    if tuple(y.shape) != tuple(x.shape):
        raise ValueError(f"{owner}: expected target of the input's shape {tuple(x.shape)}, got shape {tuple(y.shape)}")
    return x, (y if y.dtype == x.dtype else y.astype(x.dtype))


def _reduce(losses, reduction):
    """The per-element losses summed, averaged or kept."""
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d**2 / beta where |d| < beta, else |d| - 0.5 beta, d = x - y (beta = 0: the L1 loss)."""
    owner = "F.smooth_l1_loss"
    reduction = reduction_of(owner, size_average, reduce, reduction)
    beta = check_real(beta, "beta", owner, minimum=0.0)
    x, y = _pair(owner, input, target)
    d = x - y
    if beta == 0:
        return _reduce(d.abs(), reduction)
    return _reduce(where(d.abs() < beta, d * d * (0.5 / beta), d.abs() - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d**2 where |d| < delta, else delta (|d| - 0.5 delta), d = x - y; with a weight w of the input's
    shape, w times each loss ("mean" is the mean over the elements, as PyTorch)."""
    owner = "F.huber_loss"
    reduction = reduction_of(owner, None, None, reduction)
    delta = check_real(delta, "delta", owner)
    if delta <= 0:
        raise ValueError(f"{owner}: delta must be a finite number > 0, got {delta}")
    x, y = _pair(owner, input, target)
    d = x - y
    losses = where(d.abs() < delta, d * d * 0.5, (d.abs() - 0.5 * delta) * delta)
    return _reduce(losses if weight is None else _times_weight(owner, losses, weight), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """sum of t (log t - x) over the elements, x log-probabilities and t probabilities (0 log 0 = 0); with
    log_target=True, t is given as log t: exp(t) (t - x). reduction="batchmean" divides the sum by the batch
    size input.shape[0], the true KL divergence per sample ("mean" divides by every element, as PyTorch)."""
    owner = "F.kl_div"
    batchmean = reduction == "batchmean" and size_average is None and reduce is None
    reduction = "sum" if batchmean else reduction_of(owner, size_average, reduce, reduction)
    x, t = _pair(owner, input, target)
    if check_bool(log_target, "log_target", owner):
        losses = t.exp() * (t - x)
    else:
        log_t = where(t == 0, 1.0, t).log()  # log 1 = 0 where t = 0: 0 log 0 counts 0 (a negative t gives NaN)
        losses = t * (log_t - x)
    total = _reduce(losses, reduction)
    return total / (x.shape[0] if x.ndim else 1) if batchmean else total

"""Exercises: convolution (1-D and 2-D) and max pooling forward and backward, dropout and batch norm (lesson 06).

With x (N, C_in, *S), w (C_out, C_in, *K), b (C_out,), stride 1 and no padding, the output is
(N, C_out, *S_out) with S_out = S - K + 1 on each spatial axis, and (p, k, i are positions, pairs in 2-D)

    y[n, o, p]     = b[o] + sum_{c, k} w[o, c, k] * x[n, c, p + k]      cross-correlation, as PyTorch
    dL/db[o]       = sum_{n, p} g[n, o, p]                              g = dL/dy = grad_output
    dL/dw[o, c, k] = sum_{n, p} g[n, o, p] * x[n, c, p + k]             x correlated with g
    dL/dx[n, c, i] = sum_{o, k} g[n, o, i - k] * w[o, c, k]             g, padded by K - 1 zeros, correlated
                                                                        with the kernel flipped (a convolution)

Max pooling with window = stride = k keeps each window's maximum; its backward sends each output's
gradient to the window's first maximum (in row-major order, as PyTorch on ties) and 0 elsewhere.
Inverted dropout, with mask 1 where a unit is kept: y = x * mask / (1 - p) and dL/dx = g * mask / (1 - p).
Batch norm in training, per channel over its m values (the batch, and the positions of an image):

    x_hat = (x - mean) / sigma,  sigma = sqrt(var + eps) (var biased: divided by m),  y = gamma * x_hat + beta
    dL/dx = gamma / (m sigma) * (m g - sum g - x_hat * sum g x_hat),  dL/dgamma = sum g x_hat,  dL/dbeta = sum g

The references are aino's ops (aino/ops/conv.py, pool.py, batchnorm.py) run by its autograd; central
differences (aino.gradcheck) check every backward independently.
"""

import numpy

from aino.exercises.spec import Case, Exercise, Mistake
from aino.gradcheck import numerical_gradient
from aino.ops.batchnorm import BatchNorm
from aino.ops.conv import Convolution
from aino.ops.pool import AvgPool, MaxPool
from aino.tensor import Tensor

LESSON = "06 Convolution"


def autograd(f, arrays, grad_output):
    """The gradient of sum(grad_output * f(*arrays)) with respect to each array, by aino's autograd."""
    tensors = [Tensor(array, requires_grad=True) for array in arrays]
    f(*tensors).backward(grad_output)
    return tuple(tensor.grad.data for tensor in tensors)


def numerically(f, arrays, grad_output):
    """The same gradients as `autograd`, by central differences, one array at a time."""
    def loss(i):
        def at(value):
            return float(numpy.sum(grad_output * f(*map(Tensor, arrays[:i] + [value] + arrays[i + 1:])).data))
        return at
    return tuple(numerical_gradient(loss(i), array) for i, array in enumerate(arrays))


def spatial_axes(array):
    return tuple(range(2, array.ndim))


def conv(x, w, b):
    """aino's convolution op on Tensors: stride 1, no padding."""
    d = x.ndim - 2
    return Convolution.apply(x, w, b, stride=(1,) * d, padding=((0, 0),) * d, dilation=(1,) * d)


def conv_forward(x, w, b):
    return conv(Tensor(x), Tensor(w), Tensor(b)).data


def conv_backward(x, w, grad_output):
    return autograd(conv, [x, w, numpy.zeros(w.shape[0])], grad_output)


def conv_numerical(case):
    x, w, grad_output = case.args
    return numerically(conv, [x, w, numpy.zeros(w.shape[0])], grad_output)


def conv_cases(d):
    """(x, w, b) for a forward in d dimensions: a batch, batch 1, a kernel as large as the input, a 1-wide kernel."""
    def make(rng):
        shapes = [("a batch of 3, 2 channels in, 4 out", 3, 2, 4, 6, 3),  # label, N, C_in, C_out, size, kernel
                  ("batch 1, 3 channels in, 2 out", 1, 3, 2, 5, 2),
                  ("a kernel as large as the input", 2, 1, 1, 4, 4), ("a kernel of size 1", 2, 3, 2, 4, 1)]
        return [Case(label, (rng.normal(size=(n, c, *(s,) * d)), rng.normal(size=(o, c, *(k,) * d)),
                             rng.normal(size=o))) for label, n, c, o, s, k in shapes]
    return make


def conv_backward_cases(d):
    """(x, w, grad_output): the forward's cases, with a random gradient of the output's shape."""
    def make(rng):
        return [Case(case.label, (x, w, rng.normal(size=conv_forward(x, w, b).shape)))
                for case in conv_cases(d)(rng) for x, w, b in [case.args]]
    return make


def flipped(w):
    return numpy.flip(w, spatial_axes(w))


def padded_at_the_end(x, w):
    """x with K - 1 zeros after each spatial axis, so that the output keeps the input's size."""
    return numpy.pad(x, [(0, 0), (0, 0)] + [(0, k - 1) for k in w.shape[2:]])


def dw_convolved(x, w, g):
    """dw from grad_output flipped: x convolved with grad_output where they are correlated."""
    dx, _, db = conv_backward(x, w, g)
    return dx, conv_backward(x, w, flipped(g))[1], db


def batch_mean(x, w, g):
    dx, dw, db = conv_backward(x, w, g)
    return dx, dw / len(x), db / len(x)


def conv_exercises(d, sizes, out_sizes):
    """conv{d}d_forward and conv{d}d_backward: `sizes` names the spatial axes ("L"), `out_sizes` S - K + 1."""
    name, axes, kernel = f"conv{d}d", f"(N, C_in, {sizes})", "K" if d == 1 else "KH, KW"
    flip = "kernel flipped" + " (both axes)" * (d == 2)
    correlate, convolve = ("numpy.correlate", "numpy.convolve") if d == 1 else ("scipy.signal.correlate2d",
                                                                              "scipy.signal.convolve2d")
    forward_mistakes = (
        Mistake("kernel flipped", f"You computed a true convolution with the {flip}. A convolution layer (as in "
                "PyTorch) is a cross-correlation: y[p] = sum_k w[k] * x[p + k], the kernel as it is.",
                lambda x, w, b: conv_forward(x, flipped(w), b)),
        Mistake("bias forgotten", "Add the bias: b[o] once to every output of channel o, at every position.",
                lambda x, w, b: conv_forward(x, w, 0 * b)),
        Mistake("output as large as the input",
                f"Your output is as large as the input ({sizes}): the input was padded with zeros at the end. With "
                f"no padding the kernel fits only {out_sizes} times, so the output has {out_sizes} positions.",
                lambda x, w, b: conv_forward(padded_at_the_end(x, w), w, b)),
    ) + (Mistake("kernel transposed", "You read the kernel as w[o, c, j, i]: its rows and columns are swapped. "
                 "y[p, q] = sum_{i, j} w[o, c, i, j] * x[c, p + i, q + j].",
                 lambda x, w, b: conv_forward(x, w.swapaxes(2, 3), b)),) * (d == 2)
    backward_mistakes = (
        Mistake("dx kernel not flipped", "dL/dx sends each output's gradient back along the kernel: "
                "dx[i] = sum_k g[i - k] * w[k], i.e. grad_output padded by K - 1 zeros and correlated with the "
                f"{flip}. You correlated it with the kernel as it is.",
                lambda x, w, g: (conv_backward(x, flipped(w), g)[0],) + conv_backward(x, w, g)[1:]),
        Mistake("dw as a convolution", "dL/dw[o, c, k] = sum over samples and positions p of g[n, o, p] * "
                f"x[n, c, p + k]: x correlated with grad_output ({correlate}, mode 'valid'). You convolved "
                f"them ({convolve}), which flips grad_output.", dw_convolved),
        Mistake("db not summed over positions", "The bias is added at every position of every sample, so dL/db "
                "sums grad_output over the batch AND the positions: one number per output channel, shape (C_out,).",
                lambda x, w, g: conv_backward(x, w, g)[:2] + (g.sum(axis=0),)),
        Mistake("averaged over the batch", "Sum the gradients of dw and db over the batch, do not average them: "
                "any 1/N of a mean loss is already inside grad_output.", batch_mean),
    )
    return (
        Exercise(
            f"{name}_forward", f"{d}-D convolution, forward", LESSON, f"{name}_forward(x, w, b)",
            f"Return y = the cross-correlation of x {axes} with w (C_out, C_in, {kernel}) "
            f"plus b (C_out,), stride 1, no padding: y[n, o, p] = b[o] + sum_(c, k) w[o, c, k] * x[n, c, p + k], "
            f"shaped (N, C_out, {out_sizes}).",
            conv_cases(d), conv_forward, forward_mistakes),
        Exercise(
            f"{name}_backward", f"{d}-D convolution, backward", LESSON, f"{name}_backward(x, w, grad_output)",
            f"For y = {name}_forward(x, w, b) (stride 1, no padding) and grad_output = dL/dy, return (dx, dw, db): "
            "dL/dx shaped like x, dL/dw like w, dL/db shaped (C_out,) (none of them depends on b).",
            conv_backward_cases(d), conv_backward, backward_mistakes, numerical=conv_numerical),
    )


def pool(kernel_size, op=MaxPool):
    k = (kernel_size, kernel_size)
    return lambda x: op.apply(x, kernel_size=k, stride=k, padding=((0, 0), (0, 0)))


def maxpool2d_backward(x, grad_output, kernel_size=2):
    return autograd(pool(kernel_size), [x], grad_output)[0]


def maxpool_numerical(case):
    """Central differences of max pooling with ties broken towards the first entry of each window: 1e-4 is
    taken off the (i k + j)-th entry of every k x k window, so that a tied maximum earlier in row-major order
    wins (far more than the differences' step of 1e-6 moves any entry)."""
    x, grad_output = case.args
    k = case.kwargs.get("kernel_size", 2)
    rows, columns = numpy.indices(x.shape[2:]) % k
    return numerically(pool(k), [x - 1e-4 * (rows * k + columns)], grad_output)[0]


def upsampled(a, k, shape):
    """a (N, C, Ho, Wo) repeated over each k x k window, as an array of `shape` (0 where no window reaches)."""
    out = numpy.zeros(shape)
    ho, wo = a.shape[2:]
    out[:, :, :ho * k, :wo * k] = a.repeat(k, axis=2).repeat(k, axis=3)
    return out


def every_tied_maximum(x, grad_output, kernel_size=2):
    maxima = pool(kernel_size)(Tensor(x)).data
    return upsampled(grad_output, kernel_size, x.shape) * (x == upsampled(maxima, kernel_size, x.shape))


def window_transposed(x, grad_output, kernel_size=2):
    """The reference with the position inside each window transposed: (i, j) read as (j, i)."""
    dx, k = maxpool2d_backward(x, grad_output, kernel_size), kernel_size
    n, c, ho, wo = grad_output.shape
    inside = dx[:, :, :ho * k, :wo * k].reshape(n, c, ho, k, wo, k).swapaxes(3, 5)
    dx[:, :, :ho * k, :wo * k] = inside.reshape(n, c, ho * k, wo * k)
    return dx


def maxpool_cases(rng):
    """(x, grad_output): a batch, batch 1, sizes a window does not divide, 3 x 3 windows, and ties."""
    shapes = [("a batch of 2, 3 channels, 4 x 4", (2, 3, 4, 4), 2), ("batch 1, 6 x 4", (1, 1, 6, 4), 2),
              ("5 x 5: the last row and column are in no window", (2, 2, 5, 5), 2),
              ("3 x 3 windows", (1, 2, 6, 6), 3)]
    cases = [(label, rng.normal(size=shape), k) for label, shape, k in shapes]
    cases.append(("tied maxima (whole numbers)", rng.integers(0, 3, size=(1, 2, 4, 4)).astype(float), 2))
    return [Case(label, (x, rng.normal(size=(*x.shape[:2], x.shape[2] // k, x.shape[3] // k))),
                 {} if k == 2 else {"kernel_size": k}) for label, x, k in cases]


POOL_EXERCISES = (
    Exercise(
        "maxpool2d_backward", "Max pooling, backward", LESSON, "maxpool2d_backward(x, grad_output, kernel_size=2)",
        "For y = 2-D max pooling of x (N, C, H, W) with k x k windows and stride k, and grad_output = dL/dy "
        "(N, C, H // k, W // k), return dL/dx (shaped like x): each output's gradient goes to the position of "
        "its window's maximum, 0 elsewhere; where several entries tie, to the first in row-major order (as PyTorch).",
        maxpool_cases, maxpool2d_backward,
        mistakes=(
            Mistake("spread as average pooling", "You spread each gradient evenly over its window (grad / k**2): "
                    "that is average pooling's backward. Max pooling sends it only to the maximum's position.",
                    lambda x, g, kernel_size=2: autograd(pool(kernel_size, AvgPool), [x], g)[0]),
            Mistake("every tied maximum", "Where several entries of a window tie for the maximum, the gradient "
                    "goes to only one of them, the first in row-major order (numpy.argmax of the flattened "
                    "window), as PyTorch does; a mask x == max sends it to all of them.", every_tied_maximum),
            Mistake("window indices transposed", "The gradient lands at the maximum's mirror image in its window: "
                    "the flat index f of the window's argmax is row f // k, column f % k (numpy.unravel_index), "
                    "not the other way round.", window_transposed),
        ),
        numerical=maxpool_numerical),
)


def dropout(x, p, mask, grad_output):
    scale = mask / (1 - p)
    grad_input, = autograd(lambda t: t * Tensor(scale), [x], grad_output)
    return x * scale, grad_input


def dropout_numerical(case):
    x, p, mask, grad_output = case.args

    def forward(t):
        return t * Tensor(mask / (1 - p))
    return forward(Tensor(x)).data, numerically(forward, [x], grad_output)[0]


def dropout_cases(rng):
    """(x, p, mask, grad_output): a batch, batch 1, a 3-D input, a high and a low p."""
    shapes = [("a batch of 4, 5 units, p = 0.25", (4, 5), 0.25), ("batch 1, p = 0.4", (1, 8), 0.4),
              ("a batch of 2 sequences of 3 x 4, p = 0.6", (2, 3, 4), 0.6), ("p = 0.1", (3, 6), 0.1)]
    return [Case(label, (rng.normal(size=shape), p, (rng.random(shape) >= p).astype(float), rng.normal(size=shape)))
            for label, shape, p in shapes]


def batchnorm(eps):
    return lambda x, gamma, beta: BatchNorm.apply(x, gamma, beta, training=True, eps=eps)


def batchnorm_backward(x, gamma, grad_output, eps=1e-5):
    return autograd(batchnorm(eps), [x, gamma, numpy.zeros_like(gamma)], grad_output)


def batchnorm_numerical(case):
    x, gamma, grad_output = case.args
    return numerically(batchnorm(1e-5), [x, gamma, numpy.zeros_like(gamma)], grad_output)


def channels(x, a):
    """A (C,) array shaped to broadcast along axis 1 of x."""
    return a.reshape((1, -1) + (1,) * (x.ndim - 2))


def normalised(x, eps, ddof=0):
    """(x_hat, 1 / sigma) over every axis but the channel axis; ddof=1 is the unbiased variance's slip."""
    axes = (0,) + spatial_axes(x)
    centred = x - x.mean(axis=axes, keepdims=True)
    inv_sigma = 1 / numpy.sqrt(x.var(axis=axes, ddof=ddof, keepdims=True) + eps)
    return centred * inv_sigma, inv_sigma


def unbiased_variance(x, gamma, g, eps=1e-5):
    """The whole formula, but with x_hat and sigma from the variance divided by m - 1."""
    axes, m = (0,) + spatial_axes(x), x.size // x.shape[1]
    x_hat, inv_sigma = normalised(x, eps, ddof=1)
    sum_g, sum_g_x_hat = g.sum(axis=axes, keepdims=True), (g * x_hat).sum(axis=axes, keepdims=True)
    dx = channels(x, gamma) * inv_sigma / m * (m * g - sum_g - x_hat * sum_g_x_hat)
    return dx, sum_g_x_hat.reshape(-1), sum_g.reshape(-1)


def only_through_x_hat(x, gamma, g, eps=1e-5):
    return (channels(x, gamma) * g * normalised(x, eps)[1],) + batchnorm_backward(x, gamma, g, eps)[1:]


def gamma_forgotten(x, gamma, g, eps=1e-5):
    dx, dgamma, dbeta = batchnorm_backward(x, gamma, g, eps)
    return dx / channels(x, gamma), dgamma, dbeta


def not_summed_over_the_batch(x, gamma, g, eps=1e-5):
    """dgamma and dbeta summed over the spatial axes only, one row per sample."""
    return (batchnorm_backward(x, gamma, g, eps)[0], (g * normalised(x, eps)[0]).sum(axis=spatial_axes(x)),
            g.sum(axis=spatial_axes(x)))


def batchnorm_cases(rng):
    """(x, gamma, grad_output): (N, C) batches and (N, C, H, W) images, batch 1 among them, x off centre."""
    shapes = [("a batch of 4, 3 features", (4, 3)), ("a batch of 3, 5 features", (3, 5)),
              ("batch 1: one image, 2 channels, 3 x 3", (1, 2, 3, 3)),
              ("a batch of 2 images, 3 channels, 2 x 2", (2, 3, 2, 2))]
    gammas = [rng.uniform(0.5, 2, size=shape[1]) * rng.choice([-1, 1], shape[1]) for _, shape in shapes]
    return [Case(label, (rng.normal(1, 2, size=shape), gamma, rng.normal(size=shape)))
            for (label, shape), gamma in zip(shapes, gammas)]


NORMALIZATION_EXERCISES = (
    Exercise(
        "dropout", "Dropout with inverted scaling, forward and backward", LESSON, "dropout(x, p, mask, grad_output)",
        "In training, dropout zeroes each unit with probability p and scales the kept ones by 1 / (1 - p), so that "
        "the expected output is x. mask (shaped like x) is 1 where a unit is kept, 0 where it is dropped. Return "
        "(output, grad_input): output = x * mask / (1 - p) and, for grad_output = dL/doutput, dL/dx.",
        dropout_cases, dropout,
        mistakes=(
            Mistake("no scaling", "Inverted dropout scales the kept units by 1 / (1 - p), forward and backward, so "
                    "that nothing needs rescaling at test time. You only applied the mask.",
                    lambda x, p, mask, g: (x * mask, g * mask)),
            Mistake("divided by p", "p is the probability of dropping a unit; the kept ones are scaled by "
                    "1 / (1 - p), the inverse of the probability of keeping them, not by 1 / p.",
                    lambda x, p, mask, g: (x * mask / p, g * mask / p)),
            Mistake("mask forgotten in backward", "The backward needs the same mask as the forward: a dropped unit "
                    "did not affect the loss, so its gradient is 0. grad_input = grad_output * mask / (1 - p).",
                    lambda x, p, mask, g: (x * mask / (1 - p), g / (1 - p))),
            Mistake("mask inverted", "mask is 1 where a unit is KEPT: multiply by mask, not by 1 - mask.",
                    lambda x, p, mask, g: dropout(x, p, 1 - mask, g)),
        ),
        numerical=dropout_numerical),
    Exercise(
        "batchnorm_backward", "Batch normalisation, backward (training)", LESSON,
        "batchnorm_backward(x, gamma, grad_output, eps=1e-5)",
        "For y = gamma * x_hat + beta with x_hat = (x - mean) / sqrt(var + eps), where mean and the biased "
        "variance var are taken per channel (axis 1) over the batch and, for (N, C, H, W), the positions too "
        "(m values each), and grad_output = dL/dy, return (dx, dgamma, dbeta), shaped like x, gamma and gamma. "
        "In training mean and var are computed from x: dx flows through x_hat, the mean and the variance.",
        batchnorm_cases, batchnorm_backward,
        mistakes=(
            Mistake("only through x_hat", "You returned gamma * grad_output / sigma, as if mean and var were "
                    "constants. In training they are computed from x, so every x_i also moves them: add the two "
                    "terms through the mean and the variance: "
                    "dx = gamma / (m sigma) * (m g - sum g - x_hat * sum g x_hat).",
                    only_through_x_hat),
            Mistake("unbiased variance", "Batch norm normalises with the biased variance, the mean of "
                    "(x - mean)**2 over the m values (numpy's x.var(), ddof=0), not divided by m - 1.",
                    unbiased_variance),
            Mistake("gamma forgotten in dx", "y = gamma * x_hat + beta: dL/dx_hat = gamma * grad_output, so dx "
                    "carries the factor gamma of each channel.", gamma_forgotten),
            Mistake("dgamma and dbeta not summed over the batch", "gamma and beta are shared by every sample (and "
                    "position): sum dgamma = g * x_hat and dbeta = g over the batch too, one number per channel (C,).",
                    not_summed_over_the_batch),
        ),
        numerical=batchnorm_numerical),
)

EXERCISES = (conv_exercises(1, "L", "L - K + 1") + conv_exercises(2, "H, W", "(H - KH + 1, W - KW + 1)")
             + POOL_EXERCISES + NORMALIZATION_EXERCISES)

"""Exercises: recurrent networks (an RNN step, backprop through time, an LSTM cell's backward) and attention.

Shapes are PyTorch's: a batch of N rows, inputs of size I, states of size H, W_ih (G*H, I), W_hh (G*H, H)
and one bias b (G*H,), with G = 1 for the RNN and 4 for the LSTM (gates i, f, g, o stacked in that order).
The backward references are written out in NumPy below, one derivation per exercise, and each known
mistake is that derivation with one slip made (`slip=`); the second oracle shares no line with them:
central differences of the forward of aino's own fused ops (aino/ops/recurrent.py, aino/ops/attention.py).
The forward exercises' references are those ops themselves; their mistakes are the formula with a slip.
So is the positional encoding's: aino's own sinusoid table (aino/nn/embedding.py) against the formula here.
"""

import functools
import math

import numpy

from aino.exercises.spec import Case, Exercise, Mistake
from aino.gradcheck import numerical_gradient
from aino.nn.embedding import sinusoid_table
from aino.ops.attention import attention
from aino.ops.recurrent import LSTM, RNN
from aino.tensor import Tensor

SEQUENCES, ATTENTION = "07 Sequences", "08 Attention"


def transpose(a):
    """a with its last two axes swapped (a matrix, or a stack of them)."""
    return numpy.swapaxes(a, -1, -2)


def sigmoid(a):
    return 0.5 + 0.5 * numpy.tanh(0.5 * a)


def softmax(scores, axis=-1):
    e = numpy.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def run_op(op, *arrays):
    """The output array of one of aino's ops on float64 arrays (no gradient is recorded)."""
    return op(*(Tensor(a) for a in arrays)).data


def by_differences(loss, positions):
    """`numerical` for an exercise whose case args end in the incoming gradient(s): dL/d(args[i]) by central
    differences for each i in `positions`, where L = loss(*args) is a number."""
    def numerical(case):
        args = list(case.args)

        def at(i, value):
            return loss(*args[:i], value, *args[i + 1:])

        return tuple(numerical_gradient(functools.partial(at, i), args[i]) for i in positions)
    return numerical


# --- 07 Sequences: the RNN -----------------------------------------------------------------------------

def rnn_cases(rng, through_time=False):
    """(x, h, W_ih, W_hh, b), or for BPTT (xs, h0, W_ih, W_hh, b, grad_hs): the smallest case has as many
    inputs as units (so that a transposed weight still runs there and its hint can be given)."""
    sizes = [("batch 1, 2 inputs, 2 units", 1, 2, 2, 3), ("batch 1, 4 inputs, 3 units", 1, 4, 3, 1),
             ("a batch of 5, 3 inputs, 4 units", 5, 3, 4, 4), ("a batch of 3, 6 inputs, 2 units", 3, 6, 2, 5)]
    cases = []
    for label, N, I, H, T in sizes:
        weights = (rng.normal(size=(H, I)) * 0.6, rng.normal(size=(H, H)) * 0.6, rng.normal(size=H) * 0.3)
        if not through_time:
            cases.append(Case(label, (rng.normal(size=(N, I)), rng.normal(size=(N, H)), *weights)))
        else:
            label = f"{T} step{'s' * (T > 1)}, {label}"
            cases.append(Case(label, (rng.normal(size=(T, N, I)), rng.normal(size=(N, H)), *weights,
                                      rng.normal(size=(T, N, H)))))
    return cases


def rnn_step(x, h, W_ih, W_hh, b):
    """h' = tanh(x W_ih^T + h W_hh^T + b), by aino's RNN op run for one step."""
    return run_op(lambda *t: RNN.apply(*t, Tensor(numpy.zeros_like(b))), x[None], h, W_ih, W_hh, b)[0]


def rnn_states(xs, h0, W_ih, W_hh, b):
    """[h_0, h_1, ..., h_T] with h_t = tanh(x_t W_ih^T + h_{t-1} W_hh^T + b) (xs[t - 1] is x_t)."""
    hs = [h0]
    for x in xs:
        hs.append(numpy.tanh(x @ W_ih.T + hs[-1] @ W_hh.T + b))
    return hs


def rnn_bptt(xs, h0, W_ih, W_hh, b, grad_hs, slip=None):
    """Backprop through time, from the last step to the first. With g_t = grad_hs[t - 1], the gradient the
    loss sends to h_t directly, and a_t the pre-activation of step t:

        dh_t = g_t + da_{t+1} W_hh         (h_t also feeds step t + 1; nothing after step T)
        da_t = dh_t * (1 - h_t^2)          (tanh')
        dW_ih = sum_t da_t^T x_t     dW_hh = sum_t da_t^T h_{t-1}     db = sum_t sum_n da_t
        dh_0 = da_1 W_hh
    """
    hs = rnn_states(xs, h0, W_ih, W_hh, b)
    grads = [numpy.zeros_like(W_ih), numpy.zeros_like(W_hh), numpy.zeros_like(b)]
    dh_later = numpy.zeros_like(h0)  # da_{t+1} W_hh
    for t in reversed(range(1, len(hs))):
        dh = grad_hs[t - 1] if slip == "not carried" else grad_hs[t - 1] + dh_later
        da = dh if slip == "no tanh'" else dh * (1 - hs[t] ** 2)
        previous = hs[t] if slip == "off by one" else hs[t - 1]
        step = [da.T @ xs[t - 1], da.T @ previous, da.sum(axis=0)]
        grads = step if slip == "overwritten" else [total + part for total, part in zip(grads, step)]
        dh_later = da @ W_hh
    return (*grads, dh_later)


def rnn_loss(xs, h0, W_ih, W_hh, b, grad_hs):
    """L = sum_t sum(grad_hs[t - 1] * h_t), with h_t from aino's RNN op: its gradient is what BPTT returns."""
    return float(numpy.sum(grad_hs * run_op(RNN.apply, xs, h0, W_ih, W_hh, b, numpy.zeros_like(b))))


# --- 07 Sequences: the LSTM cell -----------------------------------------------------------------------

def lstm_cases(rng):
    """(x, h, c, W_ih, W_hh, b, grad_h_next, grad_c_next) for a batch, batch 1, and one unit."""
    sizes = [("batch 1, 2 inputs, 2 units", 1, 2, 2), ("a batch of 3, 4 inputs, 3 units", 3, 4, 3),
             ("batch 1, 3 inputs, 1 unit", 1, 3, 1), ("a batch of 4, 2 inputs, 5 units", 4, 2, 5)]
    return [Case(label, (rng.normal(size=(N, I)), rng.normal(size=(N, H)), rng.normal(size=(N, H)),
                         rng.normal(size=(4 * H, I)) * 0.6, rng.normal(size=(4 * H, H)) * 0.6,
                         rng.normal(size=4 * H) * 0.3, rng.normal(size=(N, H)), rng.normal(size=(N, H))))
            for label, N, I, H in sizes]


def lstm_cell_backward(x, h, c, W_ih, W_hh, b, grad_h_next, grad_c_next, slip=None):
    """One LSTM cell, forward then backward. Forward, with s the sigmoid and a split into four blocks of H:

        a = x W_ih^T + h W_hh^T + b         i, f, g, o = s(a_i), s(a_f), tanh(a_g), s(a_o)
        c' = f * c + i * g                  h' = o * tanh(c')

    Backward, given dL/dh' and dL/dc' from later (c' reaches L directly and through h'):

        dc' = grad_c_next + grad_h_next * o * (1 - tanh(c')^2)
        da_i = dc' * g * i (1 - i)     da_f = dc' * c * f (1 - f)
        da_g = dc' * i * (1 - g^2)     da_o = grad_h_next * tanh(c') * o (1 - o)
        dx = da W_ih    dh = da W_hh    dc = dc' * f    dW_ih = da^T x    dW_hh = da^T h    db = sum_n da
    """
    blocks = numpy.split(x @ W_ih.T + h @ W_hh.T + b, 4, axis=1)
    order = (0, 1, 3, 2) if slip == "gate order" else (0, 1, 2, 3)  # the blocks read as i, f, g, o
    a_i, a_f, a_g, a_o = (blocks[k] for k in order)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), numpy.tanh(a_g), sigmoid(a_o)
    c_next = f * c + i * g
    tanh_c = numpy.tanh(c_next)
    through_h = grad_h_next * o * (1 if slip == "no tanh'" else 1 - tanh_c ** 2)  # from h' = o * tanh(c')
    dc_next = grad_c_next if slip == "no h path" else grad_c_next + through_h
    cell = c_next if slip == "c' in forget" else c
    da_gates = (dc_next * g * i * (1 - i), dc_next * cell * f * (1 - f), dc_next * i * (1 - g ** 2),
                grad_h_next * tanh_c * o * (1 - o))
    da = numpy.concatenate([da_gates[k] for k in order], axis=1)  # written back where each gate was read
    return da @ W_ih, da @ W_hh, dc_next * f, da.T @ x, da.T @ h, da.sum(axis=0)


def lstm_loss(x, h, c, W_ih, W_hh, b, grad_h_next, grad_c_next):
    """L = sum(grad_h_next * h') + sum(grad_c_next * c'), with h' and c' from aino's LSTM op run for one step."""
    out = run_op(LSTM.apply, x[None], h, c, W_ih, W_hh, b, numpy.zeros_like(b))  # (h', c') stacked
    return float(numpy.sum(grad_h_next * out[0]) + numpy.sum(grad_c_next * out[1]))


# --- 08 Attention ----------------------------------------------------------------------------------------

def attention_cases(rng, grad=True):
    """(q, k, v, grad_output) or (q, k, v[, mask]): one sequence, batch 1, a batch, batches of heads. The
    smallest has as many queries as keys (so that a product left untransposed still runs there)."""
    shapes = [("one sequence: 3 queries, 3 keys of size 4", (), 3, 3, 4, 2),
              ("batch 1: 2 queries, 4 keys of size 3", (1,), 2, 4, 3, 5),
              ("a batch of 3: 4 queries, 3 keys of size 2", (3,), 4, 3, 2, 3),
              ("2 sequences x 2 heads: 3 queries, 5 keys of size 4", (2, 2), 3, 5, 4, 3)]
    cases = []
    for label, batch, L, S, E, Ev in shapes:
        q, k, v = rng.normal(size=(*batch, L, E)), rng.normal(size=(*batch, S, E)), rng.normal(size=(*batch, S, Ev))
        cases.append(Case(label, (q, k, v, rng.normal(size=(*batch, L, Ev))) if grad else (q, k, v)))
    if grad:
        return cases
    allowed = rng.random((4, 3)) < 0.5
    allowed[0], allowed[:, 0] = True, True  # every query sees a key, every key is seen
    q, k, v = (rng.normal(size=(2, n, 3)) for n in (4, 3, 3))
    return cases + [Case("a causal mask: 3 queries, 3 keys", (*cases[0].args, numpy.tri(3, dtype=bool))),
                    Case("a batch of 2, one mask for both", (q, k, v, allowed))]


def attention_weights(q, k, mask=None, slip=None):
    """P = softmax(q k^T / sqrt(d) + M) over the keys (the last axis), d = q.shape[-1], M = -inf where the
    boolean mask is False (may not attend)."""
    scores = q @ transpose(k) / (1 if slip == "no scale" else math.sqrt(q.shape[-1]))
    if mask is not None and slip != "mask ignored":
        scores = numpy.where(mask, scores, 0 if slip == "mask zero" else -numpy.inf)
    return softmax(scores, axis=-2 if slip == "wrong axis" else -1)


def attention_forward(q, k, v, mask=None):
    """O = P v, by aino's attention op."""
    return run_op(lambda *t: attention(*t, mask=mask)[0], q, k, v)


def attention_forward_mistake(slip):
    return lambda q, k, v, mask=None: attention_weights(q, k, mask, slip) @ v


def attention_backward(q, k, v, grad_output, slip=None):
    """With P = softmax(S), S = q k^T / sqrt(d), O = P v and G = dL/dO:

        dv = P^T G      dP = G v^T      dS = P * (dP - rowsum(dP * P))   (the softmax's whole Jacobian)
        dq = dS k / sqrt(d)             dk = dS^T q / sqrt(d)
    """
    p = attention_weights(q, k)
    dv = (p if slip == "not transposed" else transpose(p)) @ grad_output
    dp = grad_output @ transpose(v)
    ds = dp * p * (1 - p) if slip == "diagonal" else p * (dp - (dp * p).sum(axis=-1, keepdims=True))
    if slip != "no scale":
        ds = ds / math.sqrt(q.shape[-1])
    return ds @ k, (ds if slip == "dk not transposed" else transpose(ds)) @ q, dv


def attention_loss(q, k, v, grad_output):
    """L = sum(grad_output * O), with O from aino's attention op."""
    return float(numpy.sum(grad_output * attention_forward(q, k, v)))


def encoding_cases(rng):
    """(n_positions, d): even and odd d (the last column a sine), d = 1, a long sequence, one drawn size."""
    sizes = [("3 positions, d = 4", 3, 4), ("5 positions, odd d = 3", 5, 3), ("4 positions, d = 1", 4, 1),
             ("8 positions, d = 6", 8, 6), ("50 positions, d = 16", 50, 16)]
    n, d = int(rng.integers(2, 30)), int(2 * rng.integers(2, 6) + 1)
    return [Case(label, (n, d)) for label, n, d in sizes + [(f"{n} positions, odd d = {d}", n, d)]]


def positional_encoding(n_positions, d, slip=None):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)), pos = 0 .. n - 1."""
    pos = numpy.arange(n_positions)[:, None] + (1 if slip == "from 1" else 0)
    column = numpy.arange(d)
    two_i = column // 2 * 2  # the pair's even column: 2i for columns 2i and 2i + 1
    exponent = {"i/d": two_i / 2, "own index": column}.get(slip, two_i) / d
    angle = pos / (1000.0 if slip == "base 1000" else 10000.0) ** exponent
    sine = (column % 2 == 0) != (slip == "swapped")
    return numpy.where(sine, numpy.sin(angle), numpy.cos(angle))


def mistake(function, slip):
    return functools.partial(function, slip=slip)


EXERCISES = (
    Exercise(
        "rnn_step", "One step of a recurrent network", SEQUENCES, "rnn_step(x, h, W_ih, W_hh, b)",
        "Return the next state h' = tanh(x @ W_ih.T + h @ W_hh.T + b) for inputs x (N, I), the previous state "
        "h (N, H), W_ih (H, I), W_hh (H, H) and b (H,), as PyTorch's nn.RNNCell.",
        rnn_cases, rnn_step,
        mistakes=(
            Mistake("weights transposed",
                    "PyTorch stores W_ih as (hidden, input) and W_hh as (hidden, hidden): multiply by their "
                    "transposes, x @ W_ih.T + h @ W_hh.T.",
                    lambda x, h, W_ih, W_hh, b: numpy.tanh(x @ W_ih + h @ W_hh + b)),
            Mistake("W_hh transposed",
                    "W_hh is square, so h @ W_hh runs, but W_hh[j, k] is the weight from unit k of the previous "
                    "state to unit j of the new one: use h @ W_hh.T.",
                    lambda x, h, W_ih, W_hh, b: numpy.tanh(x @ W_ih.T + h @ W_hh + b)),
            Mistake("previous state ignored",
                    "The new state depends on the previous one too: add h @ W_hh.T inside the tanh (that is "
                    "what makes the network recurrent).",
                    lambda x, h, W_ih, W_hh, b: numpy.tanh(x @ W_ih.T + b)),
            Mistake("activation forgotten",
                    "You returned the pre-activation: apply tanh to x @ W_ih.T + h @ W_hh.T + b.",
                    lambda x, h, W_ih, W_hh, b: x @ W_ih.T + h @ W_hh.T + b),
        )),
    Exercise(
        "rnn_bptt", "Backpropagation through time", SEQUENCES, "rnn_bptt(xs, h0, W_ih, W_hh, b, grad_hs)",
        "The RNN h_t = tanh(xs[t-1] @ W_ih.T + h_{t-1} @ W_hh.T + b) runs over T steps from h0 (xs is (T, N, I)). "
        "grad_hs[t-1] (N, H) is the gradient the loss sends to h_t directly, not through later steps. Return "
        "(dW_ih, dW_hh, db, dh0), shaped as W_ih, W_hh, b and h0: walk from the last step back to the first, "
        "adding each step's share.",
        functools.partial(rnn_cases, through_time=True), rnn_bptt,
        mistakes=(
            Mistake("off by one step",
                    "BPTT is off by one step: step t computes its pre-activation from h_{t-1}, so dW_hh sums "
                    "da_t^T h_{t-1}, the state before the step, not h_t, the state it produced.",
                    mistake(rnn_bptt, "off by one")),
            Mistake("not carried back",
                    "The gradient from later steps is not carried back: h_t feeds step t+1 too, so dL/dh_t is "
                    "grad_hs[t-1] plus da_{t+1} @ W_hh from the step after it.",
                    mistake(rnn_bptt, "not carried")),
            Mistake("tanh' forgotten",
                    "You forgot tanh': da_t = dh_t * (1 - h_t**2), before it reaches the weights and h_{t-1}.",
                    mistake(rnn_bptt, "no tanh'")),
            Mistake("overwritten",
                    "The weights are shared by every step, so their gradients accumulate over time: add each "
                    "step's share (dW += ...) instead of overwriting it (dW = ...).",
                    mistake(rnn_bptt, "overwritten")),
        ),
        numerical=by_differences(rnn_loss, (2, 3, 4, 1))),
    Exercise(
        "lstm_cell_backward", "An LSTM cell's backward", SEQUENCES,
        "lstm_cell_backward(x, h, c, W_ih, W_hh, b, grad_h_next, grad_c_next)",
        "One LSTM cell, as PyTorch's nn.LSTMCell: a = x @ W_ih.T + h @ W_hh.T + b is split into four blocks of H "
        "columns, the gates i, f, g, o in that order; i, f, o = sigmoid, g = tanh; c' = f*c + i*g, h' = o*tanh(c'). "
        "Given dL/dh' = grad_h_next and dL/dc' = grad_c_next (from later steps), return "
        "(dx, dh, dc, dW_ih, dW_hh, db).",
        lstm_cases, lstm_cell_backward,
        mistakes=(
            Mistake("cell path through h' forgotten",
                    "c' reaches the loss through h' = o * tanh(c') too: dL/dc' = grad_c_next + "
                    "grad_h_next * o * (1 - tanh(c')**2), not grad_c_next alone.",
                    mistake(lstm_cell_backward, "no h path")),
            Mistake("tanh' of c' left out",
                    "On the way from h' = o * tanh(c') to c' you left out tanh': the term is "
                    "grad_h_next * o * (1 - tanh(c')**2).",
                    mistake(lstm_cell_backward, "no tanh'")),
            Mistake("forget gate with c'",
                    "c' = f * c + i * g, so the forget gate's gradient is dL/dc' * c, the previous cell state, "
                    "not the new one c'.",
                    mistake(lstm_cell_backward, "c' in forget")),
            Mistake("gate order mixed up",
                    "The gates are mixed up: PyTorch stacks them as i, f, g, o (columns 0:H input gate, H:2H "
                    "forget gate, 2H:3H the tanh candidate g, 3H:4H output gate), in W_ih, W_hh, b and their "
                    "gradients alike.",
                    mistake(lstm_cell_backward, "gate order")),
        ),
        numerical=by_differences(lstm_loss, range(6))),
    Exercise(
        "attention_forward", "Scaled dot-product attention", ATTENTION, "attention_forward(q, k, v, mask=None)",
        "Return softmax(q @ k^T / sqrt(d)) @ v over the last two axes, for q (..., L, d), k (..., S, d) and "
        "v (..., S, Ev), the softmax over the keys. mask (broadcast to (..., L, S)) is boolean: where it is "
        "False the query may not look at the key, its score becomes -inf.",
        functools.partial(attention_cases, grad=False), attention_forward,
        mistakes=(
            Mistake("scale forgotten",
                    "Divide the scores q @ k^T by sqrt(d), d the size of a query, before the softmax.",
                    attention_forward_mistake("no scale")),
            Mistake("softmax over the queries",
                    "The softmax runs over the keys (the last axis, axis=-1): each query's weights sum to 1.",
                    attention_forward_mistake("wrong axis")),
            Mistake("mask ignored", "The mask was not applied: where it is False, set the score to -inf.",
                    attention_forward_mistake("mask ignored")),
            Mistake("masked scores set to 0",
                    "A masked score must be -inf, not 0: exp(0) = 1 still gives that key a weight.",
                    attention_forward_mistake("mask zero")),
        )),
    Exercise(
        "attention_backward", "Scaled dot-product attention's backward", ATTENTION,
        "attention_backward(q, k, v, grad_output)",
        "For O = softmax(q @ k^T / sqrt(d)) @ v over the last two axes (q (..., L, d), k (..., S, d), "
        "v (..., S, Ev)) and dL/dO = grad_output, return (dq, dk, dv).",
        attention_cases, attention_backward,
        mistakes=(
            Mistake("scale forgotten in backward",
                    "The forward divides the scores by sqrt(d), so the backward does too: dq = dS @ k / sqrt(d) "
                    "and dk = dS^T @ q / sqrt(d).",
                    mistake(attention_backward, "no scale")),
            Mistake("diagonal only",
                    "You used only the softmax Jacobian's diagonal P * (1 - P): every weight of a row depends on "
                    "every score of it, so dS = P * (dP - sum(dP * P, axis=-1, keepdims=True)).",
                    mistake(attention_backward, "diagonal")),
            Mistake("weights not transposed in dv",
                    "O = P @ v, so dv = P^T @ grad_output: transpose the weights' last two axes.",
                    mistake(attention_backward, "not transposed")),
            Mistake("scores' gradient not transposed in dk",
                    "S = q @ k^T / sqrt(d) holds k transposed, so dk = dS^T @ q / sqrt(d): transpose dS's last "
                    "two axes.",
                    mistake(attention_backward, "dk not transposed")),
        ),
        numerical=by_differences(attention_loss, range(3))),
    Exercise(
        "positional_encoding", "Sinusoidal positional encoding", ATTENTION, "positional_encoding(n_positions, d)",
        "Return the table PE (n_positions, d) of Vaswani et al. (2017), one row per position pos = 0 .. "
        "n_positions - 1: PE[pos, 2i] = sin(pos / 10000^(2i/d)) and PE[pos, 2i+1] = cos(pos / 10000^(2i/d)), "
        "the columns 2i and 2i+1 a pair with one frequency. For an odd d the last column is a sine.",
        encoding_cases, lambda n_positions, d: sinusoid_table(n_positions, d, numpy.float64),
        mistakes=(
            Mistake("sin and cos swapped",
                    "Sine and cosine are swapped: the even columns 2i hold the sine and the odd columns 2i+1 the "
                    "cosine, so the first row (pos = 0) is 0, 1, 0, 1, ...",
                    mistake(positional_encoding, "swapped")),
            Mistake("exponent i/d",
                    "The exponent is 2i/d, with i the pair's number: the pair in columns 2 and 3 uses "
                    "10000^(2/d), not 10000^(1/d). Divide the even column's index 2i by d, not i.",
                    mistake(positional_encoding, "i/d")),
            Mistake("cosine with its own index",
                    "Columns 2i and 2i+1 share one frequency: the cosine in column 2i+1 uses the exponent 2i/d "
                    "of the sine before it, not (2i+1)/d.",
                    mistake(positional_encoding, "own index")),
            Mistake("positions counted from 1",
                    "Positions count from 0: the first row is PE[0] = sin(0), cos(0), ... = 0, 1, 0, 1, ...",
                    mistake(positional_encoding, "from 1")),
            Mistake("base 1000",
                    "The base is 10000, not 1000: the frequencies are 1 / 10000^(2i/d), from 1 down to about "
                    "1/10000, so that even far-apart positions get different rows.",
                    mistake(positional_encoding, "base 1000")),
        ),
        rtol=1e-5, atol=1e-5),  # a table computed in float32 passes
)

"""Recurrent layers as fused ops: one op runs one layer in one direction over every time step, and its
backward is backpropagation through time (BPTT), written out whole.

Shapes, as PyTorch's: x (T, N, I) time-major, the initial state h0 (and c0) (N, H), weights
W_ih (G*H, I), W_hh (G*H, H), biases b_ih and b_hh (G*H,), where G is the number of gates:
1 for the plain RNN, 4 for the LSTM (i, f, g, o), 3 for the GRU (r, z, n), stacked in that order.

The speed plan of the RNN and the GRU:
  before the loop   the input part of every step, x_t W_ih^T + b, as one matrix product;
  in the loop       one matrix product h_{t-1} W_hh^T per step (W_hh^T copied once into C order, the
                    fast layout for it: 18 -> 12 us per step at batch 32), and elementwise work;
  after the loop    dx, dW_ih, dW_hh and the bias gradients from the gate gradients of all steps,
                    one matrix product each, since dW = sum_t (dgates_t)^T input_t.
In their backward, every factor that does not depend on the incoming gradient (the gates' derivatives)
is computed for all steps at once before the loop, so the loop only carries dh. The LSTM, the op that
costs most, goes further (see its docstring): one product a step for the input and hidden parts
together, gate-major blocks, and a backward loop that works on one step's blocks while they are in cache.
In every loop the elementwise work is written with out= into arrays made before the loop, over
per-step views that one zip hands out: at batch 1 a step is a handful of calls of ~0.3 us each, and
indexing or temporaries would double that.

reverse=True runs the recurrence from the last step to the first (the second direction of a
bidirectional layer): the op flips the time axis of x on the way in and of the states on the way out,
so one loop serves both directions. Inside, arrays are in step order.

While something records (`hooks.active`, aino/trace), backward also keeps the TOTAL gradient of every
hidden state on the op, `self.hidden_grads` (T, N, H) in time order (as the output):
    dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t     (direct, plus what flows back through step t + 1)
the `dh` its loop carries; with nothing recording it is not kept.
"""

import itertools

from aino import hooks
from aino.backend import scalar
from aino.ops.function import Function, is_grad_enabled
from aino.ops.matmul import column_sums


def activate_(xp, a, scale, shift):
    """In place, a <- shift + scale * tanh(scale * a).

    With scale = shift = 1/2 this is the sigmoid s(a) = 1/2 + 1/2 tanh(a/2) (one tanh, never overflows);
    with scale = 1, shift = 0 it is tanh itself.
    """
    a *= scale
    xp.tanh(a, out=a)
    a *= scale
    a += shift


class _Recurrence(Function):
    """What the three ops share: time flipping, the input projection and the weight gradients after the loop."""

    def __init__(self, reverse=False):
        self.reverse = reverse

    hidden_grads = None  # dL/dh_t (T, N, H) in time order, kept by backward while hooks.active

    def _step_order(self, a):
        """`a` (time first) in the order the loop visits the steps: as is, or flipped for reverse."""
        return a[::-1] if self.reverse else a

    def _project(self, x, w_ih, w_hh, bias):
        """x_t W_ih^T + bias for every step at once: (T, N, I) -> (T, N, G*H), in step order.

        Saves x (flattened, in step order) and the weights for backward.
        """
        T, N, I = x.shape
        self.x_flat = self._step_order(x).reshape(T * N, I)
        self.w_ih, self.w_hh, self.has_bias = w_ih, w_hh, bias is not None
        projection = self.x_flat @ w_ih.T
        if bias is not None:
            projection += bias
        return projection.reshape(T, N, -1)

    def _input_and_weight_grads(self, d_xw, d_hw, h_prev, first):
        """dx, dW_ih, dW_hh (and db_ih, db_hh) from the gate gradients of every step.

        d_xw is dL/d(x_t W_ih^T + b_ih) and d_hw is dL/d(h_{t-1} W_hh^T + b_hh), both (T, N, G*H) in step
        order; h_prev (T, N, H) holds h_{t-1} of each step. Summing over steps and batch at once:
            dx_t = d_xw_t W_ih     dW_ih = sum_t d_xw_t^T x_t      dW_hh = sum_t d_hw_t^T h_{t-1}
            db_ih = sum_t,n d_xw   db_hh = sum_t,n d_hw
        `first` is the position of W_ih among the op's inputs (x is input 0).
        """
        xp, (T, N, GH) = self.xp, d_xw.shape
        needs, same = self.needs_grad, d_hw is d_xw  # the RNN: one array serves both
        d_xw, d_hw = d_xw.reshape(T * N, GH), d_hw.reshape(T * N, GH)
        dx = self._step_order((d_xw @ self.w_ih).reshape(T, N, -1)) if needs[0] else None
        dw_ih = d_xw.T @ self.x_flat if needs[first] else None
        dw_hh = d_hw.T @ h_prev.reshape(T * N, -1) if needs[first + 1] else None
        if not self.has_bias:
            return dx, dw_ih, dw_hh
        db_ih = column_sums(xp, d_xw)  # sums over rows as products: 84 -> 33 us at 1600 x 256
        db_hh = db_ih.copy() if same else column_sums(xp, d_hw)
        return dx, dw_ih, dw_hh, db_ih, db_hh


def _each_dh(xp, dh_all, like):
    """Where a backward loop writes each step's total dL/dh_t, last step first: the rows of dh_all (T, N, H)
    while recording, else one (N, H) array (shaped as `like`) for every step."""
    return dh_all[::-1] if dh_all is not None else itertools.repeat(xp.empty_like(like))


class RNN(_Recurrence):
    """Elman RNN, one layer-direction: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Inputs x (T, N, I), h0 (N, H), W_ih, W_hh[, b_ih, b_hh]; returns h_1 .. h_T (T, N, H) in time order.
    """

    def __init__(self, reverse=False, nonlinearity="tanh"):
        super().__init__(reverse)
        self.nonlinearity = nonlinearity

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = self.xp
        # the input part of every pre-activation a_t; both biases are added once, here
        xw = self._project(x, w_ih, w_hh, None if b_ih is None else b_ih + b_hh)
        T, N, H = xw.shape
        h = xp.empty((T + 1, N, H), dtype=xw.dtype)  # h[0] = h0, h[t + 1] = h_t
        h[0] = h0
        w_hh_t = xp.ascontiguousarray(w_hh.T)
        matmul, add = xp.matmul, xp.add
        activation = xp.tanh if self.nonlinearity == "tanh" else lambda a, out: xp.maximum(a, 0, out=out)
        for xw_t, h_prev, h_t in zip(xw, h[:-1], h[1:]):  # a_t is built in h_t's row, then activated there
            matmul(h_prev, w_hh_t, out=h_t)
            add(h_t, xw_t, out=h_t)
            activation(h_t, out=h_t)
        self.h = h
        return self._step_order(h[1:])

    def backward(self, grad):
        xp, h = self.xp, self.h
        grad = self._step_order(grad)  # dL/dh_t from the layer's output
        # act'(a_t) from the output alone: tanh' = 1 - h_t^2, relu' = 1 where h_t > 0
        if self.nonlinearity == "tanh":
            slope = xp.multiply(h[1:], h[1:])
            xp.subtract(1, slope, out=slope)
        else:
            slope = (h[1:] > 0).astype(h.dtype)
        da = xp.empty_like(slope)  # dL/da_t
        dh_all = xp.empty_like(slope) if hooks.active else None  # the total dL/dh_t, kept while recording
        dh_next = xp.zeros_like(h[0])  # dL/dh_t through h_{t+1}: none after the last step
        matmul, add, multiply = xp.matmul, xp.add, xp.multiply
        for grad_t, dh, slope_t, da_t in zip(grad[::-1], _each_dh(xp, dh_all, dh_next), slope[::-1], da[::-1]):
            # h_t feeds the output and a_{t+1}; a_t = ... + h_{t-1} W_hh^T sends da_t W_hh on to h_{t-1}
            add(grad_t, dh_next, out=dh)  # dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t
            multiply(dh, slope_t, out=da_t)
            matmul(da_t, self.w_hh, out=dh_next)
        if dh_all is not None:
            self.hidden_grads = self._step_order(dh_all)
        dx, *weight_grads = self._input_and_weight_grads(da, da, h[:-1], first=2)
        return (dx, dh_next if self.needs_grad[1] else None, *weight_grads)


def _put_gate_rows(rows, w):
    """rows (4, H, ...) in the op's gate order o, i, f, g <- w (4, H, ...) in PyTorch's order i, f, g, o."""
    rows[1:] = w[:3]
    rows[0] = w[3]


def _gate_weights(xp, w_ih, w_hh, b_ih, b_hh, batch):
    """The right-hand side of the LSTM step's one product [h_{t-1}, x_t, 1] @ right, made in one array:
    (4, K, H), right[k] = W_k^T for each gate k, at batch > 1; (K, 4H) at batch 1; K = H + I (+ 1 for the bias).

    Its gates are in the order o, i, f, g, and the rows of o, i, f are halved (a/2, for the sigmoids via tanh).
    (Filled straight in its final layout, not concatenated, reordered, copied and transposed: 22 -> 15 us at
    batch 32, 23 -> 21 us at batch 1.)
    """
    (H4, I), H = w_ih.shape, w_hh.shape[1]
    K = H + I + (b_ih is not None)
    if batch > 1:
        right = xp.empty((4, K, H), dtype=w_ih.dtype)
        rows = right.transpose(0, 2, 1)
    else:
        right = xp.empty((K, H4), dtype=w_ih.dtype)
        rows = right.T.reshape(4, H, K)
    _put_gate_rows(rows[:, :, :H], w_hh.reshape(4, H, H))
    _put_gate_rows(rows[:, :, H:H + I], w_ih.reshape(4, H, I))
    if b_ih is not None:
        _put_gate_rows(rows[:, :, H + I], (b_ih + b_hh).reshape(4, H))
    rows[:3] *= 0.5  # a/2 for the sigmoids o, i, f (exact in floating point)
    return right


class LSTM(_Recurrence):
    """LSTM, one layer-direction, PyTorch's gates i, f, g, o stacked in that order:

        i, f, g, o = s(a_i), s(a_f), tanh(a_g), s(a_o),  a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        c_t = f * c_{t-1} + i * g         h_t = o * tanh(c_t)

    Inputs x (T, N, I), h0, c0 (N, H), W_ih, W_hh[, b_ih, b_hh]. An op has one output, so it returns
    (T + 1, N, H): h_1 .. h_T in time order, then the last cell state c_n.

    A step is eight array calls, each on whole contiguous blocks (at batch 1 a call costs as much as its
    work; at batch 32 a strided (N, H) view costs 3x a contiguous one):
      a_t = [h_{t-1}, x_t, 1] [W_hh^T; W_ih^T; b^T] is one product: step t's row of `inputs` holds h_{t-1},
        x_t and a 1 (the bias), and the last multiply of step t writes h_t into row t + 1. (Unlike the RNN
        and the GRU, the input part is not projected for all steps first: in the step's product it costs
        less than a separate sum per step, and the gate-major layout below would need it transposed.)
      inside, the gates are in the order o, i, f, g (the weights' rows rolled by one block) and gate-major:
        step t's row of `cell` is (5, N, H), the gates o, i, f, g and then c_{t-1}; so the sigmoids o, i, f
        are one block, and f c_{t-1} + i g is one product of the pairs (i, f) * (g, c_{t-1}) and one sum;
      one tanh activates all four gates: s(a) = 1/2 + 1/2 tanh(a/2), so the weight rows that make a_o,
        a_i, a_f are halved (exact in floating point), and after the tanh o, i, f are taken times 1/2 plus 1/2.
    """

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp, (T, N, I), H = self.xp, x.shape, w_hh.shape[1]
        right = _gate_weights(xp, w_ih, w_hh, b_ih, b_hh, N)
        K = H + I + (b_ih is not None)
        inputs = xp.empty((T + 1, N, K), dtype=x.dtype)  # step t: h_{t-1}, x_t, 1; the last row's h is h_T
        inputs[0, :, :H] = h0
        inputs[:T, :, H:H + I] = self._step_order(x)
        inputs[:T, :, H + I:] = 1
        # For backward every step's gates and cell state are kept: cell[t] holds step t's o, i, f, g and c_{t-1}.
        # Under no_grad one row serves every step (c_t is written over c_{t-1} once the gates have read it).
        keep = is_grad_enabled()
        cell = xp.empty((T + 1 if keep else 1, 5, N, H), dtype=x.dtype)
        cell[0, 4] = c0
        tanh_c = xp.empty((T if keep else 1, N, H), dtype=x.dtype)
        # at N > 1, (4, N, H) a step: z W_k^T for each gate k, with W_k^T (K, H) in C order (the fast one);
        # at N = 1 gate-major is batch-major: one (1, K) @ (K, 4H) product a step, by the row's own dot
        # (the ndarray method skips numpy.dot's dispatch: 1.48 -> 1.22 us a call; numpy.matmul is slower still)
        rows = N == 1
        gates = cell[:, :4].reshape(-1, 1, 4 * H) if rows else cell[:, :4]
        # each step's views of `cell` and `tanh_c`: the gates, o i f, (i, f), (g, c_{t-1}), o, c_t, tanh(c_t);
        # under no_grad the same views every step (one tuple repeated: 230 -> 170 ns a step of loop overhead)
        c_t = cell[1:, 4] if keep else cell[:, 4]
        views = (gates, cell[:, :3], cell[:, 1:3], cell[:, 3:5], cell[:, 0], c_t, tanh_c)
        cell_steps = zip(*views) if keep else itertools.repeat(tuple(view[0] for view in views), T)
        products = xp.empty((2, N, H), dtype=x.dtype)  # i g and f c_{t-1}
        ig, fc = products
        one_half = scalar(xp, 0.5, x.dtype)  # an array: cheaper per call than a float
        add, multiply, tanh, matmul = xp.add, xp.multiply, xp.tanh, xp.matmul  # looked up once, not per step
        # The elementwise calls pass `out` by position: 0.35 -> 0.26 us a call at batch 1.
        for z, h_t, (gates, sigmoids, i_f, g_c, o, c_t, tanh_c_t) in zip(inputs[:T], inputs[1:, :, :H], cell_steps):
            if rows:  # a_t (a/2 for o, i, f)
                z.dot(right, gates)
            else:
                matmul(z, right, gates)
            tanh(gates, gates)
            multiply(sigmoids, one_half, sigmoids)
            add(sigmoids, one_half, sigmoids)  # o, i, f = 1/2 + 1/2 tanh(a/2); g = tanh(a_g)
            multiply(i_f, g_c, products)  # i g, f c_{t-1}
            add(ig, fc, c_t)  # c_t = f c_{t-1} + i g
            tanh(c_t, tanh_c_t)
            multiply(o, tanh_c_t, h_t)  # h_t = o tanh(c_t)
        if keep:
            self.w_ih, self.w_hh, self.inputs, self.cell, self.tanh_c = w_ih, w_hh, inputs, cell, tanh_c
            self.has_bias = b_ih is not None
        out = xp.empty((T + 1, N, H), dtype=x.dtype)
        out[:T], out[T] = self._step_order(inputs[1:, :, :H]), cell[-1, 4]
        return out

    def backward(self, grad):
        xp, cell, tanh_c = self.xp, self.cell, self.tanh_c
        T, N, H = tanh_c.shape
        dh_out = self._step_order(grad[:T])  # dL/dh_t from the layer's output
        # Backprop through one step, from dh = dL/dh_t (total) and dc_next = dL/dc_t through c_{t+1}:
        #   h_t = o tanh(c_t):        dL/do = dh tanh(c_t),  dc = dc_next + dh o (1 - tanh(c_t)^2)
        #   c_t = f c_{t-1} + i g:    dL/di = dc g,  dL/df = dc c_{t-1},  dL/dg = dc i,  dc_{t-1} gets dc f
        #   o, i, f = s(a), g = tanh(a):  da = dL/dgate * s (1 - s) for o, i, f, and dL/dg * (1 - g^2) for g
        #   a_t = [h_{t-1}, x_t, 1] [W_hh^T; W_ih^T; b^T]:  dh_{t-1} gets da_t W_hh
        # All of it step by step, on (N, H) blocks that stay in cache. (The factors that do not depend on the
        # gradient, computed for all steps before the loop, cost the training step of batch 32 x 50 a third
        # more: their (T, 4, N, H) arrays are fresh memory, page faults, and passes out of cache.)
        da = xp.empty((T, N, 4 * H), dtype=tanh_c.dtype)  # dL/da_t, batch-major for the products with weights
        # W_hh and W_ih with their rows in the op's gate order o, i, f, g (PyTorch's i, f, g, o rolled by one gate)
        w_hh, w_ih = xp.roll(self.w_hh, H, axis=0), xp.roll(self.w_ih, H, axis=0)
        dh_all = xp.empty((T, N, H), dtype=da.dtype) if hooks.active else None  # the total dL/dh_t
        dh_next = xp.zeros((N, H), dtype=da.dtype)  # dL/dh_t through step t + 1 (none after the last)
        dc_next = grad[T].copy()  # dL/dc_t through step t + 1; after the last step, the gradient of c_n
        dc = xp.empty((N, H), dtype=da.dtype)  # dL/dc_t
        d_gates = xp.empty((4, N, H), dtype=da.dtype)  # dL/do, dL/di, dL/df, dL/dg
        d_o, d_if, d_g = d_gates[0], d_gates[1:3], d_gates[3]
        slopes = xp.empty((4, N, H), dtype=da.dtype)  # s (1 - s) = s - s^2 for o, i, f; 1 - g^2 for g
        slopes_oif, slope_g = slopes[:3], slopes[3]
        one = scalar(xp, 1, da.dtype)
        back = slice(T - 1, None, -1)  # the steps from last to first
        # each step's views: dL/dout_t, where dL/dh_t goes, tanh(c_t), o, i, f, (o, i, f), (o, i, f, g),
        # (g, c_{t-1}), and dL/da_t gate-major (a view into the batch-major row that the product with W_hh reads)
        steps = zip(dh_out[back], _each_dh(xp, dh_all, dc), tanh_c[back], cell[back, 0], cell[back, 1],
                    cell[back, 2], cell[back, :3], cell[back, :4], cell[back, 3:5],
                    da.reshape(T, N, 4, H).transpose(0, 2, 1, 3)[back], da[back])
        add, subtract, multiply, matmul = xp.add, xp.subtract, xp.multiply, xp.matmul
        for dh_out_t, dh, tanh_c_t, o, i, f, oif, gates, g_c, da_gates, da_t in steps:
            add(dh_out_t, dh_next, dh)  # dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t
            multiply(dh, tanh_c_t, d_o)  # dL/do = dh tanh(c_t)
            multiply(d_o, tanh_c_t, dc)
            subtract(dh, dc, dc)
            multiply(dc, o, dc)
            add(dc, dc_next, dc)  # dL/dc_t = dc_next + o (dh - dh tanh(c_t)^2) = dc_next + dh o (1 - tanh(c_t)^2)
            multiply(g_c, dc, d_if)  # dc g, dc c_{t-1}
            multiply(i, dc, d_g)
            multiply(gates, gates, slopes)  # s^2 for o, i, f; g^2
            subtract(oif, slopes_oif, slopes_oif)
            subtract(one, slope_g, slope_g)
            multiply(d_gates, slopes, da_gates)  # dL/da_t
            matmul(da_t, w_hh, out=dh_next)
            multiply(dc, f, dc_next)
        if dh_all is not None:
            self.hidden_grads = self._step_order(dh_all)
        return self._gradients(da.reshape(T * N, 4 * H), w_ih, dh_next, dc_next)

    def _gradients(self, da, w_ih, dh0, dc0):
        """The op's input gradients, from dL/da_t of every step (da: (T N, 4H), rows o, i, f, g, as w_ih's) and
        dL/dh0, dL/dc0.

        As a_t = [h_{t-1}, x_t, 1] [W_hh^T; W_ih^T; b^T], summing over steps and batch at once:
            [dW_hh, dW_ih, db] = sum_t da_t^T [h_{t-1}, x_t, 1]  (one product)       dx_t = da_t W_ih
        and db_ih = db_hh = db.
        """
        xp, needs, inputs, (T, N, H) = self.xp, self.needs_grad, self.inputs[:-1], self.tanh_c.shape
        K = inputs.shape[2]
        I = K - H - self.has_bias  # [h, x, 1]: the last column is the bias's
        dx = self._step_order((da @ w_ih).reshape(T, N, I)) if needs[0] else None
        grads = [dx, dh0 if needs[1] else None, dc0 if needs[2] else None]
        if not any(needs[3:]):
            return (*grads, *[None] * len(needs[3:]))
        d_weights = xp.roll(da.T @ inputs.reshape(T * N, K), -H, axis=0)  # rows o, i, f, g back to i, f, g, o
        grads += [xp.ascontiguousarray(d_weights[:, H:H + I]), xp.ascontiguousarray(d_weights[:, :H])]
        if K > H + I:
            grads += [d_weights[:, -1].copy(), d_weights[:, -1].copy()]
        return tuple(grads)


class GRU(_Recurrence):
    """GRU, one layer-direction, PyTorch's gates r, z, n stacked in that order:

        r = s(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)       z = s(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    Inputs x (T, N, I), h0 (N, H), W_ih, W_hh[, b_ih, b_hh]; returns h_1 .. h_T (T, N, H) in time order.
    """

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = self.xp
        xw = self._project(x, w_ih, w_hh, b_ih)  # x_t W_ih^T + b_ih; overwritten by r, z, n
        T, N, H3 = xw.shape
        H = H3 // 3
        h = xp.empty((T + 1, N, H), dtype=xw.dtype)  # h[0] = h0, h[t + 1] = h_t
        h[0] = h0
        hw_n = xp.empty((T, N, H), dtype=xw.dtype)  # h_{t-1} W_hn^T + b_hn, kept for backward
        w_hh_t = xp.ascontiguousarray(w_hh.T)
        for t in range(T):
            hw = h[t] @ w_hh_t
            if b_hh is not None:
                hw += b_hh
            rz, n = xw[t, :, :2 * H], xw[t, :, 2 * H:]
            rz += hw[:, :2 * H]
            activate_(xp, rz, 0.5, 0.5)  # r, z = sigmoid
            hw_n[t] = hw[:, 2 * H:]
            n += rz[:, :H] * hw_n[t]
            xp.tanh(n, out=n)
            xp.add(n, rz[:, H:] * (h[t] - n), out=h[t + 1])  # (1 - z) n + z h_{t-1}
        self.gates, self.h, self.hw_n = xw, h, hw_n
        return self._step_order(h[1:])

    def backward(self, grad):
        xp, gates = self.xp, self.gates
        T, N, H3 = gates.shape
        H = H3 // 3
        dh_out = self._step_order(grad)  # dL/dh_t from the layer's output
        r, z, n = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:]
        h_prev = self.h[:-1]
        # Factors known before the gradient arrives, for every step at once. With dh = dL/dh_t:
        #   h_t = (1 - z) n + z h_{t-1}:  dn = dh (1 - z),  dz = dh (h_{t-1} - n),  dh_{t-1} gets dh z
        #   n = tanh(a_n), a_n = xw_n + r * hw_n:  da_n = dn (1 - n^2),  dr = da_n hw_n,  dhw_n = da_n r
        #   r, z = s(a_r), s(a_z):  da_r = dr r (1 - r),  da_z = dz z (1 - z)
        # a_r and a_z take x and h parts alike; for n the h part hw_n is multiplied by r first.
        da_n = (1 - z) * (1 - n ** 2)  # da_n / dh: the x-side factor of n
        d_hw = xp.empty((T, N, 3, H), dtype=gates.dtype)  # the h-side factors; in the loop, dL/dhw_t over them
        d_hw[:, :, 0] = da_n * self.hw_n * r * (1 - r)
        d_hw[:, :, 1] = (h_prev - n) * z * (1 - z)
        d_hw[:, :, 2] = da_n * r
        dh_all = xp.empty((T, N, H), dtype=gates.dtype)
        dh_next = xp.zeros((N, H), dtype=gates.dtype)  # dL/dh_t through step t + 1 (none after the last)
        for t in reversed(range(T)):
            # h_t reaches the loss through the output and through step t + 1 (its gates and the z h_t term)
            dh = xp.add(dh_out[t], dh_next, out=dh_all[t])
            d_hw[t] *= dh[:, None, :]
            dh_next = dh * z[t] + d_hw[t].reshape(N, H3) @ self.w_hh
        if hooks.active:  # dh_all[t] = dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t, kept while recording
            self.hidden_grads = self._step_order(dh_all)
        # dL/d(x_t W_ih^T + b_ih): r and z as on the h side, n without the factor r
        d_xw = d_hw.copy()
        xp.multiply(dh_all, da_n, out=d_xw[:, :, 2])
        d_xw, d_hw = d_xw.reshape(T, N, H3), d_hw.reshape(T, N, H3)
        dx, *weight_grads = self._input_and_weight_grads(d_xw, d_hw, h_prev, first=2)
        return (dx, dh_next if self.needs_grad[1] else None, *weight_grads)

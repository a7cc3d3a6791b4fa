"""Recurrent layers as fused ops: one op runs one layer in one direction over every time step, and its
backward is backpropagation through time (BPTT), written out whole.

Shapes, as PyTorch's: x (T, N, I) time-major, the initial state h0 (and c0) (N, H), weights
W_ih (G*H, I), W_hh (G*H, H), biases b_ih and b_hh (G*H,), where G is the number of gates:
1 for the plain RNN, 4 for the LSTM (i, f, g, o), 3 for the GRU (r, z, n), stacked in that order.

The speed plan, the same in all three ops:
  before the loop   the input part of every step, x_t W_ih^T + b, as one matrix product;
  in the loop       one matrix product h_{t-1} W_hh^T per step, and elementwise work;
  after the loop    dx, dW_ih, dW_hh and the bias gradients from the gate gradients of all steps,
                    one matrix product (or sum) each, since dW = sum_t (dgates_t)^T input_t.
In backward, every factor that does not depend on the incoming gradient (the gates' derivatives) is
computed for all steps at once before the loop, so the loop only carries dh (and the LSTM's dc).

reverse=True runs the recurrence from the last step to the first (the second direction of a
bidirectional layer): the op flips the time axis of x on the way in and of the states on the way out,
so one loop serves both directions. Inside, arrays are in step order.

While something records (`hooks.active`, aino/trace), backward also keeps the TOTAL gradient of every
hidden state on the op, `self.hidden_grads` (T, N, H) in time order (as the output):
    dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t     (direct, plus what flows back through step t + 1)
the `dh` its loop carries; with nothing recording it is not kept.
"""

from aino import hooks
from aino.ops.function import Function


def activate_(xp, a, scale, shift):
    """In place, a <- shift + scale * tanh(scale * a).

    With scale = shift = 1/2 this is the sigmoid s(a) = 1/2 + 1/2 tanh(a/2) (one tanh, never overflows);
    with scale = 1, shift = 0 it is tanh itself. Scale and shift may be per-column arrays, so the four
    LSTM gates (three sigmoids and one tanh) take one call.
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
        T, N, GH = d_xw.shape
        needs, same = self.needs_grad, d_hw is d_xw  # the RNN and the LSTM: one array serves both
        d_xw, d_hw = d_xw.reshape(T * N, GH), d_hw.reshape(T * N, GH)
        dx = self._step_order((d_xw @ self.w_ih).reshape(T, N, -1)) if needs[0] else None
        dw_ih = d_xw.T @ self.x_flat if needs[first] else None
        dw_hh = d_hw.T @ h_prev.reshape(T * N, -1) if needs[first + 1] else None
        if not self.has_bias:
            return dx, dw_ih, dw_hh
        db_ih = d_xw.sum(axis=0)
        db_hh = db_ih.copy() if same else d_hw.sum(axis=0)
        return dx, dw_ih, dw_hh, db_ih, db_hh


class RNN(_Recurrence):
    """Elman RNN, one layer-direction: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Inputs x (T, N, I), h0 (N, H), W_ih, W_hh[, b_ih, b_hh]; returns h_1 .. h_T (T, N, H) in time order.
    """

    def __init__(self, reverse=False, nonlinearity="tanh"):
        super().__init__(reverse)
        self.nonlinearity = nonlinearity

    def forward(self, x, h0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = self.xp
        # pre-activations a_t; both biases are added once, with the input part of every step
        a = self._project(x, w_ih, w_hh, None if b_ih is None else b_ih + b_hh)
        T, N, H = a.shape
        h = xp.empty((T + 1, N, H), dtype=a.dtype)  # h[0] = h0, h[t + 1] = h_t
        h[0] = h0
        w_hh_t = w_hh.T
        for t in range(T):
            a[t] += h[t] @ w_hh_t
            if self.nonlinearity == "tanh":
                xp.tanh(a[t], out=h[t + 1])
            else:
                xp.maximum(a[t], 0, out=h[t + 1])
        self.h = h
        return self._step_order(h[1:])

    def backward(self, grad):
        xp, h = self.xp, self.h
        grad = self._step_order(grad)  # dL/dh_t from the layer's output
        # act'(a_t) from the output alone: tanh' = 1 - h_t^2, relu' = 1 where h_t > 0
        slope = 1 - h[1:] ** 2 if self.nonlinearity == "tanh" else (h[1:] > 0).astype(h.dtype)
        da = xp.empty_like(slope)  # dL/da_t
        dh_next = xp.zeros_like(h[0])  # dL/dh_t through h_{t+1}: none after the last step
        dh_all = xp.empty_like(slope) if hooks.active else None  # the total dL/dh_t, only while recording
        for t in reversed(range(len(da))):
            # h_t feeds the output and a_{t+1}; a_t = ... + h_{t-1} W_hh^T sends da_t W_hh on to h_{t-1}
            dh = grad[t] + dh_next  # dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t
            if dh_all is not None:
                dh_all[t] = dh
            xp.multiply(dh, slope[t], out=da[t])
            dh_next = da[t] @ self.w_hh
        if dh_all is not None:
            self.hidden_grads = self._step_order(dh_all)
        dx, *weight_grads = self._input_and_weight_grads(da, da, h[:-1], first=2)
        return (dx, dh_next if self.needs_grad[1] else None, *weight_grads)


class LSTM(_Recurrence):
    """LSTM, one layer-direction, PyTorch's gates i, f, g, o stacked in that order:

        i, f, g, o = s(a_i), s(a_f), tanh(a_g), s(a_o),  a = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        c_t = f * c_{t-1} + i * g         h_t = o * tanh(c_t)

    Inputs x (T, N, I), h0, c0 (N, H), W_ih, W_hh[, b_ih, b_hh]. An op has one output, so it returns
    (T + 1, N, H): h_1 .. h_T in time order, then the last cell state c_n.
    """

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None):
        xp = self.xp
        gates = self._project(x, w_ih, w_hh, None if b_ih is None else b_ih + b_hh)
        T, N, H4 = gates.shape
        H = H4 // 4
        # one tanh for all four gates: sigmoid columns (i, f, o) get scale = shift = 1/2, g gets 1 and 0
        scale = xp.full(H4, 0.5, dtype=gates.dtype)
        scale[2 * H:3 * H] = 1
        shift = scale.copy()
        shift[2 * H:3 * H] = 0
        h = xp.empty((T + 1, N, H), dtype=gates.dtype)  # h[0] = h0, h[t + 1] = h_t; c likewise
        c = xp.empty_like(h)
        tanh_c = xp.empty((T, N, H), dtype=gates.dtype)
        h[0], c[0] = h0, c0
        w_hh_t = w_hh.T
        for t in range(T):
            g_t = gates[t]  # pre-activations, overwritten by the gate values (backward needs only those)
            g_t += h[t] @ w_hh_t
            activate_(xp, g_t, scale, shift)
            i, f, g, o = g_t[:, :H], g_t[:, H:2 * H], g_t[:, 2 * H:3 * H], g_t[:, 3 * H:]
            xp.multiply(f, c[t], out=c[t + 1])
            c[t + 1] += i * g
            xp.tanh(c[t + 1], out=tanh_c[t])
            xp.multiply(o, tanh_c[t], out=h[t + 1])
        self.gates, self.h, self.c, self.tanh_c = gates, h, c, tanh_c
        out = xp.empty((T + 1, N, H), dtype=gates.dtype)
        out[:T] = self._step_order(h[1:])
        out[T] = c[T]
        return out

    def backward(self, grad):
        xp, gates, tanh_c = self.xp, self.gates, self.tanh_c
        T, N, H4 = gates.shape
        H = H4 // 4
        dh_out = self._step_order(grad[:T])  # dL/dh_t from the layer's output
        i, f, g, o = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:3 * H], gates[..., 3 * H:]
        # Factors known before the gradient arrives, for every step at once.
        # h_t = o tanh(c_t): dc_t gets dh_t * o * (1 - tanh(c_t)^2), and da_o = dh_t * tanh(c_t) * o (1 - o).
        # c_t = f c_{t-1} + i g: da_i = dc_t * g * i (1 - i), da_f = dc_t * c_{t-1} * f (1 - f),
        #                         da_g = dc_t * i * (1 - g^2), and dc_{t-1} gets dc_t * f.
        dc_from_dh = o * (1 - tanh_c ** 2)
        da = xp.empty((T, N, 4, H), dtype=gates.dtype)  # the factors; in the loop, dL/da_t written over them
        da[:, :, 0] = g * i * (1 - i)
        da[:, :, 1] = self.c[:-1] * f * (1 - f)
        da[:, :, 2] = i * (1 - g ** 2)
        da[:, :, 3] = tanh_c * o * (1 - o)
        dh_next = xp.zeros((N, H), dtype=gates.dtype)  # dL/dh_t through step t + 1 (none after the last)
        dc_next = grad[T].copy()  # dL/dc_t through step t + 1; after the last step, the gradient of c_n
        dh_all = xp.empty((T, N, H), dtype=gates.dtype) if hooks.active else None  # only while recording
        for t in reversed(range(T)):
            # h_t reaches the loss through the output and through a_{t+1}; c_t through c_{t+1} and h_t
            dh = dh_out[t] + dh_next  # dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t
            if dh_all is not None:
                dh_all[t] = dh
            dc = dc_next + dh * dc_from_dh[t]
            da[t, :, :3] *= dc[:, None, :]  # i, f, g
            da[t, :, 3] *= dh  # o
            dh_next = da[t].reshape(N, H4) @ self.w_hh  # a_t = ... + h_{t-1} W_hh^T
            dc_next = dc * f[t]
        if dh_all is not None:
            self.hidden_grads = self._step_order(dh_all)
        da = da.reshape(T, N, H4)
        dx, *weight_grads = self._input_and_weight_grads(da, da, self.h[:-1], first=3)
        dh0 = dh_next if self.needs_grad[1] else None
        dc0 = dc_next if self.needs_grad[2] else None
        return (dx, dh0, dc0, *weight_grads)


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
        w_hh_t = w_hh.T
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

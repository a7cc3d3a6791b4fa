"""Recurrent layers, as PyTorch's: RNN, LSTM and GRU (stacked, bidirectional, batch-first), and the
single-step cells RNNCell, LSTMCell and GRUCell.

Each layer-direction runs as one fused op of aino/ops/recurrent.py (backprop through time inside its
backward); a cell is that op over a single step. Parameter names, shapes, gate orders, state_dict keys
and the initialisation U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) are PyTorch's.
"""

import math

from aino import hooks
from aino.functional import cat
from aino.nn import checks
from aino.nn.basic import Dropout
from aino.nn.init import uniform
from aino.nn.module import Module
from aino.nn.parameter import Parameter
from aino.ops import function
from aino.ops import recurrent as R
from aino.tensor import Tensor


def _untracked(tensor):
    """Whether nothing needs to know of ops on `tensor`: it needs no gradient and no hook or op trace listens."""
    return not tensor.requires_grad and not hooks.active and not function._trace_on


def _pick(tensor, key):
    """tensor[key]; on an untracked tensor, straight on its array (a view), as the op would: a Tensor op costs
    a few us (the LSTM layer over one step at batch 1 under no_grad, seven picks fewer: 91 -> 69 us)."""
    return function.constant(tensor.data[key], tensor) if _untracked(tensor) else tensor[key]


def _swap_time_and_batch(tensor):
    """tensor.transpose(0, 1); on an untracked tensor straight on its array, as _pick."""
    return function.constant(tensor.data.swapaxes(0, 1), tensor) if _untracked(tensor) else tensor.transpose(0, 1)


def _final_step(T, reverse, keep_axis):
    """The index of a layer-direction's final state among its T outputs: the last step, or the first one when it
    runs backward in time; as a slice of length 1 with keep_axis (a layer stacks the states of its layers)."""
    step = 0 if reverse else T - 1
    return slice(step, step + 1) if keep_axis else step


class _RNNKind:
    """h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh): one gate, one state."""

    gate_count, state_names = 1, ("h_0",)

    def _set_nonlinearity(self, nonlinearity):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"{type(self).__name__}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    def _run(self, x, states, weights, reverse, keep_axis):
        """One layer-direction over x (T, N, I): the outputs (T, N, H) and the final states, (N, H) each, or
        (1, N, H) with keep_axis."""
        out = R.RNN.apply(x, *states, *weights, reverse=reverse, nonlinearity=self.nonlinearity)
        return out, (_pick(out, _final_step(x.shape[0], reverse, keep_axis)),)


class _LSTMKind:
    """Gates i, f, g, o; states h and c."""

    gate_count, state_names = 4, ("h_0", "c_0")

    def _run(self, x, states, weights, reverse, keep_axis):
        T = x.shape[0]
        hc = R.LSTM.apply(x, *states, *weights, reverse=reverse)  # h_1 .. h_T, then c_n
        c_n = slice(T, T + 1) if keep_axis else T
        return _pick(hc, slice(0, T)), (_pick(hc, _final_step(T, reverse, keep_axis)), _pick(hc, c_n))


class _GRUKind:
    """Gates r, z, n; one state."""

    gate_count, state_names = 3, ("h_0",)

    def _run(self, x, states, weights, reverse, keep_axis):
        out = R.GRU.apply(x, *states, *weights, reverse=reverse)
        return out, (_pick(out, _final_step(x.shape[0], reverse, keep_axis)),)


def _parameter(layer, shape, dtype, device):
    """A weight or bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), PyTorch's default."""
    checks.check_elements(type(layer).__name__, shape, dtype)
    return Parameter(uniform(shape, 1 / math.sqrt(layer.hidden_size), dtype), device=device)


def _as_tuple(layer, hx):
    """The initial states as a tuple: (h_0,) or, for the LSTM, (h_0, c_0)."""
    names = layer.state_names
    if len(names) == 1:
        return (hx,)
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise ValueError(f"{layer._name()} expected hx as a tuple (h_0, c_0), got {type(hx).__name__}")
    return tuple(hx)


def _check_state(layer, name, state, shape):
    state = checks.tensor_input(layer, state, name)
    if tuple(state.shape) != shape:
        raise ValueError(f"{layer._name()} expected {name} of shape {shape}, got {tuple(state.shape)}")
    return state


class _RecurrentLayer(Module):
    """A stack of layers, each run forward in time and, when bidirectional, also backward."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.input_size = checks.size(input_size, "input_size", owner)
        self.hidden_size = checks.size(hidden_size, "hidden_size", owner)
        self.num_layers = checks.size(num_layers, "num_layers", owner)
        dropout = checks.probability(dropout, "dropout", owner)
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), dropout
        self.bidirectional = bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        self._between_layers = Dropout(dropout)  # private: not a part of the model, as in PyTorch
        dtype = checks.float_dtype(dtype, owner)
        rows, hidden = self.gate_count * self.hidden_size, self.hidden_size
        width = max(self.input_size, hidden * self.num_directions) + hidden + 2  # weights and biases of a row, at most
        checks.check_elements(owner, (self.num_layers * self.num_directions, rows, width), dtype, "the weights of all layers")
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else hidden * self.num_directions
            for suffix in self._suffixes():
                setattr(self, f"weight_ih_l{layer}{suffix}", _parameter(self, (rows, width), dtype, device))
                setattr(self, f"weight_hh_l{layer}{suffix}", _parameter(self, (rows, hidden), dtype, device))
                if self.bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", _parameter(self, (rows,), dtype, device))
                    setattr(self, f"bias_hh_l{layer}{suffix}", _parameter(self, (rows,), dtype, device))

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer, direction):
        suffix = self._suffixes()[direction]
        names = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if self.bias else ())
        return [getattr(self, f"{name}_l{layer}{suffix}") for name in names]

    def forward(self, input, hx=None):
        """input (T, N, I), or (N, T, I) with batch_first, or unbatched (T, I); returns (output, h_n), or
        (output, (h_n, c_n)) for the LSTM, with output (T, N, D*H) and states (num_layers*D, N, H)."""
        x, batched = self._time_major(input)
        states = self._initial_states(hx, x, batched)
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                out, final = self._run(x, [s[k] for s in states], self._weights(layer, direction), direction == 1,
                                       keep_axis=True)
                outputs.append(out)
                for kind, state in zip(finals, final):
                    kind.append(state)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, axis=2)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                x = self._between_layers(x)
        finals = [cat(kind, axis=0) if len(kind) > 1 else kind[0] for kind in finals]  # (1, N, H) each
        if not batched:
            x, finals = _pick(x, (slice(None), 0)), [_pick(state, (slice(None), 0)) for state in finals]
        elif self.batch_first:
            x = _swap_time_and_batch(x)
        return x, (finals[0] if len(finals) == 1 else tuple(finals))

    def _time_major(self, input):
        """The input as (T, N, I), and whether it had a batch axis. T and N must be >= 1: PyTorch also allows
        N = 0, which the fused ops of aino/ops/recurrent.py cannot run yet."""
        input = checks.tensor_input(self, input)
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size or 0 in input.shape:
            layout = "(N, T, {0})" if self.batch_first else "(T, N, {0})"
            raise ValueError(
                f"{self._name()} expected input of shape {layout.format(self.input_size)} or (T, {self.input_size}) "
                f"with T, N >= 1, got {tuple(input.shape)}"
            )
        if input.ndim == 2:
            return _pick(input, (slice(None), None)), False
        return (_swap_time_and_batch(input) if self.batch_first else input), True

    def _initial_states(self, hx, x, batched):
        """For each state (h, and c for the LSTM), a list of (N, H) tensors, one per layer-direction."""
        count, N = self.num_layers * self.num_directions, x.shape[1]
        if hx is None:
            zeros = Tensor(x.xp.zeros((N, self.hidden_size), dtype=x.dtype))
            return [[zeros] * count for _ in self.state_names]
        shape = (count, N, self.hidden_size) if batched else (count, self.hidden_size)
        states = []
        for name, state in zip(self.state_names, _as_tuple(self, hx)):
            state = _check_state(self, name, state, shape)
            states.append([_pick(state, k if batched else slice(k, k + 1)) for k in range(count)])
        return states

    def _name(self):
        return f"{type(self).__name__}({self.input_size} -> {self.hidden_size})"

    def extra_repr(self):
        options = [f"{self.input_size}, {self.hidden_size}"]
        for name, default in (("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                options.append(f"{name}={getattr(self, name)}")
        return ", ".join(options)


class RNN(_RNNKind, _RecurrentLayer):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu, per layer and direction."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        self._set_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)

    def extra_repr(self):
        extra = ", nonlinearity='relu'" if self.nonlinearity == "relu" else ""
        return super().extra_repr() + extra


class LSTM(_LSTMKind, _RecurrentLayer):
    """LSTM: c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t), gates i, f, g, o of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh.

    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False,
    device=None, dtype=None)
    """


class GRU(_GRUKind, _RecurrentLayer):
    """GRU: h_t = (1 - z) * n + z * h_{t-1}, n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), gates r, z, n.

    GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False,
    device=None, dtype=None)
    """


# --- cells: one time step ------------------------------------------------------------------------------------


class _RecurrentCell(Module):
    """One step of a recurrent layer, with weights weight_ih, weight_hh, bias_ih, bias_hh as PyTorch's."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        owner = type(self).__name__
        self.input_size = checks.size(input_size, "input_size", owner)
        self.hidden_size = checks.size(hidden_size, "hidden_size", owner)
        dtype = checks.float_dtype(dtype, owner)
        rows = self.gate_count * self.hidden_size
        self.weight_ih = _parameter(self, (rows, self.input_size), dtype, device)
        self.weight_hh = _parameter(self, (rows, self.hidden_size), dtype, device)
        self.bias_ih = _parameter(self, (rows,), dtype, device) if bias else None
        self.bias_hh = _parameter(self, (rows,), dtype, device) if bias else None

    def forward(self, input, hx=None):
        """input (N, I) or unbatched (I,); returns the next state(s): h, or (h, c) for the LSTMCell."""
        input = checks.tensor_input(self, input)
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size or 0 in input.shape:
            raise ValueError(
                f"{self._name()} expected input of shape (N, {self.input_size}) or ({self.input_size},) "
                f"with N >= 1, got {tuple(input.shape)}"
            )
        batched = input.ndim == 2
        x = _pick(input, None if batched else (None, None))  # one time step: (1, N, I)
        shape = (x.shape[1], self.hidden_size)
        if hx is None:
            states = [Tensor(x.xp.zeros(shape, dtype=x.dtype))] * len(self.state_names)
        else:
            states = [_check_state(self, name, state, shape if batched else shape[1:])
                      for name, state in zip(self.state_names, _as_tuple(self, hx))]
            states = states if batched else [_pick(state, None) for state in states]
        weights = [w for w in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh) if w is not None]
        _, final = self._run(x, states, weights, reverse=False, keep_axis=False)
        final = final if batched else tuple(_pick(state, 0) for state in final)
        return final[0] if len(final) == 1 else final

    def _name(self):
        return f"{type(self).__name__}({self.input_size} -> {self.hidden_size})"

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias_ih is not None else ", bias=False")


class RNNCell(_RNNKind, _RecurrentCell):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        self._set_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias, device, dtype)


class LSTMCell(_LSTMKind, _RecurrentCell):
    """(h', c'): c' = f * c + i * g, h' = o * tanh(c'), gates i, f, g, o of x W_ih^T + b_ih + h W_hh^T + b_hh.

    LSTMCell(input_size, hidden_size, bias=True, device=None, dtype=None)
    """


class GRUCell(_GRUKind, _RecurrentCell):
    """h' = (1 - z) * n + z * h, n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), gates r, z, n.

    GRUCell(input_size, hidden_size, bias=True, device=None, dtype=None)
    """

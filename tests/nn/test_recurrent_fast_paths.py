"""The recurrent ops' fast paths: the lean forward under no_grad (one row of state reused by every step), the
batch-1 product, a backward that leaves what forward saved untouched (retain_graph), and the layers' picks
taken straight on the arrays when nothing needs to know of them."""

import numpy as np
import pytest
from nn_helpers import assert_close, rand
from test_recurrent_layers import (
    CELLS,
    LAYERS,
    assert_same_gradients,
    initial_states,
    pair,
    weighted_sum,
)

import aino
from aino import hooks
from aino.tensor import Tensor

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one_way", "bidirectional"])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("kind", LAYERS)
def test_no_grad_forward_equals_the_recorded_one(kind, batch, bidirectional, bias, device):
    """Under no_grad the ops keep nothing for backward; the outputs and final states are the same, bit for bit."""
    ours_class, _, extra = LAYERS[kind]
    aino.manual_seed(0)
    layer = ours_class(4, 6, num_layers=2, bias=bias, bidirectional=bidirectional, batch_first=True, **extra)
    layer.to(device)
    x = rand((batch, 9, 4), 1).astype(np.float32)
    recorded = layer(Tensor(x, requires_grad=True, device=device))
    assert recorded[0].requires_grad
    with aino.no_grad():
        lean = layer(Tensor(x, device=device))
    assert not lean[0].requires_grad
    for ours, reference in zip(_flat(lean), _flat(recorded)):
        np.testing.assert_array_equal(ours.numpy(), reference.numpy())


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one_way", "bidirectional"])
@pytest.mark.parametrize("kind", LAYERS)
def test_batch_of_one_over_many_steps_matches_pytorch(kind, bidirectional, device):
    """Batch 1 takes its own product in the LSTM (one (1, K) @ (K, 4H) a step); 40 steps, float64, against PyTorch."""
    ours, theirs = pair(kind, device=device, bidirectional=bidirectional)
    x = rand((40, 1, 3), 2)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    hx_ours, hx_theirs, state_pairs = initial_states(kind, (2 if bidirectional else 1, 1, 4), device)
    out_a, final_a = ours(xa, hx_ours)
    out_t, final_t = theirs(xt, hx_theirs)
    assert_close(out_a, out_t)
    with aino.no_grad():
        assert_close(ours(Tensor(x, device=device), hx_ours)[0], out_t)
    assert_same_gradients(ours, theirs, (out_a, final_a), (out_t, final_t), 70, [(xa, xt), *state_pairs])


@pytest.mark.parametrize("kind", LAYERS)
def test_backward_twice_with_retain_graph_gives_the_same_gradients(kind, device):
    """Backward reads what forward saved and never writes over it, so a retained graph runs backward again."""
    ours, _ = pair(kind, device=device, bidirectional=True)
    xa = Tensor(rand((6, 2, 3), 3), requires_grad=True, device=device)
    loss = weighted_sum(ours(xa), 80, "aino")
    loss.backward(retain_graph=True)
    first = [xa.grad.numpy().copy()] + [p.grad.numpy().copy() for p in ours.parameters()]
    xa.grad = None
    ours.zero_grad()
    loss.backward()
    second = [xa.grad.numpy()] + [p.grad.numpy() for p in ours.parameters()]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def _flat(result):
    """(output, h_n) or (output, (h_n, c_n)) as a flat list of tensors."""
    output, final = result
    return [output, *(final if isinstance(final, tuple) else (final,))]


def test_lstm_keeps_the_total_hidden_gradients_while_recording(device):
    """While something records, backward keeps dL/dh_t of every step (otherwise one (N, H) array serves every
    step): here the total gradient of h_t when the loss is the sum of the outputs, checked against PyTorch's."""
    ours, theirs = pair("lstm", device=device)
    x = rand((7, 100, 3), 5)
    out_a, _ = ours(Tensor(x, device=device))
    ctx = out_a._ctx
    while not hasattr(ctx, "cell"):  # from the layer's output back to the LSTM op
        ctx = ctx.parents[0]._ctx
    listener = hooks.Listener()
    hooks.attach(listener)
    try:
        out_a.sum().backward()
    finally:
        hooks.detach(listener)
    cell = torch.nn.LSTMCell(3, 4).double()
    cell.load_state_dict({name.replace("_l0", ""): value for name, value in theirs.state_dict().items()})
    h = c = torch.zeros(100, 4, dtype=torch.float64)
    states = []
    for t in range(7):
        h, c = cell(torch.tensor(x[t]), (h, c))
        h.retain_grad()
        states.append(h)
    sum(state.sum() for state in states).backward()
    assert_close(Tensor(ctx.hidden_grads), np.stack([state.grad.numpy() for state in states]))


def _tensors(result):
    """A layer's or a cell's result (a Tensor, or tuples of them) as a flat list of tensors."""
    return [result] if isinstance(result, Tensor) else [t for part in result for t in _tensors(part)]


def _untracked_results_equal_the_recorded_ones(layer, inputs, hx_pairs, device):
    """layer(input, hx) under no_grad equals the recorded call bit for bit, and nothing in it remembers an op."""
    recorded = _tensors(layer(Tensor(inputs, requires_grad=True, device=device), hx_pairs[0]))
    with aino.no_grad():
        lean = _tensors(layer(Tensor(inputs, device=device), hx_pairs[1]))
    assert all(t._ctx is None and not t.requires_grad for t in lean)
    for ours, reference in zip(lean, recorded, strict=True):
        assert ours.shape == reference.shape
        np.testing.assert_array_equal(ours.numpy(), reference.numpy())


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("kind", LAYERS)
def test_layer_picks_on_arrays_without_gradients_equal_the_ops(kind, batched, device):
    """Under no_grad a layer picks its outputs and final states (and swaps batch_first) on the arrays, not
    through Tensor ops; with a given hx, unbatched or batch-first, the results equal the recorded ones."""
    ours_class, _, extra = LAYERS[kind]
    aino.manual_seed(1)
    layer = ours_class(3, 4, num_layers=2, bidirectional=True, batch_first=True, **extra).to(device)
    shape = (2, 4) if batched else (4,)
    x = rand((2, 5, 3) if batched else (5, 3), 6).astype(np.float32)
    states = [rand((4, *shape[:-1], 4), 7 + k).astype(np.float32) for k in range(2 if kind == "lstm" else 1)]
    hx = [_states(states, kind, device) for _ in range(2)]
    _untracked_results_equal_the_recorded_ones(layer, x, hx, device)


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("kind", CELLS)
def test_cell_picks_on_arrays_without_gradients_equal_the_ops(kind, batched, device):
    ours_class, _, extra = CELLS[kind]
    aino.manual_seed(2)
    cell = ours_class(3, 4, **extra).to(device)
    x = rand((2, 3) if batched else (3,), 8).astype(np.float32)
    states = [rand((2, 4) if batched else (4,), 9 + k).astype(np.float32) for k in range(2 if kind == "lstm" else 1)]
    hx = [_states(states, kind, device) for _ in range(2)]
    _untracked_results_equal_the_recorded_ones(cell, x, hx, device)


def _states(arrays, kind, device):
    """hx on `device`: (h, c) for an LSTM, h alone otherwise."""
    states = tuple(Tensor(a, device=device) for a in arrays)
    return states if kind == "lstm" else states[0]


def test_layer_picks_stay_ops_while_something_listens(device):
    """With a hook attached or the op trace on, the picks are Tensor ops even under no_grad (they are seen)."""
    layer = aino.nn.LSTM(3, 4, batch_first=True, device=device)
    x = Tensor(rand((2, 5, 3), 4).astype(np.float32), device=device)
    aino.Tensor.clear_trace()
    aino.Tensor.enable_trace()
    try:
        with aino.no_grad():
            layer(x)
    finally:
        aino.Tensor.disable_trace()
    names = [entry[0] for entry in aino.Tensor.get_trace_log()]
    assert names.count("getitem") == 3 and names.count("transpose") == 2, names
    seen = []

    class Ops(hooks.Listener):
        def op_called(self, fn, tensors, output):
            seen.append(type(fn).__name__)

    listener = Ops()
    hooks.attach(listener)
    try:
        with aino.no_grad():
            output, (h_n, c_n) = layer(x)
    finally:
        hooks.detach(listener)
    assert seen.count("GetItem") == 3 and seen.count("Transpose") == 2, seen
    assert output.shape == (2, 5, 4) and h_n.shape == c_n.shape == (1, 2, 4)

"""RNN, LSTM, GRU and their cells against PyTorch (float64, same weights) and against central differences."""

import numpy as np
import pytest

import aino
from aino import nn
from aino.gradcheck import numerical_gradient
from aino.nn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from aino.tensor import Tensor

from nn_helpers import assert_close, rand, torch_pair

torch = pytest.importorskip("torch")

# (our class, torch's class, extra constructor options)
LAYERS = {
    "rnn_tanh": (RNN, torch.nn.RNN, {}),
    "rnn_relu": (RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
    "lstm": (LSTM, torch.nn.LSTM, {}),
    "gru": (GRU, torch.nn.GRU, {}),
}
CELLS = {
    "rnn_tanh": (RNNCell, torch.nn.RNNCell, {}),
    "rnn_relu": (RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
    "lstm": (LSTMCell, torch.nn.LSTMCell, {}),
    "gru": (GRUCell, torch.nn.GRUCell, {}),
}
INPUT, HIDDEN, STEPS, BATCH = 3, 4, 5, 2


def pair(kind, table=LAYERS, device="cpu", **options):
    """Our layer and torch's, both float64, ours loaded with torch's weights."""
    ours_class, theirs_class, extra = table[kind]
    return torch_pair(ours_class, theirs_class, INPUT, HIDDEN, device=device, **extra, **options)


def initial_states(kind, shape, device):
    """hx for both libraries: (ours, theirs, list of (our tensor, torch tensor) to compare gradients of)."""
    count = 2 if kind == "lstm" else 1
    arrays = [rand(shape, 10 + i) for i in range(count)]
    ours = [Tensor(a, requires_grad=True, device=device) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    if count == 1:
        return ours[0], theirs[0], list(zip(ours, theirs))
    return tuple(ours), tuple(theirs), list(zip(ours, theirs))


def weighted_sum(outputs, seed, library):
    """sum_k <outputs_k, random weights_k>: a loss that sends a gradient into every output."""
    flat = []
    for out in outputs:
        flat.extend(out if isinstance(out, tuple) else (out,))
    total = 0
    for k, out in enumerate(flat):
        weights = rand(tuple(out.shape), seed + k)
        total = total + ((out * Tensor(weights, device=out.device)).sum() if library == "aino"
                         else (out * torch.from_numpy(weights)).sum())
    return total


def check_parameter_grads(ours, theirs):
    ours_grads = dict((name, p.grad) for name, p in ours.named_parameters())
    for name, p in theirs.named_parameters():
        assert_close(ours_grads[name], p.grad)


def assert_same_gradients(ours, theirs, our_outputs, their_outputs, seed, input_pairs):
    """Send the same weighted_sum loss back through both layers, then compare the gradients of each
    (our input, torch's input) pair and of every parameter."""
    weighted_sum(our_outputs, seed, "aino").backward()
    weighted_sum(their_outputs, seed, "torch").backward()
    for ours_input, theirs_input in input_pairs:
        assert_close(ours_input.grad, theirs_input.grad)
    check_parameter_grads(ours, theirs)


@pytest.mark.parametrize("given_state", [False, True], ids=["no_hx", "hx"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["one_way", "bidirectional"])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", LAYERS)
def test_layers_match_pytorch(kind, num_layers, bidirectional, batch_first, bias, given_state, device):
    ours, theirs = pair(kind, device=device, num_layers=num_layers, bidirectional=bidirectional,
                        batch_first=batch_first, bias=bias)
    x = rand((BATCH, STEPS, INPUT) if batch_first else (STEPS, BATCH, INPUT), 1)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    states = (num_layers * (2 if bidirectional else 1), BATCH, HIDDEN)
    hx_ours, hx_theirs, state_pairs = initial_states(kind, states, device) if given_state else (None, None, [])

    out_a, final_a = ours(xa, hx_ours)
    out_t, final_t = theirs(xt, hx_theirs)
    assert out_a.shape == tuple(out_t.shape)
    assert_close(out_a, out_t)
    for ours_state, theirs_state in zip(*(f if isinstance(f, tuple) else (f,) for f in (final_a, final_t))):
        assert ours_state.shape == tuple(theirs_state.shape)
        assert_close(ours_state, theirs_state)

    assert_same_gradients(ours, theirs, (out_a, final_a), (out_t, final_t), 20, [(xa, xt), *state_pairs])


@pytest.mark.parametrize("given_state", [False, True], ids=["no_hx", "hx"])
@pytest.mark.parametrize("kind", LAYERS)
def test_unbatched_input_matches_pytorch(kind, given_state, device):
    # batch_first is ignored for an unbatched input, as torch ignores it
    ours, theirs = pair(kind, num_layers=2, bidirectional=True, batch_first=True, device=device)
    x = rand((STEPS, INPUT), 2)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    hx_ours, hx_theirs, state_pairs = initial_states(kind, (4, HIDDEN), device) if given_state else (None, None, [])
    out_a, final_a = ours(xa, hx_ours)
    out_t, final_t = theirs(xt, hx_theirs)
    assert out_a.shape == (STEPS, 2 * HIDDEN)
    assert_close(out_a, out_t)
    assert_same_gradients(ours, theirs, (out_a, final_a), (out_t, final_t), 30, [(xa, xt), *state_pairs])


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("given_state", [False, True], ids=["no_hx", "hx"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("kind", CELLS)
def test_cells_match_pytorch(kind, bias, given_state, batched, device):
    ours, theirs = pair(kind, CELLS, device=device, bias=bias)
    assert [name for name, _ in ours.named_parameters()] == list(theirs.state_dict())
    x = rand((BATCH, INPUT) if batched else (INPUT,), 3)
    xa, xt = Tensor(x, requires_grad=True, device=device), torch.tensor(x, requires_grad=True)
    shape = (BATCH, HIDDEN) if batched else (HIDDEN,)
    hx_ours, hx_theirs, state_pairs = initial_states(kind, shape, device) if given_state else (None, None, [])
    out_a, out_t = ours(xa, hx_ours), theirs(xt, hx_theirs)
    for a, t in zip(*(o if isinstance(o, tuple) else (o,) for o in (out_a, out_t))):
        assert a.shape == tuple(t.shape)
        assert_close(a, t)
    assert_same_gradients(ours, theirs, (out_a,), (out_t,), 40, [(xa, xt), *state_pairs])


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one_way", "bidirectional"])
@pytest.mark.parametrize("kind", LAYERS)
def test_gradients_match_central_differences(kind, bidirectional, device):
    """The hand-written BPTT against the definition of the derivative, for the input and W_hh."""
    ours, _ = pair(kind, bidirectional=bidirectional, device=device)
    x = rand((3, 2, INPUT), 4)
    hx = tuple(Tensor(rand((2 if bidirectional else 1, 2, HIDDEN), 50 + i), device=device)
               for i in range(2 if kind == "lstm" else 1))
    hx = hx if kind == "lstm" else hx[0]

    def loss(inputs):
        out, final = ours(Tensor(inputs, device=device), hx)
        return weighted_sum((out, final), 60, "aino")

    xa = Tensor(x, requires_grad=True, device=device)
    ours.zero_grad()
    out, final = ours(xa, hx)
    weighted_sum((out, final), 60, "aino").backward()
    numeric = numerical_gradient(lambda v: float(loss(v).item()), x)
    np.testing.assert_allclose(xa.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)

    weight = ours.weight_hh_l0_reverse if bidirectional else ours.weight_hh_l0
    analytic, original = weight.grad.numpy().copy(), weight.numpy().copy()

    def loss_of_weight(w):
        weight.data[...] = w
        return float(loss(x).item())

    numeric = numerical_gradient(loss_of_weight, original)
    weight.data[...] = original
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind", LAYERS)
def test_dropout_between_layers_acts_in_training_only(kind, device):
    aino.manual_seed(0)
    ours_class, _, extra = LAYERS[kind]
    dropped = ours_class(INPUT, HIDDEN, num_layers=2, dropout=0.5, **extra, device=device)
    plain = ours_class(INPUT, HIDDEN, num_layers=2, **extra, device=device)
    plain.load_state_dict(dropped.state_dict())
    x = Tensor(rand((STEPS, BATCH, INPUT), 5).astype(np.float32), device=device)
    training_out = dropped(x)[0].numpy()
    assert not np.allclose(training_out, plain(x)[0].numpy())
    assert not np.allclose(training_out, dropped(x)[0].numpy())  # a new mask each call
    dropped.eval()
    np.testing.assert_array_equal(dropped(x)[0].numpy(), plain(x)[0].numpy())
    single = ours_class(INPUT, HIDDEN, dropout=0.5, **extra, device=device)  # one layer: nothing lies between layers
    np.testing.assert_array_equal(single(x)[0].numpy(), single(x)[0].numpy())


def test_reference_document_002_lstm_example(device):
    import aino as neurenix
    from aino.nn import LSTM as DocLSTM

    lstm = DocLSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True, device=device)
    input_tensor = neurenix.Tensor.randn((32, 15, 10)).to(device)
    output, (h_n, c_n) = lstm(input_tensor)
    assert output.shape == (32, 15, 40)
    assert h_n.shape == (4, 32, 20) and c_n.shape == (4, 32, 20)
    assert output.dtype == np.float32
    # the last step of the forward direction and the first of the reverse one are the top layer's h_n
    np.testing.assert_array_equal(output.numpy()[:, -1, :20], h_n.numpy()[2])
    np.testing.assert_array_equal(output.numpy()[:, 0, 20:], h_n.numpy()[3])


@pytest.mark.parametrize("kind", LAYERS)
def test_fresh_layers_have_pytorchs_names_shapes_and_initialisation(kind, device):
    ours_class, theirs_class, extra = LAYERS[kind]
    ours = ours_class(6, 100, num_layers=2, bidirectional=True, **extra, device=device)
    theirs = theirs_class(6, 100, num_layers=2, bidirectional=True, **extra)
    assert [(name, tuple(p.shape)) for name, p in ours.named_parameters()] == [
        (name, tuple(p.shape)) for name, p in theirs.named_parameters()
    ]
    values = np.concatenate([p.numpy().ravel() for p in ours.parameters()])
    assert values.dtype == np.float32
    bound = 1 / np.sqrt(100)
    assert np.abs(values).max() <= bound
    np.testing.assert_allclose(values.std(), bound / np.sqrt(3), rtol=0.02)  # std of U(-b, b)


def test_float32_layer_trains_with_adam(device):
    """A float32 GRU learns to output the running mean of its input: the loss falls."""
    aino.manual_seed(0)
    model = GRU(1, 8, batch_first=True, device=device)
    head = nn.Linear(8, 1, device=device)
    optimizer = aino.optim.Adam(model.parameters() + head.parameters(), lr=0.02)
    x = rand((16, 10, 1), 6).astype(np.float32)
    target = Tensor(np.cumsum(x, axis=1) / np.arange(1, 11)[None, :, None], device=device)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = nn.MSELoss()(head(model(Tensor(x, device=device))[0]), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


def test_bad_inputs_raise_clear_errors():
    lstm = LSTM(10, 20, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM\(10 -> 20\) expected input of shape \(T, N, 10\).*got \(5, 3, 7\)"):
        lstm(Tensor.randn(5, 3, 7))
    with pytest.raises(ValueError, match=r"expected hx as a tuple \(h_0, c_0\)"):
        lstm(Tensor.randn(5, 3, 10), Tensor.randn(2, 3, 20))
    with pytest.raises(ValueError, match=r"expected c_0 of shape \(2, 3, 20\), got \(1, 3, 20\)"):
        lstm(Tensor.randn(5, 3, 10), (Tensor.randn(2, 3, 20), Tensor.randn(1, 3, 20)))
    with pytest.raises(ValueError, match=r"GRU\(4 -> 5\) expected input of shape \(N, T, 4\)"):
        GRU(4, 5, batch_first=True)(Tensor.randn(2, 3, 4, 1))
    with pytest.raises(ValueError, match=r"nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"LSTM: dropout must be a finite number in \[0.0, 1.0\], got 1.5"):
        LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match=r"GRU: hidden_size must be an integer >= 1, got 0"):
        GRU(3, 0)
    with pytest.raises(ValueError, match=r"GRUCell\(3 -> 4\) expected h_0 of shape \(2, 4\), got \(4,\)"):
        GRUCell(3, 4)(Tensor.randn(2, 3), Tensor.randn(4))
    with pytest.raises(ValueError, match=r"LSTMCell\(3 -> 4\) expected input of shape \(N, 3\) or \(3,\)"):
        LSTMCell(3, 4)(Tensor.randn(2, 5))

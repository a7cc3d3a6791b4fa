"""A training step on a GPU moves nothing to the host but the loss value asked for (issue 17).

Each model is trained on aino's stand-in GPU ("fake-gpu", see aino/testing/fake_gpu.py), whose arrays count
every copy between host and device. After one warm-up step, one whole step is counted (zero_grad, forward,
loss, backward, clip_grad_norm_, optimizer.step(), scheduler.step()): no copy to the host at all, then
exactly one when loss.item() is asked for. The same steps run on the CPU from the same seed, and the losses
and weights must agree, so a step that moves nothing because it computes nothing fails too.

Copies to the device are counted as well. Where some remain, the bound below names them:
- a Dropout mask (nn.Dropout, and attention's dropout in ops/attention.py dropout_scale) is drawn by aino's one
  host generator and copied over, so that a seed gives the same masks on every device (aino.cuda.manual_seed_all);
- MaxPool copies a few int64 window offsets built from a Python list (ops/pool.py flat_places);
- a Python number in Tensor maths (x * 0.5) becomes a 0-d constant through xp.asarray (ops/function.py
  _scalar_like), a copy of one number each: the functional losses composed of Tensor ops pay one per number.
"""


import numpy as np
import pytest

import aino
import aino.nn.functional as F
from aino import nn, optim
from aino.testing.transfers import counting_transfers

DEVICE = "fake-gpu"  # the stand-in (switched on in tests/conftest.py): only its copies can be counted


def to_host(tensor):
    return tensor.numpy() if isinstance(tensor, aino.Tensor) else np.asarray(tensor)


# --- the models: build(rng) -> (model, loss_fn, x, y, flatten the output for the loss or None) ------------


class TinyTransformer(nn.Module):
    """Token embedding, one encoder layer (self-attention, feed-forward, dropout, layer norms), a head."""

    def __init__(self, vocabulary=11, width=8):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, width)
        self.layer = nn.TransformerEncoderLayer(width, 2, dim_feedforward=16, dropout=0.1, batch_first=True)
        self.head = nn.Linear(width, vocabulary)

    def forward(self, tokens):
        return self.head(self.layer(self.embed(tokens)))  # (B, T, vocabulary)


class Recurrent(nn.Module):
    """An LSTM feeding a GRU; the GRU's last step through a linear head."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.gru = nn.GRU(5, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        h, _ = self.lstm(x)
        h, _ = self.gru(h)
        return self.head(h[:, -1])


def mlp(rng):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    loss_fn = nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5])  # a weight: copied to the device once, then kept
    return model, loss_fn, rng.standard_normal((6, 4)).astype("float32"), rng.integers(0, 3, 6), None


def cnn(rng):
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(0.2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    return model, nn.CrossEntropyLoss(), rng.standard_normal((5, 1, 8, 8)).astype("float32"), rng.integers(0, 3, 5), None


def recurrent(rng):
    x, y = rng.standard_normal((4, 6, 3)).astype("float32"), rng.standard_normal((4, 2)).astype("float32")
    return Recurrent(), nn.MSELoss(), x, y, None


def transformer(rng):
    tokens, targets = rng.integers(0, 11, (3, 5)), rng.integers(0, 11, 15)
    targets[[2, 9]] = -100  # padding, ignored
    return TinyTransformer(), nn.CrossEntropyLoss(label_smoothing=0.1), tokens, targets, (-1, 11)


# copies to the device allowed in one step, and why (see the module docstring)
MODELS = {
    "mlp": (mlp, 0),
    "cnn": (cnn, 1),  # the Dropout mask
    "lstm-gru": (recurrent, 0),
    "transformer": (transformer, 4),  # 4 dropout masks: attention's, the attention block's, two in the feed-forward
}

OPTIMIZERS = {
    "sgd-momentum": lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    "adam": lambda params: optim.Adam(params, lr=0.01),
    "adamw": lambda params: optim.AdamW(params, lr=0.01),
    "rmsprop": lambda params: optim.RMSprop(params, lr=0.01),
}


def train(model_name, optimizer_name, device, steps=2):
    """Build the model on `device` from seed 0 and train it `steps` steps, the last one counted. Returns
    (losses as Tensors, the counted step's Transfers, the final weights on the host)."""
    aino.manual_seed(0)
    model, loss_fn, x, y, shape = MODELS[model_name][0](np.random.default_rng(0))
    model.to(device)
    x, y = aino.tensor(x, device=device), aino.tensor(y, device=device)  # the batch already on the device
    optimizer = OPTIMIZERS[optimizer_name](model.parameters())
    scheduler = optim.StepLR(optimizer, step_size=1, gamma=0.9)

    def step():
        optimizer.zero_grad()
        output = model(x)
        loss = loss_fn(output if shape is None else output.reshape(*shape), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        return loss

    losses = [step() for _ in range(steps - 1)]  # warm-up: state made, weights copied once
    with counting_transfers() as moved:
        losses.append(step())
    return losses, moved, [to_host(p) for p in model.parameters()]


@pytest.mark.parametrize("optimizer_name", OPTIMIZERS)
@pytest.mark.parametrize("model_name", MODELS)
def test_a_training_step_moves_nothing_to_the_host_but_the_loss_asked_for(model_name, optimizer_name):
    losses, moved, weights = train(model_name, optimizer_name, DEVICE)
    assert moved.to_host == 0, moved.report()  # no copy to the host at all, in any layer, loss or optimizer
    assert moved.to_device <= MODELS[model_name][1], moved.report()
    with counting_transfers() as asked:
        value = losses[-1].item()
    assert asked.to_host == 1, asked.report()
    # and the step computed what it does on the CPU, from the same seed (dropout masks included)
    cpu_losses, _, cpu_weights = train(model_name, optimizer_name, "cpu")
    np.testing.assert_allclose([loss.item() for loss in losses[:-1]] + [value], [loss.item() for loss in cpu_losses],
                               rtol=1e-5)
    assert np.isfinite(value)
    for ours, cpu in zip(weights, cpu_weights):
        np.testing.assert_allclose(ours, cpu, rtol=1e-4, atol=1e-6)


def test_the_counted_step_changes_the_weights():
    """The steps above do train: the weights after two steps are not the weights after one."""
    _, _, one = train("mlp", "adam", DEVICE, steps=1)
    _, _, two = train("mlp", "adam", DEVICE, steps=2)
    assert max(np.abs(a - b).max() for a, b in zip(one, two)) > 1e-4


def test_zero_grad_to_zeros_and_other_schedulers_move_nothing():
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3)).to(DEVICE)
    x = aino.tensor(np.ones((2, 4), dtype="float32"), device=DEVICE)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
    schedulers = [optim.ExponentialLR(optimizer, 0.9), optim.CosineAnnealingLR(optimizer, T_max=5)]
    for _ in range(2):
        with counting_transfers() as moved:
            optimizer.zero_grad(set_to_none=False)
            model(x).sum().backward()
            nn.utils.clip_grad_value_(model.parameters(), 0.5)
            optimizer.step()
            for scheduler in schedulers:
                scheduler.step()
    assert moved.to_host == 0 and moved.to_device == 0, moved.report()
    assert model[0].weight.grad is not None and np.abs(to_host(model[0].weight.grad)).max() <= 0.5


# --- clip_grad_norm_ ----------------------------------------------------------------------------------


def _parameters_with_gradients(device, scale):
    grads = [np.arange(6.0).reshape(2, 3) * scale, np.array([3.0, -4.0]) * scale]
    params = [aino.tensor(np.zeros_like(g), device=device, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = aino.tensor(g, device=device)
    return params, grads


@pytest.mark.parametrize("scale", [0.01, 1.0, 10.0])
def test_clip_grad_norm_on_the_device_reads_nothing_back_and_clips_as_on_the_cpu(scale):
    params, grads = _parameters_with_gradients(DEVICE, scale)
    with counting_transfers() as moved:
        total = nn.utils.clip_grad_norm_(params, 1.0)
    assert moved.to_host == 0 and moved.to_device == 0, moved.report()
    expected_total = np.sqrt(sum((g**2).sum() for g in grads))  # the formula, by hand
    np.testing.assert_allclose(total.item(), expected_total, rtol=1e-12)
    factor = min(1.0, 1.0 / (expected_total + 1e-6))
    for p, g in zip(params, grads):
        np.testing.assert_allclose(to_host(p.grad), g * factor, rtol=1e-12)


def test_clip_grad_norm_with_error_if_nonfinite_reads_the_total_once_and_still_raises():
    params, _ = _parameters_with_gradients(DEVICE, 1.0)
    with counting_transfers() as moved:
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert moved.to_host == 1, moved.report()  # deciding whether to raise needs the total on the host
    params[0].grad = aino.tensor(np.full((2, 3), np.inf), device=DEVICE)
    with pytest.raises(Exception, match="non-finite"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


# --- every loss: forward and backward on the device --------------------------------------------------


def _data():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    p, binary = rng.uniform(0.05, 0.95, (6, 4)), (rng.uniform(size=(6, 4)) > 0.5).astype(float)
    distribution = np.exp(y) / np.exp(y).sum(axis=1, keepdims=True)
    indices = rng.integers(0, 4, 6)
    indices[2] = -100
    log_p = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    return {"x": x, "y": y, "p": p, "binary": binary, "distribution": distribution, "indices": indices,
            "kept": np.where(indices < 0, 1, indices), "log_p": log_p}


# (name, loss function, input, target, copies to the device allowed: one per Python number in the maths)
LOSSES = [
    ("MSELoss", nn.MSELoss(), "x", "y", 0),
    ("L1Loss", nn.L1Loss(), "x", "y", 0),
    ("BCELoss", nn.BCELoss(weight=[1.0, 2.0, 0.5, 1.0]), "p", "binary", 0),
    ("BCEWithLogitsLoss", nn.BCEWithLogitsLoss(pos_weight=[1.0, 2.0, 3.0, 4.0]), "x", "binary", 0),
    ("NLLLoss", nn.NLLLoss(weight=[1.0, 2.0, 0.5, 1.0]), "log_p", "indices", 0),
    ("CrossEntropyLoss", nn.CrossEntropyLoss(), "x", "kept", 0),
    ("CrossEntropyLoss-smoothing-weight-ignore",
     nn.CrossEntropyLoss(weight=[1.0, 2.0, 0.5, 1.0], ignore_index=-100, label_smoothing=0.1), "x", "indices", 0),
    ("CrossEntropyLoss-probabilities", nn.CrossEntropyLoss(label_smoothing=0.2), "x", "distribution", 0),
    ("CrossEntropyLoss-sum", nn.CrossEntropyLoss(reduction="sum", ignore_index=1), "x", "kept", 0),
    ("smooth_l1_loss", F.smooth_l1_loss, "x", "y", 2),  # d * d * (0.5 / beta), |d| - 0.5 * beta
    ("huber_loss", F.huber_loss, "x", "y", 3),  # d * d * 0.5, |d| - 0.5 * delta, (...) * delta
    ("kl_div", lambda x, t: F.kl_div(x, t, reduction="batchmean"), "log_p", "distribution", 2),  # where(.., 1.0, t), / N
]


def _loss_and_gradient(loss_fn, x, target, device, count=False):
    x = aino.tensor(x, device=device, requires_grad=True)
    target = aino.tensor(target, device=device)
    loss_fn(x, target).backward()  # warm-up: a weight is copied to the device here, once
    x.grad = None
    with counting_transfers() as moved:
        loss = loss_fn(x, target)
        loss.backward()
    return to_host(loss), to_host(x.grad), moved


@pytest.mark.parametrize("name, loss_fn, x, target, allowed", LOSSES, ids=[case[0] for case in LOSSES])
def test_a_loss_forward_and_backward_move_nothing_to_the_host(name, loss_fn, x, target, allowed):
    data = _data()
    loss, grad, moved = _loss_and_gradient(loss_fn, data[x], data[target], DEVICE)
    assert moved.to_host == 0, moved.report()
    assert moved.to_device <= allowed, moved.report()
    cpu_loss, cpu_grad, _ = _loss_and_gradient(loss_fn, data[x], data[target], "cpu")
    assert np.isfinite(cpu_loss).all() and np.abs(cpu_grad).max() > 0
    np.testing.assert_allclose(loss, cpu_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, cpu_grad, rtol=1e-12, atol=1e-15)


# --- a target the loss has no meaning for, on a GPU: NaN where it is, never a read-back ----------------


def _bad_cases():
    rng = np.random.default_rng(4)
    x, p = rng.standard_normal((4, 3)), rng.uniform(0.1, 0.9, (4, 3))
    log_p = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    rows = np.full((4, 3), 1 / 3)
    bad_rows = rows.copy()
    bad_rows[2] = [1.5, -0.5, 0.0]  # sums to 1, but not probabilities
    binary = (p > 0.5).astype(float)
    above, below = binary.copy(), binary.copy()
    above[1, 2], below[3, 0] = 2.0, -0.5
    too_big = p.copy()
    too_big[0, 1] = 1.5
    weighted = {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.1}
    # (name, make(reduction), input, bad target, the position that is bad, the same with that position made good)
    return [
        ("CrossEntropyLoss-index-C", lambda r: nn.CrossEntropyLoss(reduction=r), x, [0, 3, 1, 2], 1, [0, -100, 1, 2]),
        ("CrossEntropyLoss-index-negative-weighted-smoothed-ignoring",
         lambda r: nn.CrossEntropyLoss(reduction=r, **weighted), x, [-100, 2, -1, 0], 2, [-100, 2, -100, 0]),
        ("NLLLoss-index-7", lambda r: nn.NLLLoss(reduction=r), log_p, [0, 1, 7, 2], 2, [0, 1, -100, 2]),
        ("CrossEntropyLoss-probability-negative", lambda r: nn.CrossEntropyLoss(reduction=r), x, bad_rows, 2, rows),
        ("BCELoss-target-2", lambda r: nn.BCELoss(reduction=r), p, above, (1, 2), binary),
        ("BCEWithLogitsLoss-target-negative", lambda r: nn.BCEWithLogitsLoss(reduction=r), x, below, (3, 0), binary),
        ("BCELoss-input-1.5", lambda r: nn.BCELoss(reduction=r), too_big, binary, (0, 1), None),
    ]


BAD = _bad_cases()


@pytest.mark.parametrize("name, make, x, target, where, good", BAD, ids=[case[0] for case in BAD])
def test_on_a_gpu_a_meaningless_target_gives_nan_where_it_is_and_the_cpu_an_error(name, make, x, target, where, good):
    target = np.asarray(target)
    with pytest.raises(ValueError, match="expected"):  # the CPU names the bad value
        make("none")(x, target)
    inputs = aino.tensor(x, device=DEVICE, requires_grad=True)
    targets = aino.tensor(target, device=DEVICE)
    with counting_transfers() as moved:
        losses = make("none")(inputs, targets)
        losses.sum().backward()
        mean = make("mean")(inputs.detach(), targets)
    assert moved.to_host == 0, moved.report()
    assert np.isnan(mean.item())
    losses, grad = to_host(losses), to_host(inputs.grad)
    bad = np.zeros(losses.shape, dtype=bool)
    bad[where] = True
    assert np.isnan(losses[bad]).all() and np.isnan(grad[bad]).all()
    # everywhere else, what the CPU gives with the bad value made good
    cpu_x = aino.tensor(x if good is not None else np.clip(x, 0, 1), requires_grad=True)
    cpu = make("none")(cpu_x, np.asarray(good if good is not None else target))
    cpu.sum().backward()
    np.testing.assert_allclose(losses[~bad], to_host(cpu)[~bad], rtol=1e-12)
    np.testing.assert_allclose(grad[~bad], to_host(cpu_x.grad)[~bad], rtol=1e-12)


def test_a_weight_given_anew_is_used_on_the_device_at_once():
    """The loss keeps its weight's device copy; a new weight replaces it at the next call."""
    x, target = np.random.default_rng(5).standard_normal((4, 3)), np.array([0, 1, 2, 1])
    loss_fn = nn.CrossEntropyLoss(weight=[1.0, 1.0, 1.0], reduction="sum")
    inputs = aino.tensor(x, device=DEVICE)
    first = loss_fn(inputs, aino.tensor(target, device=DEVICE)).item()
    loss_fn.weight = np.array([0.0, 1.0, 0.0])
    second = loss_fn(inputs, aino.tensor(target, device=DEVICE)).item()
    expected = nn.CrossEntropyLoss(weight=[0.0, 1.0, 0.0], reduction="sum")(x, target).item()
    assert second == pytest.approx(expected, rel=1e-12) and second != pytest.approx(first)


def test_an_embedding_index_outside_the_table_is_an_error_on_the_cpu_and_nan_rows_on_a_gpu():
    aino.manual_seed(0)
    table = nn.Embedding(5, 3)
    bad = [[0, 4, 7], [-1, 2, 2]]
    with pytest.raises(ValueError, match=r"expected indices in \[0, 5\), got values from -1 to 7"):
        table(aino.tensor(bad))
    table.to(DEVICE)
    with counting_transfers() as moved:
        rows = table(aino.tensor(bad, device=DEVICE))
    assert moved.to_host == 0, moved.report()
    rows = to_host(rows)
    outside = np.array([[False, False, True], [True, False, False]])
    assert np.isnan(rows[outside]).all() and np.isfinite(rows[~outside]).all()
    np.testing.assert_array_equal(rows[~outside], to_host(table.weight)[[0, 4, 2, 2]])


def test_max_pool_picks_the_last_nan_of_a_window_on_a_gpu_as_on_the_cpu_without_asking():
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 3, 3] = np.nan
    results = {}
    for device in ("cpu", DEVICE):
        inputs = aino.tensor(x, device=device, requires_grad=True)
        with counting_transfers() as moved:
            out = nn.MaxPool2d(2)(inputs)
            out.sum().backward()
        assert device == "cpu" or moved.to_host == 0, moved.report()
        results[device] = to_host(out), to_host(inputs.grad)
    np.testing.assert_array_equal(results["cpu"][0], results[DEVICE][0])
    np.testing.assert_array_equal(results["cpu"][1], results[DEVICE][1])
    assert results["cpu"][1][0, 0, 1, 0] == 1 and results["cpu"][1][0, 0, 0, 1] == 0  # the last NaN takes it

"""detect_anomaly in backward: the op whose backward made the NaN or inf is named, with the layer its forward
ran in; forward anomalies are named as before; outside the context nothing is wrapped or attached. On the CPU and
on a GPU (`device`), where each check reads its array's own module."""

import numpy as np
import pytest

import aino
from aino import nn
from aino.ops.function import Function
from aino import hooks
from aino.trace import detect_anomaly


class Root(nn.Module):
    """sqrt(x): finite at 0 in forward, but its derivative 1 / (2 sqrt(x)) is infinite there."""

    def forward(self, x):
        return x.sqrt()


def linear_then_root(device="cpu"):
    """Linear(2, 3) -> Root, with the Linear's weights and bias 0, so the root sees exactly 0."""
    model = nn.Sequential(nn.Linear(2, 3), Root())
    model._layers["0"].weight.data[:] = 0
    model._layers["0"].bias.data[:] = 0
    return model.to(device)


X = aino.Tensor(np.ones((4, 2), np.float32))


def test_an_inf_made_in_backward_names_sqrt_and_its_layer(device):
    model = linear_then_root(device)
    loss = None
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError) as caught:
        with detect_anomaly(model):
            loss = (model(X.to(device)) * 2.0).sum()  # forward is finite: sqrt(0) = 0
            loss.backward()
    message = str(caught.value)
    assert loss is not None and np.isfinite(loss.numpy()).all()
    assert "in backward, op 'sqrt' in layer '1' (Root) returned inf in its gradient for input 0" in message
    assert "'mul'" not in message  # the op that merely received the gradient is not blamed


def test_without_a_model_the_layer_is_its_repr_and_outside_a_layer_says_so():
    model = linear_then_root()
    expected = r"op 'sqrt' in layer Root\(\) returned inf"
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=expected):
        with detect_anomaly():
            model(X).sum().backward()
    x = aino.Tensor(np.zeros(3), requires_grad=True)
    expected = r"op 'sqrt' outside any layer returned inf"
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=expected):
        with detect_anomaly():
            x.sqrt().sum().backward()


def test_a_graph_built_before_entering_has_no_layer_to_name():
    x = aino.Tensor(np.zeros(3), requires_grad=True)
    loss = x.sqrt().sum()
    expected = r"op 'sqrt' \(its forward ran before detect_anomaly"
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=expected):
        with detect_anomaly():
            loss.backward()


def test_a_nan_made_in_backward_is_named_too(device):
    x = aino.Tensor(np.array([0.0, 1.0])).to(device).requires_grad_(True)
    expected = r"op 'sqrt' outside any layer returned NaN"
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=expected):
        with detect_anomaly():
            (x.sqrt() * 0.0).sum().backward()  # 0 * (1 / (2 * 0)) = 0 * inf = NaN


def test_an_overflow_when_adding_up_gradients_is_told_apart(device):
    x = aino.Tensor(np.full(2, 1e-30, np.float32)).to(device).requires_grad_(True)
    expected = r"gradient arriving at a leaf tensor holds inf, although every op's backward"
    with pytest.raises(FloatingPointError, match=expected):
        with np.errstate(all="ignore"), detect_anomaly():
            ((x * 3e38).sum() + (x * 3e38).sum()).backward()  # each use gives 3e38, their float32 sum is inf


def test_backward_from_a_nan_gradient_is_named(device):
    x = aino.Tensor(np.ones(2)).to(device).requires_grad_(True)
    y, start = x * 2.0, aino.Tensor(np.array([1.0, np.nan])).to(device)
    with pytest.raises(FloatingPointError, match="backward was started with a gradient holding NaN"), detect_anomaly():
        y.backward(start)


def test_a_log_of_zero_in_forward_is_named_as_before(device):
    class Log(nn.Module):
        def forward(self, x):
            return x.log()

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), Log())
    model._layers["0"].bias.data[:] = -100.0  # ReLU gives 0, its log -inf
    model.to(device)
    expected = r"op 'log' in layer '2' \(Log\) produced -inf from finite inputs"
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=expected):
        with detect_anomaly(model):
            model(X.to(device))


def test_a_finite_run_passes_and_gives_the_same_gradients(device):
    def gradient(check):
        aino.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).to(device)
        if check:
            with detect_anomaly(model):
                model(X.to(device)).sum().backward()
        else:
            model(X.to(device)).sum().backward()
        return model._layers["0"].weight.grad.numpy()

    assert np.array_equal(gradient(True), gradient(False))


def test_nothing_is_wrapped_and_nothing_stays_attached_outside_the_context():
    """detect_anomaly listens at the seam (aino/hooks.py): no method is ever replaced."""
    original = Function.__dict__["apply"]
    listeners = list(hooks.active)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError):
        with detect_anomaly(), detect_anomaly():  # nested, and left by an exception
            assert Function.__dict__["apply"] is original and len(hooks.active) == len(listeners) + 2
            aino.Tensor(np.zeros(2), requires_grad=True).sqrt().sum().backward()
    assert Function.__dict__["apply"] is original and hooks.active == listeners
    x = aino.Tensor(np.zeros(2), requires_grad=True)
    y = x.sqrt()
    assert not hasattr(y._ctx, "_anomaly_layer")  # no layer is looked up for ops made outside
    with np.errstate(all="ignore"):
        y.sum().backward()  # nothing checks: the inf gradient passes silently, as without detect_anomaly
    assert np.isinf(x.grad.data).all()

"""What every optimizer shares: the ways to pass parameters, parameter groups, float32, zero_grad,
state_dict round trips, repr, and clear errors."""

import numpy as np
import pytest

from aino.optim import SGD, Adam, AdamW, RMSprop

ALL = {
    "SGD": (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "Adam": (Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    "AdamW": (AdamW, dict(lr=0.01, amsgrad=True)),
    "RMSprop": (RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
}
NAMES = list(ALL)


def _give_gradients(params, xp, seed):
    rng = np.random.default_rng(seed)
    for param in params:
        param.grad.data[...] = xp.asarray(rng.standard_normal(param.data.shape))


@pytest.mark.parametrize("name", NAMES)
def test_callable_generator_model_and_list_forms_give_the_same_parameters(tiny_model, name):
    cls, options = ALL[name]
    model = tiny_model
    expected = [model.weight, model.bias]
    for params in (model.parameters, model.parameters(), model, expected, tuple(expected)):
        optimizer = cls(params, **options)
        assert optimizer.param_groups[0]["params"] == expected


@pytest.mark.parametrize("name", NAMES)
def test_bound_method_form_updates_the_model_in_place(tiny_model, xp, stand_in, name):
    """Document 004 passes `model.parameters` itself; the model's own arrays must change."""
    cls, options = ALL[name]
    model = tiny_model
    weight_array = model.weight.data
    for param in (model.weight, model.bias):
        param.grad = stand_in(xp.ones_like(param.data))  # anything with .data serves as a gradient
    optimizer = cls(model.parameters, **options)
    optimizer.step()
    assert model.weight.data is weight_array  # updated in place, not rebound
    assert float(model.weight.data.max()) < 1.0


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_and_state_stay_float32(xp, stand_in, name):
    cls, options = ALL[name]
    params = [stand_in(xp.ones((4, 3), dtype=xp.float32), xp.zeros((4, 3), dtype=xp.float32)),
              stand_in(xp.ones(5, dtype=xp.float32), xp.zeros(5, dtype=xp.float32))]
    optimizer = cls(params, **options)
    for seed in range(5):
        _give_gradients(params, xp, seed)
        optimizer.step()
    for param in params:
        assert param.data.dtype == xp.float32
        assert float(abs(param.data - 1).max()) > 1e-4
    arrays = [v for state in optimizer.state_dict()["state"].values() for v in state.values()
              if hasattr(v, "dtype")]
    assert arrays and all(a.dtype == xp.float32 for a in arrays)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_continues_identically(xp, stand_in, name):
    cls, options = ALL[name]
    rng = np.random.default_rng(1)
    shapes = [(3, 2), (2,)]
    starts = [rng.standard_normal(s) for s in shapes]
    first = [stand_in(xp.asarray(s), xp.zeros(s.shape)) for s in starts]
    optimizer = cls(first, **options)
    for seed in range(3):
        _give_gradients(first, xp, seed)
        optimizer.step()
        optimizer.decay_lr()

    saved = optimizer.state_dict()
    for state in saved["state"].values():  # plain data only: arrays and numbers
        assert all(hasattr(v, "shape") or isinstance(v, (int, float)) for v in state.values())
    second = [stand_in(xp.array(p.data), xp.zeros(p.data.shape)) for p in first]
    restored = cls(second, lr=123.0)  # settings come back from the state dict too
    restored.load_state_dict(saved)
    assert restored.lr == optimizer.lr

    for seed in range(3, 7):
        _give_gradients(first, xp, seed)
        _give_gradients(second, xp, seed)
        optimizer.step()
        restored.step()
    for a, b in zip(first, second):
        assert bool((a.data == b.data).all())


def test_state_dict_holds_copies_and_torch_style_keys(xp, stand_in):
    param = stand_in(xp.ones(3), xp.ones(3))
    optimizer = Adam([param], lr=0.1)
    optimizer.step()
    saved = optimizer.state_dict()
    assert set(saved["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert saved["state"][0]["step"] == 1
    assert saved["param_groups"][0]["params"] == [0]
    before = saved["state"][0]["exp_avg"].copy()
    optimizer.step()
    assert bool((saved["state"][0]["exp_avg"] == before).all())


def test_load_state_dict_rejects_a_mismatch(xp, stand_in):
    optimizer = SGD([stand_in(xp.ones(3), xp.ones(3))], lr=0.1, momentum=0.9)
    optimizer.step()
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="parameters"):
        SGD([stand_in(xp.ones(3)), stand_in(xp.ones(3))], momentum=0.9).load_state_dict(saved)
    with pytest.raises(ValueError, match="shape"):
        SGD([stand_in(xp.ones(4))], momentum=0.9).load_state_dict(saved)


def test_parameter_groups_match_torch(parity, xp):
    torch = pytest.importorskip("torch")
    parity(lambda ps: SGD([{"params": ps[:1], "lr": 0.5}, {"params": ps[1:]}], lr=0.1, momentum=0.9),
           lambda ps: torch.optim.SGD([{"params": ps[:1], "lr": 0.5}, {"params": ps[1:]}], lr=0.1, momentum=0.9),
           xp)


def test_parameters_without_gradient_are_skipped(xp, stand_in):
    frozen, moving = stand_in(xp.ones(2)), stand_in(xp.ones(2), xp.ones(2))
    optimizer = Adam([frozen, moving], lr=0.1)
    optimizer.step()
    assert bool((frozen.data == 1).all()) and bool((moving.data < 1).all())
    assert len(optimizer.state) == 1


def test_zero_grad(xp, stand_in):
    params = [stand_in(xp.ones(2), xp.ones(2)), stand_in(xp.ones(2), xp.ones(2))]
    optimizer = SGD(params)
    optimizer.zero_grad(set_to_none=False)
    assert all(bool((p.grad.data == 0).all()) for p in params)
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize("name", NAMES)
def test_repr_names_the_class_and_settings(xp, stand_in, name):
    cls, options = ALL[name]
    text = repr(cls([stand_in(xp.ones(2))], **options))
    assert text.startswith(name + "(") and f"lr={options['lr']!r}" in text and "1 parameters" in text


@pytest.mark.parametrize("name", NAMES)
def test_empty_or_wrong_params_raise_clear_errors(xp, stand_in, name):
    cls, _ = ALL[name]
    with pytest.raises(ValueError, match="empty"):
        cls([])
    with pytest.raises(ValueError, match="empty"):
        cls(iter([]))
    with pytest.raises(TypeError, match="list of parameters"):
        cls(stand_in(xp.ones(2)))
    with pytest.raises(TypeError, match="int"):
        cls([1, 2])
    with pytest.raises(ValueError, match="more than one group"):
        param = stand_in(xp.ones(2))
        cls([{"params": [param]}, {"params": [param]}])


@pytest.mark.parametrize("name", NAMES)
def test_negative_lr_is_refused_at_construction_and_when_set(xp, stand_in, name):
    cls, options = ALL[name]
    with pytest.raises(ValueError, match=r"lr must be a finite number >= 0, got -1"):
        cls([stand_in(xp.ones(2))], **{**options, "lr": -1})
    optimizer = cls([stand_in(xp.ones(2))], **options)
    with pytest.raises(ValueError, match="lr"):
        optimizer.lr = -0.5
    assert optimizer.lr == options["lr"]

"""StepLR, ExponentialLR and CosineAnnealingLR: the same learning rates as PyTorch's over 30 epochs."""

import math

import pytest

from aino.optim import SGD, Adam, CosineAnnealingLR, ExponentialLR, StepLR

torch = pytest.importorskip("torch")

SCHEDULES = {
    "StepLR": (StepLR, dict(step_size=7, gamma=0.5)),
    "StepLR-default-gamma": (StepLR, dict(step_size=3)),
    "ExponentialLR": (ExponentialLR, dict(gamma=0.9)),
    "CosineAnnealingLR": (CosineAnnealingLR, dict(T_max=10)),
    "CosineAnnealingLR-eta_min": (CosineAnnealingLR, dict(T_max=12, eta_min=0.01)),
}


def _two_groups(stand_in, xp):
    return [{"params": [stand_in(xp.ones(2))], "lr": 0.3}, {"params": [stand_in(xp.ones(2))]}]


def _torch_optimizer():
    params = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))]
    return torch.optim.SGD([{"params": params[:1], "lr": 0.3}, {"params": params[1:]}], lr=0.1)


@pytest.mark.parametrize("name", SCHEDULES)
def test_learning_rates_match_torch_over_30_epochs(stand_in, xp, name):
    cls, options = SCHEDULES[name]
    optimizer = SGD(_two_groups(stand_in, xp), lr=0.1)
    reference_optimizer = _torch_optimizer()
    scheduler = cls(optimizer, **options)
    reference = getattr(torch.optim.lr_scheduler, cls.__name__)(reference_optimizer, **options)
    assert scheduler.get_last_lr() == reference.get_last_lr() == [0.3, 0.1]
    mine, theirs = [], []
    for epoch in range(1, 31):
        optimizer.step()
        reference_optimizer.step()
        scheduler.step()
        reference.step()
        assert scheduler.last_epoch == reference.last_epoch == epoch
        assert [g["lr"] for g in optimizer.param_groups] == scheduler.get_last_lr()
        mine += scheduler.get_last_lr()
        theirs += reference.get_last_lr()
    assert mine == pytest.approx(theirs, rel=1e-12, abs=1e-15)
    assert len({round(lr, 12) for lr in mine[::2]}) > 2  # the schedule really changed the rate


def test_cosine_is_the_closed_form(stand_in, xp):
    optimizer = Adam([stand_in(xp.ones(2))], lr=0.02)
    scheduler = CosineAnnealingLR(optimizer, T_max=8, eta_min=0.001)
    for epoch in range(1, 20):
        scheduler.step()
        expected = 0.001 + (0.02 - 0.001) * (1 + math.cos(math.pi * epoch / 8)) / 2
        assert optimizer.lr == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("name", SCHEDULES)
def test_state_dict_round_trip_continues_identically(stand_in, xp, name):
    cls, options = SCHEDULES[name]
    optimizer = SGD(_two_groups(stand_in, xp), lr=0.1)
    scheduler = cls(optimizer, **options)
    for _ in range(5):
        scheduler.step()
    saved = scheduler.state_dict()
    assert saved["last_epoch"] == 5 and "optimizer" not in saved

    other_optimizer = SGD(_two_groups(stand_in, xp), lr=0.1)
    other_optimizer.load_state_dict(optimizer.state_dict())
    other = cls(other_optimizer, **options)
    other.load_state_dict(saved)
    for _ in range(10):
        scheduler.step()
        other.step()
        assert other.get_last_lr() == scheduler.get_last_lr()
        assert other.last_epoch == scheduler.last_epoch


@pytest.mark.parametrize("make, word", [
    (lambda o: StepLR(o, step_size=0), "step_size"),
    (lambda o: StepLR(o, step_size=2.5), "step_size"),
    (lambda o: CosineAnnealingLR(o, T_max=0), "T_max"),
])
def test_bad_settings_raise_value_error(stand_in, xp, make, word):
    with pytest.raises(ValueError, match=word):
        make(SGD([stand_in(xp.ones(2))]))


def test_a_scheduler_needs_an_aino_optimizer():
    with pytest.raises(TypeError, match="optimizer"):
        StepLR(object(), step_size=2)

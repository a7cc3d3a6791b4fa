"""SGD against torch.optim.SGD, option by option, and its learning-rate decay."""

import pytest

from aino.optim import SGD

torch = pytest.importorskip("torch")

OPTIONS = [
    dict(),
    dict(weight_decay=0.1),
    dict(momentum=0.9),
    dict(momentum=0.9, dampening=0.3),
    dict(momentum=0.9, nesterov=True),
    dict(momentum=0.8, nesterov=True, weight_decay=0.05),
    dict(momentum=0.5, dampening=0.2, weight_decay=0.1),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain")
def test_sgd_matches_torch(parity, xp, options):
    parity(lambda ps: SGD(ps, lr=0.1, **options), lambda ps: torch.optim.SGD(ps, lr=0.1, **options), xp,
           new_lr=0.03)


def test_decay_lr_follows_the_time_based_formula(parity, xp):
    """lr = initial_lr / (1 + decay * iterations) after each step; torch is given the same lr by hand."""
    seen = []

    def make_aino(params):
        optimizer = SGD(params, lr=0.2, momentum=0.9, decay=0.5)
        original_step = optimizer.step

        def step_then_decay():
            original_step()
            seen.append(optimizer.decay_lr())

        optimizer.step = step_then_decay
        return optimizer

    def make_torch(params):
        optimizer = torch.optim.SGD(params, lr=0.2, momentum=0.9)
        original_step, count = optimizer.step, [0]

        def step_then_decay():
            original_step()
            count[0] += 1
            optimizer.param_groups[0]["lr"] = 0.2 / (1 + 0.5 * count[0])

        optimizer.step = step_then_decay
        return optimizer

    parity(make_aino, make_torch, xp, steps=6)
    assert seen == pytest.approx([0.2 / (1 + 0.5 * k) for k in range(1, 7)], rel=1e-15)


def test_decay_zero_leaves_lr_alone(stand_in, xp):
    optimizer = SGD([stand_in(xp.ones(3), xp.ones(3))], lr=0.1)
    for _ in range(3):
        optimizer.step()
        optimizer.decay_lr()
    assert optimizer.lr == 0.1


@pytest.mark.parametrize("options, word", [
    (dict(nesterov=True), "nesterov"),
    (dict(nesterov=True, momentum=0.9, dampening=0.1), "dampening"),
    (dict(momentum=-0.5), "momentum"),
    (dict(lr=-0.1), "lr"),
    (dict(weight_decay=-1), "weight_decay"),
    (dict(decay=-0.01), "decay"),
])
def test_bad_settings_raise_value_error_naming_them(stand_in, xp, options, word):
    with pytest.raises(ValueError, match=word):
        SGD([stand_in(xp.ones(2))], **options)

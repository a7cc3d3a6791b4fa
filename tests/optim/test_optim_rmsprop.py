"""RMSprop against torch.optim.RMSprop, every option."""

import pytest

from aino.optim import RMSprop

torch = pytest.importorskip("torch")

OPTIONS = [
    dict(),
    dict(centered=True),
    dict(momentum=0.9),
    dict(momentum=0.9, centered=True),
    dict(weight_decay=0.1),
    dict(weight_decay=0.1, momentum=0.5, centered=True, alpha=0.9, eps=1e-4),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "plain")
def test_rmsprop_matches_torch(parity, xp, options):
    parity(lambda ps: RMSprop(ps, lr=0.01, **options), lambda ps: torch.optim.RMSprop(ps, lr=0.01, **options),
           xp, new_lr=0.004)


@pytest.mark.parametrize("options, word", [
    (dict(alpha=1.5), "alpha"),
    (dict(alpha=-0.1), "alpha"),
    (dict(momentum=-1), "momentum"),
    (dict(eps=-1.0), "eps"),
    (dict(lr=-0.01), "lr"),
])
def test_bad_settings_raise_value_error_naming_them(stand_in, xp, options, word):
    with pytest.raises(ValueError, match=word):
        RMSprop([stand_in(xp.ones(2))], **options)

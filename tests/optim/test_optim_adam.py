"""Adam and AdamW against PyTorch, every option, and document 004's spellings."""

import numpy as np
import pytest

import aino
from aino import parallel
from aino.optim import Adam, AdamW

torch = pytest.importorskip("torch")

OPTIONS = [
    dict(),
    dict(amsgrad=True),
    dict(weight_decay=0.1),
    dict(weight_decay=0.1, amsgrad=True),
    dict(betas=(0.5, 0.9), eps=1e-3),
]


def _id(options):
    return ",".join(f"{k}={v}" for k, v in options.items()) or "plain"


@pytest.mark.parametrize("options", OPTIONS, ids=_id)
def test_adam_matches_torch(parity, xp, options):
    parity(lambda ps: Adam(ps, lr=0.05, **options), lambda ps: torch.optim.Adam(ps, lr=0.05, **options), xp,
           new_lr=0.02)


@pytest.mark.parametrize("options", OPTIONS + [dict(weight_decay=0.5, amsgrad=True)], ids=_id)
def test_adamw_matches_torch(parity, xp, options):
    parity(lambda ps: AdamW(ps, lr=0.05, **options), lambda ps: torch.optim.AdamW(ps, lr=0.05, **options),
           xp, new_lr=0.02)


def test_adamw_decay_is_decoupled(parity, xp):
    """AdamW's default weight_decay (0.01) is applied to the weights, not the gradient: it matches torch's
    AdamW and not torch's Adam with the same weight_decay."""
    parity(lambda ps: AdamW(ps, lr=0.1), lambda ps: torch.optim.AdamW(ps, lr=0.1), xp)
    with pytest.raises(AssertionError):
        parity(lambda ps: AdamW(ps, lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.01), xp)


def test_document_004_spellings_override_betas_and_eps(parity, stand_in, xp):
    parity(lambda ps: Adam(ps, lr=0.05, betas=(0.1, 0.2), eps=1.0, beta1=0.8, beta2=0.95, epsilon=1e-4),
           lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.95), eps=1e-4), xp)
    optimizer = Adam(lambda: [stand_in(xp.zeros(1))], beta1=0.8, epsilon=1e-4)
    assert optimizer.param_groups[0]["betas"] == (0.8, 0.999)
    assert optimizer.param_groups[0]["eps"] == 1e-4


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("options, word", [
    (dict(betas=(1.0, 0.999)), "beta1"),
    (dict(betas=(0.9, -0.1)), "beta2"),
    (dict(beta1=1.5), "beta1"),
    (dict(beta2=1.0), "beta2"),
    (dict(eps=-1e-8), "eps"),
    (dict(lr=-0.001), "lr"),
])
def test_bad_settings_raise_value_error_naming_them(stand_in, xp, cls, options, word):
    with pytest.raises(ValueError, match=word):
        cls([stand_in(xp.ones(2))], **options)


def test_adam_matches_torch_on_a_0d_parameter(parity, xp):
    parity(lambda ps: Adam(ps, lr=0.05, amsgrad=True), lambda ps: torch.optim.Adam(ps, lr=0.05, amsgrad=True), xp,
           shapes=((), (3,)))


@pytest.mark.parametrize("options", [dict(), dict(amsgrad=True, weight_decay=0.1)], ids=_id)
def test_adam_split_over_two_threads_gives_the_same_weights_as_one(stand_in, monkeypatch, options):
    """A parameter large enough to be split row-wise over two threads (aino/parallel.py) ends where the
    same steps on one thread leave it, to the last bit: each value's update is the same arithmetic."""
    rng = np.random.default_rng(0)
    start, grads = rng.standard_normal((301, 7)).astype(np.float32), rng.standard_normal((3, 301, 7)).astype(np.float32)
    ends = []
    before = aino.get_num_threads()
    monkeypatch.setattr(parallel, "MIN_ELEMENTS", 1)  # split even this small parameter
    try:
        for threads in (1, 2):
            aino.set_num_threads(threads)
            assert len(parallel.blocks(301, 301 * 7)) == threads
            param = stand_in(start.copy(), grads[0])
            optimizer = Adam([param], lr=0.1, **options)
            for grad in grads:
                param.grad.data = grad
                optimizer.step()
            ends.append(param.data)
    finally:
        aino.set_num_threads(before)
    np.testing.assert_array_equal(ends[0], ends[1])
    assert np.abs(ends[0] - start).max() > 0.1

"""Shared pieces of the optimizer tests: a stand-in parameter, the array backends, and a parity harness
that feeds the same gradients to an aino optimizer and a PyTorch one."""

import numpy as np
import pytest

from aino import backend

BACKENDS = ["numpy", "aino.testing.fake_gpu"] + (["cupy"] if backend.has_cupy else [])


class StandInGrad:
    def __init__(self, data):
        self.data = data


class StandInParameter:
    """What an optimizer needs from a parameter: `.data` (an array) and `.grad` (None or has `.data`)."""

    def __init__(self, data):
        self.data = data
        self.grad = None


class TinyModel:
    """Something with a `parameters` method, as aino.nn modules have."""

    def __init__(self, xp, dtype="float64"):
        self.weight = StandInParameter(xp.ones((2, 3), dtype=dtype))
        self.bias = StandInParameter(xp.zeros(2, dtype=dtype))

    def parameters(self):
        return iter([self.weight, self.bias])


def to_numpy(array):
    return array.get() if hasattr(array, "get") else np.asarray(array)  # a device array only by .get()


@pytest.fixture(params=BACKENDS)
def xp(request):
    return pytest.importorskip(request.param)


@pytest.fixture
def parity():
    """parity(make_aino, make_torch, xp, ...): run `steps` steps of an aino optimizer and a PyTorch one
    from the same float64 start with identical random gradients, then assert the weights agree to 1e-12
    and have moved. Along the way the learning rate is set on both at step 3 (if `new_lr`), and at
    step 2 the last parameter has no gradient (so it must be skipped). Returns both optimizers."""
    torch = pytest.importorskip("torch")

    def run(make_aino, make_torch, xp, steps=6, new_lr=None, shapes=((3, 4), (4,), (2, 3, 2)), seed=0):
        rng = np.random.default_rng(seed)
        starts = [rng.standard_normal(shape) for shape in shapes]
        mine = [StandInParameter(xp.asarray(start.copy())) for start in starts]
        theirs = [torch.nn.Parameter(torch.tensor(start.copy())) for start in starts]
        optimizer, reference = make_aino(mine), make_torch(theirs)
        for step in range(steps):
            if new_lr is not None and step == 3:
                optimizer.lr = new_lr
                for group in reference.param_groups:
                    group["lr"] = new_lr
            for index, (p, q) in enumerate(zip(mine, theirs)):
                if step == 2 and index == len(mine) - 1:
                    p.grad = q.grad = None
                    continue
                g = rng.standard_normal(p.data.shape)
                p.grad, q.grad = StandInGrad(xp.asarray(g)), torch.tensor(g)
            optimizer.step()
            reference.step()
        for p, q, start in zip(mine, theirs, starts):
            assert p.data.dtype == np.float64
            assert np.abs(to_numpy(p.data) - start).max() > 1e-4  # a do-nothing optimizer fails
            np.testing.assert_allclose(to_numpy(p.data), q.detach().numpy(), rtol=1e-12, atol=1e-12)
        return optimizer, reference

    return run


@pytest.fixture
def stand_in():
    """stand_in(array, grad=None) -> a StandInParameter, its gradient set when `grad` is given."""

    def make(data, grad=None):
        param = StandInParameter(data)
        if grad is not None:
            param.grad = StandInGrad(grad)
        return param

    return make


@pytest.fixture
def tiny_model(xp):
    return TinyModel(xp)

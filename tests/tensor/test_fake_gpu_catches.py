"""The stand-in GPU ("fake-gpu", aino/testing/fake_gpu.py) catches what breaks on CuPy, and the parity suite with it.

Planted mistakes, one at a time, in one op's forward (Exp, monkeypatched for the test only): a `numpy.asarray`
on the input array, a `numpy.` function on it, and a silent copy to the host (a Python branch on a value). Each
runs on the CPU as before, and each fails on the stand-in: the first two with CuPy's TypeError where they are
made, the third in the parity harness (tests/tensor/op_parity.py), which counts the copies an op makes.
Then the stand-in itself, as CuPy behaves: what it refuses, what it gives, and what it counts.
"""

import numpy as np
import pytest
from op_parity import check_op, torch

from aino.ops.elementwise import Exp
from aino.tensor import Tensor
from aino.testing import fake_gpu
from aino.testing.fake_array import DeviceArray
from aino.testing.transfers import counting_transfers

X = [-1.0, 0.5, 2.0]


def plant(monkeypatch, mistake):
    """Exp.forward with `mistake(x)` done to its input array first (then the real forward, on the real x)."""
    forward = Exp.forward

    def planted(self, x):
        mistake(x)
        return forward(self, x)

    monkeypatch.setattr(Exp, "forward", planted)


MISTAKES = {
    "numpy.asarray": lambda x: np.asarray(x),  # the copy CuPy refuses: "Implicit conversion to a NumPy array"
    "numpy.exp": lambda x: np.exp(x),  # NumPy's function where xp's belongs
    "numpy.sum": lambda x: np.sum(x),
    "host operand": lambda x: x + np.ones(x.shape),  # a host array mixed into device maths
}


@pytest.mark.parametrize("name", MISTAKES)
def test_a_planted_numpy_call_in_an_op_fails_on_the_stand_in_and_runs_on_the_cpu(monkeypatch, name):
    plant(monkeypatch, MISTAKES[name])
    np.testing.assert_allclose(Tensor(X).exp().numpy(), np.exp(np.float32(X)))  # the CPU does not notice
    check_op([(3, 4)], lambda a: a.exp(), torch.exp, device="cpu")
    with pytest.raises(TypeError):
        Tensor(X, device="fake-gpu").exp()
    with pytest.raises(TypeError):  # so the parity case of this op on "fake-gpu" fails
        check_op([(3, 4)], lambda a: a.exp(), torch.exp, device="fake-gpu")


def test_without_the_plant_the_same_op_passes_on_the_stand_in():
    check_op([(3, 4)], lambda a: a.exp(), torch.exp, device="fake-gpu")


@pytest.mark.parametrize("read", [lambda x: bool(x.any()), lambda x: float(x.sum()), lambda x: x.max().item()],
                         ids=["if array.any()", "float(x.sum())", "x.max().item()"])
def test_a_planted_copy_to_the_host_fails_the_parity_case_on_the_stand_in(monkeypatch, read):
    plant(monkeypatch, read)
    check_op([(3, 4)], lambda a: a.exp(), torch.exp, device="cpu")
    Tensor(X, device="fake-gpu").exp()  # runs: CuPy allows these copies, it only waits for them
    with pytest.raises(AssertionError, match=r"copied 1 array\(s\) to the host on fake-gpu"):
        check_op([(3, 4)], lambda a: a.exp(), torch.exp, device="fake-gpu")


# --- the stand-in itself, as CuPy ------------------------------------------------------------------------


def on_device(values):
    return fake_gpu.asarray(np.asarray(values, dtype=np.float64))


@pytest.mark.parametrize("call", [np.asarray, np.array, np.exp, np.sum, np.mean, lambda x: np.concatenate([x, x]),
                                  lambda x: np.where(x > 0, x, 0.0)],
                         ids=["asarray", "array", "exp", "sum", "mean", "concatenate", "where"])
def test_numpy_refuses_a_device_array(call):
    with pytest.raises(TypeError):
        call(on_device(X))


def test_mixing_with_a_host_array_is_refused_either_way_round():
    x, host = on_device(X), np.ones(3)
    for mix in (lambda: x + host, lambda: host + x, lambda: x * host, lambda: fake_gpu.maximum(x, host),
                lambda: x @ host):
        with pytest.raises(TypeError, match="host"):
            mix()


def test_reductions_and_integer_indexing_give_0d_device_arrays():
    x = on_device([[1.0, 2.0], [3.0, 4.0]])
    for value in (x.sum(), x.max(), x[1, 0], fake_gpu.sum(x), x.mean(axis=None)):
        assert type(value) is DeviceArray and value.ndim == 0
    assert type(x[0]) is DeviceArray and x[0].shape == (2,)
    assert type(x.shape) is tuple and x.dtype == np.float64 and fake_gpu.get_array_module(x) is fake_gpu
    assert fake_gpu.get_array_module(np.ones(2)) is np


def test_every_copy_to_the_host_is_counted_and_only_those():
    x = on_device(X)
    with counting_transfers() as moved:
        total = x.sum() * 2 + x  # device maths: nothing moves
    assert (moved.to_host, moved.to_device) == (0, 0), moved.report()
    with counting_transfers() as moved:
        host = x.get()
        value = float(total[0])
        listed = x.tolist()
        copied = fake_gpu.asnumpy(x)
        truth = bool(x[2] > 1)
    assert moved.to_host == 5, moved.report()
    assert type(host) is np.ndarray and type(copied) is np.ndarray and listed == X and truth
    assert value == pytest.approx(2 * sum(X) + X[0])
    np.testing.assert_array_equal(host, X)


def test_copies_to_the_device_are_counted_too():
    x = on_device([0.0, 0.0, 0.0])
    with counting_transfers() as moved:
        y = fake_gpu.asarray(np.arange(3.0))
        same = fake_gpu.asarray(y)  # already there: no copy
        x[...] = np.array([1.0, 2.0, 3.0])  # CuPy copies a host value over
    assert moved.to_device == 2 and moved.to_host == 0, moved.report()
    assert same is y
    np.testing.assert_array_equal(x.get(), [1.0, 2.0, 3.0])


def test_out_and_in_place_operators_return_the_same_object():
    a, b = on_device([1.0, 2.0]), on_device([10.0, 20.0])
    out = on_device([0.0, 0.0])
    assert fake_gpu.add(a, b, out=out) is out and fake_gpu.exp(a, out=out) is out
    np.testing.assert_allclose(out.get(), np.exp([1.0, 2.0]))
    before = a
    a += b
    a *= 2
    assert a is before
    np.testing.assert_array_equal(a.get(), [22.0, 44.0])


def test_a_device_array_is_no_numpy_array_and_says_where_it_lives():
    x = on_device(X)
    assert not isinstance(x, np.ndarray) and isinstance(x, fake_gpu.ndarray)
    assert x.device.id == 0 and "device_array" in repr(x)
    assert Tensor(x).device == "fake-gpu" and Tensor(x).xp is fake_gpu

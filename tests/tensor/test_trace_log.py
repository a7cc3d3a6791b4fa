"""The op trace log: off by default, exact tuples for small tensors, shapes for large ones."""

import numpy as np
import pytest

from aino.tensor import DOtensor, Tensor


@pytest.fixture
def tracing():
    Tensor.clear_trace()
    Tensor.enable_trace()
    yield
    Tensor.disable_trace()
    Tensor.clear_trace()


def test_trace_is_off_by_default():
    Tensor.clear_trace()
    a = Tensor([1, 2])
    _ = a * a + a
    assert Tensor.get_trace_log() == []


def test_reference_example_logs_input_values(tracing, device):
    # reference document 000, section 5, with the correct second tuple
    DOtensor.enable_trace()
    a = DOtensor([1, 2], device=device)
    b = DOtensor([3, 4], device=device)
    c = a * b + a
    log = DOtensor.get_trace_log()
    assert log[-2:] == [("mul", [1, 2], [3, 4]), ("add", [3, 8], [1, 2])]
    assert c.tolist() == [4, 10]


def test_large_tensors_are_logged_by_shape(tracing, device):
    x = Tensor(np.zeros((128, 784), dtype=np.float32), device=device)
    w = Tensor(np.zeros((784, 256), dtype=np.float32), device=device)
    _ = (x @ w).relu().sum(axis=0)
    assert Tensor.get_trace_log() == [
        ("matmul", (128, 784), (784, 256)),
        ("relu", (128, 256)),
        ("sum", (128, 256)),
    ]


def test_clear_and_disable(tracing, device):
    _ = Tensor([1.0], device=device) * 2
    assert Tensor.get_trace_log() == [("mul", [1.0], 2.0)]
    Tensor.clear_trace()
    assert Tensor.get_trace_log() == []
    Tensor.disable_trace()
    _ = Tensor([1.0], device=device) * 2
    assert Tensor.get_trace_log() == []

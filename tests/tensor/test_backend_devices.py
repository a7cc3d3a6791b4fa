"""Devices and dtypes: their spellings, and what exists on this machine."""

import numpy as np
import pytest

from aino import backend
from aino.backend import Device, DeviceType, get_available_devices, parse_dtype


def test_device_spellings_and_equality():
    assert Device("cpu").type is DeviceType.CPU and Device("cpu").index is None
    gpu = Device("cuda:1")
    assert gpu.type is DeviceType.CUDA and gpu.index == 1
    assert gpu == "cuda" and gpu == "cuda:1" and gpu != "cuda:0" and gpu != "cpu"
    assert Device(DeviceType.CUDA, 0) == Device("cuda:0")
    assert Device("cpu") == "cpu" and str(gpu) == "cuda:1"
    assert {Device("cpu"), Device("cpu")} == {Device("cpu")}
    assert [t.value for t in DeviceType] == ["cpu", "cuda", "fake-gpu", "rocm", "webgpu"]
    with pytest.raises(ValueError, match="unknown device"):
        Device("tpu")


def test_available_devices_start_with_the_cpu():
    devices = get_available_devices()
    assert devices[0] == "cpu"
    assert all(d.type is DeviceType.CUDA for d in devices[1:])  # the stand-in, though on, is no device to use
    if not backend.has_cupy:
        assert devices == [Device("cpu")]


def test_unsupported_device_types_are_clear_errors():
    with pytest.raises(RuntimeError, match="not supported"):
        backend.module_for("rocm")


@pytest.mark.parametrize(
    "spelling, expected",
    [
        ("float32", np.float32),
        ("<class 'numpy.float64'>", np.float64),
        ("torch.float64", np.float64),
        ("np.float32", np.float32),
        ("int64", np.int64),
        (np.float32, np.float32),
        (np.dtype("float64"), np.float64),
        (float, np.float64),
        (int, np.int64),
        (bool, np.bool_),
    ],
)
def test_parse_dtype(spelling, expected):
    assert parse_dtype(spelling) == np.dtype(expected)


def test_parse_dtype_of_a_torch_dtype_object():
    torch = pytest.importorskip("torch")
    assert parse_dtype(torch.float64) == np.float64


@pytest.mark.parametrize("spelling", ["float99", "banana", "<class 'numpy.nothing'>", object])
def test_unknown_dtypes_raise_value_error(spelling):
    with pytest.raises(ValueError, match="dtype"):
        parse_dtype(spelling)

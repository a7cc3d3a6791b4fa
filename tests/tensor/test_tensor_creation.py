"""Making tensors: dtype rules, factories, seeds, conversions and what a tensor prints."""

import numpy as np
import pytest

from aino import backend
from aino.tensor import DOtensor, Tensor, manual_seed


def test_numpy_arrays_keep_their_dtype_and_python_numbers_follow_torch(device):
    assert Tensor(np.zeros(3, dtype=np.float64), device=device).dtype == np.float64
    assert Tensor(np.zeros(3, dtype=np.int32), device=device).dtype == np.int32
    assert Tensor(1.5, device=device).dtype == np.float32
    assert Tensor([1.0, 2.0], device=device).dtype == np.float32
    assert Tensor([[1, 2], [3, 4]], device=device).dtype == np.int64
    assert Tensor([1, 2], requires_grad=True, device=device).dtype == np.float32
    assert Tensor([True, False], device=device).dtype == np.bool_
    assert Tensor([1, 2], dtype="float64", device=device).dtype == np.float64
    assert Tensor([1, 2], dtype=np.float32, device=device).dtype == np.float32


def test_promotion_follows_torch(device):
    f32 = Tensor([1.0, 2.0], device=device)
    f64 = Tensor(np.array([1.0, 2.0]), device=device)
    ints = Tensor([1, 2], device=device)
    assert (f32 * 2.5).dtype == np.float32
    assert (f32 + 1).dtype == np.float32
    assert (2 / f32).dtype == np.float32
    assert (f32 + ints).dtype == np.float32
    assert (ints * f32).dtype == np.float32
    assert (f32 + f64).dtype == np.float64
    assert (ints + 1).dtype == np.int64
    assert (ints * 2.5).dtype == np.float32
    assert (ints / 2).dtype == np.float32
    np.testing.assert_allclose((ints / 2).numpy(), [0.5, 1.0])
    assert (f32 ** 2).dtype == np.float32


def test_float32_gradients_stay_float32(device):
    w = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True, device=device)
    x = Tensor(np.ones((4, 3)), device=device)  # float64 input
    (x @ w).sum().backward()
    assert (x @ w).dtype == np.float64
    assert w.grad.dtype == np.float32


def test_properties():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.numel() == 6 and x.size() == (2, 3) and len(x) == 2
    assert x.device == "cpu" and x.xp is np and x.grad is None and not x.requires_grad
    assert DOtensor is Tensor


def test_shape_factories_take_a_tuple_or_numbers(device):
    assert Tensor.zeros(2, 3, device=device).shape == (2, 3) and Tensor.zeros((2, 3), device=device).dtype == np.float32
    assert Tensor.zeros(2, 3, device=device).device == device
    assert Tensor.ones((4,), device=device).numpy().sum() == 4
    assert Tensor.randn((32, 10), device=device).shape == (32, 10)
    assert Tensor.randn(3, 2, device=device).dtype == np.float32
    assert Tensor.rand(5, dtype="float64", device=device).dtype == np.float64
    r = Tensor.rand(1000, device=device)
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    ints = Tensor.randint(0, 5, (32,), device=device)
    assert ints.dtype == np.int64 and ints.shape == (32,) and set(ints.tolist()) <= set(range(5))
    assert Tensor.arange(4, device=device).tolist() == [0, 1, 2, 3]
    assert Tensor.arange(4, device=device).dtype == np.int64
    assert Tensor.arange(0, 1, 0.25, device=device).dtype == np.float32
    like = Tensor.zeros_like(Tensor(np.ones((2, 2)), device=device), requires_grad=True)
    assert like.dtype == np.float64 and like.requires_grad and like.numpy().sum() == 0 and like.device == device
    assert Tensor.ones_like(Tensor([1, 2], device=device)).tolist() == [1, 1]


def test_manual_seed_repeats_random_tensors(device):
    manual_seed(3)
    first = Tensor.randn(4, 4, device=device).numpy().copy(), Tensor.randint(0, 9, (5,), device=device).tolist()
    manual_seed(3)
    second = Tensor.randn(4, 4, device=device).numpy(), Tensor.randint(0, 9, (5,), device=device).tolist()
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1] == second[1]
    manual_seed(4)
    assert not np.array_equal(Tensor.randn(4, 4, device=device).numpy(), first[0])


def test_conversions_of_one_element_tensors(device):
    x = Tensor([2.5], device=device)
    assert x.item() == 2.5 and float(x) == 2.5 and int(Tensor(7, device=device)) == 7
    assert f"{Tensor(3.14159, device=device):.2f}" == "3.14"
    assert f"{Tensor([1, 2], device=device)}" == str(Tensor([1, 2], device=device))
    with pytest.raises(ValueError, match="one-element"):
        Tensor([1.0, 2.0], device=device).item()
    with pytest.raises(TypeError):
        f"{Tensor([1.0, 2.0], device=device):.2f}"


def test_iteration_goes_over_the_first_axis_and_keeps_the_graph(device):
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True, device=device)
    rows = list(x)
    assert [r.tolist() for r in rows] == [[0, 1], [2, 3], [4, 5]]
    (rows[0] * 2 + rows[2]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 2], [0, 0], [1, 1]])


def test_numpy_tolist_repr_and_numpy_interop():
    a = np.array([[1.0, 2.0]], dtype=np.float32)
    x = Tensor(a, requires_grad=True)
    assert x.numpy() is a and x.tolist() == [[1.0, 2.0]]
    assert "requires_grad=True" in repr(x) and repr(x).startswith("Tensor(")
    assert "float64" in repr(Tensor(np.zeros(2)))
    np.testing.assert_array_equal(np.asarray(x), a)
    assert isinstance(np.ones(2) * Tensor([1.0, 2.0]), Tensor)  # numpy defers to the tensor


def test_to_and_astype():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu") is x
    y = x.astype("float64")
    assert y.dtype == np.float64 and x.dtype == np.float32
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    assert x.to(np.float64).dtype == np.float64
    assert x.astype("int64").dtype == np.int64
    assert x.to(backend.Device("cpu"), inplace=True) is x


@pytest.mark.skipif(backend.has_cupy, reason="checks the message shown where CuPy is missing")
def test_cuda_without_cupy_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CuPy"):
        Tensor([1.0], device="cuda")
    with pytest.raises(RuntimeError, match="CuPy"):
        Tensor([1.0]).to("cuda")


def test_cuda_round_trip_keeps_gradients(cuda):
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and y.xp is not np
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    moved = Tensor([3.0]).to("cuda", inplace=True)
    assert moved.device == "cuda"


@pytest.mark.parametrize("data", [0.2, [0.2, 1e-8], [[0.1], [0.3]]])
def test_python_floats_asked_for_as_float64_keep_every_digit(data, device):
    """Tensor(0.2, dtype=float64) holds the double 0.2, not float32's 0.2000000029 widened (as torch), on any device."""
    held = Tensor(data, dtype="float64", device=device).numpy()
    np.testing.assert_array_equal(held, np.asarray(data, dtype=np.float64))
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(held, torch.tensor(data, dtype=torch.float64).numpy())

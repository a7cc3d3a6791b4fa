"""torch's module-level names under `import aino as torch`: the makers (dtype, shape and values against
torch's), the dtype names, x.size(), the method spellings (clone, float, type, new_zeros, fill_, ...), the
grad modes, and the function form of every Tensor method (aino.exp(x) is x.exp(), as torch.exp)."""

import copy

import numpy as np
import pytest
from op_parity import check_op, torch

import aino
from aino.validation import InvalidOperationError, OutOfRangeError


def same(ours, theirs):
    """An aino tensor equals a torch tensor: shape, dtype (by name) and values."""
    assert tuple(ours.shape) == tuple(theirs.shape), f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), f"dtype {ours.dtype} != {theirs.dtype}"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


# --- makers, against torch's ----------------------------------------------------------------------------

MAKERS = [  # (aino and torch called the same way: name, args, kwargs)
    ("tensor", ([1.5, 2.0],), {}),  # Python floats: float32
    ("tensor", ([[1, 2], [3, 4]],), {}),  # ints: int64
    ("tensor", ([True, False],), {}),  # bools: bool
    ("tensor", (3,), {}),
    ("tensor", (2.5,), {}),
    ("tensor", ([],), {}),
    ("tensor", ([1, 2],), {"dtype": "float64"}),
    ("zeros", (2, 3), {}),
    ("zeros", ((2, 3),), {}),
    ("zeros", (), {"size": (2, 3)}),
    ("zeros", (0,), {}),
    ("ones", (4,), {"dtype": "int64"}),
    ("ones", ([1, 2],), {}),
    ("empty", (2, 0), {}),
    ("full", ((2, 2), 3), {}),  # an int fill: int64
    ("full", ((2,), 1.5), {}),  # a float fill: float32
    ("full", ((2,), True), {}),  # a bool fill: bool
    ("full", ((3,), 7), {"dtype": "float64"}),
    ("arange", (5,), {}),
    ("arange", (1, 10, 3), {}),
    ("arange", (0.0, 1.0, 0.25), {}),
    ("arange", (5, 0, -1), {}),
    ("arange", (2,), {"end": 6}),
    ("arange", (4,), {"dtype": "float64"}),
    ("linspace", (0, 1, 5), {}),
    ("linspace", (-2.0, 2.0, 1), {}),
    ("linspace", (3, 3, 0), {}),
    ("linspace", (0, 10, 4), {"dtype": "float64"}),
    ("eye", (3,), {}),
    ("eye", (2, 4), {}),
    ("eye", (0,), {}),
    ("eye", (2,), {"dtype": "int64"}),
]


def torch_kwargs(kwargs):
    return {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}


@pytest.mark.parametrize("name, args, kwargs", MAKERS, ids=[f"{m[0]}{m[1]}{m[2] or ''}" for m in MAKERS])
def test_makers_give_torchs_dtype_shape_and_values(name, args, kwargs, device):
    ours = getattr(aino, name)(*args, **kwargs, device=device)
    assert ours.device == device
    same(ours, getattr(torch, name)(*args, **torch_kwargs(kwargs)))


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_like_makers_take_shape_and_dtype_from_their_input(name, dtype, device):
    source = np.ones((2, 0, 3) if name == "empty_like" else (2, 3), dtype=dtype)
    ours, theirs = getattr(aino, name)(aino.tensor(source, device=device)), getattr(torch, name)(torch.tensor(source))
    assert ours.shape == tuple(theirs.shape) and ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    if name != "empty_like":
        same(ours, theirs)


def test_full_like_and_the_random_like_makers(device):
    x = aino.zeros(3, 2, dtype="float64", device=device)
    same(aino.full_like(x, 2.5), torch.full_like(torch.zeros(3, 2, dtype=torch.float64), 2.5))
    for made in (aino.rand_like(x), aino.randn_like(x), aino.randint_like(x, 5), aino.randint_like(x, 2, 4)):
        assert made.shape == (3, 2) and made.dtype == np.float64 and made.device == device
    assert 0 <= aino.rand_like(x).numpy().min() and aino.rand_like(x).numpy().max() < 1
    assert set(np.unique(aino.randint_like(x, 2, 4).numpy())) <= {2.0, 3.0}


def test_random_makers_have_torchs_shapes_dtypes_and_ranges(device):
    aino.manual_seed(0)
    assert aino.randn(2, 3, device=device).shape == (2, 3) and aino.randn(2, 3, device=device).dtype == aino.float32
    assert aino.randn(size=(4,), device=device).shape == (4,) and aino.rand((2, 2), device=device).shape == (2, 2)
    r = aino.rand(1000, dtype=aino.float64, device=device)
    assert r.dtype == np.float64 and 0 <= r.numpy().min() and r.numpy().max() < 1
    n = aino.randn(20000, device=device).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    ints = aino.randint(3, 7, (500,), device=device)
    assert ints.dtype == np.int64 == np.dtype(str(torch.randint(3, 7, (5,)).dtype).removeprefix("torch."))
    assert set(np.unique(ints.numpy())) == {3, 4, 5, 6}
    assert aino.randint(10, (2, 3), device=device).shape == (2, 3) == tuple(torch.randint(10, (2, 3)).shape)
    assert set(np.unique(aino.randint(2, size=(200,), device=device).numpy())) == {0, 1}
    perm = aino.randperm(10, device=device)
    assert perm.dtype == np.int64 and sorted(perm.tolist()) == list(range(10))
    assert aino.randperm(0, device=device).shape == (0,) and perm.device == device


def test_manual_seed_makes_random_tensors_repeat(device):
    def draws():
        return [aino.randn(3, device=device).tolist(), aino.rand(2, device=device).tolist(),
                aino.randint(0, 9, (4,), device=device).tolist(), aino.randperm(5, device=device).tolist()]

    aino.manual_seed(7)
    first = draws()
    aino.manual_seed(7)
    assert first == draws()


def test_tensor_copies_from_numpy_shares_and_as_tensor_shares_where_it_can():
    array = np.arange(3.0)
    copied, shared, as_t = aino.tensor(array), aino.from_numpy(array), aino.as_tensor(array)
    array[0] = 9.0
    assert copied.tolist() == [0.0, 1.0, 2.0] and shared.tolist() == [9.0, 1.0, 2.0] and as_t.tolist()[0] == 9.0
    assert shared.dtype == np.float64 and aino.from_numpy(np.zeros(2, np.int16)).dtype == np.int16
    t = aino.ones(2)
    assert aino.as_tensor(t) is t and aino.as_tensor(t, dtype=aino.float64).dtype == np.float64
    assert aino.tensor(t).data is not t.data and aino.tensor(t).tolist() == [1.0, 1.0]
    assert aino.tensor([1.0], requires_grad=True).requires_grad
    assert aino.is_tensor(t) and aino.is_tensor(aino.nn.Parameter(t)) and not aino.is_tensor(array)
    assert aino.numel(aino.zeros(2, 3)) == 6 == torch.numel(torch.zeros(2, 3))


def test_bad_arguments_to_the_makers_are_refused():
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        aino.from_numpy([1, 2])
    with pytest.raises(InvalidOperationError, match="only float tensors can require gradients"):
        aino.tensor([1, 2], requires_grad=True)  # torch refuses it too
    with pytest.raises(TypeError, match="Tensor.full: fill_value must be a number"):
        aino.full((2,), "x")
    with pytest.raises(ValueError, match="Tensor.linspace: steps must be an integer >= 0"):
        aino.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="Tensor.eye: n must be an integer"):
        aino.eye(2.5)
    with pytest.raises(ValueError, match="Tensor.randperm: n must be an integer >= 0"):
        aino.randperm(-1)
    with pytest.raises(ValueError, match="Tensor.zeros: size must be integers >= 0"):
        aino.zeros(-1)
    with pytest.raises(TypeError, match=r"Tensor.ones: expected the shape once, as numbers or as size=, got \(2,\)"):
        aino.ones(2, size=(2,))


def test_cat_concat_stack_and_where(device):
    a, b = aino.ones(2, 3, device=device), aino.zeros(2, 3, device=device)
    ta, tb = torch.ones(2, 3), torch.zeros(2, 3)
    same(aino.cat([a, b], 1), torch.cat([ta, tb], 1))
    same(aino.concat((a, b), dim=0), torch.concat((ta, tb), dim=0))
    same(aino.stack([a, b], dim=-1), torch.stack([ta, tb], dim=-1))
    same(aino.where(a > 0.5, a, 2.0), torch.where(ta > 0.5, ta, 2.0))
    with pytest.raises(TypeError, match="where.*got one of input and other only"):
        aino.where(a > 0, a)


def test_where_with_the_condition_alone_gives_the_indices_as_torch(device):
    condition = np.array([[True, False, True], [False, False, True]])
    ours, theirs = aino.where(aino.tensor(condition, device=device)), torch.where(torch.tensor(condition))
    assert len(ours) == len(theirs) == 2
    for mine, reference in zip(ours, theirs):
        same(mine, reference)


# --- dtype names, devices, Size ---------------------------------------------------------------------------

DTYPE_NAMES = ["float32", "float", "float64", "double", "float16", "half", "int64", "long", "int32", "int", "int16",
               "short", "int8", "uint8", "bool"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_names_are_torchs(name, device):
    ours, theirs = aino.zeros(2, dtype=getattr(aino, name), device=device), torch.zeros(2, dtype=getattr(torch, name))
    assert ours.dtype == getattr(aino, name) and ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ours.element_size() == theirs.element_size() and ours.is_floating_point() == theirs.is_floating_point()
    one = aino.ones(1, device=device)
    assert one.to(getattr(aino, name)).dtype == getattr(aino, name) == one.astype(name).dtype
    assert isinstance(getattr(aino, name), aino.dtype)


def test_the_default_dtype_devices_and_cuda():
    assert aino.get_default_dtype() == aino.float32 and aino.tensor(1.0).dtype == aino.get_default_dtype()
    assert aino.device("cpu") == "cpu" and aino.ones(1).device == aino.device("cpu")
    assert isinstance(aino.cuda.is_available(), bool) and aino.cuda.device_count() >= int(aino.cuda.is_available())
    assert aino.cuda.is_available() == any(d.type.value == "cuda" for d in aino.get_available_devices())


def test_from_aino_import_star_keeps_pythons_builtins():
    names = {}
    exec("from aino import *", names)
    for builtin in ("sum", "max", "min", "abs", "all", "any", "round", "pow", "float", "int", "bool"):
        assert builtin not in names, builtin
    assert {"tensor", "zeros", "exp", "einsum", "save", "float32", "long"} <= set(names)


def test_size_is_a_method_as_torchs():
    x, t = aino.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert x.size() == t.size() == (2, 3, 4) and isinstance(x.size(), tuple) and isinstance(x.size(), aino.Size)
    assert [x.size(d) for d in (0, 1, 2, -1, -3)] == [t.size(d) for d in (0, 1, 2, -1, -3)]
    assert x.size()[1:] == (3, 4) and isinstance(x.size()[1:], aino.Size) and x.size().numel() == 24 == x.numel()
    assert repr(x.size()) == "aino.Size([2, 3, 4])" and aino.zeros(x.size()).shape == (2, 3, 4)
    assert aino.tensor(1.0).size() == () == torch.tensor(1.0).size() and aino.zeros(0, 2).size(0) == 0
    assert x.mT.shape == tuple(t.mT.shape) and x.nelement() == 24 and x.ndimension() == 3
    with pytest.raises(OutOfRangeError, match=r"dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        x.size(3)
    with pytest.raises(IndexError, match="dimension specified as 0 but the tensor has no dimensions"):
        aino.tensor(1.0).size(0)
    with pytest.raises(TypeError, match="dim must be an integer"):
        x.size(1.0)


# --- method spellings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, dtype", [("float", "float32"), ("double", "float64"), ("half", "float16"),
                                           ("int", "int32"), ("long", "int64"), ("bool", "bool")])
def test_dtype_conversion_methods_give_torchs_dtypes(method, dtype, device):
    values = [[-1.5, 0.0], [2.7, 3.0]]
    ours, theirs = getattr(aino.tensor(values, device=device), method)(), getattr(torch.tensor(values), method)()
    assert ours.dtype == np.dtype(dtype)
    same(ours, theirs)


def test_type_names_and_casts_as_torchs():
    x = aino.tensor([1.5, 2.0])
    for dtype, name in [("float32", "Float"), ("float64", "Double"), ("int64", "Long"), ("int32", "Int"),
                        ("bool", "Bool"), ("uint8", "Byte"), ("float16", "Half")]:
        assert x.astype(dtype).type() == f"aino.{name}Tensor" == torch.tensor([1.0]).to(getattr(torch, dtype)).type().replace("torch", "aino")
    assert x.type(aino.float64).dtype == np.float64 and x.type("torch.DoubleTensor").dtype == np.float64
    assert x.type("aino.LongTensor").dtype == np.int64
    assert x.type_as(aino.zeros(1, dtype="int64")).dtype == np.int64
    assert x.to(aino.zeros(1, dtype="float64")).dtype == np.float64
    assert x.to("cpu", non_blocking=True) is x and x.to("cpu", copy=True).data is not x.data
    assert x.to("cpu", copy=True).tolist() == x.tolist()


def test_clone_copies_the_data_and_passes_the_gradient(device):
    check_op([(2, 3)], lambda a: a.clone() * 3, lambda a: a.clone() * 3, device=device)
    x = aino.tensor([1.0, 2.0], device=device)
    y = x.clone()
    y[0] = 5.0
    assert x.tolist() == [1.0, 2.0] and aino.arange(3).clone().tolist() == [0, 1, 2]
    assert x.contiguous() is x


def test_new_makers_take_dtype_and_device_from_the_tensor(device):
    x = aino.zeros(2, dtype="float64", device=device)
    for made in (x.new_zeros(2, 3), x.new_ones((2, 3)), x.new_empty(2, 3), x.new_full((2, 3), 4.0)):
        assert made.shape == (2, 3) and made.dtype == np.float64 and made.device == device
    assert x.new_full((1,), 4.0).tolist() == [4.0] and x.new_ones(1, dtype="int64").dtype == np.int64
    made = x.new_tensor([1, 2])
    assert made.dtype == np.float64 and made.tolist() == [1.0, 2.0] and not made.requires_grad


def test_in_place_fills(device):
    aino.manual_seed(0)
    x = aino.zeros(2, 1000, device=device)
    assert x.fill_(2.5) is x and set(x.numpy().ravel()) == {2.5}
    assert x.zero_() is x and not x.numpy().any()
    x.copy_(aino.tensor([1.0, 2.0]).reshape(2, 1))
    assert x.numpy()[:, 0].tolist() == [1.0, 2.0] and x.numpy()[:, -1].tolist() == [1.0, 2.0]
    samples = x.uniform_(-2, 3).numpy()
    assert -2 <= samples.min() and samples.max() < 3 and abs(samples.mean() - 0.5) < 0.1
    samples = x.normal_(1.0, 0.5).numpy()
    assert abs(samples.mean() - 1.0) < 0.05 and abs(samples.std() - 0.5) < 0.05 and x.dtype == np.float32
    with pytest.raises(ValueError, match="src of shape \\(3,\\) does not broadcast to this tensor's shape \\(2, 1000\\)"):
        x.copy_(np.ones(3))
    with pytest.raises(ValueError, match="expected a <= b"):
        x.uniform_(1, 0)


def test_in_place_fills_of_a_tensor_that_requires_grad_need_no_grad_as_in_torch(device):
    w = aino.zeros(3, requires_grad=True, device=device)
    with pytest.raises(InvalidOperationError, match="in-place operation; wrap it in `with aino.no_grad\\(\\):`"):
        w.fill_(1.0)
    with pytest.raises(RuntimeError):
        torch.zeros(3, requires_grad=True).fill_(1.0)
    with aino.no_grad():
        w.normal_()
        w.uniform_()
        w.fill_(1.0)
    assert w.tolist() == [1.0, 1.0, 1.0] and w.requires_grad


def test_deepcopy_of_a_leaf_copies_its_data_and_refuses_a_graph_node_as_torch(device):
    w = aino.nn.Parameter(aino.ones(2, device=device))
    (w * 2).sum().backward()
    twin = copy.deepcopy(w)
    assert type(twin) is type(w) and twin.requires_grad and twin.data is not w.data and twin.grad.tolist() == [2.0, 2.0]
    twin.data[0] = 5.0
    assert w.tolist() == [1.0, 1.0]
    shared = copy.deepcopy([w, w])
    assert shared[0] is shared[1]
    with pytest.raises(InvalidOperationError, match="only tensors created explicitly by the user"):
        copy.deepcopy(w * 2)
    with pytest.raises(RuntimeError):
        copy.deepcopy(torch.ones(2, requires_grad=True) * 2)
    y = w * 2
    assert y.detach_() is y and y.is_leaf and not y.requires_grad and copy.deepcopy(y).tolist() == [2.0, 2.0]


# --- grad modes -------------------------------------------------------------------------------------------


def test_grad_modes():
    w = aino.ones(2, requires_grad=True)
    with aino.no_grad():
        assert not (w * 2).requires_grad and not aino.is_grad_enabled()
        with aino.enable_grad():
            assert (w * 2).requires_grad
    with aino.set_grad_enabled(False):
        assert not (w * 2).requires_grad
    assert aino.is_grad_enabled()
    aino.set_grad_enabled(False)  # a call alone sets the mode, as torch.set_grad_enabled(False)
    assert not aino.is_grad_enabled()
    aino.set_grad_enabled(True)
    with aino.inference_mode():
        assert not (w * 2).requires_grad
    with aino.inference_mode(False):
        assert (w * 2).requires_grad

    @aino.inference_mode()
    def evaluate():
        return w * 2

    assert not evaluate().requires_grad and aino.is_grad_enabled()
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be True or False, got str"):
        aino.set_grad_enabled("no")

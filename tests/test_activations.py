import math
import warnings

import numpy as np
import pytest

from aino import NeuralNetwork, Tensor
from aino.activations import ACTIVATIONS, Activation, LeakyReLU, Softmax, get_activation
from aino.datasets import xor
from aino.gradcheck import numerical_gradient, numerical_jacobian_product
from aino.io import load_dit, save_dit
from aino.special import erf

ELEMENTWISE = [name for name in ACTIVATIONS if name != "softmax"]


def on(device, array):
    """`array` (NumPy, or numbers) as an array of `device`: NumPy on the CPU, the device's own array elsewhere."""
    return Tensor(np.asarray(array), device=device).data


def host(array):
    """A NumPy copy of an array from any device."""
    return Tensor(array).numpy()


def away_from_kinks(rng, n=200):
    """Points in [-6, 6] at least 1e-3 from 0, where relu-like functions have no derivative."""
    z = rng.uniform(-6, 6, n)
    return np.where(np.abs(z) < 1e-3, 0.5, z)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name, device):
    activation = get_activation(name)
    z = away_from_kinks(np.random.default_rng(0))
    numeric = np.array([numerical_gradient(lambda t: float(activation.f(on(device, t))[0]), [zi])[0] for zi in z])
    np.testing.assert_allclose(host(activation.df(on(device, z))), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backprop_is_gradient_times_derivative(name, device):
    activation = get_activation(name)
    rng = np.random.default_rng(1)
    z, grad = away_from_kinks(rng, 50), rng.normal(size=50)
    np.testing.assert_allclose(host(activation.backprop(on(device, z), on(device, grad))), grad * activation.df(z))


def test_softmax_jacobian_vector_product_matches_central_differences(device):
    softmax = Softmax()
    rng = np.random.default_rng(2)
    z, v = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    numeric = numerical_jacobian_product(lambda t: host(softmax.f(on(device, t))), z, v)
    np.testing.assert_allclose(host(softmax.df(on(device, z), on(device, v))), numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(host(softmax.backprop(on(device, z), on(device, v))), numeric, rtol=1e-6, atol=1e-9)


def test_softmax_rows_are_probabilities(device):
    p = host(Softmax().f(on(device, [[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])))
    np.testing.assert_allclose(p.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(p[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    assert p[1, 0] == 1.0


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_stable_for_large_inputs(name, device):
    activation = get_activation(name)
    z = on(device, [-1e4, -800.0, -50.0, 50.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow or invalid-value warning fails the test
        values = activation.f(z)
        slopes = activation.df(z, on(device, np.ones(6))) if name == "softmax" else activation.df(z)
    assert np.all(np.isfinite(host(values))) and np.all(np.isfinite(host(slopes)))


def test_known_values(device):
    z = np.array([-2.0, 0.0, 3.0])

    def f(name, **options):
        return host(get_activation(name, **options).f(on(device, z)))

    np.testing.assert_allclose(f("sigmoid"), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(f("relu"), [0, 0, 3])
    np.testing.assert_allclose(f("leaky_relu", alpha=0.1), [-0.2, 0, 3])
    np.testing.assert_allclose(f("elu"), [np.exp(-2) - 1, 0, 3])
    np.testing.assert_allclose(f("softplus"), np.log1p(np.exp(z)))
    gelu_exact = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in z]
    np.testing.assert_allclose(f("gelu"), gelu_exact, rtol=1e-14)
    np.testing.assert_allclose(f("identity"), z)


def test_lookup_by_name_alias_object_and_config():
    assert get_activation("ReLU").name == "relu"
    assert get_activation("linear").name == "identity"
    leaky = LeakyReLU(alpha=0.3)
    assert get_activation(leaky) is leaky
    rebuilt = get_activation(leaky.config())
    assert isinstance(rebuilt, LeakyReLU) and rebuilt.alpha == 0.3
    assert all(isinstance(get_activation(name), Activation) for name in ACTIVATIONS)


def test_unknown_name_or_option_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown activation 'swishy'.*relu"):
        get_activation("swishy")
    with pytest.raises(ValueError, match="does not take the options"):
        get_activation("tanh", alpha=2)
    with pytest.raises(TypeError):
        get_activation(3)


def test_erf_matches_the_standard_library(device):
    x = np.linspace(-7, 7, 4001)
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(host(erf(on(device, x))), expected, rtol=0, atol=5e-15)


OP_OF = {  # the fast path's op for each classic activation, with the same options
    "sigmoid": lambda t: t.sigmoid(), "tanh": lambda t: t.tanh(), "relu": lambda t: t.relu(),
    "leaky_relu": lambda t: t.leaky_relu(0.01), "elu": lambda t: t.elu(1.0), "selu": lambda t: t.selu(),
    "gelu": lambda t: t.gelu(), "softplus": lambda t: t.softplus(),
}


@pytest.mark.parametrize("name", sorted(OP_OF))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_op_and_the_classic_activation_give_the_same_values_and_derivatives(name, dtype, device):
    activation = get_activation(name)
    rng = np.random.default_rng(3)
    z, grad = (rng.normal(size=(4, 25)) * 3).astype(dtype), rng.normal(size=(4, 25)).astype(dtype)
    x = Tensor(z, requires_grad=True, device=device)
    y = OP_OF[name](x)
    y.backward(Tensor(grad, device=device))
    assert y.data.dtype == dtype and x.grad.data.dtype == dtype
    np.testing.assert_array_equal(y.numpy(), activation.f(z))
    np.testing.assert_array_equal(x.grad.numpy(), activation.backprop(z, grad))
    np.testing.assert_array_equal(host(activation.f(on(device, z))), activation.f(z))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_derivative_from_the_output_is_the_derivative(name, device):
    activation = get_activation(name)
    z = on(device, away_from_kinks(np.random.default_rng(4)))
    np.testing.assert_array_equal(host(activation.df_from_output(activation.f(z)) * 1.0), host(activation.df(z)))


def test_softmax_along_another_axis(device):
    softmax = Softmax()
    rng = np.random.default_rng(5)
    z, v = on(device, rng.normal(size=(4, 3))), on(device, rng.normal(size=(4, 3)))
    np.testing.assert_array_equal(host(softmax.f(z, axis=0)), host(softmax.f(z.T).T))
    np.testing.assert_allclose(host(softmax.df_from_output(softmax.f(z, axis=0), v, axis=0)),
                               host(softmax.df(z.T, v.T).T))


def test_the_leaky_slope_is_negative_slope_and_alpha_is_its_other_name():
    for leaky in (LeakyReLU(0.2), LeakyReLU(negative_slope=0.2), LeakyReLU(alpha=0.2),
                  get_activation("leaky_relu", negative_slope=0.2), get_activation({"name": "leaky_relu", "alpha": 0.2})):
        assert leaky.negative_slope == leaky.alpha == 0.2
        np.testing.assert_allclose(leaky.f(np.array([-1.0, 2.0])), [-0.2, 2.0])
    assert LeakyReLU().negative_slope == 0.01
    assert LeakyReLU(0.3, alpha=0.3).negative_slope == 0.3  # the same value under both names is no conflict
    with pytest.raises(ValueError, match="give negative_slope or alpha"):
        LeakyReLU(0.3, alpha=0.2)
    with pytest.raises(TypeError, match=r"LeakyReLU: negative_slope \(the slope for z < 0\) must be a number"):
        LeakyReLU(negative_slope="x")


def test_a_leaky_network_saved_with_alpha_loads(tmp_path):
    X, y = xor()
    network = NeuralNetwork([2, 3, 1], activation_type=LeakyReLU(negative_slope=0.2), output_activation="sigmoid",
                            loss="bce", seed=0).fit(X, y, epochs=5, n=0.5)
    header, arrays = load_dit(network.save(tmp_path / "leaky.dit"))
    assert header["activation_type"] == {"name": "leaky_relu", "negative_slope": 0.2}  # what files store now
    header["activation_type"] = {"name": "leaky_relu", "alpha": 0.2}  # as aino wrote it before
    loaded = NeuralNetwork.load(save_dit(tmp_path / "old.dit", header, arrays))
    assert loaded.layers[0].activation.negative_slope == 0.2
    np.testing.assert_array_equal(loaded.predict(X), network.predict(X))

import numpy as np
import pytest

from aino.datasets import rocket_trajectory

N = 200


@pytest.fixture(scope="module")
def rockets():
    return rocket_trajectory(n_samples=N, seed=0)


@pytest.fixture(scope="module")
def rockets_without_drag():
    return rocket_trajectory(n_samples=N, seed=0, drag=0.0)


@pytest.fixture(scope="module")
def noisy_rockets():
    return rocket_trajectory(n_samples=N, noise=0.1, seed=0)


def test_shapes_dtypes_and_names(rockets):
    assert rockets.data.shape == (N, 2) and rockets.data.dtype == np.float64
    assert rockets.target.shape == (N, 2) and rockets.target.dtype == np.float64
    assert rockets.feature_names == ("speed_m_s", "angle_deg")
    assert rockets.target_names is None
    assert "range_m" in rockets.description and "max_height_m" in rockets.description


def test_launch_parameters_lie_in_their_ranges(rockets):
    speed, angle = rockets.data.T
    assert 20 <= speed.min() and speed.max() <= 60
    assert 15 <= angle.min() and angle.max() <= 75
    assert speed.max() - speed.min() > 30 and angle.max() - angle.min() > 45


def test_without_drag_matches_closed_form(rockets_without_drag):
    speed, angle = rockets_without_drag.data[:, 0], np.radians(rockets_without_drag.data[:, 1])
    expected_range = speed**2 * np.sin(2 * angle) / 9.81
    expected_height = (speed * np.sin(angle)) ** 2 / (2 * 9.81)
    np.testing.assert_allclose(rockets_without_drag.target[:, 0], expected_range, rtol=0.005)
    np.testing.assert_allclose(rockets_without_drag.target[:, 1], expected_height, rtol=0.005)


def test_drag_shortens_range_and_height(rockets, rockets_without_drag):
    np.testing.assert_array_equal(rockets.data, rockets_without_drag.data)
    assert np.all(rockets.target < rockets_without_drag.target)


def test_stronger_gravity_gives_shorter_lower_flights(rockets):
    jupiter = rocket_trajectory(n_samples=N, seed=0, gravity=24.79)
    assert np.all(jupiter.target < rockets.target)


def test_same_seed_gives_same_arrays(noisy_rockets):
    again = rocket_trajectory(n_samples=N, noise=0.1, seed=0)
    np.testing.assert_array_equal(again.data, noisy_rockets.data)
    np.testing.assert_array_equal(again.target, noisy_rockets.target)


def test_different_seeds_differ(noisy_rockets):
    other = rocket_trajectory(n_samples=N, noise=0.1, seed=1)
    assert not np.allclose(other.data, noisy_rockets.data)


def test_noise_is_relative_and_only_touches_targets(rockets, noisy_rockets):
    np.testing.assert_array_equal(rockets.data, noisy_rockets.data)
    relative_error = noisy_rockets.target / rockets.target - 1
    assert np.std(relative_error) == pytest.approx(0.1, rel=0.15)
    assert abs(np.mean(relative_error)) < 0.02


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"noise": -0.1}, "noise"),
        ({"drag": -1.0}, "drag"),
        ({"gravity": 0.0}, "gravity"),
        ({"gravity": float("nan")}, "gravity"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, argument):
    with pytest.raises(ValueError, match=f"^{argument} must be .*, got "):
        rocket_trajectory(**kwargs)

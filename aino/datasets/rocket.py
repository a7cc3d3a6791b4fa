"""A regression problem from physics: how far and how high does a rocket fly?

Each rocket is a point mass launched from the ground. Gravity pulls it down
and air drag pushes against its velocity:

    acceleration = -gravity * e_y - drag * |v| * v

There is no formula for the flight with drag, so we simulate it with the
classic fourth-order Runge-Kutta method (RK4), all rockets at once.
"""

import numpy as np

from aino.datasets._checks import check_count, check_non_negative, check_positive
from aino.datasets.dataset import Dataset

TIME_STEP = 0.01  # seconds
SPEED_RANGE = (20.0, 60.0)  # m/s
ANGLE_RANGE = (15.0, 75.0)  # degrees

_DESCRIPTION = (
    "Rocket trajectories with quadratic air drag, simulated with RK4 (dt = 0.01 s). "
    "Features: speed_m_s (launch speed, m/s) and angle_deg (launch angle above the "
    "ground, degrees). Targets: column 0 is range_m (horizontal distance to the "
    "landing point, m), column 1 is max_height_m (highest altitude reached, m)."
)


def _acceleration(velocity, drag, gravity_vector):
    """Return float64 (n, 2): gravity plus drag for velocities of shape (n, 2).

    gravity_vector is float64 (2,), the pull of gravity: (0, -gravity).
    """
    speed = np.hypot(velocity[:, :1], velocity[:, 1:])  # shape (n, 1)
    return gravity_vector - drag * speed * velocity


def _rk4_step(position, velocity, drag, gravity_vector):
    """Advance positions and velocities, both float64 (n, 2), by one time step.

    Returns the new (position, velocity), same shapes. The acceleration
    depends only on the velocity, so each RK4 stage needs just a velocity.
    """
    dt = TIME_STEP
    v1 = velocity
    a1 = _acceleration(v1, drag, gravity_vector)
    v2 = velocity + 0.5 * dt * a1
    a2 = _acceleration(v2, drag, gravity_vector)
    v3 = velocity + 0.5 * dt * a2
    a3 = _acceleration(v3, drag, gravity_vector)
    v4 = velocity + dt * a3
    a4 = _acceleration(v4, drag, gravity_vector)
    new_position = position + dt / 6 * (v1 + 2 * v2 + 2 * v3 + v4)
    new_velocity = velocity + dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
    return new_position, new_velocity


def _landing_x(before, after):
    """Return float64 (m,): where the segments before -> after cross the ground.

    before and after are float64 (m, 2) positions, before[:, 1] >= 0 > after[:, 1];
    the crossing is found by linear interpolation along each segment.
    """
    fraction = before[:, 1] / (before[:, 1] - after[:, 1])
    return before[:, 0] + fraction * (after[:, 0] - before[:, 0])


def _simulate(speed, angle_deg, drag, gravity):
    """Fly rockets until they land; speed and angle_deg are float64 (n,).

    Returns (ranges, max_heights), both float64 (n,). Landed rockets are
    dropped from the arrays, so each step only moves those still flying.
    """
    angle = np.radians(angle_deg)
    gravity_vector = np.array([0.0, -gravity])
    position = np.zeros((len(speed), 2))
    velocity = np.column_stack([speed * np.cos(angle), speed * np.sin(angle)])
    peak = np.zeros(len(speed))  # highest altitude so far of each flying rocket
    flying = np.arange(len(speed))  # sample index of each flying rocket
    ranges = np.zeros(len(speed))
    max_heights = np.zeros(len(speed))
    while flying.size > 0:
        new_position, velocity = _rk4_step(position, velocity, drag, gravity_vector)
        peak = np.maximum(peak, new_position[:, 1])
        landed = new_position[:, 1] < 0
        if landed.any():
            ranges[flying[landed]] = _landing_x(position[landed], new_position[landed])
            max_heights[flying[landed]] = peak[landed]
            still_flying = ~landed
            flying, peak = flying[still_flying], peak[still_flying]
            new_position, velocity = new_position[still_flying], velocity[still_flying]
        position = new_position
    return ranges, max_heights


def rocket_trajectory(n_samples=500, noise=0.0, seed=None, drag=0.005, gravity=9.81):
    """Return simulated rocket flights as a regression Dataset.

    data: float64 (n_samples, 2); column 0 is the launch speed in m/s, drawn
    uniformly in [20, 60]; column 1 the launch angle in degrees, uniform in [15, 75].
    target: float64 (n_samples, 2); column 0 is the horizontal range in m,
    column 1 the maximum height in m.
    noise: relative gaussian noise on the targets, y * (1 + noise * N(0, 1)).
    seed: seed for numpy.random.default_rng; the same seed gives the same arrays.
    drag: drag coefficient per metre (>= 0); 0 gives the textbook parabola.
    gravity: gravitational acceleration in m/s^2 (> 0).
    target_names is None because this is regression, not classification.
    """
    check_count("n_samples", n_samples, 1)
    check_non_negative("noise", noise)
    check_non_negative("drag", drag)
    check_positive("gravity", gravity)
    rng = np.random.default_rng(seed)
    speed = rng.uniform(*SPEED_RANGE, size=n_samples)
    angle = rng.uniform(*ANGLE_RANGE, size=n_samples)
    ranges, max_heights = _simulate(speed, angle, drag, gravity)
    target = np.column_stack([ranges, max_heights])
    target = target * (1 + noise * rng.standard_normal(target.shape))
    data = np.column_stack([speed, angle])
    return Dataset(data, target, ("speed_m_s", "angle_deg"), None, _DESCRIPTION)

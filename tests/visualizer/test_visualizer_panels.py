"""Every panel draws something for a trace from either path, and plot_step is the same for a trace
read back from disk."""

import pytest

pytest.importorskip("matplotlib")

import numpy  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import visualizer  # noqa: E402
from visualizer import figure_png, plot_step  # noqa: E402

PANELS = ["plot_network", "plot_activations", "plot_gradients", "plot_updates", "plot_loss", "plot_ops",
          "plot_findings"]


def _pixels(figure):
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return numpy.asarray(canvas.buffer_rgba()).copy()


def _blank(size):
    figure = Figure(figsize=size, dpi=100)
    return _pixels(figure)


@pytest.mark.parametrize("panel", PANELS)
def test_every_panel_draws_on_its_own_figure(trace, panel):
    step = trace.steps[len(trace.steps) // 2]
    ax = getattr(visualizer, panel)(trace, step)
    figure = ax.figure
    pixels = _pixels(figure)
    assert pixels.shape == _blank(figure.get_size_inches()).shape
    assert (pixels != _blank(figure.get_size_inches())).any(axis=-1).mean() > 0.001
    assert ax.get_title() or ax.get_title(loc="left")


def test_a_panel_draws_into_a_given_axes(classic_trace):
    figure = Figure(figsize=(8, 4))
    ax = figure.add_subplot()
    assert visualizer.plot_loss(classic_trace, 3, ax=ax) is ax
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss"


def test_plot_step_lays_out_every_panel_and_names_the_step(fast_trace):
    figure = plot_step(fast_trace, -1, layer="0")
    titles = " ".join(ax.get_title() + ax.get_title(loc="left") for ax in figure.axes)
    for word in ("Network", "Loss", "Findings", "Activations", "Gradient", "Update", "Op log"):
        assert word in titles
    assert f"step {fast_trace.n_steps - 1}" in figure._suptitle.get_text()
    png = figure_png(figure)
    assert png.startswith(b"\x89PNG")


def test_bad_step_or_layer_is_a_clear_error(classic_trace):
    with pytest.raises(ValueError, match="outside the trace"):
        plot_step(classic_trace, classic_trace.n_steps)
    with pytest.raises(ValueError, match="no layer 'nope'"):
        visualizer.plot_activations(classic_trace, 0, layer="nope")
    with pytest.raises(TypeError, match="integer"):
        visualizer.plot_loss(classic_trace, 1.5)


def test_plot_step_from_disk_equals_plot_step_from_memory(classic_trace, tmp_path):
    from aino.trace import Trace

    loaded = Trace.load(classic_trace.save(tmp_path / "run.npz"))
    step = classic_trace.steps[-2]
    assert figure_png(plot_step(loaded, step)) == figure_png(plot_step(classic_trace, step))


def test_the_plane_colours_probe_points_by_true_class_and_rings_the_mistakes():
    from matplotlib.colors import to_hex

    from aino import fit, manual_seed, nn
    from aino.datasets import moons
    from visualizer.common import CLASS_COLOURS

    data = moons(60, noise=0.3, seed=3)  # noisy: some points stay on the wrong side
    manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    trace = fit(model, data.data, data.target, epochs=3, batch_size=20, lr=0.05, seed=0, verbose=False,
                trace={"feature_names": ["width", "height"]}, probe=data.data, probe_labels=data.target).trace
    step = trace.steps[-1]
    ax = visualizer.plot_network(trace, step)
    plane = next(a for a in ax.figure.axes if a.get_xlabel() == "width")
    assert plane.get_ylabel() == "height"
    points = plane.collections[-1]
    numpy.testing.assert_allclose(points.get_offsets(), data.data)
    faces = [to_hex(c) for c in points.get_facecolors()]
    assert faces == [CLASS_COLOURS[k] for k in data.target]
    predicted = numpy.asarray(trace.activations("2", step)).argmax(axis=1)  # the recorded outputs on the probe
    ringed = [to_hex(c) == "#000000" for c in points.get_edgecolors()]
    assert ringed == (predicted != data.target).tolist() and any(ringed)

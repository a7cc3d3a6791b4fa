"""Every panel of one step on one matplotlib Figure, and that figure as PNG bytes.

    from visualizer import plot_step
    figure = plot_step(trace, step=40, layer="layers.0")
    figure.savefig("step40.png")

The layout (three rows):

    network graph (and the input plane) | loss        | findings
    activations: heatmap, histogram     | gradients: norms, histogram
    updates: ratios, histogram          | op log
"""

import io

import numpy
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from aino.validation import check_real
from visualizer import common, plots

FIGSIZE = (16, 11)  # inches
DPI = 80  # 1280 x 880 pixels: readable in a notebook cell, small enough to embed 60 of in a page


def plot_step(trace, step, layer=None):
    """A Figure with every panel of the debugger for `step` (negative counts from the end), looking at
    `layer` (default: the first activation layer)."""
    step = common.check_step(trace, step)
    layer = common.check_layer(trace, layer)
    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(3, 4, height_ratios=[1.45, 1, 1], width_ratios=[1.25, 1.25, 1, 1], left=0.045,
                               right=0.985, top=0.915, bottom=0.055, hspace=0.5, wspace=0.32)
    plots.plot_network(trace, step, layer, figure.add_subplot(grid[0, 0:2]))
    plots.plot_loss(trace, step, layer, figure.add_subplot(grid[0, 2]))
    plots.plot_findings(trace, step, layer, figure.add_subplot(grid[0, 3]))
    plots.plot_activations(trace, step, layer, figure.add_subplot(grid[1, 0:2]))
    plots.plot_gradients(trace, step, layer, figure.add_subplot(grid[1, 2:4]))
    plots.plot_updates(trace, step, layer, figure.add_subplot(grid[2, 0:2]))
    plots.plot_ops(trace, step, layer, figure.add_subplot(grid[2, 2:4]))
    figure.suptitle(title(trace, step, layer), fontsize=common.FONT + 5, weight="bold")
    return figure


def title(trace, step, layer):
    """One line: the model, the step, its loss and the selected layer."""
    loss = trace.loss[step]
    model = trace.meta.get("model_type", "model")
    path = {"classic": "classic path", "nn": "aino.nn"}.get(trace.meta.get("path"), "")
    where = f"{model} ({path})" if path else model
    loss_text = f"{loss:.4g}" if numpy.isfinite(loss) else str(loss)
    return (f"{where}   |   step {step} of {trace.n_steps - 1}   |   loss {loss_text}   |   "
            f"layer {common.layer_title(trace, layer)}")


def figure_png(figure, dpi=None):
    """The figure as PNG bytes (no metadata: the same figure gives the same bytes); `dpi` defaults to the figure's."""
    if not isinstance(figure, Figure):
        raise TypeError(f"figure_png: expected a matplotlib Figure (as plot_step returns), got {type(figure).__name__}")
    if dpi is not None:
        dpi = check_real(dpi, "dpi", "figure_png", minimum=1, maximum=2000)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi or figure.dpi, metadata={"Software": None})
    return buffer.getvalue()

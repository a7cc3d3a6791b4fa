"""The visual debugger for aino traces (needs the `viz` extra: pip install "aino[viz]").

    from visualizer import Debugger, plot_step, export_html

    Debugger(trace)                       # in Jupyter: scrub through the steps, pick a layer
    plot_step(trace, step=10).savefig("step10.png")
    export_html(trace, "report.html")     # one offline file with every step, to open anywhere

The panels are plain functions in visualizer.plots (plot_network, plot_loss, ...), each drawing one
view on a matplotlib Axes. Only the Debugger needs ipywidgets; plots and the HTML export do not.
"""

try:
    import matplotlib  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the installation
    raise ImportError('the visualizer needs matplotlib: pip install "aino[viz]"', name="matplotlib") from error

from visualizer.export import export_html
from visualizer.figure import figure_png, plot_step
from visualizer.plots import (plot_activations, plot_findings, plot_gradients, plot_loss, plot_network,
                              plot_ops, plot_updates)


def __getattr__(name):
    if name == "Debugger":  # imported on first use, so plots and export work without ipywidgets
        from visualizer.debugger import Debugger

        return Debugger
    if name == "BrowserDebugger":  # the browser renderer as a widget: needs anywidget
        from visualizer.widget import BrowserDebugger

        return BrowserDebugger
    raise AttributeError(f"module 'visualizer' has no attribute {name!r}")


__all__ = ["BrowserDebugger", "Debugger", "export_html", "figure_png", "plot_activations", "plot_findings",
           "plot_gradients", "plot_loss", "plot_network", "plot_ops", "plot_step", "plot_updates"]

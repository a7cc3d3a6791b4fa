"""The visual debugger for aino traces (the `viz` extra: pip install "aino[viz]").

    from visualizer import Debugger, plot_step, export_html

    Debugger(trace)                       # in Jupyter: scrub through the steps, play, pick a layer
    plot_step(trace, step=10).savefig("step10.png")
    export_html(trace, "report.html")     # one offline file with every step, to open anywhere
    graph(loss, model)                    # in Jupyter: the computation graph, its values and gradients
    export_graph_html(graph(loss, model), "graph.html")   # that graph as one offline file

The Debugger and graph (anywidget), export_html and export_graph_html draw in the browser and need no
matplotlib. The static pictures do: plot_step, figure_png and the panels of visualizer.plots (plot_network,
plot_loss, ...), each drawing one view on a matplotlib Axes. Every name is imported on first use, so importing the
visualizer needs neither matplotlib nor anywidget.
"""

import importlib

_NAMES = {
    "Debugger": "visualizer.widget",
    "BrowserDebugger": "visualizer.widget",  # the Debugger's former name
    "export_html": "visualizer.export",
    "export_graph_html": "visualizer.graph_export",
    "graph": "visualizer.graph_view",
    "GraphView": "visualizer.graph_view",
    "figure_png": "visualizer.figure",
    "plot_step": "visualizer.figure",
    **{name: "visualizer.plots" for name in ("plot_activations", "plot_findings", "plot_gradients", "plot_loss",
                                            "plot_network", "plot_ops", "plot_updates")},
}
_MATPLOTLIB = 'the visualizer needs matplotlib for plot_step: pip install "aino[viz]"'


def __getattr__(name):
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'visualizer' has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(module), name)
    except ImportError as error:
        if error.name == "matplotlib" or (error.name or "").startswith("matplotlib."):
            raise ImportError(_MATPLOTLIB, name="matplotlib") from error
        if error.name == "anywidget":
            raise ImportError(f'the visualizer needs anywidget for {name}: pip install "aino[viz]"',
                              name="anywidget") from error
        raise
    globals()[name] = value  # the next look-up finds it at once
    return value


def __dir__():
    return sorted(set(globals()) | set(_NAMES))


__all__ = ["BrowserDebugger", "Debugger", "GraphView", "export_graph_html", "export_html", "figure_png", "graph",
           "plot_activations", "plot_findings", "plot_gradients", "plot_loss", "plot_network", "plot_ops", "plot_step",
           "plot_updates"]

"""What every panel shares: checking a step and a layer, the fixed colour scales, the cache, and the
small drawing pieces (a histogram from the summaries, a colourbar, the step marker, axes style).

Colour scales are fixed per layer over the whole run (from the trace's per-step minimum and maximum), so
a colour means the same value at every step and scrubbing shows change, not rescaling. A step counts
every optimizer step; full arrays exist only for the steps in `trace.steps`, so array views use the
nearest kept step (`kept_step`) and say so (`array_note`).
"""

import weakref

import numpy
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure

from visualizer import network as net
from visualizer.arguments import check_layer, check_step, kept_step  # noqa: F401 (the panels' spelling)
from visualizer.checks import check_trace  # noqa: F401

BLUE, ORANGE, RED, GREY = "#0877bd", "#f59322", "#c62828", "#888888"
# the classes' colours, as the browser's input plane has them (visualizer/web/plane.js): colour-blind aware
CLASS_COLOURS = ("#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb")
DIVERGING = LinearSegmentedColormap.from_list("aino_diverging", [ORANGE, "#ffffff", BLUE])
POSITIVE = LinearSegmentedColormap.from_list("aino_positive", ["#ffffff", BLUE])
NEGATIVE = LinearSegmentedColormap.from_list("aino_negative", [ORANGE, "#ffffff"])
FONT = 10


def new_axes(ax=None, figsize=(7, 4.5)):
    """`ax` (a matplotlib Axes), or the axes of a new Agg-backed Figure when ax is None."""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"visualizer: ax must be a matplotlib Axes (or None for a new figure), "
                            f"got {type(ax).__name__}")
        return ax
    figure = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def param_of(trace, layer):
    """The weight parameter that feeds `layer` (its own, else the nearest earlier layer's), or None."""
    names = [info.get("name") for info in trace.meta.get("layers", ())]
    if layer in names:
        infos = trace.meta["layers"]
        for info in reversed(infos[: names.index(layer) + 1]):
            if info.get("weight") in trace.params:
                return info["weight"]
        for info in infos[names.index(layer):]:
            if info.get("weight") in trace.params:
                return info["weight"]
    return trace.params[0] if trace.params else None


def layer_title(trace, layer):
    kind = net.layer_info(trace, layer).get("type")
    return f"{layer} ({kind})" if kind else layer


_CACHE = weakref.WeakKeyDictionary()


def cached(trace, key, compute):
    """compute(), remembered per trace until the trace grows (the widget redraws often)."""
    store = _CACHE.setdefault(trace, {})
    stamp = (trace.n_steps, len(trace.steps))
    if key not in store or store[key][0] != stamp:
        store[key] = (stamp, compute())
    return store[key][1]


def findings(trace):
    """trace.diagnose(), cached."""
    return cached(trace, "findings", trace.diagnose)


def value_range(trace, kind, name):
    """(low, high) of (kind, name) over every step, from the summaries; None when nothing is finite."""
    def compute():
        stats = trace.summary(kind, name)
        with numpy.errstate(all="ignore"):
            low, high = stats["min"], stats["max"]
            low, high = low[numpy.isfinite(low)], high[numpy.isfinite(high)]
        if not low.size or not high.size:
            return None
        return float(low.min()), float(high.max())

    return cached(trace, ("range", kind, name), compute)


def colour_scale(trace, kind, name):
    """(colormap, Normalize) fixed for (kind, name) over the whole trace: diverging (orange -, blue +)
    around 0 for signed values, white to blue for values >= 0."""
    span = value_range(trace, kind, name) or (-1.0, 1.0)
    low, high = span
    if low < 0 < high or low == high:
        top = max(abs(low), abs(high)) or 1.0
        return DIVERGING, Normalize(-top, top)
    if low >= 0:
        return POSITIVE, Normalize(0.0, high)
    return NEGATIVE, Normalize(low, 0.0)


def add_colorbar(ax, mappable, cax, label):
    bar = ax.figure.colorbar(mappable, cax=cax)
    bar.set_label(label, fontsize=FONT - 1)
    bar.ax.tick_params(labelsize=FONT - 2)
    return bar


def split_row(ax, widths, gaps):
    """Cut ax's box, left to right, into boxes of relative `widths` separated by `gaps` (inches):
    ax keeps the first box, new axes take the others. Returns all of them."""
    figure, box = ax.figure, ax.get_position()
    gap_fractions = [gap / figure.get_figwidth() for gap in gaps]
    free = max(box.width - sum(gap_fractions), 0.05 * box.width)
    x, axes = box.x0, []
    for i, width in enumerate(widths):
        rect = [x, box.y0, free * width / sum(widths), box.height]
        if i == 0:
            ax.set_position(rect)
            axes.append(ax)
        else:
            axes.append(figure.add_axes(rect))
        x += rect[2] + (gap_fractions[i] if i < len(gap_fractions) else 0.0)
    return axes


def draw_histogram(ax, trace, kind, name, step, title, xlabel, cmap=None, norm=None):
    """The fixed-bin histogram of (kind, name) at `step` from the summaries (every step has one)."""
    counts = trace.summary(kind, name)["hist"][step]
    edges = trace.hist_edges(kind, name)
    centres, widths = (edges[:-1] + edges[1:]) / 2, numpy.diff(edges)
    colours = cmap(norm(centres)) if cmap is not None else BLUE
    ax.bar(centres, counts, width=widths, color=colours, edgecolor="#555555", linewidth=0.4)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(float(counts.max()) if counts.size else 0.0, 1e-9) * 1.1)
    ax.set_title(title, fontsize=FONT)
    ax.set_xlabel(xlabel, fontsize=FONT - 1)
    ax.set_ylabel("fraction of values", fontsize=FONT - 1)
    ax.tick_params(labelsize=FONT - 2)
    if not counts.sum():
        ax.text(0.5, 0.5, "nothing recorded\nat this step", ha="center", va="center", fontsize=FONT - 1,
                color=GREY, transform=ax.transAxes)
    return ax


def mark_step(ax, step):
    ax.axvline(step, color=RED, linewidth=1, linestyle="--", alpha=0.8, zorder=0)


def style(ax, title, xlabel=None, ylabel=None):
    ax.set_title(title, fontsize=FONT + 1)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=FONT)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.grid(True, alpha=0.25)


def message(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=FONT, color=GREY, transform=ax.transAxes, wrap=True)


def array_note(step, shown):
    return "" if shown == step else f" (arrays of step {shown}, the nearest kept)"


def positive_log(ax, values):
    finite = values[numpy.isfinite(values)]
    if finite.size and (finite > 0).all() and finite.max() / finite.min() > 100:
        ax.set_yscale("log")

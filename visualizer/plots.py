"""One function per panel of the debugger: each draws one view of a trace at one step.

Every panel has the signature `panel(trace, step, layer=None, ax=None) -> Axes`: with `ax=None` it makes
its own `matplotlib.figure.Figure` (no pyplot, so nothing depends on a GUI or on global state). `layer`
picks the layer the panel looks at (default: the first activation layer). Colour scales are fixed per
layer over the whole run (from the trace's per-step minimum and maximum), so a colour means the same
value at every step and scrubbing shows change, not rescaling.

A step counts every optimizer step; full arrays (heatmaps, the network's weights) exist only for the
steps in `trace.steps`, so array views use the nearest kept step and say so. Curves and histograms
come from the summaries, which every step has.

    loss          the loss over all steps, the current step marked
    network       neurons coloured by activation, links by weight (Playground-style), the input plane
    activations   heatmap samples x units, and the histogram of this step
    gradients     each layer's gradient norm over the steps, and this step's histogram for the layer
    updates       update/weight ratio per parameter over the steps (1e-3 marked), this step's histogram
    ops           the op log of this step (Recorder(..., record_ops=True))
    findings      what trace.diagnose() found
"""

import textwrap
import weakref

import numpy
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from visualizer import network as net

BLUE, ORANGE, RED, GREY = "#0877bd", "#f59322", "#c62828", "#888888"
DIVERGING = LinearSegmentedColormap.from_list("aino_diverging", [ORANGE, "#ffffff", BLUE])
POSITIVE = LinearSegmentedColormap.from_list("aino_positive", ["#ffffff", BLUE])
NEGATIVE = LinearSegmentedColormap.from_list("aino_negative", [ORANGE, "#ffffff"])
FONT = 10
MAX_UNITS = 12  # neurons drawn per column of the network graph
MAX_SAMPLES = 200  # rows of the activation heatmap
GAP = 1.5  # between the columns of the network graph (data units; a neuron is 0.38 wide)


# --- shared helpers --------------------------------------------------------------------------------


def new_axes(ax=None, figsize=(7, 4.5)):
    """`ax`, or the axes of a new Agg-backed Figure when ax is None."""
    if ax is not None:
        return ax
    figure = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def check_step(trace, step):
    """`step` as a non-negative int within the trace (negative counts from the end)."""
    if isinstance(step, bool) or not isinstance(step, (int, numpy.integer)):
        raise TypeError(f"visualizer: step must be an integer, got {type(step).__name__}")
    if trace.n_steps == 0:
        raise ValueError("visualizer: the trace has no steps yet (train inside the Recorder first)")
    step = int(step) + (trace.n_steps if step < 0 else 0)
    if not 0 <= step < trace.n_steps:
        raise ValueError(f"visualizer: step {step} is outside the trace (steps 0 to {trace.n_steps - 1})")
    return step


def kept_step(trace, step):
    """The step in trace.steps nearest to `step` (the earlier on a tie), or None when none is kept."""
    kept = trace.steps
    if not kept:
        return None
    index = int(numpy.searchsorted(kept, step))
    candidates = kept[max(index - 1, 0): index + 1]
    return min(candidates, key=lambda s: (abs(s - step), s))


def check_layer(trace, layer):
    """`layer`, or the default layer (the first activation layer, else the first layer)."""
    if layer is None:
        for info in trace.meta.get("layers", ()):
            if info.get("role") == "activation" and info.get("name") in trace.layers:
                return info["name"]
        if not trace.layers:
            raise ValueError("visualizer: the trace has no layers")
        return trace.layers[0]
    if layer not in trace.layers:
        raise ValueError(f"visualizer: no layer {layer!r}; the trace has {trace.layers}")
    return layer


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


# --- the panels ------------------------------------------------------------------------------------


def plot_loss(trace, step, layer=None, ax=None):
    """The loss of every step, with the current step marked."""
    step = check_step(trace, step)
    ax = new_axes(ax)
    loss = trace.loss
    steps = numpy.arange(trace.n_steps)
    ax.plot(steps, loss, color=BLUE, linewidth=1.2, label="loss")
    positive_log(ax, loss)
    mark_step(ax, step)
    value = loss[step]
    if numpy.isfinite(value):
        ax.plot([step], [value], "o", color=RED, markersize=6, zorder=3, label=f"step {step}: {value:.4g}")
    else:
        ax.text(0.5, 0.9, f"step {step}: loss is {value}", color=RED, ha="center", fontsize=FONT,
                transform=ax.transAxes)
    bad = numpy.flatnonzero(~numpy.isfinite(loss))
    if bad.size and not numpy.isnan(loss).all():
        ax.axvspan(bad[0], trace.n_steps - 1, color=RED, alpha=0.12, label=f"not finite from step {bad[0]}")
    style(ax, "Loss", "step", "loss")
    ax.legend(fontsize=FONT - 1, loc="upper right")
    return ax


def plot_activations(trace, step, layer=None, ax=None):
    """Heatmap of the layer's outputs (samples x units) at the step, and the histogram of its values."""
    step, layer = check_step(trace, step), check_layer(trace, layer)
    ax = new_axes(ax, figsize=(9, 4))
    cmap, norm = colour_scale(trace, "activations", layer)
    ax, cax, hax = split_row(ax, [1, 0.035, 0.62], [0.08, 1.3])
    shown = kept_step(trace, step)
    source = "probe batch" if trace.meta.get("probe") else "training batch"
    note = ""
    try:
        rows, note = net.as_rows(trace.activations(layer, shown))
    except (ValueError, TypeError):
        rows = None
    if rows is None:
        message(ax, "no activations recorded for this layer")
        cax.set_axis_off()
    else:
        rows = rows[:MAX_SAMPLES]
        image = ax.imshow(rows, aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
        add_colorbar(ax, image, cax, "activation")
    style(ax, f"Activations of {layer_title(trace, layer)}{array_note(step, shown)}",
          f"unit{note}", f"sample ({source})")
    ax.grid(False)
    stats = trace.summary("activations", layer)
    activation = net.layer_info(trace, layer).get("activation")
    extra = ""
    if activation in ("relu", "leaky_relu") and numpy.isfinite(stats["dead"][step]):
        extra = f", dead units {stats['dead'][step]:.0%}"
    elif activation in ("sigmoid", "tanh") and numpy.isfinite(stats["saturated"][step]):
        extra = f", saturated {stats['saturated'][step]:.0%}"
    draw_histogram(hax, trace, "activations", layer, step, f"Values at step {step}{extra}", "activation",
                   cmap, norm)
    return ax


def plot_gradients(trace, step, layer=None, ax=None):
    """Each layer's gradient norm ||dL/d output|| over all steps, and the layer's histogram at the step."""
    step, layer = check_step(trace, step), check_layer(trace, layer)
    ax = new_axes(ax, figsize=(9, 4))
    ax, hax = split_row(ax, [1, 0.5], [0.7])
    steps = numpy.arange(trace.n_steps)
    colours = _depth_colours(len(trace.layers))
    for colour, name in zip(colours, trace.layers):
        norm = trace.summary("gradients", name)["norm"]
        chosen = name == layer
        ax.plot(steps, norm, color="black" if chosen else colour, linewidth=2.2 if chosen else 1,
                alpha=1 if chosen else 0.75, label=name, zorder=3 if chosen else 2)
    _log_if_positive(ax)
    mark_step(ax, step)
    _legend(ax, len(trace.layers))
    style(ax, "Gradient norm per layer (black: selected)", "step", "norm of dL/d(layer output)")
    draw_histogram(hax, trace, "gradients", layer, step, f"dL/d({layer}) at step {step}", "gradient value")
    return ax


def plot_updates(trace, step, layer=None, ax=None):
    """Update/weight ratio ||update|| / ||weight|| of each parameter over the steps (healthy: about
    1e-3), and the histogram of this step's updates of the selected layer's weight."""
    step, layer = check_step(trace, step), check_layer(trace, layer)
    ax = new_axes(ax, figsize=(9, 4))
    ax, hax = split_row(ax, [1, 0.5], [0.7])
    param = param_of(trace, layer)
    if param is None:
        message(ax, "this model has no parameters")
        return ax
    steps = numpy.arange(trace.n_steps)
    colours = _depth_colours(len(trace.params))
    for colour, name in zip(colours, trace.params):
        ratio = trace.summary("updates", name)["update_ratio"]
        chosen = name == param
        ax.plot(steps, ratio, color="black" if chosen else colour, linewidth=2.2 if chosen else 1,
                linestyle=":" if name.endswith("bias") else "-", alpha=1 if chosen else 0.75, label=name,
                zorder=3 if chosen else 2)
    ax.axhline(1e-3, color=GREY, linestyle="--", linewidth=1.2, label="1e-3 (rule of thumb)")
    _log_if_positive(ax)
    mark_step(ax, step)
    _legend(ax, len(trace.params) + 1)
    style(ax, "Update / weight ratio (black: selected)", "step", "||update|| / ||weight||")
    draw_histogram(hax, trace, "updates", param, step, f"Updates of {param} at step {step}", "update value")
    return ax


def plot_ops(trace, step, layer=None, ax=None):
    """The Tensor op log of the step as a table: what ran, in order, on what shapes."""
    step = check_step(trace, step)
    ax = new_axes(ax, figsize=(7, 4))
    ax.set_axis_off()
    log = trace.ops
    if not log:
        why = ("The classic path runs no Tensor ops." if trace.meta.get("path") == "classic"
               else "No op log: record with Recorder(..., record_ops=True).")
        ax.set_title("Op log", fontsize=FONT + 1)
        message(ax, why)
        return ax
    shown = min(log, key=lambda s: (abs(s - step), s))
    ops = log[shown]
    rows = 14
    lines = [f"{'#':>3}  {'op':<14} inputs"]
    for i, op in enumerate(ops[:rows]):
        name, _, args = op.partition("(")
        args = args[:-1] if args.endswith(")") else args
        lines.append(f"{i:>3}  {name[:14]:<14} {_short(_no_values(args), 52)}")
    if len(ops) > rows:
        lines.append(f"     ... and {len(ops) - rows} more ops")
    ax.text(0.0, 1.0, "\n".join(lines), family="monospace", fontsize=FONT - 1, va="top", ha="left",
            transform=ax.transAxes)
    note = "" if shown == step else f", nearest logged step {shown}"
    ax.set_title(f"Op log: {len(ops)} ops{note}", fontsize=FONT + 1, loc="left")
    return ax


def plot_findings(trace, step, layer=None, ax=None):
    """What trace.diagnose() found, in plain language; those not yet reached at this step in grey."""
    step = check_step(trace, step)
    ax = new_axes(ax, figsize=(6, 4))
    ax.set_axis_off()
    found = findings(trace)
    ax.set_title(f"Findings ({len(found)})", fontsize=FONT + 1, loc="left")
    if not found:
        message(ax, "diagnose() found nothing wrong:\nno dead units, no vanishing or exploding\n"
                    "gradients, update ratios in range.")
        return ax
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    chars = max(int(width_in * 72 / (0.6 * (FONT - 1))), 30)
    y, shown = 1.0, 0
    for finding in found:
        where = f" in {finding.layer}" if finding.layer else ""
        head = f"{finding.kind.replace('_', ' ')}{where}, from step {finding.step}"
        body = textwrap.fill(finding.message, chars)
        colour = RED if finding.step is None or finding.step <= step else GREY
        lines = body.count("\n") + 1
        if y - 0.06 * (lines + 1) < 0 and shown:
            ax.text(0, max(y, 0.02), f"... and {len(found) - shown} more (trace.diagnose())", fontsize=FONT - 1,
                    color=GREY, va="top", transform=ax.transAxes)
            break
        ax.text(0, y, head, fontsize=FONT, weight="bold", color=colour, va="top", transform=ax.transAxes)
        ax.text(0, y - 0.065, body, fontsize=FONT - 1, color=colour if colour == GREY else "#222222",
                va="top", transform=ax.transAxes, linespacing=1.2)
        y -= 0.065 + 0.058 * lines + 0.04
        shown += 1
    return ax


def plot_network(trace, step, layer=None, ax=None, *, inputs=None):
    """The network as TensorFlow Playground draws it: neurons coloured by their mean activation over
    the probe (or batch) at the step, links blue for positive and orange for negative weights, thicker
    for larger |w|. For an MLP with two inputs, each neuron shows its response over the input plane and
    a second axes shows the output there with the decision boundary. `inputs`: points to draw on the
    plane (default: the inputs solved back from the first layer's recorded outputs)."""
    step, layer = check_step(trace, step), check_layer(trace, layer)
    ax = new_axes(ax, figsize=(9, 5))
    shown = kept_step(trace, step)
    columns = net.mlp_columns(trace)
    if columns is None or shown is None:
        _plot_chain(trace, step, layer, ax)
        return ax
    plane = columns[0]["units"] == 2
    grid = None
    if plane:
        extent, points = net.plane_range(trace, columns, inputs)
        grid, xs, ys = net.plane_grid(extent, 40)
        values = net.forward(trace, columns, shown, grid)
    spacing, half = 0.5, 0.19
    positions = []
    for c, column in enumerate(columns):
        n = min(column["units"], MAX_UNITS)
        ys_ = (numpy.arange(n)[::-1] - (n - 1) / 2) * spacing
        positions.append([(c * GAP, y) for y in ys_])
    _draw_links(trace, ax, columns, positions, shown)
    scale_column = next((c for c in columns[1:] if layer in c["layers"]), columns[-1])
    legend_mappable = None
    for c, column in enumerate(columns):
        if column["shown"] is not None:
            cmap, norm = colour_scale(trace, "activations", column["shown"])
            means = _unit_means(trace, column["shown"], shown)
        else:
            cmap, norm, means = DIVERGING, Normalize(-1, 1), None
        for j, (x, y) in enumerate(positions[c]):
            fill = cmap(norm(means[j])) if means is not None and j < len(means) else "#ffffff"
            if plane:
                image = values[c][:, j].reshape(len(ys), len(xs))
                ax.imshow(image, extent=(x - half, x + half, y - half, y + half), origin="lower", cmap=cmap,
                          norm=norm, interpolation="bilinear", aspect="auto", zorder=3)
                ax.add_patch(Rectangle((x - half, y - half), 2 * half, 2 * half, fill=False, edgecolor=fill,
                                       linewidth=3, zorder=4))
                ax.add_patch(Rectangle((x - half, y - half), 2 * half, 2 * half, fill=False,
                                       edgecolor="#444444", linewidth=0.5, zorder=5))
            else:
                ax.add_patch(Circle((x, y), half * 0.8, facecolor=fill, edgecolor="#444444", linewidth=0.8,
                                    zorder=3))
            if c == 0:
                ax.text(x - half - 0.05, y, f"x{j + 1}", ha="right", va="center", fontsize=FONT - 1)
        if column is scale_column:
            legend_mappable = ScalarMappable(norm=norm, cmap=cmap)
        top = max(len(p) for p in positions) / 2 * spacing + 0.05
        if column["units"] > MAX_UNITS:
            bottom = positions[c][-1][1] - half - 0.12
            ax.text(c * GAP, bottom, f"+{column['units'] - MAX_UNITS} more", ha="center", va="top",
                    fontsize=FONT - 2, color=GREY)
        label = "input" if c == 0 else " \u2192 ".join(column["layers"])
        if len(label) > 12:
            label = column["shown"]
        detail = f"{column['units']} " + ("features" if c == 0 else
                                         f"unit{'s' if column['units'] > 1 else ''}, {column['activation'] or 'linear'}")
        selected = layer in column["layers"]
        ax.text(c * GAP, top, f"{label}\n{detail}", ha="center", va="bottom", fontsize=FONT - 1,
                weight="bold" if selected else "normal",
                bbox=dict(boxstyle="round,pad=0.25", facecolor="#fff3c4" if selected else "white",
                          edgecolor=ORANGE if selected else "#dddddd"))
    n_rows = max(len(p) for p in positions)
    extent_y = (n_rows - 1) / 2 * spacing + half
    ax.set_axis_off()
    handles = [Line2D([], [], color=BLUE, linewidth=2.5, label="weight > 0"),
               Line2D([], [], color=ORANGE, linewidth=2.5, label="weight < 0"),
               Line2D([], [], color=GREY, linewidth=0.6, label="thickness: |weight|")]
    ax.legend(handles=handles, fontsize=FONT - 2, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=3,
              frameon=False, borderaxespad=0.1)
    if plane:
        ax, cax, pax = split_row(ax, [1, 0.03, 0.72], [0.1, 1.3])
    else:
        ax, cax = split_row(ax, [1, 0.03], [0.1])
    _equal_units(ax, (-0.55, (len(columns) - 1) * GAP + 0.8), (-extent_y - 0.3, extent_y + 0.6))
    add_colorbar(ax, legend_mappable, cax, f"mean activation of {scale_column['shown']}")
    ax.set_title(f"Network at step {step}{array_note(step, shown)}", fontsize=FONT + 1)
    if plane:
        _plot_plane(trace, columns, values[-1], xs, ys, extent, points, pax)
    return ax


# --- pieces of the panels --------------------------------------------------------------------------


def _equal_units(ax, xlim, ylim):
    """Set limits holding xlim and ylim, widened so one data unit is as long across as up (so the
    neurons' squares stay square) while the graph fills its box."""
    box = ax.get_position()
    ratio = (box.width * ax.figure.get_figwidth()) / (box.height * ax.figure.get_figheight())
    width, height = xlim[1] - xlim[0], ylim[1] - ylim[0]
    if width / height < ratio:
        grow = (height * ratio - width) / 2
        xlim = (xlim[0] - grow, xlim[1] + grow)
    else:
        grow = (width / ratio - height) / 2
        ylim = (ylim[0] - grow, ylim[1] + grow)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def _depth_colours(n):
    from matplotlib import colormaps

    return [colormaps["viridis"](v) for v in numpy.linspace(0.0, 0.9, max(n, 1))]


def _log_if_positive(ax):
    values = numpy.concatenate([line.get_ydata() for line in ax.get_lines()] or [numpy.zeros(0)])
    values = values[numpy.isfinite(values)]
    if values.size and (values > 0).any():
        ax.set_yscale("log")


def _legend(ax, n):
    if n <= 9:
        ax.legend(fontsize=FONT - 2, loc="best", ncol=2 if n > 4 else 1, framealpha=0.8)


def _no_values(text):
    """An op's arguments with listed numbers (a parameter's values) shortened to [...]."""
    out, depth = [], 0
    for char in text:
        if char == "[":
            if depth == 0:
                out.append("[...]")
            depth += 1
        elif char == "]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _short(text, n):
    return text if len(text) <= n else text[: n - 3] + "..."


def _unit_means(trace, layer, step):
    try:
        rows, _ = net.as_rows(trace.activations(layer, step))
    except (ValueError, TypeError):
        return None
    with numpy.errstate(all="ignore"):
        return rows.mean(axis=0)


def _draw_links(trace, ax, columns, positions, step):
    for c in range(1, len(columns)):
        param = columns[c]["weight"]
        try:
            W = numpy.asarray(trace.weights(param, step), dtype=numpy.float64)
        except (ValueError, TypeError):
            continue
        span = value_range(trace, "weights", param) or (-1.0, 1.0)
        top = max(abs(span[0]), abs(span[1])) or 1.0
        segments, colours, widths = [], [], []
        for j, (x1, y1) in enumerate(positions[c]):
            for i, (x0, y0) in enumerate(positions[c - 1]):
                w = W[j, i]
                segments.append([(x0, y0), (x1, y1)])
                colours.append(BLUE if w > 0 else ORANGE)
                widths.append(0.2 + 4.0 * min(abs(w) / top, 1.0) if numpy.isfinite(w) else 0.2)
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, alpha=0.7, zorder=1))


def _plot_plane(trace, columns, output, xs, ys, extent, points, ax):
    last = columns[-1]
    n_out = output.shape[1]
    box = (extent[0][0], extent[0][1], extent[1][0], extent[1][1])
    if n_out == 1:
        cmap, norm = colour_scale(trace, "activations", last["shown"])
        image = output[:, 0].reshape(len(ys), len(xs))
        ax.imshow(image, extent=box, origin="lower", cmap=cmap, norm=norm, aspect="auto", interpolation="bilinear")
        threshold = net.decision_threshold(trace, last)
        if threshold is None:  # a linear output and no loss named: midway between its extremes
            finite = output[numpy.isfinite(output)]
            threshold = float((finite.min() + finite.max()) / 2) if finite.size else 0.0
        finite = image[numpy.isfinite(image)]
        if finite.size and finite.min() < threshold < finite.max():
            ax.contour(xs, ys, image, levels=[threshold], colors="black", linewidths=1.8)
        title = f"Output over the input plane\n(black line: output = {threshold:.3g})"
    else:
        classes = numpy.argmax(numpy.nan_to_num(output), axis=1).reshape(len(ys), len(xs))
        colours = ListedColormap([BLUE, ORANGE, "#4caf50", "#9c27b0", "#795548", "#e91e63", "#607d8b",
                                  "#cddc39", "#00bcd4", "#ff5722"][: max(n_out, 2)])
        ax.imshow(classes, extent=box, origin="lower", cmap=colours, vmin=-0.5, vmax=len(colours.colors) - 0.5,
                  aspect="auto", alpha=0.55, interpolation="nearest")
        ax.contour(xs, ys, classes, levels=numpy.arange(n_out - 1) + 0.5, colors="black", linewidths=1.2)
        handles = [Rectangle((0, 0), 1, 1, color=colours(k), alpha=0.55, label=f"class {k}")
                   for k in range(min(n_out, 10))]
        ax.legend(handles=handles, fontsize=FONT - 2, loc="upper right", framealpha=0.8)
        title = "Predicted class over the input plane\n(black lines: decision boundaries)"
    if points is not None:
        ax.scatter(points[:, 0], points[:, 1], s=9, facecolor="white", edgecolor="black", linewidth=0.5,
                   zorder=3)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_title(title, fontsize=FONT)
    ax.set_xlabel("x1", fontsize=FONT)
    ax.set_ylabel("x2", fontsize=FONT, labelpad=1)
    ax.tick_params(labelsize=FONT - 2)


def _plot_chain(trace, step, layer, ax):
    """A model that is not a plain MLP: its layers as a chain of boxes, coloured by mean activation."""
    names = trace.layers[:14]
    n = len(names)
    for i, name in enumerate(names):
        cmap, norm = colour_scale(trace, "activations", name)
        mean = trace.summary("activations", name)["mean"][step]
        fill = cmap(norm(mean)) if numpy.isfinite(mean) else "#eeeeee"
        y = (n - 1) / 2 - i
        selected = name == layer
        ax.add_patch(FancyBboxPatch((-1.6, y - 0.35), 3.2, 0.7, boxstyle="round,pad=0.05", facecolor=fill,
                                    edgecolor=RED if selected else "#444444", linewidth=2.5 if selected else 0.8))
        ax.text(0, y, f"{layer_title(trace, name)}   mean {mean:.3g}", ha="center", va="center", fontsize=FONT - 1,
                weight="bold" if selected else "normal")
        if i:
            ax.annotate("", (0, y + 0.35), (0, y + 0.65), arrowprops=dict(arrowstyle="->", color="#444444"))
    if len(trace.layers) > n:
        ax.text(0, (n - 1) / 2 - n + 0.3, f"... and {len(trace.layers) - n} more layers", ha="center",
                fontsize=FONT - 1, color=GREY)
    ax.set_xlim(-2, 2)
    ax.set_ylim(-(n + 1) / 2, (n + 1) / 2)
    ax.set_axis_off()
    ax.set_title(f"Layers at step {step} (colour: mean activation, each layer on its own fixed scale)",
                 fontsize=FONT + 1)


PANELS = {
    "network": plot_network, "loss": plot_loss, "findings": plot_findings, "activations": plot_activations,
    "gradients": plot_gradients, "updates": plot_updates, "ops": plot_ops,
}

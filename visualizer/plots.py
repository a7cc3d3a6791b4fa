"""One function per panel of the debugger: each draws one view of a trace at one step.

Every panel has the signature `panel(trace, step, layer=None, ax=None) -> Axes`: with `ax=None` it makes
its own `matplotlib.figure.Figure` (no pyplot, so nothing depends on a GUI or on global state). `layer`
picks the layer the panel looks at (default: the first activation layer). Colour scales are fixed per
layer over the whole run, so a colour means the same value at every step and scrubbing shows change,
not rescaling.

A step counts every optimizer step; full arrays (heatmaps, the network's weights) exist only for the
steps in `trace.steps`, so array views use the nearest kept step and say so. Curves and histograms
come from the summaries, which every step has.

Every panel is found here; the network panel is drawn in network_plot.py (next to its maths in
network.py), and what the panels share (checks, colour scales, histograms) is in common.py.

    loss          the loss over all steps, the current step marked
    network       neurons coloured by activation, links by weight (Playground-style), the input plane
    activations   heatmap samples x units, and the histogram of this step
    gradients     each layer's gradient norm over the steps, and this step's histogram for the layer
    updates       update/weight ratio per parameter over the steps (1e-3 marked), this step's histogram
    ops           the op log of this step (Recorder(..., record_ops=True))
    findings      what trace.diagnose() found
"""

import textwrap

import numpy
from matplotlib.ticker import LogFormatter

from visualizer import network as net
from visualizer.common import (BLUE, FONT, GREY, RED, add_colorbar, array_note, check_layer, check_step, colour_scale,
                               draw_histogram, findings, kept_step, layer_title, mark_step, message, new_axes,
                               param_of, positive_log, split_row, style)
from visualizer.network_plot import plot_network

MAX_SAMPLES = 200  # rows of the activation heatmap


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
    norms = {name: trace.summary("gradients", name)["norm"] for name in trace.layers}
    _lines_per_name(ax, norms, layer, step)
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
    ratios = {name: trace.summary("updates", name)["update_ratio"] for name in trace.params}
    _lines_per_name(ax, ratios, param, step, reference=(1e-3, "1e-3 (rule of thumb)"))
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
        ax.set_title("Op log", fontsize=FONT + 1, loc="left")
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


# --- pieces of the panels -------------------------------------------------------------------------


def _lines_per_name(ax, series, chosen, step, reference=None):
    """One line per name over the steps, coloured by depth (viridis), the chosen one thick and black,
    biases dotted; a dashed grey line at reference = (value, label); a log scale when the values are
    positive; the step marked; a legend for up to 9 lines."""
    from matplotlib import colormaps

    colours = colormaps["viridis"](numpy.linspace(0.0, 0.9, max(len(series), 1)))
    for colour, (name, values) in zip(colours, series.items()):
        selected = name == chosen
        ax.plot(numpy.arange(len(values)), values, color="black" if selected else colour,
                linewidth=2.2 if selected else 1, linestyle=":" if name.endswith("bias") else "-",
                alpha=1 if selected else 0.75, label=name, zorder=3 if selected else 2)
    if reference is not None:
        ax.axhline(reference[0], color=GREY, linestyle="--", linewidth=1.2, label=reference[1])
    values = numpy.concatenate([line.get_ydata() for line in ax.get_lines()] or [numpy.zeros(0)])
    values = values[numpy.isfinite(values)]
    if values.size and (values > 0).any():
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(_PlainLog())
        ax.yaxis.set_minor_formatter(_PlainLog(labelOnlyBase=False, minor_thresholds=(2, 0.5)))
    mark_step(ax, step)
    n = len(ax.get_lines()) - 1  # the step marker has no legend entry
    if n <= 9:
        _legend_above_lines(ax, n)


def _legend_above_lines(ax, n):
    """A legend of n entries in a band added at the top of the axes, above every line, so it never
    hides a line (the 1e-3 mark included) whatever the data."""
    labels = [line.get_label() for line in ax.get_lines()[:n]]
    box = ax.get_position()
    width_pt = box.width * ax.figure.get_figwidth() * 72
    entry_pt = max(len(label) for label in labels) * 0.6 * (FONT - 2) + 30  # text, handle and spacing
    ncol = int(max(1, min(n, width_pt // entry_pt)))
    rows = -(-n // ncol)
    band = min((rows * 1.75 * (FONT - 2) + 14) / (box.height * ax.figure.get_figheight() * 72), 0.5)
    low, high = ax.get_ylim()
    if ax.get_yscale() == "log":
        ax.set_ylim(low, high * (high / low) ** (band / (1 - band)))
    else:
        ax.set_ylim(low, high + (high - low) * band / (1 - band))
    ax.legend(fontsize=FONT - 2, loc="upper left", ncol=ncol, framealpha=0.8, borderaxespad=0.3,
              columnspacing=1.2, handlelength=1.8)


class _PlainLog(LogFormatter):
    """Log-axis tick labels as plain text ("0.06", "10⁻³", "2·10⁻⁵"): no mathtext, which is
    slow to lay out and narrower this way."""

    def _num_to_string(self, x, vmin, vmax):
        exponent = int(numpy.floor(numpy.log10(x) + 1e-9))
        if -2 <= exponent <= 3:
            return f"{x:g}"
        mantissa = round(x / 10.0 ** exponent, 6)
        power = "10" + str(exponent).translate(_SUPERSCRIPT)
        return power if mantissa == 1 else f"{mantissa:g}·{power}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


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


PANELS = {
    "network": plot_network, "loss": plot_loss, "findings": plot_findings, "activations": plot_activations,
    "gradients": plot_gradients, "updates": plot_updates, "ops": plot_ops,
}

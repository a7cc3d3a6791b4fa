"""The network panel: the model drawn as TensorFlow Playground draws it (the maths is in network.py).

An MLP is drawn as columns of neurons, coloured by their mean activation over the probe (or batch), with
links blue for positive and orange for negative weights, thicker for larger |w|. With two inputs each
neuron shows its response over the input plane, and a second axes shows the output there with the
decision boundary. Any other model is drawn as a chain of layer boxes.
"""

import numpy
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle
from matplotlib.textpath import text_to_path

from aino.validation import as_float_matrix
from visualizer import network as net
from visualizer.common import (BLUE, CLASS_COLOURS, DIVERGING, FONT, GREY, ORANGE, RED, add_colorbar, array_note, check_layer,
                               check_step, colour_scale, kept_step, layer_title, new_axes, split_row,
                               value_range)

MAX_UNITS = 12  # neurons drawn per column of the network graph
GAP = 1.5  # the least gap between the columns of the network graph (data units; a neuron is 0.38 wide)


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
    if inputs is not None:
        inputs = _check_inputs(inputs, columns)
    if columns is None or shown is None:
        _plot_chain(trace, step, layer, ax)
        return ax
    plane = columns[0]["units"] == 2
    grid = None
    if plane:
        extent, points = net.plane_range(trace, columns, inputs)
        grid, xs, ys = net.plane_grid(extent, 40)
        values = net.forward(trace, columns, shown, grid)
    # the row first (graph | colourbar | plane), so the columns can be spaced for the room there is
    if plane:
        ax, cax, pax = split_row(ax, [1, 0.03, 0.72], [0.1, 1.3])
    else:  # the last gap keeps the colourbar's ticks and label off the next panel
        ax, cax = split_row(ax, [1, 0.03], [0.1, 0.75])
    spacing, half = 0.5, 0.19
    n_rows = min(max(column["units"] for column in columns), MAX_UNITS)
    extent_y = (n_rows - 1) / 2 * spacing + half
    ylim = (-extent_y - 0.3, extent_y + 0.6)
    headers = [_header(column, c, layer) for c, column in enumerate(columns)]
    gap, header_size = _column_gap(ax, headers, ylim)
    positions = []
    for c, column in enumerate(columns):
        n = min(column["units"], MAX_UNITS)
        ys_ = (numpy.arange(n)[::-1] - (n - 1) / 2) * spacing
        positions.append([(c * gap, y) for y in ys_])
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
        top = n_rows / 2 * spacing + 0.05
        if column["units"] > MAX_UNITS:
            bottom = positions[c][-1][1] - half - 0.12
            ax.text(c * gap, bottom, f"+{column['units'] - MAX_UNITS} more", ha="center", va="top",
                    fontsize=FONT - 2, color=GREY)
        text, selected = headers[c]
        ax.text(c * gap, top, text, ha="center", va="bottom", fontsize=header_size,
                weight="bold" if selected else "normal",
                bbox=dict(boxstyle="round,pad=0.25", facecolor="#fff3c4" if selected else "white",
                          edgecolor=ORANGE if selected else "#dddddd"))
    ax.set_axis_off()
    handles = [Line2D([], [], color=BLUE, linewidth=2.5, label="weight > 0"),
               Line2D([], [], color=ORANGE, linewidth=2.5, label="weight < 0"),
               Line2D([], [], color=GREY, linewidth=0.6, label="thickness: |weight|")]
    ax.legend(handles=handles, fontsize=FONT - 2, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=3,
              frameon=False, borderaxespad=0.1)
    _equal_units(ax, (-0.55, (len(columns) - 1) * gap + 0.8), ylim)
    add_colorbar(ax, legend_mappable, cax, f"mean activation of {scale_column['shown']}")
    ax.set_title(f"Network at step {step}{array_note(step, shown)}", fontsize=FONT + 1)
    if plane:
        _plot_plane(trace, columns, values[-1], xs, ys, extent, points, shown, pax)
    return ax


def _check_inputs(inputs, columns):
    """The points to draw on the input plane, as (n, 2) floats; only an MLP with 2 inputs has that plane."""
    if columns is None or columns[0]["units"] != 2:
        which = "this model is not a plain MLP" if columns is None else f"this one has {columns[0]['units']}"
        raise ValueError(f"plot_network: inputs are drawn on the input plane, which only an MLP with 2 inputs "
                         f"has; {which}")
    return as_float_matrix(inputs, "inputs", "plot_network", 2)


def _header(column, c, layer):
    """The two-line box over a column ("layers.0" / "8 units, tanh"), and whether it is the selected layer."""
    label = "input" if c == 0 else " \u2192 ".join(column["layers"])
    if len(label) > 12:
        label = column["shown"]
    units = column["units"]
    detail = f"{units} features" if c == 0 else \
        f"{units} unit{'s' if units > 1 else ''}, {column['activation'] or 'linear'}"
    return f"{label}\n{detail}", layer in column["layers"]


def _column_gap(ax, headers, ylim):
    """(gap between columns in data units, header font size): at least GAP, wide enough that neighbouring
    header boxes do not overlap, and up to 2 * GAP to use a wide panel. When the panel is too narrow for
    the boxes at FONT - 1, the font shrinks (down to 6 points)."""
    box = ax.get_position()
    width_in = box.width * ax.figure.get_figwidth()
    height_in = box.height * ax.figure.get_figheight()
    size = FONT - 1
    widths = [_text_width_in(text, size, selected) + 0.2 for text, selected in headers]  # box padding
    need_in = max([(a + b) / 2 + 0.08 for a, b in zip(widths, widths[1:])] or [0.0])
    n_gaps = max(len(headers) - 1, 1)
    scale = height_in / (ylim[1] - ylim[0])  # inches per data unit when the height decides
    margin = 1.35  # data units left of the first and right of the last column
    fits_in = (width_in - margin * scale) / n_gaps  # the widest gap, in inches, that keeps that scale
    pitch_in = max(GAP * scale, need_in, min(2 * GAP * scale, fits_in))
    if pitch_in <= fits_in:
        return pitch_in / scale, size
    # the width decides: with gap g the scale is width_in / (n_gaps * g + margin)
    if width_in > n_gaps * need_in * 1.15:
        return max(GAP, need_in * margin / (width_in - n_gaps * need_in)), size
    shrink = max(width_in / (n_gaps * need_in * 1.15), 6 / size)
    return GAP, size * shrink


def _text_width_in(text, size, bold):
    """The width in inches of the widest line of `text` at `size` points."""
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    return max(text_to_path.get_text_width_height_descent(line, prop, ismath=False)[0]
               for line in text.split("\n")) / 72


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


def _draw_points(trace, columns, points, step, ax):
    """The points on the plane: white when their classes are unknown; else filled with the colour of
    their true class (the probe's labels), with a black ring round each one the network gets wrong."""
    labels = getattr(trace, "probe_labels", None)
    if labels is None or len(labels) != len(points) or labels.dtype.kind not in "iu":
        ax.scatter(points[:, 0], points[:, 1], s=9, facecolor="white", edgecolor="black", linewidth=0.5, zorder=3)
        return
    output = net.forward(trace, columns, step, points)[-1]
    if output.shape[1] > 1:
        predicted = numpy.argmax(output, axis=1)
    else:  # one output: class 1 above the decision threshold (0.5 for a sigmoid)
        threshold = net.decision_threshold(trace, columns[-1])
        predicted = (output[:, 0] > (0.5 if threshold is None else threshold)).astype(int)
    wrong = predicted != labels
    ax.scatter(points[:, 0], points[:, 1], s=14, c=[CLASS_COLOURS[int(k) % len(CLASS_COLOURS)] for k in labels],
               edgecolors=["black" if w else "white" for w in wrong], linewidths=numpy.where(wrong, 1.6, 0.5), zorder=3)


def _plot_plane(trace, columns, output, xs, ys, extent, points, step, ax):
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
        colours = ListedColormap([CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(max(n_out, 2))])
        ax.imshow(classes, extent=box, origin="lower", cmap=colours, vmin=-0.5, vmax=len(colours.colors) - 0.5,
                  aspect="auto", alpha=0.55, interpolation="nearest")
        ax.contour(xs, ys, classes, levels=numpy.arange(n_out - 1) + 0.5, colors="black", linewidths=1.2)
        names = trace.meta.get("class_names") or []
        handles = [Rectangle((0, 0), 1, 1, color=colours(k), alpha=0.55, label=names[k] if k < len(names) else f"class {k}")
                   for k in range(min(n_out, 10))]
        ax.legend(handles=handles, fontsize=FONT - 2, loc="upper right", framealpha=0.8)
        title = "Predicted class over the input plane\n(black lines: decision boundaries)"
    if points is not None:
        _draw_points(trace, columns, points, step, ax)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_title(title, fontsize=FONT)
    features = trace.meta.get("feature_names") or ["x1", "x2"]
    ax.set_xlabel(features[0], fontsize=FONT)
    ax.set_ylabel(features[1], fontsize=FONT, labelpad=1)
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

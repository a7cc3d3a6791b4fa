// graph_box.js: the boxes of the graph view (graph.js), in SVG with inline presentation attributes only, so
// a saved drawing looks the same anywhere. A node's box: its label (a parameter's module name, fc1.weight),
// its shape and dtype, its value and, once backward has run, its gradient dL/d(node). A value V (see
// aino/trace/graph_payload.py) is a number for one element, else a heatmap of block means (orange
// negative, white 0, blue positive, scaled to the largest |value|) beside its mean and standard deviation.

import { diverging } from "./colors.js";
import { fitText, svgEl } from "./dom.js";

export const GRAPH_BOX_W = 184;
const GB_HEAD = 18, GB_LINE = 14, GB_ROW = 28, GB_ROW1 = 17, GB_PAD = 4;  // the heights of a box's parts
const GB_MAP_W = 44, GB_MAP_H = 24;                            // a heatmap's size
const GB_FILL = { op: "#eef5fc", param: "#fff6df", leaf: "#f2f2f2", group: "#e8f5e9" };
const GB_FONT = "font-family: sans-serif";

// A payload number (NaN and the infinities come as strings) as a JS number.
export function graphNumber(v) {
  return typeof v === "number" ? v : Number(v);
}

// A number in at most `digits` significant digits, without trailing zeros.
export function graphFormat(v, digits) {
  v = graphNumber(v);
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, (digits || 4) - 1)).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(digits || 4)));
}

// "5×8" for a shape, "scalar" for [].
export function shapeText(shape) {
  return shape.length ? shape.join("\u00d7") : "scalar";
}

// One line of text about a value: its number, or its shape and statistics.
export function valueText(V) {
  if (V.scalar !== undefined) return graphFormat(V.scalar, 6);
  if (!V.cells || !V.cells.length) return shapeText(V.shape) + " (empty)";
  return shapeText(V.shape) + ": mean " + graphFormat(V.mean, 3) + ", std " + graphFormat(V.std, 3) + ", min " +
    graphFormat(V.min, 3) + ", max " + graphFormat(V.max, 3) + ", norm " + graphFormat(V.norm, 3);
}

// The heatmap of V's cells in a w x h area at (x, y) of `parent`, with a grey border.
export function heatmap(parent, V, x, y, w, h) {
  const g = svgEl("g", { class: "aino-g-heatmap" }, parent);
  const top = Math.max(Math.abs(graphNumber(V.min)), Math.abs(graphNumber(V.max)));
  const cw = w / V.cols, ch = h / V.rows;
  for (let r = 0; r < V.rows; r++) {
    for (let c = 0; c < V.cols; c++) {
      svgEl("rect", { x: (x + c * cw).toFixed(1), y: (y + r * ch).toFixed(1), width: cw.toFixed(2), height: ch.toFixed(2),
        fill: diverging(graphNumber(V.cells[r * V.cols + c]), Number.isFinite(top) ? top : 0) }, g);
    }
  }
  svgEl("rect", { x, y, width: w, height: h, fill: "none", stroke: "#999", "stroke-width": 0.5 }, g);
  return g;
}

// A value's row in a box: a name ("value", "grad"), then the number or the heatmap and two lines of stats.
function valueRow(parent, name, V, x, y, w) {
  svgEl("text", { x, y: y + 11, "font-size": 9, fill: "#777", style: GB_FONT }, parent, name);
  const at = x + 30;
  if (V.scalar !== undefined) {
    svgEl("text", { x: at, y: y + 12, "font-size": 12, style: GB_FONT, class: "aino-g-" + name },
      parent, graphFormat(V.scalar, 5));
    return;
  }
  if (!V.cells || !V.cells.length) {
    svgEl("text", { x: at, y: y + 12, "font-size": 10, style: GB_FONT }, parent, "empty");
    return;
  }
  heatmap(parent, V, at, y + 1, GB_MAP_W, GB_MAP_H);
  const tx = at + GB_MAP_W + 4, room = x + w - tx;
  svgEl("text", { x: tx, y: y + 10, "font-size": 9, style: GB_FONT, class: "aino-g-" + name },
    parent, fitText("\u03bc " + graphFormat(V.mean, 2) + " \u03c3 " + graphFormat(V.std, 2), room, 9));
  svgEl("text", { x: tx, y: y + 22, "font-size": 9, fill: "#555", style: GB_FONT },
    parent, fitText("[" + graphFormat(V.min, 2) + ", " + graphFormat(V.max, 2) + "]", room, 9));
}

// The {w, h} of a node's box: a gradient row once backward has run, for a node that needs a gradient
// (its gradient has the value's shape, so the two rows are alike).
export function nodeSize(data, node) {
  const grad = data.backward_ran && node.requires_grad, row = rowHeight(node.value);
  return { w: GRAPH_BOX_W, h: GB_PAD * 2 + GB_HEAD + GB_LINE + row + (grad ? row : 0) };
}

// A value's row: one line for a number, a heatmap's height for an array.
function rowHeight(V) {
  return V.scalar !== undefined ? GB_ROW1 : GB_ROW;
}

export const GROUP_SIZE = { w: GRAPH_BOX_W, h: GB_PAD * 2 + GB_HEAD + 2 * GB_LINE };

// A node's box at `box` ({x, y, w, h}): <g class="aino-g-box" data-key data-node data-kind>.
export function drawNode(parent, node, box) {
  const g = svgEl("g", { class: "aino-g-box", "data-key": box.key, "data-node": node.id, "data-kind": node.kind,
    transform: "translate(" + box.x.toFixed(1) + "," + box.y.toFixed(1) + ")" }, parent);
  svgEl("rect", { class: "aino-g-outline", width: box.w, height: box.h, rx: 4, fill: GB_FILL[node.kind] || GB_FILL.op,
    stroke: "#889", "stroke-width": 1 }, g);
  svgEl("title", {}, g, node.label + (node.formula ? "\n" + node.formula : ""));
  const x = GB_PAD + 2;
  svgEl("text", { x, y: GB_PAD + 13, "font-size": 12, "font-weight": "bold", style: GB_FONT, class: "aino-g-label" },
    g, fitText(node.label, box.w - 2 * x, 12));
  svgEl("text", { x, y: GB_PAD + GB_HEAD + 10, "font-size": 10, fill: "#555", style: GB_FONT, class: "aino-g-shape" },
    g, fitText(shapeText(node.shape) + "  " + node.dtype + (node.kind === "param" ? "  param" : ""), box.w - 2 * x, 10));
  let y = GB_PAD + GB_HEAD + GB_LINE;
  valueRow(g, "value", node.value, x, y, box.w - 2 * x);
  if (node.grad) valueRow(g, "grad", node.grad, x, y + rowHeight(node.value), box.w - 2 * x);
  return g;
}

// A collapsed group's box ("fc1: Linear", what it holds): clicking it opens the group.
export function drawGroup(parent, group, box, counts) {
  const g = svgEl("g", { class: "aino-g-box aino-g-group", "data-key": box.key, "data-group": group.name,
    transform: "translate(" + box.x.toFixed(1) + "," + box.y.toFixed(1) + ")", cursor: "pointer" }, parent);
  svgEl("rect", { class: "aino-g-outline", width: box.w, height: box.h, rx: 6, fill: GB_FILL.group, stroke: "#5a8f5e",
    "stroke-width": 1.5 }, g);
  svgEl("title", {}, g, "click to open " + group.name);
  const x = GB_PAD + 2;
  svgEl("text", { x, y: GB_PAD + 13, "font-size": 12, "font-weight": "bold", style: GB_FONT, class: "aino-g-label" },
    g, fitText("\u25b8 " + group.name + ": " + group.type, box.w - 2 * x, 12));
  svgEl("text", { x, y: GB_PAD + GB_HEAD + 10, "font-size": 10, fill: "#555", style: GB_FONT }, g,
    counts.ops + (counts.ops === 1 ? " op, " : " ops, ") + counts.params + (counts.params === 1 ? " param" : " params"));
  svgEl("text", { x, y: GB_PAD + GB_HEAD + GB_LINE + 10, "font-size": 10, fill: "#555", style: GB_FONT }, g,
    fitText(counts.names.join(", "), box.w - 2 * x, 10));
  return g;
}

// An open group's frame, its title on top (clicking the title closes the group).
export function drawFrame(parent, group, box) {
  const g = svgEl("g", { class: "aino-g-frame", "data-frame": group.name,
    transform: "translate(" + box.x.toFixed(1) + "," + box.y.toFixed(1) + ")" }, parent);
  svgEl("rect", { class: "aino-g-outline", width: box.w, height: box.h, rx: 6, fill: "#f7fbf7", stroke: "#5a8f5e",
    "stroke-width": 1, "stroke-dasharray": "5,3" }, g);
  const title = svgEl("g", { class: "aino-g-frame-title", cursor: "pointer" }, g);
  svgEl("rect", { width: box.w, height: 18, fill: "#e8f5e9", rx: 6 }, title);
  svgEl("text", { x: 6, y: 13, "font-size": 12, "font-weight": "bold", style: GB_FONT }, title,
    fitText("\u25be " + group.name + ": " + group.type, box.w - 12, 12));
  svgEl("title", {}, title, "click to close " + group.name);
  return g;
}

// network.js: the dense network as TensorFlow Playground draws it, in SVG. One column per layer of
// neurons (the inputs, then each dense layer's outputs); a neuron's fill is its activation at the step
// (the mean over the probe samples, after the layer's activation function), a link's colour and width
// its weight. Columns show at most MAX_UNITS neurons; the rest are counted under the column. A neuron of a
// dense layer can be picked (a click; debugger.js shows its chain rule): `mark(column, unit)` rings it.

import { diverging, symmetricTop } from "./colors.js";
import { fitText, svgEl } from "./dom.js";

const MAX_UNITS = 16;
const COLUMN = 130, ROW = 26, RADIUS = 9, TOP = 34, SIDE = 100;

// The columns of the network from the payload's layers: [{layer, valueLayer, units, weight, label}].
// `valueLayer` is the layer whose activations colour the column (the activation that follows a dense
// layer, else the dense layer itself). Returns null when the model has no dense layer.
export function networkColumns(data) {
  const layers = data.layers || [];
  const params = {};
  for (const p of data.params || []) params[p.name] = p;
  const columns = [];
  for (let i = 0; i < layers.length; i++) {
    const d = layers[i];
    if (d.kind !== "dense") continue;
    let valueLayer = d.name;
    for (let j = i + 1; j < layers.length && layers[j].kind !== "dense"; j++) {
      if (layers[j].kind === "activation") { valueLayer = layers[j].name; break; }
      if (layers[j].kind !== "other" && layers[j].kind !== "norm") break;
    }
    const shape = d.weight && params[d.weight] ? params[d.weight].shape : null;
    let units = d.units;
    if (!units && shape) units = shape[0];
    const shownLayer = layers.find((l) => l.name === valueLayer) || d;
    const label = (shownLayer.label || shownLayer.name) + (shownLayer.type ? " (" + shownLayer.type + ")" : "");
    columns.push({ layer: d.name, valueLayer, units, weight: d.weight, shape, label });
  }
  if (!columns.length) return null;
  // the inputs: the first dense layer's fan-in
  const first = columns[0];
  let inputs = 0;
  if (first.shape && first.shape.length === 2) inputs = first.shape[1];  // weights (out, in) on both paths
  // a dense layer after others (a CNN's head) is fed by the layer before it, not by the model's inputs
  const firstIndex = layers.findIndex((l) => l.name === first.layer);
  const feeding = firstIndex > 0 ? layers[firstIndex - 1] : null;
  columns.unshift({ layer: null, valueLayer: feeding ? feeding.name : null, units: inputs,
    label: feeding ? "from " + (feeding.label || feeding.name) : "inputs" });
  return columns;
}

// The weight between input unit i and output unit j of a dense layer: both paths record (out, in).
function weightAt(W, i, j, nIn) {
  return W[j * nIn + i];
}

// Mean over the probe samples (rows) of an activation array, per unit.
function unitMeans(values, units) {
  const out = new Float64Array(units);
  if (!values) return out.fill(NaN);
  const n = Math.max(1, Math.floor(values.length / units));
  for (let r = 0; r < n; r++) for (let u = 0; u < units; u++) out[u] += values[r * units + u];
  for (let u = 0; u < units; u++) out[u] /= n;
  return out;
}

// Build the SVG once; returns {svg, update(step arrays, selected layer)}.
export function networkView(data, decoder, columns) {
  const shown = columns.map((c) => Math.min(c.units, MAX_UNITS));
  const rows = Math.max(...shown, 1);
  const width = SIDE * 2 + COLUMN * (columns.length - 1);
  const height = TOP + rows * ROW + 30;
  const svg = svgEl("svg", { width, height, viewBox: "0 0 " + width + " " + height, class: "aino-network" });
  const y = (c, u) => TOP + (rows - shown[c]) * ROW / 2 + u * ROW + ROW / 2;
  const x = (c) => SIDE + c * COLUMN;
  const highlight = [];
  columns.forEach((col, c) => {
    highlight.push(svgEl("rect", { x: x(c) - 40, y: TOP - 24, width: 80, height: rows * ROW + 28, rx: 6,
      fill: "#fff6e0", stroke: "none", visibility: "hidden" }, svg));
  });
  // links first, so neurons sit on top
  const links = [];
  for (let c = 1; c < columns.length; c++) {
    const list = [];
    for (let j = 0; j < shown[c]; j++) for (let i = 0; i < shown[c - 1]; i++) {
      list.push({ i, j, node: svgEl("line", { x1: x(c - 1), y1: y(c - 1, i), x2: x(c), y2: y(c, j),
        stroke: "#ccc", "stroke-width": 1 }, svg) });
    }
    links.push(list);
  }
  const neurons = columns.map((col, c) => {
    const list = [];
    for (let u = 0; u < shown[c]; u++) {
      const circle = svgEl("circle", { cx: x(c), cy: y(c, u), r: RADIUS, fill: "#fff", stroke: "#555",
        "stroke-width": 1, class: "aino-neuron", "data-column": c, "data-layer": col.valueLayer || "inputs",
        "data-unit": u }, svg);
      if (c > 0) circle.style.cursor = "pointer";
      list.push({ circle, title: svgEl("title", {}, circle) });
    }
    const label = svgEl("text", { x: x(c), y: 14, "text-anchor": "middle", "font-size": 11,
      "font-family": "sans-serif", fill: "#222" }, svg);
    label.textContent = fitText(col.label, COLUMN - 10, 11);
    svgEl("title", {}, label).textContent = col.label;
    const extra = svgEl("text", { x: x(c), y: TOP + rows * ROW + 14, "text-anchor": "middle", "font-size": 10,
      "font-family": "sans-serif", fill: "#666" }, svg);
    extra.textContent = fitText(col.units > shown[c] ? "+" + (col.units - shown[c]) + " more" : col.units + " units",
      COLUMN - 10, 10);
    return list;
  });
  // feature names left of the inputs, class names right of the outputs
  const names = data.names || {};
  const sideNames = [[0, names.features, "end", -RADIUS - 4], [columns.length - 1, names.classes, "start", RADIUS + 4]];
  for (const [c, list, anchor, dx] of sideNames) {
    if (!list) continue;
    for (let u = 0; u < shown[c] && u < list.length; u++) {
      const t = svgEl("text", { x: x(c) + dx, y: y(c, u) + 4, "text-anchor": anchor, "font-size": 10,
        "font-family": "sans-serif", fill: "#333" }, svg);
      t.textContent = fitText(list[u], SIDE - RADIUS - 10, 10);
      svgEl("title", {}, t).textContent = list[u];
    }
  }

  // fixed colour scales: activations from the run's per-step min/max, weights from the first and last kept steps
  const series = data.series || {};
  const actTop = columns.map((col) => col.valueLayer ? symmetricTop(
    decoder.array((series.act_min || {})[col.valueLayer]), decoder.array((series.act_max || {})[col.valueLayer])) : 1);
  const probeInputs = data.probe && data.probe.inputs ? decoder.array(data.probe.inputs) : null;
  if (!columns[0].valueLayer) actTop[0] = probeInputs ? symmetricTop(probeInputs, null) : 1;
  const kept = data.kept_steps || [];
  const weightTop = columns.map((col) => {
    if (!col.weight || !kept.length) return 1;
    let top = 0;
    for (const s of [kept[0], kept[kept.length - 1]]) {
      const st = (data.steps || {})[String(s)];
      const W = st && st.weights ? decoder.array(st.weights[col.weight]) : null;
      if (W) for (let k = 0; k < W.length; k++) { const a = Math.abs(W[k]); if (a > top) top = a; }
    }
    return top || 1;
  });
  const inputMeans = probeInputs && !columns[0].valueLayer ? unitMeans(probeInputs, columns[0].units) : null;

  // Colour every neuron and link from one kept step's arrays (null: no arrays, all grey). `scale`:
  // "run" keeps each column's colour scale fixed over the run; "step" fits it to this step's values.
  function update(stepArrays, selected, scale) {
    const perStep = scale === "step";
    columns.forEach((col, c) => {
      highlight[c].setAttribute("visibility", selected && (col.layer === selected || col.valueLayer === selected)
        ? "visible" : "hidden");
      let means = null;
      if (c === 0 && !col.valueLayer) means = inputMeans;
      else if (stepArrays && stepArrays.activations) {
        const ref = stepArrays.activations[col.valueLayer];
        means = ref ? unitMeans(decoder.array(ref), col.units) : null;
      }
      const top = perStep && means ? symmetricTop(means, null) : actTop[c];
      neurons[c].forEach((n, u) => {
        const v = means ? means[u] : NaN;
        n.circle.setAttribute("fill", diverging(v, top));
        n.circle.setAttribute("data-value", Number.isFinite(v) ? v.toPrecision(6) : "NaN");
        n.circle.setAttribute("data-scale", top.toPrecision(6));
        const inputs = c === 0 && !col.valueLayer;
        n.title.textContent = (inputs ? "input " : col.label + " unit ") + u + ": " +
          (Number.isFinite(v) ? v.toPrecision(3) : "not recorded") + (inputs ? " (probe mean)" : " (mean over the probe)");
      });
      if (c === 0) return;
      const W = stepArrays && stepArrays.weights ? decoder.array(stepArrays.weights[col.weight]) : null;
      const nIn = columns[c - 1].units;
      const wTop = perStep && W ? symmetricTop(W, null) : weightTop[c];
      for (const link of links[c - 1]) {
        if (!W || !col.shape) { link.node.setAttribute("stroke", "#ddd"); link.node.setAttribute("stroke-width", 1); continue; }
        const w = weightAt(W, link.i, link.j, nIn);
        link.node.setAttribute("stroke", diverging(w, wTop));
        link.node.setAttribute("stroke-width", (0.5 + 3.5 * Math.min(1, Math.abs(w) / wTop)).toFixed(2));
      }
    });
  }
  let marked = null;
  function mark(c, u) {   // ring the picked neuron (null: none)
    if (marked) { marked.setAttribute("stroke", "#555"); marked.setAttribute("stroke-width", 1); }
    marked = c === null || !neurons[c] || !neurons[c][u] ? null : neurons[c][u].circle;
    if (marked) { marked.setAttribute("stroke", "#d62728"); marked.setAttribute("stroke-width", 3); }
  }
  return { svg, update, mark };
}

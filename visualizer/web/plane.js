// plane.js: the input plane, as TensorFlow Playground draws it. For a model with two inputs made only of
// dense layers and activations, the browser runs the model itself, from the step's recorded weights, on
// a PLANE_GRID x PLANE_GRID grid of points covering the probe's range (padded by 10%):
//
//   decision   the output over the plane: with C > 1 outputs the predicted class's region, tinted with
//              the class's colour, and the decision boundary (where the argmax changes) as a line; with
//              one output a diverging scale (orange below the threshold, blue above) and the threshold's
//              contour (0.5 for a sigmoid output, else 0). The probe points sit on it, coloured by their
//              true class; a point the model gets wrong has a black ring.
//   units      one small heatmap per unit of the selected layer (the first hidden layer when the selected
//              one is not part of the dense chain): what each neuron responds to, on the same plane.
//
// planePanel(data, decoder) -> null (the model does not fit: not two inputs, or a layer the browser
// cannot run), else {element, update(view)}; view = {step, arrayStep, arrays, layer, scale ("run" |
// "step")}. A step's grids are computed once and cached (least recently used out first).
// The model itself, read from the payload and run on the plane's points, is plane_model.js.
// Top-level names here all start with "plane" / "PLANE_": the export inlines every module in one scope.

import { NEGATIVE, POSITIVE, diverging } from "./colors.js";
import { h } from "./dom.js";
import { niceTicks } from "./charts.js";
import { planeBoundary, planeModel, planeStep } from "./plane_model.js";

const PLANE_GRID = 60;                 // cells per side
const PLANE_CELL = 5;                  // pixels per cell on the decision picture (300 px square)
const PLANE_MARGIN = { left: 50, right: 14, top: 10, bottom: 40 };
const PLANE_UNIT_SIZE = 120;           // CSS pixels of a unit's heatmap (each cell 2 px)
const PLANE_MAX_UNITS = 32;            // unit heatmaps shown at most; the rest are counted
const PLANE_CACHE_BYTES = 48 * 2 ** 20;
const PLANE_TINT = 0.38;               // how much of the class colour a region gets (the rest is white)
const PLANE_SINGLE_TINT = 0.7;         // the most of orange / blue a one-output picture's region gets
const PLANE_PAD = 0.1;                 // the plane covers the probe's range padded by 10% on each side
// Paul Tol's "bright" qualitative palette, made to stay distinct for colour-blind readers.
const PLANE_CLASS_COLORS = [[68, 119, 170], [238, 102, 119], [34, 136, 51], [204, 187, 68],
  [102, 204, 238], [170, 51, 119], [187, 187, 187]];
// niceTicks (charts.js) over [low, high], each with its text in as many decimals as the step needs.
function planeTicks(low, high, count) {
  if (!(high > low) || !Number.isFinite(high - low)) return [];
  const values = niceTicks(low, high, Math.max(1, count), false);
  const step = values.length > 1 ? values[1] - values[0] : high - low;
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return values.map((v) => {
    const value = Math.abs(v) < step * 1e-9 ? 0 : v;
    return { value, text: value.toFixed(digits) };
  });
}

// A colour table of diverging() (colors.js) over [-1, 1] in 511 steps, as numbers for ImageData.
function planeDivergingTable() {
  const table = new Uint8ClampedArray(511 * 3);
  for (let k = 0; k < 511; k++) {
    const rgb = diverging((k - 255) / 255, 1).match(/\d+/g).map(Number);
    table.set(rgb, k * 3);
  }
  return table;
}

function planeRgb(c) { return "rgb(" + c[0] + ", " + c[1] + ", " + c[2] + ")"; }

export function planePanel(data, decoder) {
  if (!data) return null;
  const ops = planeModel(data);
  if (!ops) return null;
  const G = PLANE_GRID, P = G * G;
  const last = ops[ops.length - 1], C = last.units;
  const names = data.names || {};
  const features = names.features && names.features.length === 2 ? names.features : ["x1", "x2"];
  const className = (k) => (names.classes && names.classes[k] !== undefined ? String(names.classes[k]) : "class " + k);
  const loss = data.loss || (data.model && data.model.loss) || null;
  // one output: the threshold of its decision (0.5 for a sigmoid, and for a linear output trained with MSE)
  const threshold = C > 1 ? null : last.kind === "activation" && last.name === "sigmoid" ? 0.5
    : (last.kind === "dense" || last.name === "identity") && loss === "mse" ? 0.5 : 0;

  // --- the probe: its points, their labels, the plane's extent ------------------------------------
  const probe = data.probe || null;
  let probeX = null, N = 0, labels = null;
  if (probe && probe.inputs) {
    const raw = decoder.array(probe.inputs);
    if (raw && raw.length % 2 === 0 && raw.length) {
      N = raw.length / 2;
      probeX = Float64Array.from(raw);
    }
  }
  if (probeX && probe.labels) {
    const raw = decoder.array(probe.labels);
    if (raw && raw.length === N) {
      labels = Int32Array.from(raw, (v) => Math.round(v));
      const classes = Math.max(C, 2);
      if (!Array.from(raw).every((v, i) => Math.abs(v - labels[i]) < 1e-6 && labels[i] >= 0 && labels[i] < classes)) labels = null;
    }
  }
  let x0 = -1.5, x1 = 1.5, y0 = -1.5, y1 = 1.5;
  if (probeX) {
    let lx = Infinity, hx = -Infinity, ly = Infinity, hy = -Infinity;
    for (let p = 0; p < N; p++) {
      const a = probeX[2 * p], b = probeX[2 * p + 1];
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      lx = Math.min(lx, a); hx = Math.max(hx, a); ly = Math.min(ly, b); hy = Math.max(hy, b);
    }
    if (lx <= hx && ly <= hy) {
      const px = PLANE_PAD * Math.max(hx - lx, 1e-3), py = PLANE_PAD * Math.max(hy - ly, 1e-3);
      x0 = lx - px; x1 = hx + px; y0 = ly - py; y1 = hy + py;
    }
  }
  const dx = (x1 - x0) / G, dy = (y1 - y0) / G;
  // cell (i, j): column i along the first feature, row j from the top (the second feature's highest)
  const gridX = new Float64Array(2 * P);
  for (let j = 0; j < G; j++) for (let i = 0; i < G; i++) {
    gridX[2 * (j * G + i)] = x0 + (i + 0.5) * dx;
    gridX[2 * (j * G + i) + 1] = y1 - (j + 0.5) * dy;
  }

  // --- the DOM --------------------------------------------------------------------------------------
  const plotW = G * PLANE_CELL, plotH = G * PLANE_CELL, M = PLANE_MARGIN;
  const width = M.left + plotW + M.right, height = M.top + plotH + M.bottom;
  const element = h("div", { class: "aino-panel aino-plane-panel" });
  h("div", { style: "margin-bottom: 4px" }, element,
    "Input plane: the model's output at every point, computed here from the step's weights");
  const row = h("div", { style: "display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap" }, element);
  const stack = h("div", { style: "position: relative; width: " + width + "px; height: " + height + "px" }, row);
  const plane = h("canvas", { class: "aino-plane", width, height, style: "position: absolute; left: 0; top: 0",
    "data-grid": String(G), "data-extent": [x0, x1, y0, y1].join(","),
    "data-plot": [M.left, M.top, plotW, plotH].join(","), "data-classes": String(C),
    "data-output": C > 1 ? "classes" : "single",
    "data-class-colors": PLANE_CLASS_COLORS.map((c) => c.join(",")).join(";") }, stack);
  const overlay = h("canvas", { class: "aino-plane-overlay", width, height,
    style: "position: absolute; left: 0; top: 0; pointer-events: none" }, stack);
  const side = h("div", { style: "max-width: 230px; font-size: 12px" }, row);
  const legend = h("div", { class: "aino-plane-legend" }, side);
  const caption = h("div", { class: "aino-plane-caption", style: "margin-top: 8px; font-weight: bold" }, side);
  const note = h("div", { class: "aino-plane-note", style: "margin-top: 6px; color: #666" }, side);
  const unitsTitle = h("div", { style: "margin: 8px 0 4px" }, element);
  const unitsBox = h("div", { class: "aino-plane-units", style: "display: flex; flex-wrap: wrap; gap: 6px; max-width: " +
    Math.max(width + 240, 4 * (PLANE_UNIT_SIZE + 6)) + "px" }, element);

  const ctx = plane.getContext("2d"), octx = overlay.getContext("2d");
  const region = document.createElement("canvas");
  region.width = G; region.height = G;
  const rctx = region.getContext("2d");
  const regionImage = rctx.createImageData(G, G);
  const table = planeDivergingTable();
  const tints = PLANE_CLASS_COLORS.map((c) => c.map((v) => Math.round(255 + (v - 255) * PLANE_TINT)));
  const pointColor = (k) => C > 1 ? PLANE_CLASS_COLORS[k % PLANE_CLASS_COLORS.length] : k === 1 ? POSITIVE : NEGATIVE;
  if (C > 1) plane.setAttribute("data-tints", tints.map((c) => c.join(",")).join(";"));

  // the axes, once: ticks and the feature names in the margins
  (function axes() {
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = "#444"; ctx.fillStyle = "#333"; ctx.lineWidth = 1; ctx.font = "11px sans-serif";
    ctx.strokeRect(M.left - 0.5, M.top - 0.5, plotW + 1, plotH + 1);
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of planeTicks(x0, x1, 5)) {
      const x = Math.round(M.left + (t.value - x0) / (x1 - x0) * plotW) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, M.top + plotH); ctx.lineTo(x, M.top + plotH + 4); ctx.stroke();
      ctx.fillText(t.text, x, M.top + plotH + 6);
    }
    ctx.fillText(String(features[0]).slice(0, 40), M.left + plotW / 2, M.top + plotH + 22);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of planeTicks(y0, y1, 5)) {
      const y = Math.round(M.top + (y1 - t.value) / (y1 - y0) * plotH) + 0.5;
      ctx.beginPath(); ctx.moveTo(M.left - 4, y); ctx.lineTo(M.left, y); ctx.stroke();
      ctx.fillText(t.text, M.left - 6, y);
    }
    ctx.save();
    ctx.translate(11, M.top + plotH / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(String(features[1]).slice(0, 40), 0, 0);
    ctx.restore();
  })();

  // the legend
  if (C > 1) {
    h("div", {}, legend, "Predicted class (region), true class (point):");
    for (let k = 0; k < C; k++) {
      const item = h("div", { style: "display: flex; align-items: center; gap: 5px; margin: 2px 0" }, legend);
      h("span", { style: "display: inline-block; width: 16px; height: 12px; border: 1px solid #bbb; background: " +
        planeRgb(tints[k % tints.length]) }, item);
      h("span", { style: "display: inline-block; width: 9px; height: 9px; border-radius: 50%; border: 1px solid #fff; " +
        "box-shadow: 0 0 0 1px #999; background: " + planeRgb(pointColor(k)) }, item);
      h("span", {}, item, className(k));
    }
    h("div", { style: "margin-top: 3px" }, legend, "Line: the decision boundary (where the predicted class changes).");
  } else {
    for (const [color, words] of [[NEGATIVE, "output below " + threshold + ": " + className(0)],
      [POSITIVE, "output above " + threshold + ": " + className(1)]]) {
      const item = h("div", { style: "display: flex; align-items: center; gap: 5px; margin: 2px 0" }, legend);
      h("span", { style: "display: inline-block; width: 16px; height: 12px; background: " + planeRgb(color) }, item);
      h("span", {}, item, words);
    }
    h("div", { style: "margin-top: 3px" }, legend, "Line: where the output is " + threshold + ".");
  }
  h("div", { style: "margin-top: 3px" }, legend, "Black ring: a probe point the model gets wrong.");

  // --- per-step results, cached ---------------------------------------------------------------------
  const cache = new Map();   // arrayStep -> {grids, classes, top (per op, max |value| on the grid), probe}
  let cacheBytes = 0;
  const kept = (data.kept_steps || []).slice().sort((a, b) => a - b);

  function weightsOf(arrays) {
    const out = {};
    const refs = arrays && arrays.weights ? arrays.weights : {};
    for (const op of ops) {
      if (op.kind !== "dense") continue;
      for (const name of [op.weight, op.bias]) if (name) out[name] = decoder.array(refs[name]);
    }
    return out;
  }

  function result(arrayStep, arrays) {
    const key = String(arrayStep);
    if (cache.has(key)) {
      const hit = cache.get(key);
      cache.delete(key); cache.set(key, hit);   // most recently used last
      return hit;
    }
    if (!arrays) return null;
    const ref = arrays.activations ? arrays.activations[last.layer.name] : null;
    const entry = planeStep(ops, weightsOf(arrays), gridX, P, probeX, N, C, threshold, ref ? decoder.array(ref) : null,
      labels);
    if (!entry) return null;
    entry.bytes = entry.grids.reduce((s, g) => s + g.byteLength, 0) + entry.classes.byteLength;
    cache.set(key, entry);
    cacheBytes += entry.bytes;
    while (cacheBytes > PLANE_CACHE_BYTES && cache.size > 1) {
      const [oldKey, old] = cache.entries().next().value;
      cache.delete(oldKey);
      cacheBytes -= old.bytes;
    }
    return entry;
  }

  // the run's scale per op: max |value| over the plane at the first and the last kept steps
  let runTop = null;
  function runScale() {
    if (runTop) return runTop;
    const steps = data.steps || {};
    const ends = kept.length ? [kept[0], kept[kept.length - 1]] : [];
    const found = ends.map((s) => result(s, steps[String(s)])).filter(Boolean);
    if (!found.length) return null;
    runTop = ops.map((_, k) => Math.max(...found.map((r) => r.top[k])) || 1);
    return runTop;
  }

  // --- drawing --------------------------------------------------------------------------------------
  function drawRegion(r, scaleTop) {
    const px = regionImage.data;
    if (!r) {
      for (let q = 0; q < P; q++) { px[4 * q] = px[4 * q + 1] = px[4 * q + 2] = 221; px[4 * q + 3] = 255; }
    } else if (C > 1) {
      for (let q = 0; q < P; q++) {
        const t = tints[r.classes[q] % tints.length];
        px[4 * q] = t[0]; px[4 * q + 1] = t[1]; px[4 * q + 2] = t[2]; px[4 * q + 3] = 255;
      }
    } else {
      const out = r.outGrid, top = scaleTop || 1;
      for (let q = 0; q < P; q++) {
        const t = Math.max(-1, Math.min(1, (out[q] - threshold) / top)) * PLANE_SINGLE_TINT;
        const k = 3 * (Math.round(t * 255) + 255);
        px[4 * q] = table[k]; px[4 * q + 1] = table[k + 1]; px[4 * q + 2] = table[k + 2]; px[4 * q + 3] = 255;
      }
    }
    rctx.putImageData(regionImage, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(region, M.left, M.top, plotW, plotH);
  }

  // The decision boundary (plane_model.js finds it by marching squares over the cell centres)
  function drawBoundary(r) {
    const cx = (i) => M.left + (i + 0.5) * PLANE_CELL, cy = (j) => M.top + (j + 0.5) * PLANE_CELL;
    octx.beginPath();
    for (const [i0, j0, i1, j1] of planeBoundary(r.outGrid, r.classes, G, C, threshold)) {
      octx.moveTo(cx(i0), cy(j0)); octx.lineTo(cx(i1), cy(j1));
    }
    octx.strokeStyle = "rgba(20, 20, 20, 0.85)"; octx.lineWidth = 1.6; octx.lineJoin = "round"; octx.lineCap = "round";
    octx.stroke();
  }

  function drawPoints(r) {
    if (!probeX) return;
    const sx = plotW / (x1 - x0), sy = plotH / (y1 - y0);
    for (let p = 0; p < N; p++) {
      const x = M.left + (probeX[2 * p] - x0) * sx, y = M.top + (y1 - probeX[2 * p + 1]) * sy;
      octx.beginPath(); octx.arc(x, y, 3.6, 0, 2 * Math.PI);
      octx.fillStyle = labels ? planeRgb(pointColor(labels[p])) : "#555";
      octx.fill();
      octx.lineWidth = 1; octx.strokeStyle = "#fff"; octx.stroke();
      if (labels && r && r.predictions && r.predictions[p] !== labels[p]) {
        octx.beginPath(); octx.arc(x, y, 6, 0, 2 * Math.PI);
        octx.lineWidth = 1.8; octx.strokeStyle = "#000"; octx.stroke();
      }
    }
  }

  // --- the unit heatmaps ------------------------------------------------------------------------------
  const unitViews = new Map();   // op index -> {box, canvases: [{canvas, ctx, image}]}
  let shownUnits = null;

  function unitOp(layerName) {
    const k = ops.findIndex((op) => op.layer.name === layerName);
    if (k >= 0) return k;
    // the first hidden layer: the first dense layer's output after its activation
    return ops.length > 1 && ops[1].kind === "activation" ? 1 : 0;
  }

  function unitView(k) {
    if (unitViews.has(k)) return unitViews.get(k);
    const op = ops[k];
    const label = op.layer.label || op.layer.name;
    const box = h("div", { style: "display: contents" });
    const canvases = [];
    const shown = Math.min(op.units, PLANE_MAX_UNITS);
    for (let u = 0; u < shown; u++) {
      const cell = h("div", { style: "width: " + PLANE_UNIT_SIZE + "px; font-size: 10px; color: #333" }, box);
      h("div", { style: "white-space: nowrap; overflow: hidden; text-overflow: ellipsis; line-height: 1.3em",
        title: label + " unit " + u }, cell, label + " unit " + u);
      const canvas = h("canvas", { class: "aino-plane-unit", width: G, height: G, "data-layer": op.layer.name,
        "data-unit": String(u), style: "width: " + PLANE_UNIT_SIZE + "px; height: " + PLANE_UNIT_SIZE +
        "px; image-rendering: pixelated; border: 1px solid #ccc; display: block" }, cell);
      const c2 = canvas.getContext("2d");
      canvases.push({ canvas, ctx: c2, image: c2.createImageData(G, G) });
    }
    if (op.units > shown) h("div", { style: "align-self: center; color: #666" }, box, "+" + (op.units - shown) + " more units");
    const view = { box, canvases, label };
    unitViews.set(k, view);
    return view;
  }

  function drawUnits(k, r, scale, arrayStep) {
    const view = unitView(k);
    if (shownUnits !== view) {
      unitsBox.textContent = "";
      unitsBox.appendChild(view.box);
      shownUnits = view;
    }
    const run = scale === "step" ? null : runScale();
    const top = r ? (run ? run[k] : r.top[k]) || 1 : 1;
    const op = ops[k];
    unitsTitle.textContent = view.label + ": each unit's value over the plane (orange negative, blue positive; scale \u00b1" +
      top.toPrecision(3) + (run ? ", fixed over the run)" : ", this step's)");
    const grid = r ? r.grids[k] : null;
    view.canvases.forEach((c, u) => {
      const px = c.image.data;
      for (let q = 0; q < P; q++) {
        let off;
        if (!grid) { px[4 * q] = px[4 * q + 1] = px[4 * q + 2] = 221; px[4 * q + 3] = 255; continue; }
        const v = grid[q * op.units + u];
        if (!Number.isFinite(v)) off = -1;
        else off = 3 * (Math.round(Math.max(-1, Math.min(1, v / top)) * 255) + 255);
        if (off < 0) { px[4 * q] = px[4 * q + 1] = px[4 * q + 2] = 136; }
        else { px[4 * q] = table[off]; px[4 * q + 1] = table[off + 1]; px[4 * q + 2] = table[off + 2]; }
        px[4 * q + 3] = 255;
      }
      c.ctx.putImageData(c.image, 0, 0);
      c.canvas.setAttribute("data-scale", top.toPrecision(6));
      c.canvas.setAttribute("data-step", arrayStep === null || arrayStep === undefined ? "" : String(arrayStep));
    });
  }

  function update(view) {
    view = view || {};
    const arrayStep = view.arrayStep === undefined ? null : view.arrayStep;
    const r = arrayStep === null ? null : result(arrayStep, view.arrays || null);
    const single = C === 1 ? (view.scale === "step" || !runScale() ? (r ? r.top[ops.length - 1] : 1)
      : runScale()[ops.length - 1]) : null;
    drawRegion(r, threshold === 0.5 && last.name === "sigmoid" ? 0.5 : single);
    octx.clearRect(0, 0, width, height);
    if (r) drawBoundary(r);
    drawPoints(r);
    const shownStep = arrayStep === null ? view.step : arrayStep;
    const nearest = arrayStep !== null && view.step !== undefined && view.step !== arrayStep
      ? " (the nearest kept step to " + view.step + ")" : "";
    if (!r) caption.textContent = arrayStep === null ? "no weights kept in this run" : "no weights recorded at step " + arrayStep;
    else if (!probeX) caption.textContent = "no probe points to show at step " + shownStep + nearest;
    else if (!labels) caption.textContent = N + " probe points at step " + shownStep + nearest + " (their true classes are not known)";
    else caption.textContent = r.mistakes + " of " + N + " probe points misclassified at step " + shownStep + nearest;
    note.textContent = r && r.agree !== null && r.agree !== N
      ? "the prediction redone here differs from the recorded output on " + (N - r.agree) + " point(s)" : "";
    plane.setAttribute("data-step", view.step === undefined || view.step === null ? "" : String(view.step));
    plane.setAttribute("data-array-step", arrayStep === null ? "" : String(arrayStep));
    plane.setAttribute("data-misclassified", r && r.mistakes !== null ? String(r.mistakes) : "");
    plane.setAttribute("data-predictions", r && r.predictions ? Array.from(r.predictions).join(",") : "");
    plane.setAttribute("data-recorded-predictions", r && r.recorded ? Array.from(r.recorded).join(",") : "");
    plane.setAttribute("data-agree", r && r.agree !== null ? String(r.agree) : "");
    plane.setAttribute("data-labels", labels ? Array.from(labels).join(",") : "");
    drawUnits(unitOp(view.layer), r, view.scale, arrayStep);
  }

  return { element, update, cache };
}

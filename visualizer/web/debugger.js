// debugger.js: aino's debugger in the browser. `render(root, data, options)` draws a recorded training
// run (the payload of visualizer/payload.py, format "aino.debugger/1") into the element `root`:
//
//   controls   Play/Pause, a step slider and label, a layer selector, the colour legend
//   network    the dense layers as in TensorFlow Playground (neurons by activation, links by weight)
//   loss       per step, raw and smoothed, with a marker at the current step
//   gradients  gradient norm per layer;  updates: update-to-weight ratio with the 1e-3 line
//   histogram  the selected layer's activations over time;  findings: diagnose()'s list, clickable
//
// One state variable (state.step, state.layer) drives everything: inputs only change the state and ask
// for a frame; the one draw() in requestAnimationFrame sets the slider, the label and the pictures
// together, so they always show the same step. Per-layer pictures are built once per layer and cached.

import { makeDecoder } from "./decode.js";
import { NEGATIVE, POSITIVE } from "./colors.js";
import { histogramChart, lineChart } from "./charts.js";
import { networkColumns, networkView } from "./network.js";

const PLAY_RATE = 25;          // steps per second while playing (at least 20)
const LINE_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const STYLE = `
.aino-debugger { font-family: sans-serif; color: #222; font-size: 13px; }
.aino-debugger .aino-controls { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; padding: 6px 0;
  position: sticky; top: 0; background: #fff; z-index: 1; }
.aino-debugger input[type=range] { flex: 1; min-width: 200px; max-width: 640px; }
.aino-debugger .aino-label { min-width: 8em; font-weight: bold; }
.aino-debugger .aino-grid { display: flex; flex-wrap: wrap; gap: 12px; }
.aino-debugger .aino-panel { border: 1px solid #ddd; border-radius: 4px; padding: 4px; }
.aino-debugger .aino-note { color: #8a5a00; min-height: 1.2em; }
.aino-debugger .aino-legend span { display: inline-block; width: 12px; height: 12px; vertical-align: middle;
  border: 1px solid #999; margin: 0 3px; }
.aino-debugger .aino-findings button { border: none; background: none; color: #0b5cad; cursor: pointer;
  text-align: left; padding: 2px 0; font: inherit; }
.aino-debugger .aino-findings li.current button { font-weight: bold; }
`;

function h(tag, attrs, parent, text) {
  const node = document.createElement(tag);
  for (const k in attrs || {}) node.setAttribute(k, attrs[k]);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

// TensorBoard's smoothing: an exponential moving average, debiased, skipping absent (NaN) values.
export function smooth(values, weight) {
  const out = new Float32Array(values.length);
  let last = 0, count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) { out[i] = NaN; continue; }
    last = last * weight + (1 - weight) * v;
    count++;
    out[i] = last / (1 - Math.pow(weight, count));
  }
  return out;
}

// The kept step nearest to `step` (the earlier on a tie), or null when no step kept arrays.
function nearestKept(kept, step) {
  if (!kept.length) return null;
  let lo = 0, hi = kept.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (kept[mid] < step) lo = mid + 1; else hi = mid; }
  const after = lo < kept.length ? kept[lo] : null, before = lo > 0 ? kept[lo - 1] : null;
  if (after === null) return before;
  if (before === null) return after;
  return step - before <= after - step ? before : after;
}

export function render(root, data, options) {
  options = options || {};
  if (!data || data.format !== "aino.debugger/1") {
    root.textContent = "aino debugger: this is not an aino.debugger/1 payload";
    return null;
  }
  const decoder = makeDecoder(data, options.buffers);
  const nSteps = Math.max(1, data.n_steps | 0);
  const kept = (data.kept_steps || []).slice().sort((a, b) => a - b);
  const layers = data.layers || [];
  const series = data.series || {};
  const labelOf = {};
  for (const l of layers) labelOf[l.name] = l.label || l.name;
  const defaultLayer = (layers.find((l) => l.kind === "activation") || layers[0] || {}).name || null;
  const state = {
    step: Math.min(Math.max(options.step | 0, 0), nSteps - 1),
    layer: options.layer && labelOf[options.layer] !== undefined ? options.layer : defaultLayer,
    playing: false, playFrom: 0, playStart: 0,
  };

  // --- the page ---------------------------------------------------------------------------------
  root.textContent = "";
  root.classList.add("aino-debugger");
  h("style", {}, root, STYLE);
  const controls = h("div", { class: "aino-controls" }, root);
  const play = h("button", { type: "button", class: "aino-play" }, controls, "Play");
  const slider = h("input", { type: "range", min: 0, max: nSteps - 1, step: 1, value: state.step,
    class: "aino-slider", "aria-label": "step" }, controls);
  const label = h("span", { class: "aino-label" }, controls);
  h("label", {}, controls, "Layer ");
  const select = h("select", { class: "aino-layer" }, controls);
  for (const l of layers) h("option", { value: l.name }, select, labelOf[l.name] + (l.type ? " (" + l.type + ")" : ""));
  if (state.layer) select.value = state.layer;
  const legend = h("span", { class: "aino-legend" }, controls);
  legend.innerHTML = 'colours: negative <span style="background: rgb(' + NEGATIVE.join(",") +
    ')"></span> zero <span style="background: #fff"></span> positive <span style="background: rgb(' +
    POSITIVE.join(",") + ')"></span> (fixed per layer over the run)';
  const note = h("div", { class: "aino-note" }, root);
  const grid = h("div", { class: "aino-grid" }, root);

  const netPanel = h("div", { class: "aino-panel aino-network-panel" }, grid);
  h("div", {}, netPanel, "Network at the step: neurons by mean activation over the probe, links by weight");
  const columns = networkColumns(data);
  const network = columns ? networkView(data, decoder, columns) : null;
  if (network) netPanel.appendChild(network.svg);
  else h("div", {}, netPanel, "(no dense layers to draw)");

  const panel = (cls) => h("canvas", { class: "aino-chart " + cls }, h("div", { class: "aino-panel" }, grid));
  const lossCanvas = panel("aino-loss");
  const gradCanvas = panel("aino-grad");
  const ratioCanvas = panel("aino-ratio");
  const histCanvas = panel("aino-hist");
  const findingsPanel = h("div", { class: "aino-panel aino-findings" }, grid);
  h("div", {}, findingsPanel, "Findings of diagnose() (click: go to its step and layer)");
  const findingsList = h("ul", {}, findingsPanel);

  // --- the step-independent pictures -------------------------------------------------------------
  const W = 460, H = 200;
  const loss = decoder.array(series.loss) || new Float32Array(nSteps).fill(NaN);
  const lossChart = lineChart(lossCanvas, W, H, { nSteps, title: "loss per step", series: [
    { values: loss, color: "#9ecae1", width: 1, label: "raw" },
    { values: smooth(loss, 0.9), color: "#08519c", width: 2, label: "smoothed", mark: true }] });
  const perLayer = {};   // layer -> {grad, ratio, hist}: built the first time the layer is shown

  function paramsOf(name) {
    const own = (data.params || []).filter((p) => p.layer === name).map((p) => p.name);
    if (own.length) return own;
    // an activation has no parameters: those of the nearest earlier layer that has some
    const i = layers.findIndex((l) => l.name === name);
    for (let j = i; j >= 0; j--) {
      const ps = (data.params || []).filter((p) => p.layer === layers[j].name).map((p) => p.name);
      if (ps.length) return ps;
    }
    return [];
  }

  function layerCharts(name) {
    if (perLayer[name]) return perLayer[name];
    const grads = series.grad_norm || {};
    const gradSeries = Object.keys(grads).map((l, k) => ({ values: decoder.array(grads[l]),
      color: l === name ? "#d62728" : LINE_COLORS[k % LINE_COLORS.length], width: l === name ? 2.2 : 1,
      alpha: l === name ? 1 : 0.6, mark: l === name }));
    const ratios = series.update_ratio || {};
    const ratioSeries = paramsOf(name).filter((p) => ratios[p]).map((p, k) => ({ values: decoder.array(ratios[p]),
      color: LINE_COLORS[k % LINE_COLORS.length], width: 1.5, label: p, mark: true }));
    const charts = {
      grad: lineChart(gradCanvas, W, H, { nSteps, logY: true, series: gradSeries,
        title: "gradient norm per layer (" + (labelOf[name] || name) + " in red)" }),
      ratio: lineChart(ratioCanvas, W, H, { nSteps, logY: true, series: ratioSeries,
        line: { value: 1e-3, label: "1e-3" },
        title: ratioSeries.length ? "update / weight ratio" : "update / weight ratio (no parameters)" }),
    };
    const hist = (series.hist || {})[name];
    const counts = hist ? decoder.array(hist.counts) : null;
    charts.hist = counts && hist.edges ? histogramChart(histCanvas, W, H, { counts, nSteps, bins: hist.counts.shape[1],
      edges: hist.edges, title: "activations of " + (labelOf[name] || name) + " over time" })
      : lineChart(histCanvas, W, H, { nSteps, series: [], title: "no histogram recorded for " + name });
    perLayer[name] = charts;
    return charts;
  }

  // --- findings ----------------------------------------------------------------------------------
  const findingItems = [];
  for (const f of data.findings || []) {
    const li = h("li", {}, findingsList);
    const b = h("button", { type: "button" }, li, (f.kind || "").replace(/_/g, " ") +
      (f.layer ? " in " + (labelOf[f.layer] || f.layer) : "") + (Number.isFinite(f.step) ? ", step " + f.step : "") + ": " + (f.message || ""));
    b.addEventListener("click", () => {
      pause();
      if (Number.isFinite(f.step)) state.step = Math.min(Math.max(f.step | 0, 0), nSteps - 1);
      if (f.layer && labelOf[f.layer] !== undefined) state.layer = f.layer;
      request();
    });
    findingItems.push({ li, f });
  }
  if (!findingItems.length) h("li", {}, findingsList, "diagnose() found nothing wrong in this run.");

  // --- the one draw ------------------------------------------------------------------------------
  let pending = 0, requestedAt = 0, shownLayer = null;
  const timings = [];   // [step, ms from the request to the end of its draw], for tests and benchmarks

  function request() {
    if (!requestedAt) requestedAt = performance.now();
    if (!pending) pending = requestAnimationFrame(frame);
  }

  function frame(now) {
    pending = 0;
    if (state.playing) {
      state.step = Math.min(nSteps - 1, state.playFrom + Math.floor((now - state.playStart) / 1000 * PLAY_RATE));
      if (state.step >= nSteps - 1) pause();
    }
    draw();
    if (state.playing) pending = requestAnimationFrame(frame);
  }

  function draw() {
    const started = requestedAt || performance.now();
    const step = state.step;
    slider.value = String(step);
    label.textContent = "Step " + step + " of " + (nSteps - 1);
    if (state.layer && select.value !== state.layer) select.value = state.layer;
    const charts = state.layer ? layerCharts(state.layer) : null;
    if (shownLayer !== state.layer) shownLayer = state.layer;
    const arrayStep = nearestKept(kept, step);
    const arrays = arrayStep === null ? null : (data.steps || {})[String(arrayStep)] || null;
    note.textContent = arrayStep === step ? "" : arrayStep === null ? "no arrays kept in this run: summaries only"
      : "no arrays kept at this step; nearest kept: " + arrayStep + " (the network shows step " + arrayStep + ")";
    if (network) {
      network.update(arrays, state.layer);
      network.svg.style.opacity = arrayStep === step ? "1" : "0.55";
      network.svg.setAttribute("data-array-step", arrayStep === null ? "" : String(arrayStep));
    }
    lossChart.drawAt(step);
    if (charts) { charts.grad.drawAt(step); charts.ratio.drawAt(step); charts.hist.drawAt(step); }
    for (const { li, f } of findingItems) li.classList.toggle("current", f.step === step && f.layer === state.layer);
    root.setAttribute("data-step", String(step));
    root.setAttribute("data-layer", state.layer || "");
    timings.push([step, performance.now() - started]);
    if (timings.length > 5000) timings.splice(0, 1000);
    requestedAt = 0;
  }

  // --- inputs: they change the state and ask for a frame, nothing else ---------------------------
  function pause() { state.playing = false; play.textContent = "Play"; }
  play.addEventListener("click", () => {
    if (state.playing) { pause(); request(); return; }
    if (state.step >= nSteps - 1) state.step = 0;
    state.playing = true; state.playFrom = state.step; state.playStart = performance.now();
    play.textContent = "Pause";
    request();
  });
  slider.addEventListener("input", () => { pause(); state.step = parseInt(slider.value, 10) || 0; request(); });
  select.addEventListener("change", () => { state.layer = select.value; request(); });

  draw();
  const api = {
    state, timings, draw, pause,
    setStep(step) { pause(); state.step = Math.min(Math.max(step | 0, 0), nSteps - 1); request(); },
    setLayer(name) { state.layer = name; request(); },
    play() { if (!state.playing) play.click(); },
  };
  root.aino = api;
  return api;
}

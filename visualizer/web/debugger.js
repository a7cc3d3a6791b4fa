// debugger.js: aino's debugger in the browser. `render(root, data, options)` draws a recorded training
// run (the payload of visualizer/payload.py, format "aino.debugger/1") into the element `root`:
//
//   controls   Play/Pause, a step slider and label, a layer selector, the colour scale, the legend
//   network    the dense layers as in TensorFlow Playground (neurons by activation, links by weight);
//              click a neuron of a dense layer for its chain rule at the step (neuron.js)
//   panels     the input plane for 2-D inputs (plane.js); convolution, recurrent, attention and
//              normalisation layers (layers.js)
//   loss       per step, raw and smoothed (and the validation loss and accuracy when logged)
//   gradients  gradient norm per layer;  updates: update-to-weight ratio with the 1e-3 line
//   histograms the selected layer's activations (and gradients) over time, as TensorBoard draws them
//   findings   diagnose()'s list, clickable;  ops: the op log of the kept step, when recorded
//
// One state variable (state.step, state.layer, state.scale) drives everything: inputs only change the
// state and ask for a frame; the one draw() in requestAnimationFrame sets the slider, the label and the
// pictures together, so they always show the same step. Per-layer pictures are built once and cached.

import { makeDecoder, stepsFromStacks } from "./decode.js";
import { NEGATIVE, POSITIVE } from "./colors.js";
import { histogramChart, lineChart } from "./charts.js";
import { STYLE, h, seriesLegend } from "./dom.js";
import { findingsPanel, opsPanel } from "./lists.js";
import { networkColumns, networkView } from "./network.js";
import { neuronPanel } from "./neuron.js";
import { layerPanel } from "./layers.js";
import { planePanel } from "./plane.js";

const PLAY_RATE = 25;          // steps per second while playing (at least 20)
const LINE_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#ff7f0e", "#393b79", "#637939", "#8c6d31"];
const SELECTED = "#d62728";    // the selected layer's line
const PANEL_MAKERS = [planePanel, layerPanel];  // (data, decoder) -> null | {element, update(view)}

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

// The value in the sorted list `kept` nearest to `step` (the earlier on a tie), or null when it is empty.
export function nearestKept(kept, step) {
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
  if (data.stacks && !data.steps) data.steps = stepsFromStacks(data.stacks);
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
    scale: options.scale === "step" ? "step" : "run",
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
  for (const l of layers) {   // "fc1 (Linear)"; a label that already starts with its type gets it once
    const typed = l.type && !labelOf[l.name].startsWith(l.type);
    h("option", { value: l.name }, select, labelOf[l.name] + (typed ? " (" + l.type + ")" : ""));
  }
  if (state.layer) select.value = state.layer;
  h("label", {}, controls, "Colour scale ");
  const scaleSelect = h("select", { class: "aino-scale" }, controls);
  h("option", { value: "run" }, scaleSelect, "fixed over the run");
  h("option", { value: "step" }, scaleSelect, "for this step");
  scaleSelect.value = state.scale;
  const legend = h("span", { class: "aino-legend" }, controls);
  legend.innerHTML = 'colours: negative <span style="background: rgb(' + NEGATIVE.join(",") +
    ')"></span> zero <span style="background: #fff"></span> positive <span style="background: rgb(' +
    POSITIVE.join(",") + ')"></span>';
  const note = h("div", { class: "aino-note" }, root);
  const grid = h("div", { class: "aino-grid" }, root);

  const netPanel = h("div", { class: "aino-panel aino-network-panel" }, grid);
  h("div", { class: "aino-panel-title" }, netPanel, "Network at the step: neurons by mean activation over the probe, links by weight");
  const columns = networkColumns(data);
  const network = columns ? networkView(data, decoder, columns) : null;
  if (network) netPanel.appendChild(network.svg);
  else h("div", {}, netPanel, "(no dense layers to draw)");
  const neuron = network ? neuronPanel(data, decoder) : null;
  function pickNeuron(layer, unit) {   // a dense layer's neuron: its chain rule in the neuron panel
    const c = columns.findIndex((col, k) => k > 0 && col.layer === layer);
    if (!neuron || c < 1) return false;
    neuron.pick(layer, unit);
    network.mark(c, unit);
    request();
    return true;
  }
  if (neuron) {
    grid.appendChild(neuron.element);
    network.svg.addEventListener("click", (event) => {
      const circle = event.target.closest ? event.target.closest("circle.aino-neuron") : null;
      const c = circle ? parseInt(circle.getAttribute("data-column"), 10) : 0;
      if (c > 0) pickNeuron(columns[c].layer, parseInt(circle.getAttribute("data-unit"), 10) || 0);
    });
  }
  const extraPanels = [];
  for (const make of PANEL_MAKERS) {
    const made = make(data, decoder);
    if (made) { grid.appendChild(made.element); extraPanels.push(made); }
  }

  const panel = (cls) => {
    const box = h("div", { class: "aino-panel " + cls + "-panel" }, grid);
    return { box, canvas: h("canvas", { class: "aino-chart " + cls }, box) };
  };
  const lossBox = panel("aino-loss"), gradBox = panel("aino-grad"), ratioBox = panel("aino-ratio");
  const histBox = panel("aino-hist"), gradHistBox = panel("aino-grad-hist");
  const findings = findingsPanel(grid, data.findings, labelOf, (step, layer) => {
    pause();
    if (Number.isFinite(step)) state.step = Math.min(Math.max(step | 0, 0), nSteps - 1);
    if (layer && labelOf[layer] !== undefined) state.layer = layer;
    request();
  });
  const ops = opsPanel(grid, data.ops, nearestKept);

  // --- the step-independent pictures -------------------------------------------------------------
  const W = 460, H = 200;
  const metrics = series.metrics || {};
  const loss = decoder.array(series.loss) || new Float32Array(nSteps).fill(NaN);
  const lossSeries = [{ values: loss, color: "#9ecae1", width: 1, label: "training (raw)" },
    { values: smooth(loss, 0.9), color: "#08519c", width: 2, label: "smoothed", mark: true }];
  if (metrics.val_loss) lossSeries.push({ values: decoder.array(metrics.val_loss), color: "#e6550d", dots: true,
    label: "validation", mark: true });
  const lossChart = lineChart(lossBox.canvas, W, H, { nSteps, title: "loss per step", series: lossSeries });
  const stepCharts = [lossChart];
  if (metrics.val_accuracy) {
    const box = panel("aino-accuracy");
    stepCharts.push(lineChart(box.canvas, W, H, { nSteps, title: "validation accuracy", series: [
      { values: decoder.array(metrics.val_accuracy), color: "#e6550d", dots: true, mark: true, label: "validation" }] }));
  }
  const perLayer = {};   // layer -> {grad, ratio, hist, gradHist, legends}: built the first time it is shown

  function paramsOf(name) {
    // a layer's own parameters; an activation has none: those of the nearest earlier layer that has some
    const i = layers.findIndex((l) => l.name === name);
    for (let j = i; j >= 0; j--) {
      const ps = (data.params || []).filter((p) => p.layer === layers[j].name).map((p) => p.name);
      if (ps.length) return ps;
    }
    return [];
  }

  function histogramOf(box, hist, what, name) {
    const counts = hist ? decoder.array(hist.counts) : null;
    return counts && hist.edges ? histogramChart(box.canvas, W, H, { counts, nSteps, bins: hist.counts.shape[1],
      edges: hist.edges, title: what + " of " + (labelOf[name] || name) + " over time" })
      : lineChart(box.canvas, W, H, { nSteps, series: [], title: "no " + what + " histogram recorded for " + (labelOf[name] || name) });
  }

  function layerCharts(name) {
    if (perLayer[name]) return perLayer[name];
    const grads = series.grad_norm || {};
    const gradSeries = Object.keys(grads).map((l, k) => ({ values: decoder.array(grads[l]), label: labelOf[l] || l,
      color: l === name ? SELECTED : LINE_COLORS[k % LINE_COLORS.length], width: l === name ? 2.2 : 1,
      alpha: l === name ? 1 : 0.6, mark: l === name }));
    const ratios = series.update_ratio || {};
    const ratioSeries = paramsOf(name).filter((p) => ratios[p]).map((p, k) => ({ values: decoder.array(ratios[p]),
      color: LINE_COLORS[k % LINE_COLORS.length], width: 1.5, label: p, mark: true }));
    const charts = {
      grad: lineChart(gradBox.canvas, W, H, { nSteps, logY: true, series: gradSeries, legend: false,
        title: "gradient norm per layer (" + (labelOf[name] || name) + " in red)" }),
      ratio: lineChart(ratioBox.canvas, W, H, { nSteps, logY: true, series: ratioSeries, legend: false,
        line: { value: 1e-3, label: "1e-3" },
        title: ratioSeries.length ? "update / weight ratio" : "update / weight ratio (no parameters)" }),
      hist: histogramOf(histBox, (series.hist || {})[name], "activations", name),
      gradHist: histogramOf(gradHistBox, (series.grad_hist || {})[name], "gradients", name),
      legends: [[gradBox, seriesLegend(null, gradSeries)], [ratioBox, seriesLegend(null, ratioSeries)]],
    };
    perLayer[name] = charts;
    return charts;
  }

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
    if (scaleSelect.value !== state.scale) scaleSelect.value = state.scale;
    const charts = state.layer ? layerCharts(state.layer) : null;
    if (charts && shownLayer !== state.layer) {   // the chosen layer's legends replace the last one's
      for (const [box, node] of charts.legends) {
        for (const old of box.box.querySelectorAll(".aino-series-legend")) old.remove();
        box.box.appendChild(node);
      }
    }
    shownLayer = state.layer;
    const arrayStep = nearestKept(kept, step);
    const arrays = arrayStep === null ? null : (data.steps || {})[String(arrayStep)] || null;
    note.textContent = arrayStep === step ? "" : arrayStep === null ? "no arrays kept in this run: summaries only"
      : "no arrays kept at this step; nearest kept: " + arrayStep + " (the pictures of arrays show step " + arrayStep + ")";
    if (network) {
      network.update(arrays, state.layer, state.scale);
      network.svg.style.opacity = arrayStep === step ? "1" : "0.55";
      network.svg.setAttribute("data-array-step", arrayStep === null ? "" : String(arrayStep));
    }
    const view = { step, arrayStep, arrays, layer: state.layer, scale: state.scale };
    for (const p of extraPanels) p.update(view);
    if (neuron) neuron.update(view);
    for (const chart of stepCharts) chart.drawAt(step);
    if (charts) { charts.grad.drawAt(step); charts.ratio.drawAt(step); charts.hist.drawAt(step); charts.gradHist.drawAt(step); }
    findings.update(step, state.layer);
    if (ops) ops.update(step);
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
  scaleSelect.addEventListener("change", () => { state.scale = scaleSelect.value; request(); });

  draw();
  const api = {
    state, timings, draw, pause,
    setStep(step) { pause(); state.step = Math.min(Math.max(step | 0, 0), nSteps - 1); request(); },
    setLayer(name) { state.layer = name; request(); },
    pickNeuron,
    setScale(scale) { state.scale = scale === "step" ? "step" : "run"; request(); },
    play() { if (!state.playing) play.click(); },
  };
  root.aino = api;
  return api;
}

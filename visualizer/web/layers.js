// layers.js: the per-layer-kind panel of the debugger. `layerPanel(data, decoder)` gives null when no
// layer of the run is a convolution, recurrent, attention or normalisation layer; else
// {element, update(view)}, view = {step, arrayStep, arrays, layer, scale}:
//
//   conv       filters, feature maps of probe sample 0, per-channel mean and std  (layers_conv.js)
//   recurrent  hidden state over time, gradient norm per time step              (layers_sequence.js)
//   attention  one attention map per head                                       (layers_sequence.js)
//   norm       running mean and running variance per feature (the module's buffers), and the layer's
//              weight gamma and bias beta, as bars at the step                  (here)
//
// The panel shows the selected layer when it is of one of these kinds, else the nearest such layer in
// the model's order (the heading says which). Each layer's section is built once; the pictures of one
// (arrayStep, scale) are computed once and kept, so showing them again only puts the ImageData back.

import { NEGATIVE, POSITIVE } from "./colors.js";
import { h } from "./dom.js";
import { lpBars, lpConvSection, lpNum } from "./layers_conv.js";
import { lpAttentionSection, lpRecurrentSection } from "./layers_sequence.js";

const LP_KINDS = ["conv", "recurrent", "attention", "norm"];
const LP_CACHE = 64;   // computed frames kept per layer (one per arrayStep and scale)

// The norm panel: {element, compute(arrays, scale) -> paint()}. Each of running_mean, running_var
// (arrays.buffers), weight gamma and bias beta (arrays.weights) gets one bar per feature.
function lpNormSection(data, decoder, entry) {
  const detail = entry.detail || {};
  const element = h("div", { class: "aino-lp-norm" });
  const rows = [
    { stat: "running_mean", label: "running mean per feature", kind: "buffers", name: detail.running_mean },
    { stat: "running_var", label: "running variance per feature", kind: "buffers", name: detail.running_var },
    { stat: "weight", label: "weight \u03b3 (scale) per feature", kind: "weights", name: entry.weight },
    { stat: "bias", label: "bias \u03b2 (shift) per feature", kind: "weights", name: entry.bias },
  ].filter((r) => r.name);
  h("div", {}, element, "y = (x - mean) / sqrt(var + eps) \u00b7 \u03b3 + \u03b2 per feature" +
    (detail.running_mean ? "; in eval mode mean and var are the running estimates" :
      "; no running statistics recorded for this layer"));
  for (const r of rows) {
    r.canvas = h("canvas", { class: "aino-norm-stats", "data-stat": r.stat }, element);
    r.run = null;    // the largest |value| over the first and last kept steps, found on first use
  }
  const missing = h("div", { class: "aino-lp-missing" }, element);
  missing.style.color = "#8a5a00";
  const kept = data.kept_steps || [];

  function values(arrays, r) {
    return arrays && arrays[r.kind] ? decoder.array(arrays[r.kind][r.name]) : null;
  }
  function extent(v) {   // [min(0, min v), max(0, max v)]
    let lo = 0, hi = 0;
    for (const x of v) if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    return [lo, hi];
  }

  function compute(arrays, scale) {
    const paints = [], absent = [];
    for (const r of rows) {
      const v = values(arrays, r);
      if (!v) { absent.push(r.stat); paints.push(() => { lpBars(r.canvas, 420, 120, { title: r.label + ": not recorded", series: [] }); r.canvas.setAttribute("data-values", ""); }); continue; }
      if (scale === "run" && r.run === null) {
        r.run = [0, 0];
        for (const s of [kept[0], kept[kept.length - 1]]) {
          const w = values((data.steps || {})[String(s)], r);
          if (w) { const [lo, hi] = extent(w); r.run = [Math.min(r.run[0], lo), Math.max(r.run[1], hi)]; }
        }
        const [lo, hi] = extent(v);
        r.run = [Math.min(r.run[0], lo), Math.max(r.run[1], hi)];
      }
      const range = scale === "run" ? r.run : null;
      const text = Array.from(v, (x) => lpNum(x, 4)).join(",");
      paints.push(() => {
        lpBars(r.canvas, 420, 120, { title: r.label + " (" + v.length + " features)", xLabel: "feature", range,
          series: [{ values: v, color: "rgb(" + (r.stat === "bias" || r.stat === "running_mean" ? NEGATIVE : POSITIVE).join(",") + ")" }] });
        r.canvas.setAttribute("data-values", text);
      });
    }
    const note = absent.length ? "not recorded at this step: " + absent.join(", ") : "";
    return () => { for (const p of paints) p(); missing.textContent = note; };
  }
  return { element, compute };
}

const LP_BUILDERS = { conv: lpConvSection, recurrent: lpRecurrentSection, attention: lpAttentionSection, norm: lpNormSection };

// The layer the panel shows for `selected`: itself when of a panel kind, else the nearest such layer
// in the model's order (the earlier on a tie), else the first.
function lpPick(layers, selected) {
  const i = layers.findIndex((l) => l.name === selected);
  let best = null, distance = Infinity;
  layers.forEach((l, j) => {
    if (!LP_KINDS.includes(l.kind)) return;
    const d = i < 0 ? j : Math.abs(j - i);
    if (d < distance) { best = l; distance = d; }
  });
  return best;
}

export function layerPanel(data, decoder) {
  const layers = (data && data.layers) || [];
  if (!layers.some((l) => LP_KINDS.includes(l.kind))) return null;
  const element = h("div", { class: "aino-panel aino-layer-panel" });
  element.style.maxWidth = "600px";
  const heading = h("div", { class: "aino-lp-heading" }, element);
  heading.style.cssText = "font-weight: bold; margin-bottom: 2px;";
  const which = h("div", { class: "aino-lp-which" }, element);
  which.style.cssText = "font-size: 12px; color: #555; margin-bottom: 4px;";
  const body = h("div", { class: "aino-lp-body" }, element);
  const note = h("div", { class: "aino-lp-note" }, element);
  note.style.cssText = "font-size: 12px; color: #8a5a00;";
  const sections = {};       // layer -> {element, compute, frames: Map(key -> paint), shown}
  let current = null, selectedShown;   // the section on show, and the selected layer it was shown for
  const names = { conv: "Convolution", recurrent: "Recurrent", attention: "Attention", norm: "Normalisation" };

  function section(entry) {
    if (!sections[entry.name]) {
      const s = LP_BUILDERS[entry.kind](data, decoder, entry);
      sections[entry.name] = { element: s.element, compute: s.compute, frames: new Map(), shown: null };
    }
    return sections[entry.name];
  }

  function update(view) {
    view = view || {};
    const entry = lpPick(layers, view.layer);
    const label = (l) => "'" + (l.label || l.name) + "'" + (l.type && !(l.label || "").includes(l.type) ? " (" + l.type + ")" : "");
    const s = section(entry);
    if (current !== s || selectedShown !== view.layer) {
      if (current !== s) { body.textContent = ""; body.appendChild(s.element); }
      current = s;
      selectedShown = view.layer;
      heading.textContent = names[entry.kind] + " layer " + label(entry);
      const selected = layers.find((l) => l.name === view.layer);
      which.textContent = entry.name === view.layer ? "the selected layer"
        : "the nearest conv / recurrent / attention / norm layer to the selected " + (selected ? label(selected) : "layer");
      element.setAttribute("data-layer", entry.name);
      element.setAttribute("data-kind", entry.kind);
    }
    const scale = view.scale === "step" ? "step" : "run";
    const arrayStep = view.arrays ? view.arrayStep : null;
    const key = arrayStep + "|" + scale;
    note.textContent = view.arrays ? (view.step !== undefined && view.step !== arrayStep
      ? "no arrays kept at step " + view.step + "; showing the nearest kept step " + arrayStep : "")
      : "no arrays kept in this run: nothing to draw";
    if (s.shown === key) return;
    let paint = s.frames.get(key);
    if (!paint) {
      paint = s.compute(view.arrays || null, scale);
      s.frames.set(key, paint);
      if (s.frames.size > LP_CACHE) s.frames.delete(s.frames.keys().next().value);
    }
    paint();
    s.shown = key;
    element.setAttribute("data-array-step", arrayStep === null ? "" : String(arrayStep));
  }
  return { element, update };
}

// charts.js: the per-step panels drawn on <canvas>: line charts over the steps (loss, gradient norm,
// update ratio) and the distribution over time (a TensorBoard-like heatmap: steps across, values up).
//
// Everything that does not depend on the current step is drawn once into an offscreen canvas; a frame
// only copies that picture and draws the step marker, so scrubbing costs well under a millisecond.

import { MARKER, POSITIVE } from "./colors.js";

const MARGIN = { left: 52, right: 12, top: 22, bottom: 28 };
const FONT = "11px sans-serif";

// "Nice" tick values between lo and hi (about `count` of them); whole numbers when `integer`.
export function niceTicks(lo, hi, count, integer) {
  if (!(hi > lo)) return [lo];
  let step = Math.pow(10, Math.floor(Math.log10((hi - lo) / count)));
  for (const m of [1, 2, 5, 10]) {
    if ((hi - lo) / (step * m) <= count) { step *= m; break; }
  }
  if (integer) step = Math.max(1, Math.round(step));
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function format(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(0) : String(+v.toPrecision(3));
}

// A canvas sized for the screen's pixel ratio; returns its 2-D context, drawing in CSS pixels.
export function setupCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

// The mapping of one chart: x = step (0 .. nSteps - 1), y = value (linear or log).
function frame(width, height, nSteps, lo, hi, logY) {
  const w = width - MARGIN.left - MARGIN.right, h = height - MARGIN.top - MARGIN.bottom;
  const f = logY ? Math.log10 : (v) => v;
  const a = f(lo), b = f(hi);
  return {
    x: (s) => MARGIN.left + (nSteps > 1 ? (s / (nSteps - 1)) * w : w / 2),
    y: (v) => MARGIN.top + h - ((f(v) - a) / (b - a || 1)) * h,
    w, h,
  };
}

function axes(ctx, width, height, map, nSteps, lo, hi, logY, title, yLabel) {
  ctx.font = FONT;
  ctx.fillStyle = "#222";
  ctx.textAlign = "left";
  ctx.fillText(title, MARGIN.left, 14);
  ctx.strokeStyle = "#bbb";
  ctx.lineWidth = 1;
  ctx.strokeRect(MARGIN.left, MARGIN.top, map.w, map.h);
  ctx.fillStyle = "#555";
  ctx.textAlign = "center";
  const stepTicks = niceTicks(0, nSteps - 1, 6, true);        // steps are whole numbers
  for (const s of stepTicks) ctx.fillText(String(s), map.x(s), height - MARGIN.bottom + 13);
  ctx.fillText("step", MARGIN.left + map.w / 2, height - 3);
  ctx.textAlign = "right";
  let ticks;
  if (logY) {
    ticks = [];
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++) ticks.push(Math.pow(10, e));
  } else ticks = niceTicks(lo, hi, 4, false);
  ctx.strokeStyle = "#eee";
  for (const v of ticks) {
    const y = map.y(v);
    ctx.fillText(logY ? "1e" + Math.round(Math.log10(v)) : format(v), MARGIN.left - 4, y + 4);
    ctx.beginPath(); ctx.moveTo(MARGIN.left + 1, y); ctx.lineTo(MARGIN.left + map.w - 1, y); ctx.stroke();
  }
  if (yLabel) {
    ctx.save(); ctx.translate(10, MARGIN.top + map.h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillText(yLabel, 0, 0); ctx.restore();
  }
  return stepTicks;
}

// The finite (positive, for a log axis) range of some series, padded a little.
function range(series, logY) {
  let lo = Infinity, hi = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (Number.isFinite(v) && (!logY || v > 0)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    }
  }
  if (!(hi >= lo)) return logY ? [1e-4, 1] : [0, 1];
  if (logY) return [lo / 1.5, hi * 1.5];
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

// One polyline per series, broken where a value is absent (NaN).
function polyline(ctx, map, values, logY) {
  ctx.beginPath();
  let pen = false;
  for (let s = 0; s < values.length; s++) {
    const v = values[s];
    if (!Number.isFinite(v) || (logY && v <= 0)) { pen = false; continue; }
    const x = map.x(s), y = map.y(v);
    if (pen) ctx.lineTo(x, y); else { ctx.moveTo(x, y); pen = true; }
  }
  ctx.stroke();
}

// Dots at every finite value: for a sparse series (a validation loss logged once an epoch).
function dots(ctx, map, values, logY) {
  for (let s = 0; s < values.length; s++) {
    const v = values[s];
    if (!Number.isFinite(v) || (logY && v <= 0)) continue;
    ctx.beginPath(); ctx.arc(map.x(s), map.y(v), 2.5, 0, 2 * Math.PI); ctx.fill();
  }
}

// A line chart: series [{values, color, width, label, dots}], optional horizontal `line` {value, label}.
// The series' labels are drawn top right unless `legend` is false (the caller then shows seriesLegend).
// Returns {drawAt(step)}: the static picture plus the marker and the series' values at `step`.
export function lineChart(canvas, width, height, opts) {
  const { series, logY, line, title, yLabel, nSteps } = opts;
  const ctx = setupCanvas(canvas, width, height);
  const back = document.createElement("canvas");
  const bctx = setupCanvas(back, width, height);
  let [lo, hi] = range(series, logY);
  if (line && logY) { lo = Math.min(lo, line.value / 3); hi = Math.max(hi, line.value * 3); }
  const map = frame(width, height, nSteps, lo, hi, logY);
  canvas.setAttribute("data-step-ticks", axes(bctx, width, height, map, nSteps, lo, hi, logY, title, yLabel).join(","));
  bctx.save();
  bctx.beginPath(); bctx.rect(MARGIN.left, MARGIN.top, map.w, map.h); bctx.clip();
  if (line) {
    bctx.strokeStyle = "#444"; bctx.setLineDash([4, 3]); bctx.lineWidth = 1;
    const y = map.y(line.value);
    bctx.beginPath(); bctx.moveTo(MARGIN.left, y); bctx.lineTo(MARGIN.left + map.w, y); bctx.stroke();
    bctx.setLineDash([]); bctx.fillStyle = "#444"; bctx.font = FONT; bctx.textAlign = "left";
    bctx.fillText(line.label, MARGIN.left + 4, y - 3);
  }
  for (const s of series) {
    bctx.strokeStyle = s.color; bctx.fillStyle = s.color; bctx.lineWidth = s.width || 1.2; bctx.globalAlpha = s.alpha || 1;
    if (s.dots) dots(bctx, map, s.values, logY); else polyline(bctx, map, s.values, logY);
  }
  bctx.restore();
  // legend, top right
  bctx.font = FONT; bctx.textAlign = "right";
  let lx = width - MARGIN.right;
  for (const s of opts.legend === false ? [] : series.slice().reverse()) {
    if (!s.label) continue;
    bctx.fillStyle = s.color; bctx.fillText(s.label, lx, 14);
    lx -= bctx.measureText(s.label).width + 12;
  }

  function drawAt(step) {
    restore(ctx, canvas, back);
    const x = map.x(step);
    ctx.strokeStyle = MARKER; ctx.lineWidth = 1; ctx.setLineDash([3, 2]);
    ctx.beginPath(); ctx.moveTo(x, MARGIN.top); ctx.lineTo(x, MARGIN.top + map.h); ctx.stroke();
    ctx.setLineDash([]);
    for (const s of series) {
      if (!s.mark) continue;
      const v = s.values[step];
      if (!Number.isFinite(v) || (logY && v <= 0)) continue;
      ctx.fillStyle = MARKER;
      ctx.beginPath(); ctx.arc(x, map.y(v), 3.5, 0, 2 * Math.PI); ctx.fill();
    }
  }
  return { drawAt };
}

// Start a frame: the static background drawn once (axes, curves), in device pixels, then CSS pixels again.
function restore(ctx, canvas, back) {
  const ratio = window.devicePixelRatio || 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(back, 0, 0);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
}

// The distribution of one layer's values over time: column s is step s's histogram (counts per bin,
// darker = more), values from edges[0] (bottom) to edges[1] (top). A strip at the right shows the
// current step's histogram as bars.
export function histogramChart(canvas, width, height, opts) {
  const { counts, nSteps, bins, edges, title } = opts;
  const strip = 70;
  const ctx = setupCanvas(canvas, width, height);
  const back = document.createElement("canvas");
  const bctx = setupCanvas(back, width, height);
  const plotW = width - strip;
  const map = frame(plotW, height, nSteps, edges[0], edges[1], false);
  canvas.setAttribute("data-step-ticks", axes(bctx, plotW, height, map, nSteps, edges[0], edges[1], false, title, "value").join(","));
  // the heatmap at one pixel per (step, bin), scaled into the plot box
  const image = document.createElement("canvas");
  image.width = Math.max(nSteps, 1); image.height = bins;
  const ictx = image.getContext("2d");
  const pixels = ictx.createImageData(image.width, bins);
  for (let s = 0; s < nSteps; s++) {
    let top = 0;
    for (let b = 0; b < bins; b++) { const c = counts[s * bins + b]; if (c > top) top = c; }
    for (let b = 0; b < bins; b++) {
      const c = counts[s * bins + b];
      const t = Number.isFinite(c) && top > 0 ? Math.sqrt(c / top) : 0;
      const k = ((bins - 1 - b) * image.width + s) * 4;
      pixels.data[k] = 255 + (POSITIVE[0] - 255) * t;
      pixels.data[k + 1] = 255 + (POSITIVE[1] - 255) * t;
      pixels.data[k + 2] = 255 + (POSITIVE[2] - 255) * t;
      pixels.data[k + 3] = Number.isFinite(top) && top > 0 ? 255 : 0;
    }
  }
  ictx.putImageData(pixels, 0, 0);
  bctx.imageSmoothingEnabled = false;
  bctx.drawImage(image, MARGIN.left + 1, MARGIN.top + 1, map.w - 2, map.h - 2);

  function drawAt(step) {
    restore(ctx, canvas, back);
    const x = map.x(step);
    ctx.strokeStyle = MARKER; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(x, MARGIN.top); ctx.lineTo(x, MARGIN.top + map.h); ctx.stroke();
    // this step's histogram, bars growing to the right
    let top = 0;
    for (let b = 0; b < bins; b++) { const c = counts[step * bins + b]; if (c > top) top = c; }
    const x0 = plotW + 4, bh = map.h / bins;
    ctx.fillStyle = "#222"; ctx.font = FONT; ctx.textAlign = "left";
    ctx.fillText("step " + step, x0, 14);
    ctx.fillStyle = "rgb(" + POSITIVE.join(",") + ")";
    for (let b = 0; b < bins; b++) {
      const c = counts[step * bins + b];
      if (!(c > 0) || !(top > 0)) continue;
      ctx.fillRect(x0, MARGIN.top + map.h - (b + 1) * bh, (c / top) * (strip - 10), Math.max(bh - 1, 1));
    }
    if (!(top > 0)) { ctx.fillStyle = "#888"; ctx.fillText("nothing", x0, MARGIN.top + map.h / 2); }
  }
  return { drawAt };
}

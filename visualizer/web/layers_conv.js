// layers_conv.js: the drawing pieces the per-layer-kind panels share (value -> colour, a heatmap put
// into a canvas as ImageData, a small bar chart, a colour legend), and the panel of a convolution
// layer: its filters as small images, the feature maps of probe sample 0 per channel, and per-channel
// mean and std of the feature maps over the probe (a bar chart).
//
// Every top-level name here starts with "lp": the renderer's files share one scope when inlined.

import { NEGATIVE, POSITIVE, divergingPixel, symmetricTop } from "./colors.js";
import { h } from "./dom.js";
import { setupCanvas } from "./charts.js";

export const LP_MAX_CHANNELS = 32;      // tiles drawn per conv layer (filters and feature maps)
export const LP_TILE_PX = 44;           // the screen size of a filter or feature-map tile
const LP_FONT = "11px sans-serif";

// A number in a few significant digits, for data-* attributes and labels ("NaN" when not finite).
export function lpNum(v, digits) {
  return Number.isFinite(v) ? (+v.toPrecision(digits || 4)).toString() : "NaN";
}

// A canvas of rows x cols device pixels, shown `cssW` x `cssH` CSS pixels without smoothing.
export function lpPixelCanvas(parent, cls, rows, cols, cssW, cssH) {
  const canvas = h("canvas", { class: cls }, parent);
  canvas.width = cols; canvas.height = rows;
  canvas.style.width = cssW + "px"; canvas.style.height = cssH + "px";
  canvas.style.imageRendering = "pixelated";
  canvas.style.border = "1px solid #ccc";
  return canvas;
}

// ImageData of rows x cols pixels, pixel (r, c) = colour(get(r, c), top); r = 0 is the top row.
export function lpImage(canvas, rows, cols, get, top, colour) {
  const image = canvas.getContext("2d").createImageData(cols, rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) colour(get(r, c), top, image.data, (r * cols + c) * 4);
  return image;
}

// Blank the given pixel canvases (nothing recorded at this step).
export function lpClear(canvases) {
  for (const c of canvases) c.getContext("2d").clearRect(0, 0, c.width, c.height);
}

// The largest |value| of a typed array (or a part of it), 0 when nothing is finite.
export function lpAbsMax(values, start, end) {
  let top = 0;
  for (let i = start || 0, n = end === undefined ? values.length : end; i < n; i++) {
    const a = Math.abs(values[i]);
    if (a > top) top = a;
  }
  return top;
}

// The colour key under a picture: a gradient with its end values, set for each frame.
export function lpLegend(parent, sequential) {
  const box = h("div", { class: "aino-lp-legend" }, parent);
  box.style.cssText = "font-size: 11px; color: #555; display: flex; align-items: center; gap: 4px; margin: 2px 0;";
  const low = h("span", {}, box);
  const bar = h("span", {}, box);
  const rgb = (c) => "rgb(" + c.join(",") + ")";
  bar.style.cssText = "display: inline-block; width: 90px; height: 10px; border: 1px solid #999; background: " +
    (sequential ? "linear-gradient(to right, #fff, " + rgb(POSITIVE) + ")"
      : "linear-gradient(to right, " + rgb(NEGATIVE) + ", #fff, " + rgb(POSITIVE) + ")");
  const high = h("span", {}, box);
  const note = h("span", {}, box);
  return {
    set(top, scale) {
      low.textContent = sequential ? "0" : "-" + lpNum(top, 3);
      high.textContent = (sequential ? "" : "+") + lpNum(top, 3);
      note.textContent = scale === "step" ? "(scaled to this step)" : "(fixed over the run)";
    },
  };
}

// A bar chart: series [{values, color, label}] grouped per index, on a linear axis through 0 (or a log
// axis with `logY`, [lo, hi] from opts.range or the values). Drawn in CSS pixels at the screen's ratio.
export function lpBars(canvas, width, height, opts) {
  const ctx = setupCanvas(canvas, width, height);
  const labelled = opts.series.some((s) => s.label);
  const m = { left: 46, right: 8, top: labelled ? 30 : 18, bottom: 26 };   // a legend line under the title
  const w = width - m.left - m.right, h = height - m.top - m.bottom;
  const series = opts.series.filter((s) => s.values && s.values.length);
  const n = Math.max(0, ...series.map((s) => s.values.length));
  ctx.clearRect(0, 0, width, height);
  ctx.font = LP_FONT; ctx.fillStyle = "#222"; ctx.textAlign = "left";
  ctx.fillText(opts.title, m.left, 12);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s.values) {
    if (Number.isFinite(v) && (!opts.logY || v > 0)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (opts.range) [lo, hi] = opts.range;
  if (!(hi >= lo)) { lo = opts.logY ? 1e-4 : 0; hi = 1; }
  if (opts.logY) { lo = Math.pow(10, Math.floor(Math.log10(lo))); hi = Math.pow(10, Math.ceil(Math.log10(hi) + 1e-9)); }
  else { lo = Math.min(0, lo); hi = Math.max(0, hi); if (hi === lo) hi = lo + 1; }
  const f = opts.logY ? Math.log10 : (v) => v;
  const y = (v) => m.top + h - ((f(Math.max(v, opts.logY ? lo : -Infinity)) - f(lo)) / (f(hi) - f(lo))) * h;
  ctx.strokeStyle = "#bbb"; ctx.strokeRect(m.left, m.top, w, h);
  ctx.fillStyle = "#555"; ctx.textAlign = "right";
  const ticks = opts.logY ? [] : [lo, 0, hi].filter((v, i, a) => a.indexOf(v) === i);
  if (opts.logY) for (let e = Math.round(Math.log10(lo)); e <= Math.round(Math.log10(hi)); e++) ticks.push(Math.pow(10, e));
  const every = Math.max(1, Math.ceil(ticks.length / 5));
  let lastY = -Infinity;
  ticks.forEach((v, i) => {
    if (i % every || Math.abs(y(v) - lastY) < 11) return;   // no label on top of the previous one
    lastY = y(v);
    ctx.fillText(opts.logY ? "1e" + Math.round(Math.log10(v)) : lpNum(v, 2), m.left - 3, y(v) + 4);
    ctx.strokeStyle = "#eee"; ctx.beginPath(); ctx.moveTo(m.left + 1, y(v)); ctx.lineTo(m.left + w - 1, y(v)); ctx.stroke();
  });
  const slot = n ? w / n : w, bw = Math.max(1, (slot * 0.8) / Math.max(1, series.length));
  const base = opts.logY ? m.top + h : y(0);
  series.forEach((s, k) => {
    ctx.fillStyle = s.color;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v) || (opts.logY && !(v > 0))) continue;
      const x = m.left + i * slot + slot * 0.1 + k * bw, top = y(Math.min(v, hi));
      ctx.fillRect(x, Math.min(top, base), Math.max(bw - 0.5, 0.5), Math.max(Math.abs(base - top), 1));
    }
  });
  ctx.fillStyle = "#555"; ctx.textAlign = "center";
  const labelEvery = Math.max(1, Math.ceil(n / 12));
  for (let i = 0; i < n; i += labelEvery) ctx.fillText(String(i), m.left + (i + 0.5) * slot, m.top + h + 12);
  ctx.fillText(opts.xLabel || "", m.left + w / 2, height - 2);
  ctx.textAlign = "right";
  let lx = width - m.right;
  for (const s of series.slice().reverse()) {
    if (!s.label) continue;
    ctx.fillStyle = s.color; ctx.fillText(s.label, lx, 25);
    lx -= ctx.measureText(s.label).width + 10;
  }
}

// The run's colour scale of a layer's activations: the largest |min| or |max| of any step (the series).
export function lpRunTop(data, decoder, layer) {
  const s = data.series || {};
  return symmetricTop(decoder.array((s.act_min || {})[layer]), decoder.array((s.act_max || {})[layer]));
}

// The tile size on screen for a picture of rows x cols values: as large as fits in LP_TILE_PX.
function lpTileSize(rows, cols) {
  const s = Math.max(1, Math.floor(LP_TILE_PX / Math.max(rows, cols)));
  return [cols * s, rows * s];
}

// The conv panel of `entry` (a layer of kind "conv"): {element, compute(arrays, scale) -> paint()}.
export function lpConvSection(data, decoder, entry) {
  const element = h("div", { class: "aino-lp-conv" });
  const params = {};
  for (const p of data.params || []) params[p.name] = p;
  const wShape = (params[entry.weight] || {}).shape || null;          // (out, in, kh, kw) or (out, in, k)
  const shape = entry.shape || null;                                  // activations (N, C, H, W) or (N, C, L)
  const out = wShape ? wShape[0] : shape ? shape[1] : 0;
  const inC = wShape ? wShape[1] : 0;
  // a picture is the last two axes (rows x cols; one row for conv1d); conv3d shows its middle depth slice
  const prod = (a) => a.reduce((x, y) => x * y, 1);
  const kRows = wShape && wShape.length > 3 ? wShape[wShape.length - 2] : 1, kCols = wShape ? wShape[wShape.length - 1] : 0;
  const fRows = shape && shape.length > 3 ? shape[shape.length - 2] : 1, fCols = shape ? shape[shape.length - 1] : 0;
  const kBlock = wShape ? prod(wShape.slice(2)) : 0, per = shape ? prod(shape.slice(2)) : 0;   // values per (o, i) / (n, c)
  const kSlice = wShape && wShape.length > 4 ? Math.floor(wShape[2] / 2) * kRows * kCols : 0;
  const fSlice = shape && shape.length > 4 ? Math.floor(shape[2] / 2) * fRows * fCols : 0;
  const depth = (shape && shape.length > 4) || (wShape && wShape.length > 4) ? ", the middle depth slice" : "";
  const shown = Math.min(out, LP_MAX_CHANNELS);
  const more = out > shown ? " (the first " + shown + " of " + out + ")" : "";
  const source = inC > 1 ? "mean over the " + inC + " input channels" : "input channel 0";

  h("div", {}, element, "Filters, one per output channel" + more + ": weights, " + source +
    " (" + kRows + "\u00d7" + kCols + depth + ")");
  const filterLegend = lpLegend(element, false);
  const filterRow = h("div", {}, element);
  filterRow.style.cssText = "display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 6px;";
  const [fw, fh] = lpTileSize(kRows, kCols);
  const filters = [], maps = [];
  for (let o = 0; o < shown; o++) {
    const cell = h("div", {}, filterRow);
    cell.style.cssText = "text-align: center; font-size: 10px; color: #555;";
    const c = lpPixelCanvas(cell, "aino-conv-filters", kRows, kCols, fw, fh);
    c.setAttribute("data-channel", String(o));
    c.setAttribute("data-source", inC > 1 ? "mean" : "channel0");
    h("div", {}, cell, String(o));
    filters.push(c);
  }
  h("div", {}, element, "Feature maps of probe sample 0, per channel" + more + " (" +
    (shape && shape.length > 3 ? fRows + "\u00d7" + fCols + depth : "strips of length " + fCols) + ")");
  const mapLegend = lpLegend(element, false);
  const mapRow = h("div", {}, element);
  mapRow.style.cssText = "display: flex; flex-wrap: wrap; gap: 4px; margin-bottom: 6px;";
  const [mw, mh] = fRows > 1 ? lpTileSize(fRows, fCols) : [Math.min(240, Math.max(fCols * 2, 60)), 10];
  for (let c = 0; c < shown; c++) {
    const cell = h("div", {}, mapRow);
    cell.style.cssText = "text-align: center; font-size: 10px; color: #555;";
    const canvas = lpPixelCanvas(cell, "aino-feature-maps", fRows, fCols, mw, mh);
    canvas.setAttribute("data-channel", String(c));
    canvas.setAttribute("data-sample", "0");
    h("div", {}, cell, "ch " + c);
    maps.push(canvas);
  }
  const stats = h("canvas", { class: "aino-channel-stats" }, element);
  const missing = h("div", { class: "aino-lp-missing" }, element);
  missing.style.color = "#8a5a00";

  const runMap = lpRunTop(data, decoder, entry.name);
  let runFilter = null;   // max |filter image| over the first and last kept steps, found on first use

  // filter o's image: mean over input channels i of W[o, i] (or W[o, 0] with one input channel)
  function filterImage(W, o) {
    const size = kRows * kCols, img = new Float32Array(size);
    for (let i = 0; i < inC; i++) for (let k = 0; k < size; k++) img[k] += W[(o * inC + i) * kBlock + kSlice + k];
    for (let k = 0; k < size; k++) img[k] /= inC;
    return img;
  }
  function filterTop(W) {
    let top = 0;
    for (let o = 0; o < shown; o++) top = Math.max(top, lpAbsMax(filterImage(W, o)));
    return top;
  }

  function compute(arrays, scale) {
    const paints = [];
    const W = arrays && arrays.weights ? decoder.array(arrays.weights[entry.weight]) : null;
    const A = arrays && arrays.activations ? decoder.array(arrays.activations[entry.name]) : null;
    const notes = [];
    if (W) {
      if (runFilter === null) {
        const kept = data.kept_steps || [];
        runFilter = 0;
        for (const s of [kept[0], kept[kept.length - 1]]) {
          const st = (data.steps || {})[String(s)];
          const w = st && st.weights ? decoder.array(st.weights[entry.weight]) : null;
          if (w) runFilter = Math.max(runFilter, filterTop(w));
        }
      }
      const top = (scale === "step" ? filterTop(W) : runFilter) || 1;
      filters.forEach((canvas, o) => {
        const img = filterImage(W, o);
        const image = lpImage(canvas, kRows, kCols, (r, c) => img[r * kCols + c], top, divergingPixel);
        paints.push(() => { canvas.getContext("2d").putImageData(image, 0, 0); canvas.setAttribute("data-scale", lpNum(top, 6)); });
      });
      paints.push(() => filterLegend.set(top, scale));
    } else { notes.push("no weights at this step"); paints.push(() => lpClear(filters)); }
    if (A && shape) {
      const C = shape[1], N = Math.floor(A.length / (C * per));
      // feature maps of sample 0: A[0, c, r, col]
      const top = (scale === "step" ? lpAbsMax(A, 0, C * per) : runMap) || 1;
      maps.forEach((canvas, c) => {
        const image = lpImage(canvas, fRows, fCols, (r, col) => A[c * per + fSlice + r * fCols + col], top, divergingPixel);
        paints.push(() => { canvas.getContext("2d").putImageData(image, 0, 0); canvas.setAttribute("data-scale", lpNum(top, 6)); });
      });
      paints.push(() => mapLegend.set(top, scale));
      // mean_c = sum over n, positions of A[n, c] / (N * positions);  std_c = sqrt(mean of (A - mean_c)^2)
      const means = new Float64Array(C), stds = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        let sum = 0, sq = 0;
        for (let n = 0; n < N; n++) for (let k = 0, o = (n * C + c) * per; k < per; k++) sum += A[o + k];
        const mean = sum / (N * per);
        for (let n = 0; n < N; n++) for (let k = 0, o = (n * C + c) * per; k < per; k++) sq += (A[o + k] - mean) ** 2;
        means[c] = mean; stds[c] = Math.sqrt(sq / (N * per));
      }
      paints.push(() => {
        lpBars(stats, 420, 150, { title: "mean and std of each channel's feature map over the " + N + " probe samples",
          xLabel: "channel", series: [{ values: means, color: "rgb(" + POSITIVE.join(",") + ")", label: "mean" },
            { values: stds, color: "#999", label: "std" }] });
        stats.setAttribute("data-means", Array.from(means, (v) => lpNum(v, 4)).join(","));
        stats.setAttribute("data-stds", Array.from(stds, (v) => lpNum(v, 4)).join(","));
      });
    } else {
      notes.push("no feature maps at this step");
      paints.push(() => { lpClear(maps); lpBars(stats, 420, 150, { title: "per-channel statistics: none at this step", series: [] }); });
    }
    const text = notes.join("; ");
    return () => { for (const p of paints) p(); missing.textContent = text; };
  }
  return { element, compute };
}

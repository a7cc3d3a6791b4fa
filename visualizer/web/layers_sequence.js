// layers_sequence.js: the panels of the sequence layers.
//
//   recurrent  the hidden state over time of probe sample 0 as a heatmap (time across, units up), and
//              the gradient norm per time step at this step, ||dL/dh_t|| = sqrt(sum over the batch and
//              the units of g[t, n, u]^2), one bar per t on a log axis, captioned with how much smaller
//              the earliest step's is than the last's (vanishing gradients over time). g is the TOTAL
//              gradient dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t when the trace has it
//              (arrays.hidden_grads, time-major (T, N, H)), else the direct part dL/dout_t (arrays.gradients)
//   attention  one heatmap per head of the module's attention weights for probe sample 0: L query rows
//              x S key columns, 0 (white) to 1 (blue), each row a softmax that sums to 1
//
// Top-level names start with "lp" (the renderer's files share one scope when inlined).

import { POSITIVE, divergingPixel, sequentialPixel } from "./colors.js";
import { h } from "./dom.js";
import { lpAbsMax, lpBars, lpImage, lpLegend, lpNum, lpPixelCanvas, lpRunTop } from "./layers_conv.js";

const LP_MAX_DATA_VALUES = 4096;   // data-values on an attention head only up to this many numbers

// The layout of a recurrent layer's output: {T, N, H, at(t, n, u) -> flat index} or null.
// batch_first: (N, T, H), index (n * T + t) * H + u; otherwise (T, N, H), index (t * N + n) * H + u.
function lpTimeLayout(shape, timeAxis) {
  if (!shape || shape.length !== 3 || (timeAxis !== 0 && timeAxis !== 1)) return null;
  const T = shape[timeAxis], N = shape[1 - timeAxis], H = shape[2];
  const at = timeAxis === 1 ? (t, n, u) => (n * T + t) * H + u : (t, n, u) => (t * N + n) * H + u;
  return { T, N, H, at };
}

// ||g_t|| = sqrt(sum over n < N, u < H of G[t, n, u]^2) for every t: one Float64Array of T norms.
function lpTimeNorms(G, g) {
  const norms = new Float64Array(g.T);
  for (let t = 0; t < g.T; t++) {
    let sq = 0;
    for (let n = 0; n < g.N; n++) for (let u = 0; u < g.H; u++) sq += G[g.at(t, n, u)] ** 2;
    norms[t] = Math.sqrt(sq);
  }
  return norms;
}

// "||dL/dh_t|| is a at t = 0 and b at t = T - 1 (first / last = r)": how the norms start and end.
function lpEnds(norms) {
  const T = norms.length, first = norms[0], last = norms[T - 1];
  const ratio = last > 0 ? first / last : NaN;     // first / last: far below 1, the early steps hardly learn
  return { T, first, last, ratio, text: "||dL/dh_t|| is " + lpNum(first, 3) + " at t = 0 and " + lpNum(last, 3) +
    " at t = " + (T - 1) + " (first / last = " + lpNum(ratio, 3) + ")" };
}

// The caption of the direct gradient dL/dout_t (a trace without hidden_grads).
function lpDirectCaption(norms) {
  const { T, ratio, text } = lpEnds(norms);
  const used = Array.from(norms).map((v, t) => (v > 0 ? t : -1)).filter((t) => t >= 0);
  let verdict;
  if (used.length < T) {
    verdict = "the loss reads this output only at t = " + (used.length > 6 ? used.slice(0, 3).join(", ") + ", …, " +
      used[used.length - 1] : used.join(", ")) + ", so the others get 0 here; what flows back through the " +
      "recurrence to earlier steps stays inside the layer";
  } else if (ratio < 0.01) verdict = "the gradient vanishes going back in time: the early steps barely learn";
  else if (ratio > 100) verdict = "the gradient grows going back in time (exploding)";
  else verdict = "no strong vanishing over these " + T + " steps";
  return text + ": " + verdict + ".";
}

// The caption of the total gradient, and where it vanishes: the steps t <= v whose norm is below 1 % of
// the largest (going back in time from the peak).
function lpTotalCaption(norms) {
  const { T, ratio, text } = lpEnds(norms);
  let peak = 0, at = 0;
  for (let t = 0; t < T; t++) if (norms[t] > peak) { peak = norms[t]; at = t; }
  let v = -1;
  while (v + 1 < at && norms[v + 1] < peak * 0.01) v++;
  let verdict;
  if (!(peak > 0)) verdict = "no gradient reached this layer";
  else if (v >= 0) verdict = "it vanishes going back in time: below 1 % of its largest value (" + lpNum(peak, 3) +
    " at t = " + at + ") for t ≤ " + v + ", so those steps barely learn";
  else if (ratio < 0.1) verdict = "it shrinks going back in time (to " + lpNum(ratio * 100, 2) + " % of the last step's at t = 0)";
  else if (ratio > 100) verdict = "it grows going back in time (exploding)";
  else verdict = "no strong vanishing over these " + T + " steps";
  return "Total gradient through the recurrence, dL/dh_t = dL/dout_t + dL/dh_{t+1} dh_{t+1}/dh_t (what reaches h_t " +
    "from the output at t and from every later step): " + text + "; " + verdict + ".";
}

// The recurrent panel: {element, compute(arrays, scale) -> paint()}.
export function lpRecurrentSection(data, decoder, entry) {
  const detail = entry.detail || {};
  const timeAxis = detail.time_axis === undefined ? 0 : detail.time_axis;  // PyTorch's default: (T, N, H)
  const element = h("div", { class: "aino-lp-recurrent" });
  const layout = lpTimeLayout(entry.shape, timeAxis);
  if (!layout) {
    h("div", {}, element, "This layer's output has no time axis (shape " + JSON.stringify(entry.shape) +
      "), so there is nothing to draw over time.");
    return { element, compute: () => () => {} };
  }
  const { T, H } = layout;
  h("div", {}, element, "Hidden state h_t of probe sample 0: time t across (0 \u2192 " + (T - 1) + "), " +
    H + " units up (unit 0 at the bottom" + (detail.bidirectional ? "; units " + H / 2 + " and up: the backward direction"
    : "") + "); layout " + (timeAxis === 1 ? "(N, T, H), batch_first" : "(T, N, H)"));
  const legend = lpLegend(element, false);
  const heat = lpPixelCanvas(element, "aino-hidden-time", H, T, Math.min(560, Math.max(T * 8, 240)),
    Math.min(220, Math.max(H * 8, 60)));
  heat.setAttribute("data-sample", "0");
  const bars = h("canvas", { class: "aino-grad-time" }, element);
  const caption = h("div", { class: "aino-lp-caption" }, element);
  caption.style.cssText = "font-size: 12px; color: #333; max-width: 560px;";
  const runTop = lpRunTop(data, decoder, entry.name);
  const gradSeries = decoder.array(((data.series || {}).grad_norm || {})[entry.name]);
  const runGrad = gradSeries ? lpAbsMax(gradSeries) : 0;   // the whole tensor's norm bounds every ||dL/dh_t||
  let runTotalTop = null;   // the largest ||dL/dh_t|| (total) over the kept steps, computed on first use
  function runTotal() {
    if (runTotalTop === null) {
      runTotalTop = 0;
      for (const step in data.steps || {}) {
        const ref = (data.steps[step].hidden_grads || {})[entry.name];
        const A = ref && ref.shape && ref.shape.length === 3 ? decoder.array(ref) : null;
        if (A) for (const v of lpTimeNorms(A, lpTimeLayout(ref.shape, 0))) if (v > runTotalTop) runTotalTop = v;
      }
    }
    return runTotalTop;
  }

  function compute(arrays, scale) {
    const A = arrays && arrays.activations ? decoder.array(arrays.activations[entry.name]) : null;
    const gref = arrays && arrays.gradients ? arrays.gradients[entry.name] : null;
    const G = decoder.array(gref);
    const paints = [];
    if (A) {
      let top = runTop;
      if (scale === "step") { top = 0; for (let t = 0; t < T; t++) for (let u = 0; u < H; u++) top = Math.max(top, Math.abs(A[layout.at(t, 0, u)])); }
      top = top || 1;
      // pixel (row r, column t) = h_t[unit H - 1 - r] of sample 0
      const image = lpImage(heat, H, T, (r, t) => A[layout.at(t, 0, H - 1 - r)], top, divergingPixel);
      paints.push(() => { heat.getContext("2d").putImageData(image, 0, 0); heat.setAttribute("data-scale", lpNum(top, 6)); legend.set(top, scale); });
    } else paints.push(() => heat.getContext("2d").clearRect(0, 0, heat.width, heat.height));
    // the total gradient dL/dh_t (arrays.hidden_grads, time-major (T, N, H)) when recorded, else dL/dout_t
    const tref = arrays && arrays.hidden_grads ? arrays.hidden_grads[entry.name] : null;
    const Htot = tref ? decoder.array(tref) : null;
    const total = !!(Htot && tref.shape && tref.shape.length === 3);
    const g = total ? lpTimeLayout(tref.shape, 0) : gref ? lpTimeLayout(gref.shape, timeAxis) : null;
    const src = total ? Htot : G;
    if (src && g) {
      const norms = lpTimeNorms(src, g);
      const text = total ? lpTotalCaption(norms) : lpDirectCaption(norms);
      const top = total ? (scale === "run" ? runTotal() : 0) : runGrad;
      const range = scale === "run" && top > 0 ? [top * 1e-4, top] : null;  // run: fixed decades
      const title = total ? "total gradient per time step ||dL/dh_t|| through the recurrence (training batch, log scale)"
        : "gradient norm per time step ||dL/dh_t|| (training batch, log scale)";
      paints.push(() => {
        lpBars(bars, 560, 150, { title, xLabel: "time step t", logY: true, range,
          series: [{ values: norms, color: "rgb(" + POSITIVE.join(",") + ")" }] });
        bars.setAttribute("data-values", Array.from(norms, (v) => lpNum(v, 4)).join(","));
        bars.setAttribute("data-source", total ? "hidden_grads" : "gradients");
        caption.textContent = text;
      });
    } else {
      paints.push(() => {
        lpBars(bars, 560, 150, { title: "gradient norm per time step: none recorded at this step", series: [] });
        bars.setAttribute("data-values", "");
        bars.setAttribute("data-source", "");
        caption.textContent = "";
      });
    }
    return () => { for (const p of paints) p(); };
  }
  return { element, compute };
}

// The attention panel of a MultiheadAttention's out_proj layer: {element, compute(arrays, scale) -> paint()}.
export function lpAttentionSection(data, decoder, entry) {
  const detail = entry.detail || {};
  const module = detail.module !== undefined ? detail.module : entry.name.replace(/\.?out_proj$/, "");
  const element = h("div", { class: "aino-lp-attention" });
  h("div", {}, element, "Attention weights of " + (module || "the model") + " for probe sample 0, one map per head" +
    (detail.num_heads ? " (" + detail.num_heads + " heads)" : "") + ": query positions down, key positions across; " +
    "each row sums to 1");
  const legend = lpLegend(element, true);
  const row = h("div", {}, element);
  row.style.cssText = "display: flex; flex-wrap: wrap; gap: 8px;";
  const missing = h("div", { class: "aino-lp-missing" }, element);
  missing.style.color = "#8a5a00";
  let heads = [], built = "";     // the head canvases, for the shape they were built for

  function build(nHeads, L, S) {
    row.textContent = "";
    heads = [];
    const px = Math.max(2, Math.min(24, Math.floor(160 / Math.max(L, S))));
    for (let head = 0; head < nHeads; head++) {
      const cell = h("div", {}, row);
      cell.style.cssText = "text-align: center; font-size: 11px; color: #333;";
      h("div", {}, cell, "head " + head);
      const c = lpPixelCanvas(cell, "aino-attention-head", L, S, S * px, L * px);
      c.setAttribute("data-head", String(head));
      c.setAttribute("data-sample", "0");
      heads.push(c);
    }
    built = nHeads + "x" + L + "x" + S;
  }

  function compute(arrays, scale) {
    const ref = arrays && arrays.attention ? arrays.attention[module] : null;
    const A = decoder.array(ref);
    if (!A || !ref.shape || ref.shape.length !== 4) {
      const why = "no attention weights recorded for " + (module || "this module") + " at this step";
      return () => { for (const c of heads) c.getContext("2d").clearRect(0, 0, c.width, c.height); missing.textContent = why; };
    }
    const [, nHeads, L, S] = ref.shape;                // (samples, heads, L, S); sample 0 is the first block
    const frames = [];
    let stepTop = 0;
    for (let h = 0; h < nHeads; h++) stepTop = Math.max(stepTop, lpAbsMax(A, h * L * S, (h + 1) * L * S));
    for (let h = 0; h < nHeads; h++) {
      const o = h * L * S;                             // A[0, h, q, k] at o + q * S + k
      const max = lpAbsMax(A, o, o + L * S);
      const top = scale === "step" ? stepTop || 1 : 1; // run: the fixed 0..1 of a softmax
      const values = L * S <= LP_MAX_DATA_VALUES ? Array.from(A.subarray(o, o + L * S), (v) => lpNum(v, 4)).join(",") : null;
      frames.push({ max, top, values, get: (q, k) => A[o + q * S + k] });
    }
    let images = null;
    return () => {
      const shape = nHeads + "x" + L + "x" + S;
      if (shape !== built) { build(nHeads, L, S); images = null; }
      if (!images) images = frames.map((f, h) => lpImage(heads[h], L, S, f.get, f.top, sequentialPixel));
      frames.forEach((f, h) => {
        const c = heads[h];
        c.getContext("2d").putImageData(images[h], 0, 0);
        c.setAttribute("data-max", lpNum(f.max, 6));
        c.setAttribute("data-scale", lpNum(f.top, 6));
        if (f.values !== null) c.setAttribute("data-values", f.values);
        c.title = "head " + h + ": largest weight " + lpNum(f.max, 3);
      });
      legend.set(scale === "step" ? stepTop || 1 : 1, scale);
      missing.textContent = "";
    };
  }
  return { element, compute };
}

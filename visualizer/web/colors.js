// colors.js: the one colour convention of the debugger, as in TensorFlow Playground (and aino's
// matplotlib panels, visualizer/common.py): negative values orange, zero white, positive values blue.
// A layer's scale is fixed over the whole run (from its per-step minimum and maximum), so a colour
// means the same value at every step and scrubbing shows change, not rescaling.

export const NEGATIVE = [245, 147, 34];   // #f59322, Playground's orange
export const POSITIVE = [8, 119, 189];    // #0877bd, Playground's blue
export const ZERO = [255, 255, 255];
export const MARKER = "#c62828";          // the current-step marker

// value in [-top, top] -> r, g, b, 255 written into out[k..k+3] (an ImageData's pixels): white at 0,
// orange at -top, blue at +top, c = zero + (end - zero) * |value| / top, clipped at the ends; NaN is grey.
export function divergingPixel(value, top, out, k) {
  if (!Number.isFinite(value)) { out[k] = out[k + 1] = out[k + 2] = 136; out[k + 3] = 255; return; }
  const t = Math.max(-1, Math.min(1, top > 0 ? value / top : 0));
  const end = t < 0 ? NEGATIVE : POSITIVE, a = Math.abs(t);
  for (let c = 0; c < 3; c++) out[k + c] = Math.round(ZERO[c] + (end[c] - ZERO[c]) * a);
  out[k + 3] = 255;
}

// value in [0, top] -> r, g, b, 255 into out[k..k+3]: white at 0 to blue at top (a sequential scale).
export function sequentialPixel(value, top, out, k) {
  if (!Number.isFinite(value)) { out[k] = out[k + 1] = out[k + 2] = 136; out[k + 3] = 255; return; }
  const a = Math.max(0, Math.min(1, top > 0 ? value / top : 0));
  for (let c = 0; c < 3; c++) out[k + c] = Math.round(ZERO[c] + (POSITIVE[c] - ZERO[c]) * a);
  out[k + 3] = 255;
}

const colorScratch = [0, 0, 0, 0];

// value in [-top, top] -> "rgb(r, g, b)", as divergingPixel colours it
export function diverging(value, top) {
  divergingPixel(value, top, colorScratch, 0);
  return "rgb(" + colorScratch[0] + ", " + colorScratch[1] + ", " + colorScratch[2] + ")";
}

// The largest |value| of a series pair (min and max per step), ignoring NaN; 1 when nothing is finite.
export function symmetricTop(lows, highs) {
  let top = 0;
  for (const values of [lows, highs]) {
    if (!values) continue;
    for (let i = 0; i < values.length; i++) {
      const v = Math.abs(values[i]);
      if (Number.isFinite(v) && v > top) top = v;
    }
  }
  return top || 1;
}

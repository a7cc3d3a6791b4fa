// colors.js: the one colour convention of the debugger, as in TensorFlow Playground (and aino's
// matplotlib panels, visualizer/common.py): negative values orange, zero white, positive values blue.
// A layer's scale is fixed over the whole run (from its per-step minimum and maximum), so a colour
// means the same value at every step and scrubbing shows change, not rescaling.

export const NEGATIVE = [245, 147, 34];   // #f59322, Playground's orange
export const POSITIVE = [8, 119, 189];    // #0877bd, Playground's blue
export const ZERO = [255, 255, 255];
export const MARKER = "#c62828";          // the current-step marker

// value in [-top, top] -> "rgb(r, g, b)" (clipped at the ends; NaN is grey)
export function diverging(value, top) {
  if (!Number.isFinite(value)) return "rgb(136, 136, 136)";
  const t = Math.max(-1, Math.min(1, top > 0 ? value / top : 0));
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const a = Math.abs(t);
  const c = [0, 1, 2].map((k) => Math.round(ZERO[k] + (end[k] - ZERO[k]) * a));
  return "rgb(" + c[0] + ", " + c[1] + ", " + c[2] + ")";
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

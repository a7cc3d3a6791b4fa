// dom.js: the small DOM pieces every panel shares: an element maker (HTML and SVG), the debugger's style
// sheet, text cut to a width, and a legend of coloured names that wraps (HTML text flows, so its names never
// overlap).

export const STYLE = `
.aino-debugger { font-family: sans-serif; color: #222; font-size: 13px; }
.aino-debugger .aino-controls { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; padding: 6px 0;
  position: sticky; top: 0; background: #fff; z-index: 1; }
.aino-debugger input[type=range] { flex: 1; min-width: 200px; max-width: 640px; }
.aino-debugger .aino-label { min-width: 8em; font-weight: bold; }
.aino-debugger .aino-grid { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.aino-debugger .aino-panel { border: 1px solid #ddd; border-radius: 4px; padding: 4px; }
.aino-debugger .aino-panel-title { font-weight: bold; margin: 2px 0 4px; }
.aino-debugger .aino-note { color: #8a5a00; min-height: 1.2em; }
.aino-debugger .aino-legend span { display: inline-block; width: 12px; height: 12px; vertical-align: middle;
  border: 1px solid #999; margin: 0 3px; }
.aino-debugger .aino-series-legend { max-width: 460px; font-size: 11px; line-height: 1.5; }
.aino-debugger .aino-series-legend span.aino-key { display: inline-block; margin-right: 10px; white-space: nowrap; }
.aino-debugger .aino-series-legend i { display: inline-block; width: 14px; height: 3px; vertical-align: middle;
  margin-right: 3px; }
.aino-debugger .aino-findings button { border: none; background: none; color: #0b5cad; cursor: pointer;
  text-align: left; padding: 2px 0; font: inherit; }
.aino-debugger .aino-findings li.current button { font-weight: bold; }
.aino-debugger .aino-ops { max-width: 460px; max-height: 220px; overflow: auto; font: 11px monospace; margin: 0;
  padding-left: 2.5em; }
`;

// document.createElement(tag) with attributes, appended to `parent`, holding `text`.
export function h(tag, attrs, parent, text) {
  const node = document.createElement(tag);
  for (const k in attrs || {}) node.setAttribute(k, attrs[k]);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

const SVG_NS = ["ht", "tp://www.w3.org/2000/svg"].join("");  // a namespace name, not a link

// An SVG element (document.createElementNS) with attributes, appended to `parent`, holding `text`.
export function svgEl(tag, attrs, parent, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const k in attrs || {}) node.setAttribute(k, attrs[k]);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

const measure = document.createElement("canvas").getContext("2d");

// `text`, cut with an ellipsis until it is at most `width` pixels wide in `size`px sans-serif, so that
// neighbouring labels never overlap (a test checks their bounding boxes).
export function fitText(text, width, size) {
  measure.font = size + "px sans-serif";
  text = String(text);
  if (measure.measureText(text).width <= width) return text;
  let n = text.length;
  while (n > 1 && measure.measureText(text.slice(0, n - 1) + "\u2026").width > width) n--;
  return text.slice(0, n - 1) + "\u2026";
}

// A legend naming every series of a chart, each with its colour: [{label, color, width}].
export function seriesLegend(parent, series) {
  const box = h("div", { class: "aino-series-legend" }, parent);
  for (const s of series) {
    if (!s.label) continue;
    const key = h("span", { class: "aino-key" }, box);
    const swatch = h("i", {}, key);
    swatch.style.background = s.color;
    swatch.style.height = Math.max(2, Math.round(s.width || 1)) + "px";
    key.appendChild(document.createTextNode(s.label));
  }
  return box;
}

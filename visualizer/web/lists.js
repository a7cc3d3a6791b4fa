// lists.js: the panels that are lists of words: diagnose()'s findings (click one: go to its step and
// layer) and the op log of the kept step nearest to the current one.

import { h } from "./dom.js";

// The findings list. `go(step, layer)` moves the debugger; returns {update(step, layer)} marking the
// findings of the current step and layer.
export function findingsPanel(parent, findings, labelOf, go) {
  const panel = h("div", { class: "aino-panel aino-findings" }, parent);
  h("div", { class: "aino-panel-title" }, panel, "Findings of diagnose() (click: go to its step and layer)");
  const list = h("ul", {}, panel);
  const items = [];
  for (const f of findings || []) {
    const li = h("li", {}, list);
    const words = (f.kind || "").replace(/_/g, " ") + (f.layer ? " in " + (labelOf[f.layer] || f.layer) : "") +
      (Number.isFinite(f.step) ? ", step " + f.step : "") + ": " + (f.message || "");
    const button = h("button", { type: "button" }, li, words);
    button.addEventListener("click", () => go(f.step, f.layer));
    items.push({ li, f });
  }
  if (!items.length) h("li", {}, list, "diagnose() found nothing wrong in this run.");
  return {
    update(step, layer) {
      for (const { li, f } of items) li.classList.toggle("current", f.step === step && f.layer === layer);
    },
  };
}

// The op log (data.ops: {step: [op, ...]} of the kept steps), or null when the run recorded none.
export function opsPanel(parent, ops, nearest) {
  const steps = Object.keys(ops || {}).map(Number).sort((a, b) => a - b);
  if (!steps.length) return null;
  const panel = h("div", { class: "aino-panel aino-ops-panel" }, parent);
  const title = h("div", { class: "aino-panel-title" }, panel);
  const list = h("ol", { class: "aino-ops" }, panel);
  let shown = null;
  return {
    update(step) {
      const at = nearest(steps, step);
      if (at === shown) return;
      shown = at;
      const entries = ops[String(at)] || [];
      title.textContent = "Op log of step " + at + " (" + entries.length + " ops, in the order they ran)" +
        (at === step ? "" : "; nearest recorded to step " + step);
      list.textContent = "";
      for (const op of entries) h("li", {}, list, op);
    },
  };
}

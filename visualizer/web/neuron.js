// neuron.js: one neuron's chain rule at the step, as Perceptron.backward writes it, one factor per line.
// `neuronPanel(data, decoder)` gives null when the payload has no chain-rule numbers (data.chain, made by
// visualizer/payload_neuron.py); else {element, pick(layer, unit), update(view)}: click a neuron of the
// network (debugger.js calls pick) and the panel shows, for one sample of the training batch (a menu),
//
//   z = w . x + b,  a = f(z),  dL/da,  f'(z),  dL/dz = dL/da * f'(z),  dL/db = dL/dz
//   per input i: x_i, dL/dw_ji = dL/dz * x_i, its sum over the batch (the recorded gradient), the update
//   the optimizer's name, its learning rate and its rule
//
// at the chain step nearest to the step shown (the payload holds the numbers at some of the kept steps).
// Every number is the trace's float32 (dL/dw_ji of one sample is the product, taken here); each cell
// carries it whole in data-value, and its name in data-q, for tests.

import { h } from "./dom.js";

const NP_STYLE = `
.aino-debugger .aino-neuron-panel { max-width: 620px; }
.aino-debugger .aino-neuron-panel table { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
.aino-debugger .aino-neuron-panel td, .aino-debugger .aino-neuron-panel th { padding: 1px 8px; text-align: right; }
.aino-debugger .aino-neuron-panel td.np-name, .aino-debugger .aino-neuron-panel td.np-why { text-align: left; }
.aino-debugger .aino-neuron-panel td.np-why { color: #666; }
.aino-debugger .aino-neuron-panel .np-note { color: #8a5a00; min-height: 1.2em; }
`;

// The index in the sorted list `steps` of the value nearest to `step` (the earlier on a tie).
export function npNearest(steps, step) {
  let best = 0;
  for (let k = 1; k < steps.length; k++) {
    if (Math.abs(steps[k] - step) < Math.abs(steps[best] - step)) best = k;
  }
  return best;
}

function npText(v) {
  return Number.isFinite(v) ? String(Number(v.toPrecision(5))) : "\u2014";
}

// One table cell showing `v`, named `q`.
function npCell(row, q, v) {
  return h("td", { "data-q": q, "data-value": Number.isFinite(v) ? String(v) : "NaN" }, row, npText(v));
}

export function neuronPanel(data, decoder) {
  const chain = data.chain;
  if (!chain || !chain.layers || !Object.keys(chain.layers).length) return null;
  const labelOf = {};
  for (const l of data.layers || []) labelOf[l.name] = l.label || l.name;
  const element = h("div", { class: "aino-panel aino-neuron-panel" });
  h("style", {}, element, NP_STYLE);
  h("div", { class: "aino-panel-title" }, element, "Chain rule of one neuron");
  const head = h("div", { class: "np-head" }, element);
  const title = h("span", { class: "np-title" }, head, "Click a neuron of the network to see its chain rule at this step.");
  const sampleLabel = h("label", {}, head, " sample ");
  const sampleSelect = h("select", { class: "aino-neuron-sample", "aria-label": "sample" }, sampleLabel);
  sampleLabel.style.display = "none";
  const note = h("div", { class: "np-note" }, element);
  const body = h("div", { class: "np-body" }, element);
  const state = { layer: null, unit: 0, sample: 0 };
  let shown = "", lastView = null;

  sampleSelect.addEventListener("change", () => {
    state.sample = parseInt(sampleSelect.value, 10) || 0;
    if (lastView) update(lastView);
  });

  function pick(layer, unit) {
    state.layer = layer;
    state.unit = unit | 0;
  }

  // The value of stacked field `key` at chain step k, row r, column c of a (k, rows, cols) stack.
  function at(entry, key, k, r, c) {
    const ref = entry[key];
    const values = ref ? decoder.array(ref) : null;
    if (!values) return NaN;
    const rows = ref.shape.length > 2 ? ref.shape[1] : 1, cols = ref.shape[ref.shape.length - 1];
    return values[(k * rows + r) * cols + c];
  }

  function update(view) {
    lastView = view;
    const entry = state.layer === null ? null : chain.layers[state.layer];
    if (!entry) {
      sampleLabel.style.display = "none";
      if (state.layer !== null) title.textContent = "No chain-rule numbers for " + (labelOf[state.layer] || state.layer);
      body.textContent = "";
      note.textContent = "";
      element.removeAttribute("data-chain-step");
      shown = "";
      return;
    }
    const k = npNearest(entry.steps, view.step);
    const step = entry.steps[k], n = entry.n[k];
    const shownUnits = entry.z.shape[2];
    if (state.unit >= shownUnits) state.unit = shownUnits - 1;
    state.sample = Math.min(state.sample, n - 1, entry.z.shape[1] - 1);
    note.textContent = step === view.step ? "" : "chain-rule numbers are kept at " + entry.steps.length +
      " of the steps; showing the nearest, step " + step;
    const key = [state.layer, state.unit, k, state.sample].join("/");
    if (key === shown) return;
    shown = key;
    element.setAttribute("data-chain-step", String(step));
    element.setAttribute("data-layer", state.layer);
    element.setAttribute("data-unit", String(state.unit));
    element.setAttribute("data-sample", String(state.sample));
    const j = state.unit, s = state.sample;
    const rows = Math.min(n, entry.z.shape[1]);
    sampleLabel.style.display = "";
    sampleSelect.textContent = "";
    for (let r = 0; r < rows; r++) h("option", { value: r }, sampleSelect, r + " of " + n);
    sampleSelect.value = String(s);
    const shownLayer = entry.activation_layer || state.layer;   // the column the network draws
    title.textContent = "Neuron " + j + " of " + (labelOf[shownLayer] || shownLayer) + " (" + entry.activation +
      ") at step " + step + ", on the training batch;";
    body.textContent = "";
    const v = (q) => at(entry, q, k, s, j);
    const [fText, dfText] = entry.formula;
    const dldz = v("dldz");
    const lines = h("table", { class: "np-lines" }, body);
    const line = (name, why, q, value) => {
      const row = h("tr", {}, lines);
      h("td", { class: "np-name" }, row, name);
      npCell(row, q, value);
      h("td", { class: "np-why" }, row, why);
    };
    h("tr", {}, lines).appendChild(h("th", { colspan: 3, style: "text-align: left" }, null,
      "forward (w and b as they were before the step)"));
    line("z = w \u00b7 x + b", "", "z", v("z"));
    line("a = " + fText, "", "a", v("a"));
    h("tr", {}, lines).appendChild(h("th", { colspan: 3, style: "text-align: left" }, null,
      "backward, one factor at a time"));
    line("dL/da", "from the layers above", "dlda", v("dlda"));
    if (Number.isFinite(v("df"))) {
      line(dfText, "", "df", v("df"));
      line("dL/dz = dL/da \u00b7 f'(z)", "", "dldz", dldz);
    } else {
      line("dL/dz = J\u1d40 dL/da", "softmax couples the neurons: " + dfText, "dldz", dldz);
    }
    line("dL/db = dL/dz", "because dz/db = 1", "dldb", dldz);
    h("div", {}, body, "dL/dw\u2c7c\u1d62 = dL/dz \u00b7 x\u1d62 (because dz/dw\u1d62 = x\u1d62); " +
      "summed over the batch it is the recorded gradient:");
    const table = h("table", { class: "np-inputs" }, body);
    const header = h("tr", {}, table);
    for (const t of ["input i", "x\u1d62", "dL/dw\u1d62 (this sample)", "batch sum (recorded)", "update"]) h("th", {}, header, t);
    const nIn = entry.x.shape[2];
    for (let i = 0; i < nIn; i++) {
      const row = h("tr", {}, table);
      h("td", {}, row, String(i));
      const x = at(entry, "x", k, s, i);
      npCell(row, "x-" + i, x);
      npCell(row, "dw-" + i, dldz * x);
      npCell(row, "gw-" + i, at(entry, "gw", k, j, i));
      npCell(row, "uw-" + i, at(entry, "uw", k, j, i));
    }
    if (entry.b) {
      const row = h("tr", {}, table);
      h("td", {}, row, "bias");
      npCell(row, "x-bias", 1);
      npCell(row, "db", dldz);
      npCell(row, "gb", at(entry, "gb", k, 0, j));
      npCell(row, "ub", at(entry, "ub", k, 0, j));
    }
    if (entry.inputs > nIn) h("div", {}, body, "(the first " + nIn + " of " + entry.inputs + " inputs)");
    const lr = entry.lr[k];
    const rule = entry.plain[k] ? "update = \u2212lr \u00b7 dL/dw (the batch sum)"
      : "update = the change the optimizer made (its own rule: momentum, Adam's moments, ...)";
    const foot = h("div", { class: "np-update" }, body, "update: " + (entry.optimizer || "the optimizer") + ", ");
    if (lr === null || lr === undefined) foot.appendChild(document.createTextNode("lr unknown"));
    else {
      foot.appendChild(document.createTextNode("lr "));
      h("span", { "data-q": "lr", "data-value": String(lr) }, foot, npText(lr));
      foot.appendChild(document.createTextNode(" (" + entry.lr_source + ")"));
    }
    foot.appendChild(document.createTextNode(": " + rule));
  }

  return { element, pick, update };
}

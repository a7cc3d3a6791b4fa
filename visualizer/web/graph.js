// graph.js: the computation graph behind a tensor, drawn in the browser. `renderGraph(root, data, options)`
// draws the payload of aino/trace/graph_payload.py (format "aino-graph") into the element `root`:
//
//   graph     one box per op and per leaf (graph_box.js), inputs on top and the loss at the bottom, laid out
//             by graph_layout.js; a module group starts closed, as one box ("fc1: Linear"): click it to
//             open it (its nodes in a frame), click the frame's title to close it again
//   backward  first / previous / next / last walk payload.backward in autograd's order: the node whose
//             backward runs is outlined red (or the closed group holding it), the gradient it received
//             and what it passes to each input are written beside the graph with the op's derivative
//             formula, and the edges it passes along are red
//             (the arrow keys, Home and End too, once the view has the focus)
//   view      -, +, fit zoom (ctrl + wheel too), drag to pan; "Save SVG" downloads the drawing as one file
//
// options: {open: [group names open at first], step: k (0: before the walk), onStep(k): the user moved the
// walk, onDraw(): the drawing changed}. Returns the api (also root.ainoGraph): {state, setStep, open, close,
// relayout, svgText, timings}.

import { h, svgEl } from "./dom.js";
import { graphTree, layoutGraph, unitOf } from "./graph_layout.js";
import { GROUP_SIZE, drawFrame, drawGroup, drawNode, heatmap, nodeSize, valueText } from "./graph_box.js";

const GRAPH_HOT = "#d62728", GRAPH_TO = "#ff7f0e", GRAPH_EDGE = "#99a";
const GRAPH_MARGIN = 12;
const GRAPH_NO_BACKWARD = "run loss.backward() to see gradients";
const GRAPH_STYLE = `
.aino-graph { font-family: sans-serif; color: #222; font-size: 13px; }
.aino-graph .aino-g-controls { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; padding: 4px 0; }
.aino-graph .aino-g-counter { min-width: 13em; font-weight: bold; margin: 0 6px; }
.aino-graph .aino-g-body { display: flex; gap: 10px; align-items: flex-start; }
.aino-graph .aino-g-scroll { flex: 1; overflow: auto; max-height: 720px; border: 1px solid #ddd; border-radius: 4px;
  cursor: grab; min-width: 200px; }
.aino-graph .aino-g-step { width: 340px; flex: none; font-size: 12px; line-height: 1.45; }
.aino-graph .aino-g-step code { display: block; white-space: pre-wrap; background: #f6f6f6; padding: 4px; margin: 4px 0; }
.aino-graph .aino-g-step .aino-g-pass { margin: 3px 0 3px 10px; }
.aino-graph .aino-g-step svg { vertical-align: middle; margin-right: 4px; }
`;
let graphCount = 0;  // makes the arrow markers' ids unique on a page

export function renderGraph(root, data, options) {
  options = options || {};
  root.textContent = "";
  if (!data || data.format !== "aino-graph") {
    root.textContent = "aino graph: this is not an aino-graph payload";
    return null;
  }
  const tree = graphTree(data), nodes = data.nodes, walk = data.backward || [];
  const arrow = "aino-g-arrow-" + (++graphCount);
  const state = { open: new Set((options.open || []).filter((name) => tree.groups.has(name))), step: 0, zoom: 1 };
  const timings = { layout: [], draw: [] };
  const counts = groupCounts(data, tree);
  let layout = null, svg = null, boxEls = new Map(), edgeEls = new Map(), lit = [];

  root.classList.add("aino-graph");
  h("style", {}, root, GRAPH_STYLE);
  const bar = h("div", { class: "aino-g-controls" }, root);
  const button = (cls, text, title, act) => {
    const b = h("button", { class: cls, title }, bar, text);
    b.addEventListener("click", act);
    return b;
  };
  h("span", { class: "aino-g-caption" }, bar, "Backward:");
  const walkButtons = [
    button("aino-g-first", "\u00ab first", "the first node of the backward walk", () => userStep(1)),
    button("aino-g-prev", "\u25c0 previous", "the previous node", () => userStep(state.step - 1)),
    button("aino-g-next", "next \u25b6", "the next node of the backward walk", () => userStep(state.step + 1)),
    button("aino-g-last", "last \u00bb", "the last node of the backward walk", () => userStep(walk.length)),
  ];
  const counter = h("span", { class: "aino-g-counter" }, bar);
  button("aino-g-zoom-out", "\u2212", "zoom out", () => zoom(state.zoom / 1.25));
  button("aino-g-zoom-in", "+", "zoom in", () => zoom(state.zoom * 1.25));
  button("aino-g-fit", "fit", "the whole graph in view", () => zoom(Math.min(1, (scroller.clientWidth - 4) / width())));
  button("aino-g-save", "Save SVG", "download the drawing as an SVG file", saveSvg);
  const body = h("div", { class: "aino-g-body" }, root);
  const scroller = h("div", { class: "aino-g-scroll" }, body);
  const panel = h("div", { class: "aino-g-step" }, body);
  walkButtons.forEach((b) => { b.disabled = !walk.length; });

  const sizeOf = (key) => (key.startsWith("g:") ? GROUP_SIZE : nodeSize(data, nodes[+key.slice(1)]));
  const width = () => layout.w + 2 * GRAPH_MARGIN, height = () => layout.h + 2 * GRAPH_MARGIN;

  // Lay the graph out again (after a group opened or closed) and draw it; returns the layout's milliseconds.
  function relayout() {
    const started = performance.now();
    layout = layoutGraph(data, tree, state.open, sizeOf);
    const laid = performance.now();
    draw();
    highlight();
    timings.layout.push(laid - started);
    timings.draw.push(performance.now() - laid);
    if (options.onDraw) options.onDraw();
    return laid - started;
  }

  function draw() {
    if (svg) svg.remove();
    svg = svgEl("svg", { class: "aino-g-svg", viewBox: "0 0 " + width() + " " + height() }, scroller);
    const defs = svgEl("defs", {}, svg);
    for (const [id, colour] of [[arrow, GRAPH_EDGE], [arrow + "-hot", GRAPH_HOT]]) {
      const m = svgEl("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8,
        markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
      svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: colour }, m);
    }
    const all = svgEl("g", { transform: "translate(" + GRAPH_MARGIN + "," + GRAPH_MARGIN + ")" }, svg);
    const frames = svgEl("g", {}, all), lines = svgEl("g", { "pointer-events": "none" }, all), boxes = svgEl("g", {}, all);
    boxEls = new Map();
    for (const box of layout.boxes) {
      if (box.frame) drawFrame(frames, tree.groups.get(box.frame), box);
      else if (box.key.startsWith("g:")) {
        const name = box.key.slice(2);
        boxEls.set(box.key, drawGroup(boxes, tree.groups.get(name), box, counts.get(name)));
      }
      else boxEls.set(box.key, drawNode(boxes, nodes[+box.key.slice(1)], box));
    }
    edgeEls = new Map();
    const ends = edgeEnds(layout);
    for (const link of layout.edges) {
      const [x1, y1, x2, y2] = ends.get(link);
      const dy = Math.max(18, Math.abs(y2 - y1) / 2);
      edgeEls.set(link.from + ">" + link.to, svgEl("path", { class: "aino-g-edge", "data-from": link.from, "data-to": link.to,
        d: "M" + x1.toFixed(1) + "," + y1.toFixed(1) + " C" + x1.toFixed(1) + "," + (y1 + dy).toFixed(1) + " " +
          x2.toFixed(1) + "," + (y2 - dy).toFixed(1) + " " + x2.toFixed(1) + "," + y2.toFixed(1),
        fill: "none", stroke: GRAPH_EDGE, "stroke-width": 1.2, "marker-end": "url(#" + arrow + ")" }, lines));
    }
    zoom(state.zoom);
  }

  function zoom(z) {
    state.zoom = Math.max(0.05, Math.min(4, z));
    svg.setAttribute("width", (width() * state.zoom).toFixed(0));
    svg.setAttribute("height", (height() * state.zoom).toFixed(0));
  }

  // Outline the node of the walk's current step (or its closed group), its inputs and the edges between.
  function highlight() {
    for (const [el, attrs] of lit) for (const k in attrs) el.setAttribute(k, attrs[k]);
    for (const el of root.querySelectorAll(".aino-g-current, .aino-g-receiving, .aino-g-hot")) {
      el.classList.remove("aino-g-current", "aino-g-receiving", "aino-g-hot");
    }
    lit = [];
    const mark = (el, cls, attrs) => {
      if (!el) return;
      const outline = el.classList.contains("aino-g-edge") ? el : el.querySelector(".aino-g-outline");
      const back = {};
      for (const k in attrs) back[k] = outline.getAttribute(k);
      lit.push([outline, back]);
      for (const k in attrs) outline.setAttribute(k, attrs[k]);
      el.classList.add(cls);
    };
    const step = state.step ? walk[state.step - 1] : null;
    counter.textContent = walk.length ? "backward step " + state.step + " of " + walk.length : GRAPH_NO_BACKWARD;
    root.setAttribute("data-step", state.step);
    if (!step) {
      root.removeAttribute("data-current-node");
      root.removeAttribute("data-current-key");
      showPanel(null);
      return;
    }
    const key = unitOf(tree, state.open, step.node);
    for (const p of step.passes) {
      const from = unitOf(tree, state.open, p.to);
      if (from === key) continue;
      mark(boxEls.get(from), "aino-g-receiving", { stroke: GRAPH_TO, "stroke-width": 2.5 });
      mark(edgeEls.get(from + ">" + key), "aino-g-hot",
        { stroke: GRAPH_HOT, "stroke-width": 2.5, "marker-end": "url(#" + arrow + "-hot)" });
    }
    mark(boxEls.get(key), "aino-g-current", { stroke: GRAPH_HOT, "stroke-width": 3.5 });
    root.setAttribute("data-current-node", step.node);
    root.setAttribute("data-current-key", key);
    showPanel(step, key);
    reveal(layout.byKey.get(key));
  }

  function reveal(box) {           // scroll the box into view when it is outside
    const z = state.zoom, x = (box.x + GRAPH_MARGIN) * z, y = (box.y + GRAPH_MARGIN) * z;
    if (x < scroller.scrollLeft || x + box.w * z > scroller.scrollLeft + scroller.clientWidth) scroller.scrollLeft = x - 40;
    if (y < scroller.scrollTop || y + box.h * z > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = y - 40;
  }

  function showPanel(step, key) {
    panel.textContent = "";
    if (!walk.length) {
      h("p", {}, panel, GRAPH_NO_BACKWARD + ": the walk of the backward pass appears here, node by node.");
      return;
    }
    if (!step) {
      h("p", {}, panel, "Press next to walk the backward pass in autograd's order: each node's backward runs once " +
        "every node that uses it has passed its gradient on, and hands dL/d(input) to each of its inputs " +
        "(L is " + nodes[data.root].label + ", the graph's root).");
      return;
    }
    const node = nodes[step.node];
    h("div", { class: "aino-g-title" }, panel).appendChild(document.createElement("b")).textContent =
      node.label + (node.op && node.op.toLowerCase() !== node.label ? " (" + node.op + ")" : "");
    if (key.startsWith("g:")) {
      h("div", { class: "aino-g-inside" }, panel, "inside " + key.slice(2) + " (closed: click its box to open it)");
    }
    valueLine(h("div", { class: "aino-g-received" }, panel, "receives dL/d(" + node.label + "): "), step.grad);
    if (node.kind !== "op") {
      h("div", {}, panel, "a leaf: its gradient is summed into .grad; nothing is passed on.");
      return;
    }
    if (!step.passes.length) h("div", {}, panel, "passes nothing on: none of its inputs needs a gradient.");
    for (const p of step.passes) {
      const to = nodes[p.to], where = to.group ? " in " + to.group : "";
      valueLine(h("div", { class: "aino-g-pass", "data-to": p.to }, panel,
        "\u2192 " + to.label + where + " (input " + p.slot + "): "), p.grad);
    }
    if (node.formula) h("code", { class: "aino-g-formula" }, panel, node.formula);
  }

  function valueLine(line, V) {
    if (V.cells && V.cells.length) heatmap(svgEl("svg", { width: 44, height: 24 }, line), V, 0, 0, 44, 24);
    line.appendChild(document.createTextNode(valueText(V)));
  }

  function setStep(k) {
    k = Math.round(Number(k));
    state.step = Number.isFinite(k) ? Math.max(0, Math.min(walk.length, k)) : 0;
    highlight();
    if (options.onDraw) options.onDraw();
  }
  function userStep(k) {
    setStep(k);
    if (options.onStep) options.onStep(state.step);
  }
  function open(name) { if (tree.groups.has(name) && !state.open.has(name)) { state.open.add(name); relayout(); } }
  function close(name) { if (state.open.delete(name)) relayout(); }

  // The drawing as a standalone SVG document (its styles are attributes already), at its natural size.
  function svgText() {
    const copy = svg.cloneNode(true);
    copy.setAttribute("width", width());
    copy.setAttribute("height", height());
    copy.insertBefore(svgEl("rect", { width: "100%", height: "100%", fill: "#fff" }), copy.firstChild.nextSibling);
    return new XMLSerializer().serializeToString(copy);
  }
  function saveSvg() {
    const link = h("a", { download: "graph.svg" }, null);
    link.href = URL.createObjectURL(new Blob([svgText()], { type: "image/svg+xml" }));
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  let drag = null, dragged = false;
  scroller.addEventListener("pointerdown", (e) => {
    drag = [e.clientX, e.clientY, scroller.scrollLeft, scroller.scrollTop];
    dragged = false;
  });
  scroller.addEventListener("pointermove", (e) => {
    if (!drag || !(e.buttons & 1)) { drag = null; return; }
    if (Math.abs(e.clientX - drag[0]) + Math.abs(e.clientY - drag[1]) > 4) dragged = true;
    scroller.scrollLeft = drag[2] - (e.clientX - drag[0]);
    scroller.scrollTop = drag[3] - (e.clientY - drag[1]);
  });
  scroller.addEventListener("pointerup", () => { drag = null; });
  root.setAttribute("tabindex", "0");                    // the arrow keys, Home and End walk too
  root.addEventListener("keydown", (e) => {
    const to = { ArrowRight: state.step + 1, ArrowLeft: state.step - 1, Home: 1, End: walk.length }[e.key];
    if (to === undefined || !walk.length) return;
    e.preventDefault();
    userStep(to);
  });
  scroller.addEventListener("wheel", (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    zoom(state.zoom * Math.exp(-e.deltaY * 0.002));
  }, { passive: false });
  scroller.addEventListener("click", (e) => {
    if (dragged) return;
    const title = e.target.closest(".aino-g-frame-title"), group = e.target.closest(".aino-g-group");
    if (title) close(title.parentNode.getAttribute("data-frame"));
    else if (group) open(group.getAttribute("data-group"));
  });

  const api = { state, timings, setStep, open, close, relayout, svgText, saveSvg };
  root.ainoGraph = api;
  relayout();
  setStep(options.step || 0);
  return api;
}

// For each group: {ops, params, names: its parameters' last names}, counting the groups inside it.
function groupCounts(data, tree) {
  const counts = new Map([...tree.groups.keys()].map((name) => [name, { ops: 0, params: 0, names: [] }]));
  for (const node of data.nodes) {
    for (const name of tree.chains[node.id]) {
      const c = counts.get(name);
      if (node.kind === "op") c.ops++;
      else if (node.kind === "param") { c.params++; c.names.push(node.label.slice(name.length + 1) || node.label); }
    }
  }
  return counts;
}

// Each drawn edge's ends [x1, y1, x2, y2]: it leaves the bottom of its source and enters the top of its
// target, the edges of one box spread along its side in the order of the boxes at their other ends.
function edgeEnds(layout) {
  const outs = new Map(), ins = new Map();
  for (const link of layout.edges) {
    (outs.get(link.from) || outs.set(link.from, []).get(link.from)).push(link);
    (ins.get(link.to) || ins.set(link.to, []).get(link.to)).push(link);
  }
  const centre = (key) => { const b = layout.byKey.get(key); return b.x + b.w / 2; };
  const ends = new Map();
  for (const [key, list] of outs) {
    const b = layout.byKey.get(key);
    list.sort((p, q) => centre(p.to) - centre(q.to));
    list.forEach((link, i) => ends.set(link, [b.x + b.w * (i + 1) / (list.length + 1), b.y + b.h]));
  }
  for (const [key, list] of ins) {
    const b = layout.byKey.get(key);
    list.sort((p, q) => centre(p.from) - centre(q.from));
    list.forEach((link, i) => ends.get(link).push(b.x + b.w * (i + 1) / (list.length + 1), b.y));
  }
  return ends;
}

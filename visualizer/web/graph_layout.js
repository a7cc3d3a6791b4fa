// graph_layout.js: where the boxes of a computation graph go (the payload of aino/trace/graph_payload.py,
// format "aino-graph"), top to bottom: inputs above the ops that use them, the loss at the bottom.
//
// Units: what is drawn as one box. A node is its own unit unless one of its module groups is collapsed:
// then the outermost collapsed group holding it is the unit ("g:fc1"), and its edges go to that box. An
// open group is a frame whose inside is laid out first, on its own, and then placed as one big box in the
// scope around it (groups are convex: an op on a path between two of a group's nodes is in the group, so
// the units of every scope form a DAG). Each scope is laid out as a layered graph:
//   layers     longest path: layer(u) = 1 + max layer(v) over the units v feeding u (0 for sources), then
//              each unit as low as its users allow;
//   order      barycenter sweeps: a unit's place in its layer moves to the mean place of its neighbours in
//              the layer above (sweeping down) or below (sweeping up), which removes most crossings;
//   positions  each unit is pulled to the mean x of its neighbours, then overlaps are undone by the mean
//              of a left-to-right and a right-to-left push (both keep the order and the gaps, so their
//              mean does too).
// Everything is linear in nodes + edges per sweep: hundreds of ops take a few milliseconds.

export const GRAPH_GAP_X = 18, GRAPH_GAP_Y = 34;      // pixels between boxes in a layer, and between layers
export const GRAPH_FRAME_PAD = 10, GRAPH_FRAME_TITLE = 20;  // an open group's frame around its inside
const GRAPH_SWEEPS = 4;                                // barycenter sweeps (each one down and one up)

// The module groups as a tree: {top, groups: Map name -> scope, chains: node id -> [innermost .. outermost
// group name]}; a scope is {name, type, parent, groups: [child names], nodes: [node ids], first: min id}.
export function graphTree(data) {
  const groups = new Map();
  const top = { name: null, groups: [], nodes: [], first: Infinity };
  for (const g of data.groups || []) {
    groups.set(g.name, { name: g.name, type: g.type, parent: g.parent, groups: [], nodes: [], first: Infinity });
  }
  for (const g of groups.values()) (groups.get(g.parent) || top).groups.push(g.name);
  const chains = [];
  for (const node of data.nodes) {
    (groups.get(node.group) || top).nodes.push(node.id);
    const chain = [];
    for (let name = node.group; groups.has(name) && !chain.includes(name); name = groups.get(name).parent) {
      chain.push(name);
      const g = groups.get(name);
      g.first = Math.min(g.first, node.id);
    }
    chains[node.id] = chain;
  }
  return { top, groups, chains };
}

// The key of the box that shows node `id` when the groups in the Set `open` are open.
export function unitOf(tree, open, id) {
  const chain = tree.chains[id];
  for (let i = chain.length - 1; i >= 0; i--) if (!open.has(chain[i])) return "g:" + chain[i];
  return "n" + id;
}

// The unit directly inside `scope` that holds node `id` (its key), or null when the node is outside it.
function itemIn(tree, open, scope, id) {
  const chain = tree.chains[id];
  const at = scope.name === null ? chain.length : chain.indexOf(scope.name);
  if (at < 0) return null;
  if (at === 0) return "n" + id;
  return "g:" + chain[at - 1];
}

// Longest-path layers of `items` (keys, inputs first): an item sits one layer below the lowest of its `preds`;
// then, users first, every item with users moves down to just above the first item that uses it (it never
// moves up: a user is always lower), so the weights of a deep network, and an op on weights alone (W.T),
// sit beside the op that uses them, not all in the top rows.
function layers(items, preds, succs) {
  const layer = new Map();
  const visiting = new Set();
  function depth(key) {            // memoised; a cycle (never made by aino's groups) is cut where it closes
    if (layer.has(key)) return layer.get(key);
    if (visiting.has(key)) return 0;
    visiting.add(key);
    let d = 0;
    for (const p of preds.get(key)) d = Math.max(d, depth(p) + 1);
    visiting.delete(key);
    layer.set(key, d);
    return d;
  }
  for (const key of items) depth(key);
  for (const key of [...items].reverse()) {      // users first: each item then moves down to its first user
    const below = succs.get(key).map((k) => layer.get(k));
    if (below.length) layer.set(key, Math.min(...below) - 1);
  }
  const rows = [];
  for (const key of items) (rows[layer.get(key)] = rows[layer.get(key)] || []).push(key);
  return rows.filter((row) => row);
}

// Reorder each layer by the mean place of each item's neighbours (`near`) in the layers already swept.
function sweep(rows, near, downward) {
  const place = new Map();
  const index = (row) => row.forEach((key, i) => place.set(key, i - (row.length - 1) / 2));
  const order = downward ? rows.map((_, i) => i) : rows.map((_, i) => rows.length - 1 - i);
  index(rows[order[0]]);
  for (const l of order.slice(1)) {
    const row = rows[l];
    const bary = new Map();
    row.forEach((key, i) => {
      const seen = near.get(key).filter((k) => place.has(k));
      bary.set(key, seen.length ? seen.reduce((s, k) => s + place.get(k), 0) / seen.length : i - (row.length - 1) / 2);
    });
    row.sort((a, b) => bary.get(a) - bary.get(b));
    index(row);
  }
}

// Left edges for boxes of widths `w` wanted at `want` (left edges), in this order, GRAPH_GAP_X apart.
function unoverlap(want, w) {
  const n = want.length, right = new Array(n), left = new Array(n);
  for (let i = 0; i < n; i++) right[i] = i ? Math.max(want[i], right[i - 1] + w[i - 1] + GRAPH_GAP_X) : want[i];
  for (let i = n - 1; i >= 0; i--) left[i] = i < n - 1 ? Math.min(want[i], left[i + 1] - w[i] - GRAPH_GAP_X) : want[i];
  return right.map((r, i) => (r + left[i]) / 2);
}

// Lay out one scope: {w, h, boxes: [{key, x, y, w, h, frame?}] relative to its corner}; `size(key)` gives a
// closed unit's {w, h}.
function layoutScope(data, tree, open, scope, size) {
  const inner = new Map();         // key of an open group -> its laid-out inside
  const items = [];
  for (const name of scope.groups) items.push(["g:" + name, tree.groups.get(name).first]);
  for (const id of scope.nodes) items.push(["n" + id, id]);
  items.sort((a, b) => a[1] - b[1]);
  const keys = items.map((item) => item[0]);
  const dims = new Map();
  for (const key of keys) {
    const name = key.startsWith("g:") ? key.slice(2) : null;
    if (name !== null && open.has(name)) {
      const done = layoutScope(data, tree, open, tree.groups.get(name), size);
      inner.set(key, done);
      dims.set(key, { w: done.w + 2 * GRAPH_FRAME_PAD, h: done.h + GRAPH_FRAME_PAD + GRAPH_FRAME_TITLE });
    } else dims.set(key, size(key));
  }
  const preds = new Map(keys.map((k) => [k, []])), succs = new Map(keys.map((k) => [k, []]));
  for (const e of data.edges) {
    const a = itemIn(tree, open, scope, e.from), b = itemIn(tree, open, scope, e.to);
    if (a === null || b === null || a === b || preds.get(b).includes(a)) continue;
    preds.get(b).push(a);
    succs.get(a).push(b);
  }
  const rows = layers(keys, preds, succs);
  for (let s = 0; s < GRAPH_SWEEPS && rows.length > 1; s++) { sweep(rows, preds, true); sweep(rows, succs, false); }
  const x = new Map();
  for (const row of rows) {        // first: packed, centred on 0
    const w = row.map((k) => dims.get(k).w), total = w.reduce((s, v) => s + v, 0) + GRAPH_GAP_X * (row.length - 1);
    let at = -total / 2;
    row.forEach((k, i) => { x.set(k, at); at += w[i] + GRAPH_GAP_X; });
  }
  const centre = (k) => x.get(k) + dims.get(k).w / 2;
  for (let s = 0; s < 2; s++) {
    for (const [list, near] of [[rows, preds], [rows.slice().reverse(), succs]]) {
      for (const row of list) {
        const w = row.map((k) => dims.get(k).w);
        const want = row.map((k, i) => {
          const n = near.get(k);
          return n.length ? n.reduce((sum, m) => sum + centre(m), 0) / n.length - w[i] / 2 : x.get(k);
        });
        unoverlap(want, w).forEach((left, i) => x.set(row[i], left));
      }
    }
  }
  const boxes = [];
  let y = 0, minX = Infinity, maxX = -Infinity;
  for (const row of rows) {
    const height = Math.max(...row.map((k) => dims.get(k).h));
    for (const k of row) {
      const d = dims.get(k), box = { key: k, x: x.get(k), y: y + (height - d.h) / 2, w: d.w, h: d.h };
      minX = Math.min(minX, box.x);
      maxX = Math.max(maxX, box.x + d.w);
      boxes.push(box);
      if (inner.has(k)) box.inside = inner.get(k);
    }
    y += height + GRAPH_GAP_Y;
  }
  const flat = [];
  for (const box of boxes) {
    box.x -= minX;
    flat.push(box);
    if (box.inside) {
      box.frame = box.key.slice(2);
      for (const b of box.inside.boxes) {
        flat.push(Object.assign({}, b, { x: b.x + box.x + GRAPH_FRAME_PAD, y: b.y + box.y + GRAPH_FRAME_TITLE }));
      }
      delete box.inside;
    }
  }
  return { w: boxes.length ? maxX - minX : 0, h: Math.max(0, y - GRAPH_GAP_Y), boxes: flat };
}

// The whole layout: {w, h, boxes (outer frames before what they hold), byKey: Map key -> box, edges:
// [{from, to, edges: [payload edges]}] between the boxes drawn}. `size(key)` gives a closed unit's {w, h}.
export function layoutGraph(data, tree, open, size) {
  const done = layoutScope(data, tree, open, tree.top, size);
  const byKey = new Map(done.boxes.map((b) => [b.key, b]));
  const links = new Map();
  for (const e of data.edges) {
    const a = unitOf(tree, open, e.from), b = unitOf(tree, open, e.to);
    if (a === b) continue;
    const id = a + ">" + b;
    if (!links.has(id)) links.set(id, { from: a, to: b, edges: [] });
    links.get(id).edges.push(e);
  }
  return { w: done.w, h: done.h, boxes: done.boxes, byKey, edges: [...links.values()] };
}

// plane_model.js: the model of the input plane (plane.js) as the browser runs it. For a model with two
// inputs made only of dense layers and activations (and layers that pass rows through in eval mode),
// planeModel(data) reads the chain from the payload's layers, planeForward runs it from a step's
// recorded weights on any points, planeClasses reads the predicted class of each point, planeStep gathers
// one step's results on the grid and the probe, and planeBoundary traces the decision boundary.
//
// The activations are aino's (aino/activations.py), each with its formula; softmax and log_softmax work
// over a row (one point's outputs). Top-level names all start with "plane" / "PLANE_": the export
// inlines every module in one scope.

const PLANE_PASS_THROUGH = ["Dropout", "Identity", "Flatten"];   // in eval mode (the probe's), f(x) = x on (N, 2) rows
const PLANE_ALIASES = { linear: "identity", none: "identity", leakyrelu: "leaky_relu", logistic: "sigmoid",
  logsoftmax: "log_softmax" };

// erf(x) by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), for GELU.
function planeErf(x) {
  const s = x < 0 ? -1 : 1, a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-a * a));
}

// The elementwise activations, as aino/activations.py defines them; o holds the layer's options.
const PLANE_ELEMENTWISE = {
  identity: (z) => z,                                                        // f(z) = z
  sigmoid: (z) => z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)),  // f(z) = 1 / (1 + e^-z)
  tanh: (z) => Math.tanh(z),                                                 // f(z) = tanh(z)
  relu: (z) => z > 0 ? z : 0,                                                // f(z) = max(0, z)
  leaky_relu: (z, o) => z > 0 ? z : o.slope * z,                             // f(z) = z if z > 0 else slope * z
  elu: (z, o) => z > 0 ? z : o.alpha * Math.expm1(z),                        // f(z) = z if z > 0 else alpha (e^z - 1)
  selu: (z) => 1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * Math.expm1(z)),  // scale * elu(z, alpha)
  gelu: (z) => z * 0.5 * (1 + planeErf(z / Math.SQRT2)),                     // f(z) = z * Phi(z)
  softplus: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),      // f(z) = log(1 + e^z)
};
// The activations over a row (the outputs of one point): softmax_i = e^(z_i - max) / sum_j e^(z_j - max);
// log_softmax_i = z_i - max - log(sum_j e^(z_j - max)).
const PLANE_ROWWISE = { softmax: true, log_softmax: true };

function planeActivationName(layer) {
  let name = layer.activation || layer.type || "";
  name = String(name).toLowerCase();
  return PLANE_ALIASES[name] || name;
}

// The model as a chain of ops the browser can run, or null. Each op: {layer (the payload entry), kind
// ("dense" | "activation"), units, ...}; a dense op: weight, bias, nIn, outIn (the weight's layout: (out,
// in) as both aino paths record it, or (in, out)); an activation op: name, options.
export function planeModel(data) {
  const params = {};
  for (const p of data.params || []) params[p.name] = p;
  const ops = [];
  let width = null;
  for (const layer of data.layers || []) {
    if (layer.kind === "dense") {
      const shape = layer.weight && params[layer.weight] ? params[layer.weight].shape : null;
      if (!shape || shape.length !== 2) return null;
      const units = layer.units || null;
      let outIn, nIn, nOut;
      if (width !== null) {
        if (shape[1] === width && (!units || shape[0] === units)) { outIn = true; nIn = width; nOut = shape[0]; }
        else if (shape[0] === width && (!units || shape[1] === units)) { outIn = false; nIn = width; nOut = shape[1]; }
        else return null;
      } else if (units && shape[1] === units && shape[0] !== units) { outIn = false; nIn = shape[0]; nOut = units; }
      else { outIn = true; nIn = shape[1]; nOut = shape[0]; }
      const bias = layer.bias && params[layer.bias] ? layer.bias : null;
      ops.push({ layer, kind: "dense", units: nOut, weight: layer.weight, bias, nIn, outIn });
      width = nOut;
    } else if (layer.kind === "activation" || PLANE_PASS_THROUGH.includes(layer.type)) {
      if (width === null) return null;
      const name = layer.kind === "activation" ? planeActivationName(layer) : "identity";
      if (!PLANE_ELEMENTWISE[name] && !PLANE_ROWWISE[name]) return null;
      const o = layer.options || {};
      const options = {
        slope: Number.isFinite(o.negative_slope) ? o.negative_slope : Number.isFinite(o.alpha) ? o.alpha : 0.01,
        alpha: Number.isFinite(o.alpha) ? o.alpha : 1,
      };
      ops.push({ layer, kind: "activation", units: width, name, options });
    } else {
      return null;
    }
  }
  if (!ops.length || ops[0].kind !== "dense" || ops[0].nIn !== 2) return null;
  return ops;
}

// Run the chain on P points X (P x 2, row-major): one Float32Array (P x units) per op, or null when a
// weight is missing from `weights` ({param: Float32Array}).
export function planeForward(ops, weights, X, P) {
  const outputs = [];
  let a = X, width = 2;
  for (const op of ops) {
    const out = new Float32Array(P * op.units);
    if (op.kind === "dense") {
      const W = weights[op.weight], b = op.bias ? weights[op.bias] : null;
      if (!W || W.length !== op.units * op.nIn || (op.bias && (!b || b.length !== op.units))) return null;
      const nIn = op.nIn, nOut = op.units;
      // z_j = sum_i W[j, i] x_i + b_j
      const strideJ = op.outIn ? nIn : 1, strideI = op.outIn ? 1 : nOut;
      for (let p = 0; p < P; p++) {
        const row = p * nIn, dst = p * nOut;
        for (let j = 0; j < nOut; j++) {
          let z = b ? b[j] : 0;
          const base = j * strideJ;
          for (let i = 0; i < nIn; i++) z += W[base + i * strideI] * a[row + i];
          out[dst + j] = z;
        }
      }
    } else if (PLANE_ROWWISE[op.name]) {
      const n = op.units, log = op.name === "log_softmax";
      for (let p = 0; p < P; p++) {
        const row = p * n;
        let top = -Infinity;
        for (let j = 0; j < n; j++) if (a[row + j] > top) top = a[row + j];
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.exp(a[row + j] - top);
        for (let j = 0; j < n; j++) {
          out[row + j] = log ? a[row + j] - top - Math.log(sum) : Math.exp(a[row + j] - top) / sum;
        }
      }
    } else {
      const f = PLANE_ELEMENTWISE[op.name], o = op.options;
      for (let k = 0; k < out.length; k++) out[k] = f(a[k], o);
    }
    outputs.push(out);
    a = out;
    width = op.units;
  }
  return outputs;
}

// The predicted class of each of P rows of the last op's output: the argmax, or, with one output,
// 1 where it is above `threshold`.
export function planeClasses(out, P, C, threshold) {
  const classes = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    if (C === 1) { classes[p] = out[p] > threshold ? 1 : 0; continue; }
    let best = 0, top = out[p * C];
    for (let c = 1; c < C; c++) if (out[p * C + c] > top) { top = out[p * C + c]; best = c; }
    classes[p] = best;
  }
  return classes;
}

// One step's results from its weights ({param: Float32Array}): the outputs of every op on the P grid points
// and the classes there; per op the largest |value| on the grid (about the threshold for the last op when
// it has one output); on the N probe points (or none: probe null) the predictions, the classes of the
// recorded output `recordedOut` (when it holds N x C values) and how many agree with them, and the
// mistakes against `labels` (or null). null when a weight is missing.
export function planeStep(ops, weights, grid, P, probe, N, C, threshold, recordedOut, labels) {
  const grids = planeForward(ops, weights, grid, P);
  if (!grids) return null;
  const outGrid = grids[grids.length - 1];
  const classes = planeClasses(outGrid, P, C, threshold);
  const top = grids.map((g, k) => {
    let t = 0;
    const centre = k === grids.length - 1 && C === 1 ? threshold : 0;
    for (let q = 0; q < g.length; q++) { const v = Math.abs(g[q] - centre); if (v > t) t = v; }
    return t;
  });
  let predictions = null, recorded = null, agree = null, mistakes = null;
  if (probe) {
    const outs = planeForward(ops, weights, probe, N);
    predictions = planeClasses(outs[outs.length - 1], N, C, threshold);
    if (recordedOut && recordedOut.length === N * C) {
      recorded = planeClasses(recordedOut, N, C, threshold);
      agree = 0;
      for (let p = 0; p < N; p++) if (recorded[p] === predictions[p]) agree++;
    }
    if (labels) {
      mistakes = 0;
      for (let p = 0; p < N; p++) if (predictions[p] !== labels[p]) mistakes++;
    }
  }
  return { grids, outGrid, classes, top, predictions, recorded, agree, mistakes };
}

// The decision boundary on a G x G grid of cell centres by marching squares, as segments [i0, j0, i1, j1]
// in cell units (centre (i, j) of cell q = j G + i): on an edge whose two ends predict different classes a
// and b, the line crosses where out_a - out_b (one output: out - threshold) is 0, linearly interpolated;
// two crossings in a square are joined, more meet at their mean.
export function planeBoundary(out, cls, G, C, threshold) {
  const diff = (q, a, b) => C > 1 ? out[q * C + a] - out[q * C + b] : (out[q] - threshold) * (a === 1 ? 1 : -1);
  const segments = [], hits = [];
  for (let j = 0; j < G - 1; j++) for (let i = 0; i < G - 1; i++) {
    const q00 = j * G + i, q10 = q00 + 1, q01 = q00 + G, q11 = q01 + 1;
    const c00 = cls[q00];
    if (c00 === cls[q10] && c00 === cls[q01] && c00 === cls[q11]) continue;
    hits.length = 0;
    // edges: top (q00 -> q10), right (q10 -> q11), bottom (q01 -> q11), left (q00 -> q01)
    const edges = [[q00, q10, i, j, 1, 0], [q10, q11, i + 1, j, 0, 1], [q01, q11, i, j + 1, 1, 0], [q00, q01, i, j, 0, 1]];
    for (const [qa, qb, ei, ej, di, dj] of edges) {
      const a = cls[qa], b = cls[qb];
      if (a === b) continue;
      const d0 = diff(qa, a, b), d1 = diff(qb, a, b);
      let t = d0 / (d0 - d1);
      if (!Number.isFinite(t)) t = 0.5;
      t = Math.max(0, Math.min(1, t));
      hits.push([ei + di * t, ej + dj * t]);
    }
    if (hits.length === 2) {
      segments.push([hits[0][0], hits[0][1], hits[1][0], hits[1][1]]);
    } else if (hits.length > 2) {
      let mi = 0, mj = 0;
      for (const [hi, hj] of hits) { mi += hi; mj += hj; }
      mi /= hits.length; mj /= hits.length;
      for (const [hi, hj] of hits) segments.push([hi, hj, mi, mj]);
    }
  }
  return segments;
}

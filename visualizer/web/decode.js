// decode.js: turn the payload's array references into typed arrays.
//
// A reference is {buffer: i, dtype: "float32" | "uint8", shape: [...], scale, offset, start}: the array
// begins `start` values into its buffer (0 when absent). Buffer i is an
// ArrayBuffer (or a typed array / DataView) handed in by the widget, or, in the offline file, a base64
// string in data.buffers_b64[i]. uint8 values are dequantised: value = offset + scale * q (255 = NaN
// is not used; a quantised array holds no NaN). Every decoded array is cached, so a step or layer seen
// once costs nothing the next time.

// base64 text -> Uint8Array, with the browser's own atob.
export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// A decoder for one payload: decoder.array(ref) -> Float32Array (or null for a missing ref).
export function makeDecoder(data, buffers) {
  const raw = [];                  // buffer index -> Uint8Array of its bytes, decoded on first use
  const cache = new WeakMap();     // ref object -> Float32Array

  function bytesOf(index) {
    if (raw[index] === undefined) {
      let source = buffers ? buffers[index] : undefined;
      if (source === undefined && data.buffers_b64) source = data.buffers_b64[index];
      if (typeof source === "string") raw[index] = base64ToBytes(source);
      else if (source instanceof ArrayBuffer) raw[index] = new Uint8Array(source);
      else if (source && source.buffer) raw[index] = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
      else throw new Error("aino debugger: buffer " + index + " is missing from the payload");
    }
    return raw[index];
  }

  function array(ref) {
    if (!ref || typeof ref !== "object" || ref.buffer === undefined) return null;
    const hit = cache.get(ref);
    if (hit) return hit;
    const all = bytesOf(ref.buffer);
    const count = (ref.shape || []).reduce((a, b) => a * b, 1);
    const start = ref.start || 0;
    let out;
    if (ref.dtype === "uint8") {
      const scale = ref.scale === undefined || ref.scale === null ? 1 : ref.scale;
      const offset = ref.offset || 0;
      out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = offset + scale * all[start + i];
    } else {
      // float32: view the bytes directly when they are 4-byte aligned, else copy them first
      const bytes = all.subarray(4 * start, 4 * (start + count));
      const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
      out = new Float32Array(aligned.buffer, aligned.byteOffset, count);
    }
    cache.set(ref, out);
    return out;
  }

  return { array };
}

// data.steps from data.stacks (a payload built with stacked=True): {str(step): {kind: {name: ref}}}, each
// step's entry made on first use. A stacked reference {steps, buffer, dtype, shape [k, ...], scale,
// offset} holds k arrays, row i being step steps[i]'s, with scale[i] and offset[i] when quantised.
export function stepsFromStacks(stacks) {
  const rows = {};   // step -> [[kind, name, stack, i], ...]
  for (const kind in stacks) {
    for (const name in stacks[kind]) {
      for (const stack of stacks[kind][name]) {
        stack.steps.forEach((step, i) => { (rows[step] = rows[step] || []).push([kind, name, stack, i]); });
      }
    }
  }
  const steps = {};
  for (const step in rows) {
    let made = null;
    Object.defineProperty(steps, step, { enumerable: true, get() {
      if (made) return made;
      made = {};
      for (const [kind, name, stack, i] of rows[step]) {
        const shape = stack.shape.slice(1), size = shape.reduce((a, b) => a * b, 1);
        (made[kind] = made[kind] || {})[name] = { buffer: stack.buffer, dtype: stack.dtype, shape, start: i * size,
          scale: Array.isArray(stack.scale) ? stack.scale[i] : stack.scale,
          offset: Array.isArray(stack.offset) ? stack.offset[i] : stack.offset };
      }
      return made;
    } });
  }
  return steps;
}

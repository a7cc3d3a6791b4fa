"""Debugger: a recorded training run in Jupyter, drawn in the browser (the renderer of visualizer/web/,
as an anywidget widget: JupyterLab, Notebook 7, VS Code, Voila).

    from visualizer import Debugger
    Debugger(trace)              # the last expression of a cell shows it
    view = Debugger(recorder)    # shown before training: it follows the run as it records
    with recorder:
        train(...)               # refreshed while it trains, once more when the `with` block ends

Scrubbing, Play and the layer menu run in the browser, with no round trip to the kernel. The `step` and
`layer` traitlets follow the browser both ways: set `view.step = 40` or `view.layer = "1"` from Python
(checked: a step outside the trace or an unknown layer is a ValueError, a step that is not an integer
a TypeError), read `view.step` for the step
the user dragged to. `refresh()` reads the trace again; `to_png()` draws the step shown with plot_step
(matplotlib) as PNG bytes.

What travels: the payload of visualizer/payload.py, its JSON in the `payload` traitlet and its buffers
one after the other in the binary `blob` traitlet (their lengths in `sizes`; one binary message part,
no base64; `view.buffers` cuts them apart again). Every step's summaries go in; the full arrays of at
most 2,000 kept steps (MAX_ARRAY_STEPS, as in the offline file), evenly spread by step number
(`live_steps`); while a Recorder trains, of at most 250 (LIVE_ARRAY_STEPS: encoding arrays is most of a
refresh's cost), and `refresh()` after training sends up to 2,000. Each kept step's
arrays and their JSON are made once and remembered, so a refresh encodes only the steps recorded since
the last one (and the newest) and rebuilds the series over all steps.

Live: given a Recorder, the widget refreshes from the recorder's step callback, throttled: at most every
`live_every` seconds, and only while the refreshes so far, with two more like the latest (the next one
and the final one), fit in BUDGET of the time since the first step; so all of them, the final one
included, take about BUDGET of the training time (benchmarks/bench_debugger.py measures it). When the
recorder's `with` block ends, one last refresh (only if steps came since the latest) makes the view end
on the last step. `refreshes` and `refresh_seconds` count them.
"""

import json
import time

import anywidget
import numpy
import traitlets

import visualizer  # for to_png: plot_step and figure_png, imported on first use (they need matplotlib)
from aino.trace.recorder import Recorder
from aino.trace.trace import Trace
from aino.validation import check_real
from visualizer.arguments import check_layer, check_step
from visualizer.checks import refusal
from visualizer.export import MAX_ARRAY_STEPS, renderer_script
from visualizer.payload import build_payload

LIVE_ARRAY_STEPS = 250  # while a Recorder trains (its live refreshes and the final one), the kept steps
# whose arrays are sent: fewer than MAX_ARRAY_STEPS, since encoding them is most of a refresh's cost;
# refresh() by hand after training sends up to MAX_ARRAY_STEPS
BUDGET = 0.05  # the share of the training time that live refreshes, the final one included, aim at (the
# goal is a cost to training of at most 10%: the rest is margin for a final refresh dearer than the latest)

_WIDGET_JS = """
// ---- the anywidget view ----
function aino_payload(model) {
  const text = model.get("payload");
  return text ? JSON.parse(text) : null;
}

function aino_buffers(model) {   // the one binary blob cut into the payload's buffers (views, no copies)
  const blob = model.get("blob"), sizes = model.get("sizes");
  if (!blob || !sizes) return [];
  const bytes = blob instanceof ArrayBuffer ? new Uint8Array(blob) : new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  const raw = sizes instanceof ArrayBuffer ? new Uint8Array(sizes) : new Uint8Array(sizes.buffer, sizes.byteOffset, sizes.byteLength);
  const lengths = new Uint32Array(raw.slice().buffer);
  const out = [];
  let at = 0;
  for (const n of lengths) { out.push(bytes.subarray(at, at + n)); at += n; }
  return out;
}

export default {
  render({ model, el }) {
    const box = document.createElement("div");
    el.appendChild(box);
    let api = null, timer = 0, echo = false, reported = { step: null, layer: null };

    function draw() {
      const data = aino_payload(model);
      if (!data) { box.textContent = "aino debugger: no steps recorded yet"; api = null; return; }
      api = render(box, data, { buffers: aino_buffers(model), step: model.get("step"),
                                layer: model.get("layer") || null });
    }

    function report() {          // the browser's step and layer back to Python, once the view rests 150 ms
      timer = 0;
      if (!api || api.state.playing) return;   // while playing, no messages: the pause reports the step
      const step = api.state.step, layer = api.state.layer || "";
      if (step === model.get("step") && layer === (model.get("layer") || "")) return;
      echo = true;               // these changes come from this view: its own change handlers ignore them
      model.set("step", step);
      model.set("layer", layer);
      echo = false;
      reported = { step, layer };
      model.save_changes();
    }
    // while a student scrubs, no messages: each kernel round trip makes JupyterLab redraw its busy and
    // idle signs, which costs the page frames
    const watcher = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(report, 150); });
    watcher.observe(box, { attributes: true, attributeFilter: ["data-step", "data-layer"] });

    model.on("change:revision", draw);
    // a step or layer set from Python moves the view; the kernel's echo of what this view reported
    // (it may come while Play has moved on) does not
    model.on("change:step", () => {
      const step = model.get("step");
      if (echo || !api || step === reported.step) return;
      if (step !== api.state.step) api.setStep(step);
    });
    model.on("change:layer", () => {
      const layer = model.get("layer");
      if (echo || !api || layer === reported.layer) return;
      if (layer && layer !== api.state.layer) api.setLayer(layer);
    });
    draw();
    return () => { watcher.disconnect(); if (timer) clearTimeout(timer); };
  },
};
"""


class Debugger(anywidget.AnyWidget):
    """The debugger of a Trace (or of a Recorder's trace, live while it records), drawn in the browser."""

    _esm = traitlets.Unicode(renderer_script() + _WIDGET_JS).tag(sync=True)
    payload = traitlets.Unicode("").tag(sync=True)  # build_payload's data as JSON ("" when no steps)
    blob = traitlets.Bytes(b"").tag(sync=True)  # build_payload's buffers one after the other, sent binary
    sizes = traitlets.Bytes(b"").tag(sync=True)  # their lengths, uint32 little-endian
    revision = traitlets.Int(0).tag(sync=True)  # grows with every refresh: the browser draws again
    step = traitlets.Any(0).tag(sync=True)  # an int: checked by check_step (TypeError, ValueError)
    layer = traitlets.Any("").tag(sync=True)  # a str: checked by check_layer
    n_steps = traitlets.Int(0).tag(sync=True)

    def __init__(self, trace_or_recorder, step=None, layer=None, live_every=1.0):
        source = trace_or_recorder
        if isinstance(source, Trace):
            recorder, trace = None, source
        elif isinstance(source, Recorder):
            recorder, trace = source, source.trace
        else:
            raise TypeError(refusal(source, "Debugger", allow_recorder=True))
        self.live_every = check_real(live_every, "live_every (seconds between refreshes)", "Debugger", minimum=0)
        self.recorder, self.trace = recorder, trace
        self.refreshes = 0          # how many times the payload was built
        self.refresh_seconds = 0.0  # and the time it took, in all
        self._next_live = 0.0       # no live refresh before this time (time.monotonic())
        self._live_start = None     # when the first step of this `with` block came
        self._live_seconds = 0.0    # the time its refreshes took
        self._pending = False
        self._arrays = {}           # kept step -> (its {kind: {name: ref}} with buffers counted from 0, buffers)
        self._ops = {}              # kept step -> its op log (a trace with record_ops)
        super().__init__()
        if trace.layers:
            self.layer = check_layer(trace, layer)
        self._build()
        if step is not None:
            self.step = step
        elif trace.n_steps:
            self.step = trace.n_steps - 1 if recorder is not None else 0
        if recorder is not None:
            recorder.add_step_callback(self._new_step)
            recorder.add_exit_callback(self._recorder_exited)

    # --- what Python sees --------------------------------------------------------------------------

    @traitlets.validate("step")
    def _valid_step(self, proposal):
        if not self.trace.n_steps:
            check_step_type(proposal["value"])
            return 0
        return check_step(self.trace, proposal["value"])

    @traitlets.validate("layer")
    def _valid_layer(self, proposal):
        value = proposal["value"]
        if not isinstance(value, str):
            raise TypeError(f"Debugger: layer must be a layer's name (a str), got {type(value).__name__}")
        return check_layer(self.trace, value or None) if self.trace.layers else ""

    @property
    def buffers(self):
        """The payload's buffers (read-only views of `blob`), as build_payload gives them."""
        view, out, at = memoryview(self.blob), [], 0
        for n in numpy.frombuffer(self.sizes, dtype="<u4").tolist():
            out.append(view[at:at + n])
            at += n
        return out

    @property
    def data(self):
        """The payload's data as the browser receives it (a dict), or None before any step."""
        return json.loads(self.payload) if self.payload else None

    def to_png(self):
        """The step and layer shown, drawn by plot_step as PNG bytes (a picture for a page or a report;
        needs matplotlib)."""
        return visualizer.figure_png(visualizer.plot_step(self.trace, self.step, self.layer or None))

    def refresh(self):
        """Read the trace again: new steps (from a Recorder still training) are sent, and the view moves
        to the newest step if it was showing the newest one. Returns self."""
        self._build()
        return self

    # --- inside -------------------------------------------------------------------------------------

    def _build(self, limit=MAX_ARRAY_STEPS):
        started = time.perf_counter()
        trace = self.trace
        newest = self.step >= self.n_steps - 1
        payload, buffers = self._payload(limit) if trace.n_steps else ("", [])
        with self.hold_sync():
            self.n_steps = trace.n_steps
            self.payload = payload
            self.blob = b"".join(buffers)
            self.sizes = numpy.array([len(b) for b in buffers], dtype="<u4").tobytes()
            if trace.n_steps and (newest or self.step >= trace.n_steps):
                self.step = trace.n_steps - 1
            self.revision += 1
        self._pending = False
        spent = time.perf_counter() - started
        self.refreshes += 1
        self.refresh_seconds += spent
        return spent

    def _payload(self, limit):
        """(JSON text, buffers) of build_payload(trace, steps=live_steps(trace.steps, limit)), with what earlier refreshes
        made for each kept step remembered (its buffers and its JSON): only new steps and the newest are
        built again. The steps' buffers come first, in step order, so a step's JSON stays valid while the
        steps before it stay chosen; the series' and the probe's buffers come after them."""
        trace = self.trace
        chosen = live_steps(trace.steps, limit)
        keep = set(chosen)
        for step in [s for s in self._arrays if s not in keep]:
            del self._arrays[step]
            self._ops.pop(step, None)
        todo = [s for s in chosen if s not in self._arrays]
        if chosen and chosen[-1] not in todo:
            todo.append(chosen[-1])  # the newest: its shapes are the layers' shapes (as build_payload says)
        data, built = build_payload(trace, steps=todo, chain_steps=chosen)
        for key, entry in data.pop("steps", {}).items():
            local = []
            for refs in entry.values():
                for ref in refs.values():
                    local.append(built[ref["buffer"]])
                    ref["buffer"] = len(local) - 1
            self._arrays[int(key)] = [entry, local, None]  # the JSON: made below, with its first buffer
        self._ops.update({int(k): v for k, v in data.pop("ops", {}).items()})
        buffers, texts = [], []
        for step in chosen:
            held = self._arrays[step]
            entry, local, made = held
            base = len(buffers)
            buffers.extend(local)
            if made is None or made[0] != base:
                remapped = {kind: {name: dict(ref, buffer=base + ref["buffer"]) for name, ref in refs.items()}
                            for kind, refs in entry.items()}
                made = held[2] = (base, f'"{step}":' + _dumps(remapped))
            texts.append(made[1])
        for ref in _refs(data):  # the series and the probe
            buffers.append(built[ref["buffer"]])
            ref["buffer"] = len(buffers) - 1
        data["kept_steps"] = chosen
        if trace.meta.get("record_ops") and self._ops:
            data["ops"] = {str(step): self._ops[step] for step in chosen if step in self._ops}
        text = _dumps(data)
        return text[:-1] + ',"steps":{' + ",".join(texts) + "}}", buffers

    def _new_step(self, *args):
        """The recorder's step callback: refresh when the throttle allows, else remember a step is waiting."""
        now = time.monotonic()
        if self._live_start is None:
            self._live_start = now
        if now < self._next_live:
            self._pending = True
            return
        spent = self._build(LIVE_ARRAY_STEPS)
        self._live_seconds += spent
        # the next refresh, and the final one, will cost about as much as this one: wait until all of
        # them fit in BUDGET of the time since the first step, and at least live_every
        fits = self._live_start + (self._live_seconds + 2 * spent) / BUDGET
        self._next_live = max(time.monotonic() + self.live_every, fits)

    def _recorder_exited(self, trace):
        if self._pending or self.n_steps != self.trace.n_steps:
            self._build(LIVE_ARRAY_STEPS)
        self._next_live, self._live_start, self._live_seconds = 0.0, None, 0.0  # the next block starts afresh


BrowserDebugger = Debugger  # its name before it became the Debugger


def live_steps(kept, limit=MAX_ARRAY_STEPS):
    """The kept steps whose arrays the widget sends: all of them when there are at most `limit`; else
    those at multiples of the smallest power of two that leaves at most `limit` (with the first and the
    last kept step). As a run grows the stride only doubles, so a step once chosen stays chosen until
    it is dropped for good: the arrays already encoded are used again."""
    kept = list(kept)
    if len(kept) <= limit:
        return kept
    steps = numpy.asarray(kept)
    stride = 2
    while numpy.count_nonzero(steps % stride == 0) + 2 > limit:
        stride *= 2
    return sorted(set(steps[steps % stride == 0].tolist()) | {kept[0], kept[-1]})


def check_step_type(value):
    if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)):
        raise TypeError(f"Debugger: step must be an integer, got {type(value).__name__}")
    return int(value)


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _refs(value):
    """Every buffer reference ({"buffer": i, "dtype": ...}) inside the payload's data."""
    if isinstance(value, dict):
        if "buffer" in value and "dtype" in value:
            yield value
            return
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)

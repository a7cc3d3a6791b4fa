"""BrowserDebugger: the browser renderer (visualizer/web/) as a Jupyter widget, with anywidget.

    from visualizer import BrowserDebugger
    BrowserDebugger(trace)              # the last expression of a cell shows it
    view = BrowserDebugger(recorder)    # shown before training: it follows the run as it records
    with recorder:
        train(...)                      # refreshed at most every `live_every` seconds, once more at the end

The widget sends the payload of visualizer/payload.py once per refresh: its JSON in the `payload`
traitlet, its arrays as binary buffers in `buffers` (no base64). As in the offline file (export.py),
the full arrays go in for at most 1,000 kept steps, evenly spread; every step's summaries go in.
Scrubbing happens in the browser; the `step` and `layer` traitlets follow it both ways (set
`view.step = 40` from Python; read `view.step` for the step the user dragged to). `refresh()` reads
the trace again. Given a Recorder, the widget also refreshes itself from the recorder's step callback,
throttled (at most every `live_every` seconds, and refreshing takes at most 5% of the time between
refreshes: with the final refresh, about 10% of the training time), and once more when the recorder's
`with` block ends, so that the view ends on the last step.
"""

import json
import time

import anywidget
import traitlets

from aino.trace.recorder import Recorder
from aino.trace.trace import Trace
from aino.training import History
from aino.validation import check_real
from visualizer import common
from visualizer.export import MAX_ARRAY_STEPS, export_steps, renderer_script
from visualizer.payload import build_payload

MAX_SHARE = 0.05  # the most of the training time that live refreshes may take (half of a 10% budget:
# the other half is left for the final refresh at the end, which is not throttled)

_WIDGET_JS = """
// ---- the anywidget view ----
function aino_payload(model) {
  const text = model.get("payload");
  return text ? JSON.parse(text) : null;
}

export default {
  render({ model, el }) {
    const box = document.createElement("div");
    el.appendChild(box);
    let api = null, sent = null, timer = 0;

    function draw() {
      const data = aino_payload(model);
      if (!data) { box.textContent = "aino debugger: no steps recorded yet"; api = null; return; }
      api = render(box, data, { buffers: model.get("buffers"), step: model.get("step"),
                                layer: model.get("layer") || null });
    }

    function report() {          // the browser's step and layer back to Python, at most 10 times a second
      timer = 0;
      if (!api) return;
      const step = api.state.step, layer = api.state.layer || "";
      if (step === model.get("step") && layer === (model.get("layer") || "")) return;
      model.set("step", step);
      model.set("layer", layer);
      model.save_changes();
    }
    const watcher = new MutationObserver(() => { if (!timer) timer = setTimeout(report, 100); });
    watcher.observe(box, { attributes: true, attributeFilter: ["data-step", "data-layer"] });

    model.on("change:revision", draw);
    model.on("change:step", () => { if (api && model.get("step") !== api.state.step) api.setStep(model.get("step")); });
    model.on("change:layer", () => {
      const layer = model.get("layer");
      if (api && layer && layer !== api.state.layer) api.setLayer(layer);
    });
    draw();
    return () => { watcher.disconnect(); if (timer) clearTimeout(timer); };
  },
};
"""

class BrowserDebugger(anywidget.AnyWidget):
    """The browser debugger of a Trace (or of a Recorder's trace, live while it records)."""

    _esm = traitlets.Unicode(renderer_script() + _WIDGET_JS).tag(sync=True)
    payload = traitlets.Unicode("").tag(sync=True)  # build_payload's data as JSON ("" when no steps)
    buffers = traitlets.List(traitlets.Bytes()).tag(sync=True)  # build_payload's buffers, sent binary
    revision = traitlets.Int(0).tag(sync=True)  # grows with every refresh: the browser draws again
    step = traitlets.Int(0).tag(sync=True)
    layer = traitlets.Unicode("").tag(sync=True)
    n_steps = traitlets.Int(0).tag(sync=True)

    def __init__(self, trace_or_recorder, step=None, layer=None, live_every=1.0):
        source = trace_or_recorder
        if isinstance(source, Trace):
            recorder, trace = None, source
        elif isinstance(source, Recorder):
            recorder, trace = source, source.trace
        else:
            raise TypeError(_refusal(source))
        self.live_every = check_real(live_every, "live_every (seconds between refreshes)", "BrowserDebugger",
                                     minimum=0)
        self.recorder, self.trace = recorder, trace
        self.refreshes = 0         # how many times the payload was built
        self.refresh_seconds = 0.0  # and the time it took, in all
        self._next_live = 0.0
        self._pending = False
        super().__init__()
        if trace.layers:
            self.layer = common.check_layer(trace, layer)
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
        value = proposal["value"]
        if not self.trace.n_steps:
            return 0
        return common.check_step(self.trace, value)

    @traitlets.validate("layer")
    def _valid_layer(self, proposal):
        value = proposal["value"]
        return common.check_layer(self.trace, value or None) if self.trace.layers else ""

    @property
    def data(self):
        """The payload's data as the browser receives it (a dict), or None before any step."""
        return json.loads(self.payload) if self.payload else None

    def refresh(self):
        """Read the trace again: new steps (from a Recorder still training) are sent, and the view moves
        to the newest step if it was showing the newest one. Returns self."""
        self._build()
        return self

    # --- inside -------------------------------------------------------------------------------------

    def _build(self):
        started = time.perf_counter()
        trace = self.trace
        newest = self.step >= self.n_steps - 1
        if trace.n_steps:
            steps, _ = export_steps(trace, limit=MAX_ARRAY_STEPS)  # as the offline file does: at most 1000
            data, buffers = build_payload(trace, steps=steps)
            payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
        else:
            payload, buffers = "", []
        with self.hold_sync():
            self.n_steps = trace.n_steps
            self.payload = payload
            self.buffers = [bytes(b) for b in buffers]
            if trace.n_steps and (newest or self.step >= trace.n_steps):
                self.step = trace.n_steps - 1
            self.revision += 1
        self._pending = False
        spent = time.perf_counter() - started
        self.refreshes += 1
        self.refresh_seconds += spent
        return spent

    def _new_step(self, *args):
        """The recorder's step callback: refresh when the throttle allows, else remember a step is waiting."""
        now = time.monotonic()
        if now < self._next_live:
            self._pending = True
            return
        spent = self._build()
        # the next refresh waits live_every, and long enough that refreshing stays under MAX_SHARE
        self._next_live = time.monotonic() + max(self.live_every, spent * (1 - MAX_SHARE) / MAX_SHARE)

    def _recorder_exited(self, trace):
        if self._pending or self.n_steps != self.trace.n_steps:
            self._build()


def _refusal(source):
    name = type(source).__name__
    if isinstance(source, History):
        hint = ("a fit history holds a trace only when trained with trace=True (then pass history.trace), "
                "or train inside a Recorder and pass the recorder")
        if isinstance(source.trace, Trace):
            hint = "pass history.trace"
        return f"BrowserDebugger: expected an aino Trace or a Recorder, got {name}: {hint}"
    return (f"BrowserDebugger: expected an aino Trace (fit(..., trace=True).trace) or a Recorder "
            f"(aino.trace.Recorder), got {name}")

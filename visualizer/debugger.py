"""Debugger: scrub through a trace in Jupyter (JupyterLab, Notebook 7, VS Code), with core ipywidgets only.

    from visualizer import Debugger
    Debugger(trace)            # the last expression of a cell shows it
    dbg = Debugger(recorder)   # a Recorder still training: call dbg.refresh() to see the new steps

What it shows: a step slider (over the steps whose full arrays the trace kept) with a Play button
linked to it in the browser, a layer menu, one image with every panel of `plot_step` for that step and
layer, and a line of text with the loss and what `diagnose()` found. The image is one `Image` widget
whose PNG is replaced in place when the step or layer changes, so nothing flickers or is rebuilt.

From Python: `dbg.step = 40`, `dbg.layer = "layers.0"`, `dbg.to_png()` (the current view as PNG bytes),
`dbg.refresh()` (read the trace again: new steps from a running Recorder appear, and the view follows
the newest step if it was showing the newest). If the recorder offers a step callback
(`add_step_callback(fn)`), the Debugger subscribes and refreshes itself as training runs, at most
every `live_every` seconds; no thread or timer is ever started.
"""

import html
import time
from collections import OrderedDict

import ipywidgets as widgets
import numpy

from aino.trace.trace import Trace
from aino.validation import check_real
from visualizer import common
from visualizer.checks import RECORD_ONE
from visualizer.figure import figure_png, plot_step

CACHE = 24  # rendered views kept, so scrubbing back is instant


class Debugger(widgets.VBox):
    """An ipywidgets view of a Trace (or of a Recorder's trace, while it records)."""

    def __init__(self, trace_or_recorder, step=None, layer=None, live_every=1.0):
        source = trace_or_recorder
        if isinstance(source, Trace):
            self.recorder, self.trace = None, source
        elif isinstance(getattr(source, "trace", None), Trace):
            self.recorder, self.trace = source, source.trace
        else:
            raise TypeError(f"Debugger: expected an aino Trace or a Recorder, got {type(source).__name__}; {RECORD_ONE}")
        self.live_every = check_real(live_every, "live_every (seconds between refreshes)", "Debugger", minimum=0)
        self._pngs = OrderedDict()
        self._last_live = 0.0
        self._busy = False
        self._play = widgets.Play(interval=400, min=0, max=0, step=1, description="Play",
                                  layout=widgets.Layout(width="auto"))
        self._slider = widgets.SelectionSlider(options=[("-", -1)], description="Step", continuous_update=True,
                                               layout=widgets.Layout(width="55%"),
                                               style={"description_width": "initial"})
        self.play_link = widgets.jslink((self._play, "value"), (self._slider, "index"))  # moves in the browser
        self._layer = widgets.Dropdown(options=list(self.trace.layers) or ["-"], description="Layer",
                                       layout=widgets.Layout(width="auto"))
        self._image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="1280px"))
        self._text = widgets.HTML()
        controls = widgets.HBox([self._play, self._slider, self._layer],
                                layout=widgets.Layout(align_items="center"))
        super().__init__([controls, self._text, self._image])
        self._busy = True
        try:
            self._sync_options(follow=True)  # a Recorder's trace: show the newest step
            if self.trace.layers:
                self._layer.value = common.check_layer(self.trace, layer)
            if step is None and self.recorder is None and self.trace.steps:
                step = self.trace.steps[0]  # a finished trace: start at the beginning, ready to play
            if step is not None:
                self._slider.value = self._snap(step)
                self._play.value = self._slider.index
        finally:
            self._busy = False
        self._slider.observe(self._changed, names="value")
        self._layer.observe(self._changed, names="value")
        self._render()
        subscribe = getattr(self.recorder, "add_step_callback", None)
        if callable(subscribe):
            subscribe(self._new_step)

    # --- what Python sees --------------------------------------------------------------------------

    @property
    def step(self):
        """The step shown (one of trace.steps); setting it moves the slider (to the nearest kept step)."""
        value = self._slider.value
        return None if value == -1 else int(value)

    @step.setter
    def step(self, value):
        self._slider.value = self._snap(value)

    @property
    def layer(self):
        """The layer the panels look at; setting it moves the layer menu."""
        return self._layer.value if self.trace.layers else None

    @layer.setter
    def layer(self, name):
        self._layer.value = common.check_layer(self.trace, name)

    @property
    def slider(self):
        """The step slider widget (its `value` is the step)."""
        return self._slider

    @property
    def play(self):
        """The Play button: the browser links its value to the slider's position (jslink)."""
        return self._play

    def to_png(self):
        """The current view as PNG bytes."""
        return bytes(self._image.value)

    def refresh(self):
        """Read the trace again: new steps (from a Recorder still training) join the slider, and the
        view moves to the newest step if it was showing the newest one. Returns self."""
        self._busy = True
        try:
            self._sync_options(follow=True)
        finally:
            self._busy = False
        self._render()
        return self

    # --- inside -------------------------------------------------------------------------------------

    def _new_step(self, *args):
        now = time.monotonic()
        if now - self._last_live >= self.live_every:
            self._last_live = now
            self.refresh()

    def _snap(self, step):
        if not self.trace.n_steps:
            raise ValueError("Debugger: the trace has no steps yet; train, then call refresh()")
        step = common.check_step(self.trace, step)
        return common.kept_step(self.trace, step)

    def _sync_options(self, follow):
        """Make the slider's options the trace's kept steps; keep the step shown, or follow the newest."""
        kept = self.trace.steps
        values = [v for _, v in self._slider.options]
        if values == (kept or [-1]):
            return
        old = self._slider.value
        newest = old == values[-1]
        self._slider.options = [(str(s), s) for s in kept] or [("-", -1)]
        if kept:
            self._slider.value = kept[-1] if (follow and newest) or old not in kept else old
        self._play.max = max(len(kept) - 1, 0)
        self._play.value = self._slider.index or 0

    def _changed(self, change):
        if self._busy:
            return
        if change["owner"] is self._slider and self._slider.index is not None:
            self._play.value = self._slider.index  # the browser links them too (jslink)
        self._render()

    def _key(self):
        return (self.step, self.layer, self.trace.n_steps, len(self.trace.steps))

    def _render(self):
        self._text.value = self._summary_html()
        if self.step is None:
            self._image.value = b""
            return
        key = self._key()
        png = self._pngs.get(key)
        if png is None:
            png = figure_png(plot_step(self.trace, self.step, self.layer))
            self._pngs[key] = png
            while len(self._pngs) > CACHE:
                self._pngs.popitem(last=False)
        else:
            self._pngs.move_to_end(key)
        self._image.value = png

    def _summary_html(self):
        trace = self.trace
        if self.step is None:
            return "<i>No steps recorded yet. Train inside the Recorder, then call refresh().</i>"
        step = self.step
        loss = trace.loss[step]
        loss_text = f"{loss:.4g}" if numpy.isfinite(loss) else str(loss)
        parts = [f"<b>Step {step}</b> of {trace.n_steps - 1} &nbsp; loss <b>{loss_text}</b>"]
        found = common.findings(trace)
        if found:
            items = "".join(
                f"<li style='color:{'#c62828' if f.step is None or f.step <= step else '#888'}'>"
                f"<b>{html.escape(f.kind.replace('_', ' '))}</b>"
                f"{html.escape(f' in {f.layer}' if f.layer else '')} (from step {f.step}): "
                f"{html.escape(f.message)}</li>" for f in found)
            parts.append(f"<ul style='margin:0.2em 0'>{items}</ul>")
        else:
            parts.append(" &nbsp; <span style='color:#2e7d32'>diagnose(): nothing wrong found</span>")
        return "".join(parts)

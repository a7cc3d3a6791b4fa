"""GraphView: the computation graph behind a tensor in Jupyter, drawn by the browser (visualizer/web/graph.js
as an anywidget widget), with its values, and its gradients once backward has run.

    from visualizer import graph
    loss = loss_fn(model(X), y)
    view = graph(loss, model)    # the last expression of a cell shows it: values now
    loss.backward()              # the view fills in every gradient and the backward walk by itself
    view.backward_step = 3       # the walk's third node (0: before the walk); the buttons move it too
    view.save_svg("graph.svg")   # the drawing as the browser shows it

Make the view before `loss.backward()`: autograd frees the graph as it walks it (aino/trace/graph.py). The
view listens to its Graph (`view.graph`): when the root's backward ends, the `payload` traitlet (the
Graph's payload as JSON) is built again and the browser draws the gradients. Opening and closing module
groups runs in the browser. `backward_step` follows the browser both ways (an int from 0 to the walk's
length: a TypeError or ValueError otherwise). The browser writes the drawing, as one SVG document, into the
`svg` traitlet a moment after each change (up to 4 million characters); `save_svg` writes that (so it needs
the view shown once).
"""

import json

import anywidget
import numpy
import traitlets

from aino.files import atomic_write
from visualizer.graph_export import graph_script, payload_json, to_graph

_WIDGET_JS = """
// ---- the anywidget view ----
const SVG_LIMIT = 4000000;  // characters: a bigger drawing (hundreds of open boxes) stays in the browser
export default {
  render({ model, el }) {
    const box = document.createElement("div");
    el.appendChild(box);
    let api = null, timer = 0;
    function sendSvg() {           // the drawing back to Python (for save_svg), once changes settle
      timer = 0;
      if (!api) return;
      const text = api.svgText(), sent = text.length <= SVG_LIMIT ? text : "";
      if (sent === model.get("svg")) return;
      model.set("svg", sent);
      model.save_changes();
    }
    function draw() {
      const text = model.get("payload");
      const open = api ? [...api.state.open] : [];
      api = renderGraph(box, text ? JSON.parse(text) : null, {
        open, step: model.get("backward_step"),
        onStep(k) { model.set("backward_step", k); model.save_changes(); },
        onDraw() { if (!timer) timer = setTimeout(sendSvg, 600); },
      });
    }
    model.on("change:payload", draw);
    model.on("change:backward_step", () => {
      const k = model.get("backward_step");
      if (api && k !== api.state.step) api.setStep(k);
    });
    draw();
    return () => { if (timer) clearTimeout(timer); };
  },
};
"""


class GraphView(anywidget.AnyWidget):
    """The graph behind a tensor (or a Graph), drawn in the browser; see the module docstring."""

    _esm = traitlets.Unicode(graph_script() + _WIDGET_JS).tag(sync=True)
    payload = traitlets.Unicode("").tag(sync=True)  # the Graph's payload as JSON
    backward_step = traitlets.Any(0).tag(sync=True)  # 0 .. len(graph.backward_steps), checked
    svg = traitlets.Unicode("").tag(sync=True)  # the drawing, written by the browser

    def __init__(self, source, model=None, names=None):
        graph = to_graph(source, "GraphView", model, names)
        super().__init__()
        self.graph = graph
        self.refreshes = 0  # how many times the payload was built
        self.refresh()
        graph.add_listener(self._backward_ran)

    @traitlets.validate("backward_step")
    def _valid_step(self, proposal):
        value = proposal["value"]
        if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)):
            raise TypeError(f"GraphView: backward_step must be an integer, got {type(value).__name__}")
        value, n = int(value), len(self.graph.backward_steps)
        if not 0 <= value <= n:
            hint = "" if n else " (loss.backward() has not run yet: the walk is empty)"
            raise ValueError(f"GraphView: backward_step must be from 0 (before the walk) to {n} (its last "
                             f"node), got {value}{hint}")
        return value

    @property
    def data(self):
        """The payload as the browser receives it (a dict)."""
        return json.loads(self.payload)

    def refresh(self):
        """Build the payload again from the Graph (done by itself when the root's backward ends). Returns self."""
        with self.hold_sync():
            self.payload = payload_json(self.graph)
            if self.backward_step > len(self.graph.backward_steps):
                self.backward_step = 0
        self.refreshes += 1
        return self

    def save_svg(self, path):
        """Write the drawing the browser shows (the `svg` traitlet) to `path`, atomically; returns the path."""
        if not self.svg:
            raise RuntimeError("GraphView.save_svg: nothing drawn yet; show the view in Jupyter first (the "
                               "browser makes the SVG; one over 4 million characters stays there: press the "
                               "view's Save SVG button), or use export_graph_html")
        with atomic_write(path) as file:
            file.write(self.svg.encode("utf-8"))
        return path

    def _backward_ran(self, graph):
        self.refresh()


def graph(tensor, model=None, names=None):
    """The computation graph behind `tensor` (such as a loss) as a GraphView; `model` (an aino.nn Module)
    names its parameters (fc1.weight) and groups its ops by module, `names` ({label: Tensor}) names others."""
    return GraphView(tensor, model, names)

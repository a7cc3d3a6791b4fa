"""Graph: the computation behind a tensor, as data, with every node's value and, once backward has run,
its gradient (visualizer.graph draws it).

    from aino.trace.graph import Graph

    loss = loss_fn(model(X), y)
    g = Graph(loss, model)      # the structure and the values, taken now
    loss.backward()             # g fills in each node's gradient dL/d(node), and the backward walk
    g.nodes[-1]                 # the root (the loss): GraphNode(kind="op", label="mseloss", ...)

One node per op and per leaf: `kind` is "op" (made by an op: `label` is the op's name, `formula` the first
paragraph of its docstring, where aino writes its derivative), "param" (a Parameter of `model`, labelled as
`model.named_parameters()` names it: "fc1.weight"; without `model`, the model is the smallest live Module
holding the most of the graph's parameters, found among the objects Python's gc tracks) or "leaf" (any other tensor: the input, a target, a
tensor made with requires_grad=True; labelled from `names`, else "tensor" if it needs a gradient, "constant" if
it is one number that needs none (the 2 of x * 2), else "input"). Node ids count from 0
in topological order: a node's inputs (`parents`, one per input slot of its op) come before it; the root is
the last. Values are host copies taken when the Graph is made, so a later optimizer step changes nothing.

Gradients: aino's autograd frees the graph as its backward runs (as PyTorch frees the saved tensors), so a
Graph is made *before* backward and listens to it (aino/hooks.py): while `root.backward()` runs it keeps
each node's summed gradient and, in the order the backward walk visits them (`backward_steps`), what each
op received and what it passed to each input. It stops listening when that backward ends, or when the root
tensor is gone. A Graph of a tensor whose graph a backward has already freed is a ValueError.

Module groups (`groups`, `GraphNode.group`): each module of `model` that holds parameters is a group of
its parameters, the ops that use them, and every op lying on a path between two of those (inside a
MultiheadAttention, the reshapes and the softmax between its projections); an op belongs to the innermost
such module. A module without parameters (ReLU, Flatten) makes no group: its op is one node anyway.
"""

import gc
import weakref

from aino import hooks
from aino.nn.module import Module
from aino.nn.parameter import Parameter
from aino.ops.function import Freed
from aino.tensor import Tensor
from aino.trace.graph_groups import module_groups
from aino.trace.graph_nodes import BackwardStep, GraphNode
from aino.trace.graph_payload import graph_payload
from aino.trace.summaries import to_host


class Graph:
    """The computation graph behind `tensor` (see the module docstring): `nodes`, `groups`, and after the
    root's backward `backward_steps`. `model` (an aino.nn Module) names the parameters and groups the ops;
    `names` ({label: Tensor}) names other tensors, such as the input."""

    def __init__(self, tensor, model=None, names=None):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Graph: expected an aino Tensor (such as a loss), got {type(tensor).__name__}")
        tensors = _topological(tensor)
        if model is None:
            model = owning_model(tensors)
        labels = _labels(model, names)
        ids = {id(t): i for i, t in enumerate(tensors)}
        self.nodes = [_node(i, t, ids, labels) for i, t in enumerate(tensors)]
        self.groups = []
        if model is not None:
            self.groups = module_groups(self.nodes, tensors, model)
        self.root = len(self.nodes) - 1
        self.backward_steps = []
        self.backward_ran = False
        self._listeners = []
        if tensor.requires_grad:
            functions = {id(t._ctx): ids[id(t)] for t in tensors if t._ctx is not None}
            _GradientCapture(self, tensor, ids, functions)

    def add_listener(self, callback):
        """Call `callback(graph)` when the root's backward has filled the gradients in."""
        if not callable(callback):
            raise TypeError(f"Graph.add_listener: expected a callable, got {type(callback).__name__}")
        self._listeners.append(callback)

    def edges(self):
        """(parent id, child id, input slot) for every input of every op."""
        return [(p, node.id, slot) for node in self.nodes for slot, p in enumerate(node.parents)]

    def to_payload(self):
        """The graph as JSON-able data for the browser renderer (aino/trace/graph_payload.py)."""
        return graph_payload(self)

    def __repr__(self):
        ops = sum(node.kind == "op" for node in self.nodes)
        state = "with gradients" if self.backward_ran else "before backward"
        return f"Graph({ops} ops, {len(self.nodes) - ops} leaves, {len(self.groups)} module groups, {state})"

    def _received(self, node_id, grad):
        self.nodes[node_id].grad = grad
        self.backward_steps.append(BackwardStep(node_id, grad))

    def _passed(self, node_id, passes):
        if self.backward_steps and self.backward_steps[-1].node == node_id:
            self.backward_steps[-1].passes = passes

    def _finished(self):
        self.backward_ran = True
        for callback in self._listeners:
            callback(self)


class _GradientCapture(hooks.Listener):
    """Attached from the Graph's making until its root's backward ends (or the root is gone): copies each
    gradient the backward walk sums or passes on. It holds the root only weakly."""

    def __init__(self, graph, root, ids, functions):
        self.graph = graph
        self.root = weakref.ref(root)
        self.ids = ids  # id(tensor) -> node id (the tensors are alive while their root's backward runs)
        self.functions = functions  # id(op) -> id of the node it made
        self.listening = False
        hooks.attach(self)
        weakref.finalize(root, hooks.detach, self)

    def backward_started(self, root, grad):
        self.listening = root is self.root()

    def node_gradient(self, node, grad):
        if self.listening and id(node) in self.ids:
            self.graph._received(self.ids[id(node)], to_host(grad).copy())

    def op_backward(self, fn, grad, input_grads):
        node_id = self.functions.get(id(fn)) if self.listening else None
        if node_id is None:
            return
        passes = [(self.ids[id(parent)], slot, to_host(g).copy())
                  for slot, (parent, g) in enumerate(zip(fn.parents, input_grads))
                  if g is not None and parent.requires_grad]
        self.graph._passed(node_id, passes)

    def backward_finished(self, root):
        if self.listening and root is self.root():
            self.listening = False
            hooks.detach(self)
            self.graph._finished()


def _topological(root):
    """Every tensor that leads to `root` (inputs that need no gradient too), each after its inputs, and the
    inputs of an op in the order of its slots (x, then weight, then bias), as a student reads them. Unlike
    autograd's walk (aino/autograd.py), it follows every input, and a freed graph is a ValueError."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        tensor, done = stack.pop()
        if done:
            order.append(tensor)
            continue
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        ctx = tensor._ctx
        if ctx is None:
            continue
        if type(ctx) is Freed:
            raise ValueError("Graph: the graph behind this tensor was freed by backward(); make the Graph "
                             "(or visualizer.graph) before calling backward(), or call backward(retain_graph=True)")
        for parent in reversed(ctx.parents):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


def _node(i, tensor, ids, labels):
    ctx = tensor._ctx
    data = to_host(tensor.data)
    common = dict(shape=tuple(int(n) for n in data.shape), dtype=str(data.dtype),
                  requires_grad=bool(tensor.requires_grad), value=data.copy())
    if ctx is None:
        label, kind = labels.get(id(tensor), (None, "leaf"))
        if label is None:
            label = "tensor" if tensor.requires_grad else "constant" if data.size == 1 else "input"
        return GraphNode(i, kind, label, **common)
    name = ctx.name or type(ctx).__name__.lower()
    parents = [ids[id(parent)] for parent in ctx.parents]
    return GraphNode(i, "op", name, op=type(ctx).__name__, formula=_formula(type(ctx)), parents=parents, **common)


def _formula(op_class):
    """The first paragraph of the op's docstring, on one line (where aino writes its derivative)."""
    doc = (op_class.__doc__ or "").strip()
    return " ".join(doc.split("\n\n")[0].split()) or None


def owning_model(tensors):
    """The live aino.nn Module whose parameters the graph uses most (the smallest of those, so a model is
    chosen over a wrapper around it), or None when the graph uses no Parameter. Python's gc lists the live
    Modules; this is done once per Graph made without a model (tens of milliseconds)."""
    used = {id(t) for t in tensors if isinstance(t, Parameter)}
    if not used:
        return None
    best, best_key = None, None
    for module in gc.get_objects():
        if not issubclass(type(module), Module):  # type(), not isinstance: no object's __class__ is asked
            continue
        params = [id(p) for p in module.parameters()]
        covered = len(used.intersection(params))
        key = (covered, -len(params))
        if covered and (best_key is None or key > best_key):
            best, best_key = module, key
    return best


def _labels(model, names):
    """{id(tensor): (label, kind)} from the model's parameter names and the given names."""
    labels = {}
    if model is not None:
        if not hasattr(model, "named_parameters") or not hasattr(model, "named_modules"):
            raise TypeError(f"Graph: model must be an aino.nn Module (it names the parameters), got "
                            f"{type(model).__name__}")
        labels.update({id(p): (name, "param") for name, p in model.named_parameters()})
    if names is not None:
        if not isinstance(names, dict):
            raise TypeError(f"Graph: names must be a dict {{label: Tensor}}, got {type(names).__name__}")
        for label, tensor in names.items():
            if not isinstance(label, str) or not isinstance(tensor, Tensor):
                raise TypeError(f"Graph: names must map str labels to Tensors, got {label!r}: "
                                f"{type(tensor).__name__}")
            labels[id(tensor)] = (label, labels.get(id(tensor), (None, "leaf"))[1])
    return labels

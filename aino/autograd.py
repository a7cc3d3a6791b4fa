"""The backward pass: send a gradient from one tensor back through the graph of ops that made it.

Each op saved, in forward, what its backward needs; here the graph is walked in reverse topological order
(iteratively, so a chain of any length works), so that a tensor used several times has received the sum of
all its gradients before it passes its own on.
"""

from aino.ops.function import FREED, Freed, constant
from aino import hooks


def run_backward(root, grad, retain_graph=False, stop_at=()):
    """Add d(root)/d(leaf), scaled by `grad` (an array shaped like root), to every leaf's .grad.

    Tensors in `stop_at` count as leaves: they receive .grad and pass nothing further back.
    The graph is freed afterwards unless retain_graph=True.
    """
    if hooks.active: hooks.backward_started(root, grad)  # noqa: E701  (aino.trace: learns the loss)
    stop = {id(t) for t in stop_at if t is not None}
    order = _topological_order(root, stop)
    grads = {id(root): grad}
    given = set()  # arrays already handed to a leaf: a second leaf gets a copy
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if hooks.active: hooks.node_gradient(node, g)  # noqa: E701  (aino.trace: dL/d(layer output))
        ctx = node._ctx
        if ctx is None or (stop and id(node) in stop):  # a leaf: accumulate
            if g.base is not None or id(g) in given or g is grad:
                g = g.copy()  # never keep a view of, or share, another gradient
            given.add(id(g))
            if node.grad is None:
                node.grad = constant(g, node)
            else:
                node.grad.data = node.grad.data + g
            continue
        input_grads = ctx.backward(g)
        parents = ctx.parents
        if len(parents) == 1:
            input_grads = (input_grads,)
        if hooks.active: hooks.op_backward(ctx, g, input_grads)  # noqa: E701  (aino.trace: detect_anomaly)
        for parent, pg in zip(parents, input_grads):
            if pg is None or not parent.requires_grad:
                continue
            data = parent.data
            if pg.shape != data.shape:
                raise RuntimeError(
                    f"{type(ctx).__name__}.backward returned a gradient of shape {tuple(pg.shape)} "
                    f"for an input of shape {tuple(data.shape)}"
                )
            if pg.dtype != data.dtype:
                pg = pg.astype(data.dtype)
            key = id(parent)
            grads[key] = grads[key] + pg if key in grads else pg
        if not retain_graph:
            node._ctx = FREED
    if hooks.active: hooks.backward_finished(root)  # noqa: E701  (aino.trace: a Graph has all its gradients)


def _topological_order(root, stop=()):
    """Every tensor that needs a gradient and leads to `root`, each after its inputs (iterative DFS)."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)  # all of its inputs are already in `order`
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is None or id(node) in stop:
            continue
        if type(ctx) is Freed:
            ctx.backward(None)  # raises: the graph was freed by an earlier backward
        for parent in ctx.parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order

"""The module groups of a Graph (aino/trace/graph.py): which ops of the graph each module of the model ran.

The graph itself does not say which module made an op, so it is read from the parameters. A module M that
holds parameters (its own or its sub-modules') is seeded with the ops that take one of them as an input;
its group is then every node that lies on a path from one seed to another (a descendant of a seed and an
ancestor of a seed: for a Linear, its one `linear` op; inside a MultiheadAttention, the reshapes, the
scores and the softmax between the input projections and the output projection), plus those parameters.
Each node belongs to the innermost (smallest) group holding it; a group's parent is the nearest module
above it that has a group. A module without parameters makes no group.
"""

from aino.trace.graph_nodes import GraphGroup


def module_groups(nodes, tensors, model):
    """Set each node's `group` and return the groups (GraphGroup), outer before inner."""
    children = [[] for _ in nodes]
    for node in nodes:
        for parent in node.parents:
            children[parent].append(node.id)
    ids = {id(t): i for i, t in enumerate(tensors)}
    members, types = {}, {}
    for name, module in model.named_modules():
        if not name:
            continue  # the model itself holds everything
        params = [ids[id(p)] for p in module.parameters() if id(p) in ids]
        seeds = sorted({child for p in params for child in children[p]})
        if not seeds:
            continue
        between = _reach(seeds, children) & _reach(seeds, [node.parents for node in nodes])
        members[name] = between | set(params)
        types[name] = type(module).__name__
    for node in nodes:
        holding = [name for name, held in members.items() if node.id in held]
        if holding:
            node.group = min(holding, key=lambda name: (len(members[name]), -name.count(".")))
    return [GraphGroup(name, types[name], _enclosing(name, members)) for name in
            sorted(members, key=lambda name: (name.count("."), name))]


def _reach(starts, edges):
    """Every node reachable from `starts` along `edges` (node id -> list of node ids), the starts included."""
    seen, stack = set(starts), list(starts)
    while stack:
        for nxt in edges[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _enclosing(name, members):
    """The nearest module above `name` (by its dotted name) that has a group, or None."""
    parts = name.split(".")
    for n in range(len(parts) - 1, 0, -1):
        above = ".".join(parts[:n])
        if above in members:
            return above
    return None

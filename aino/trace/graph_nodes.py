"""The parts of a Graph (aino/trace/graph.py): its nodes, its module groups, the steps of its backward walk."""

from dataclasses import dataclass, field


@dataclass
class GraphNode:
    """One op or leaf of a Graph (see the module docstring)."""

    id: int
    kind: str  # "op", "param" or "leaf"
    label: str
    op: str = None  # the op's class name (None for a leaf)
    formula: str = None  # the op's docstring, its first paragraph
    shape: tuple = ()
    dtype: str = ""
    requires_grad: bool = False
    value: object = None  # a NumPy copy of the node's data
    grad: object = None  # dL/d(node) from the root's backward, or None
    group: str = None  # the innermost module group holding the node
    parents: list = field(default_factory=list)  # input node ids, one per input slot of the op


@dataclass
class GraphGroup:
    """A module of the model, drawn as one box until opened: its name, class name and enclosing group."""

    name: str
    type: str
    parent: str = None


@dataclass
class BackwardStep:
    """One node of the backward walk: the gradient it received, and (an op's) what it passed to each input
    as (parent id, input slot, gradient)."""

    node: int
    grad: object
    passes: list = field(default_factory=list)

"""A Graph (aino/trace/graph.py) as JSON-able data for the browser renderer (visualizer/web/graph.js).

    {"format": "aino-graph", "version": 1, "root": id, "backward_ran": bool,
     "nodes": [{"id", "kind", "label", "op", "formula", "shape", "dtype", "requires_grad", "group",
                "value": V, "grad": V or null}],
     "edges": [{"from": parent id, "to": child id, "slot": input index}],
     "groups": [{"name", "type", "parent"}],                          outer before inner
     "backward": [{"node": id, "grad": V, "passes": [{"to": parent id, "slot", "grad": V}]}]}

An array's V is what a box can show: one number (`scalar`) for a one-element array, else its statistics and
a heatmap of at most HEATMAP x HEATMAP cells, each the mean of one block of the array seen as a matrix (its
last axis the columns, the others the rows). JSON has no NaN or infinity: those numbers are the strings
"NaN", "Infinity" and "-Infinity" (JavaScript's Number() reads them back).
"""

import math

import numpy

HEATMAP = 8  # cells per side of an array's heatmap at most
DIGITS = 6  # significant digits kept of each number


def graph_payload(graph):
    """The payload of `graph` (see the module docstring)."""
    grads = {n.id: array_summary(n.grad) for n in graph.nodes if n.grad is not None}  # a step's is its node's
    nodes = [{"id": n.id, "kind": n.kind, "label": n.label, "op": n.op, "formula": n.formula,
              "shape": list(n.shape), "dtype": n.dtype, "requires_grad": n.requires_grad, "group": n.group,
              "value": array_summary(n.value), "grad": grads.get(n.id)}
             for n in graph.nodes]
    backward = [{"node": step.node, "grad": grads[step.node],
                 "passes": [{"to": to, "slot": slot, "grad": array_summary(g)} for to, slot, g in step.passes]}
                for step in graph.backward_steps]
    return {"format": "aino-graph", "version": 1, "root": graph.root, "backward_ran": graph.backward_ran,
            "nodes": nodes, "edges": [{"from": p, "to": c, "slot": s} for p, c, s in graph.edges()],
            "groups": [{"name": g.name, "type": g.type, "parent": g.parent} for g in graph.groups],
            "backward": backward}


def array_summary(array):
    """V of the module docstring: {"shape", "scalar"} for one element, else statistics and a heatmap."""
    array = numpy.asarray(array)
    shape = [int(n) for n in array.shape]
    if array.size == 1:
        return {"shape": shape, "scalar": number(array.reshape(-1)[0])}
    if array.size == 0:
        return {"shape": shape, "rows": 0, "cols": 0, "cells": []}
    values = array.astype(numpy.float64, copy=False)
    matrix = values.reshape(-1, shape[-1]) if values.ndim else values.reshape(1, 1)
    cells = block_means(matrix, HEATMAP)
    with numpy.errstate(invalid="ignore", over="ignore"):
        stats = {"min": values.min(), "max": values.max(), "mean": values.mean(), "std": values.std(),
                 "norm": math.sqrt(float((values * values).sum()))}
    return {"shape": shape, **{k: number(v) for k, v in stats.items()}, "rows": int(cells.shape[0]),
            "cols": int(cells.shape[1]), "cells": [number(v) for v in cells.reshape(-1)]}


def block_means(matrix, most):
    """The matrix shrunk to at most `most` x `most` cells, each the mean of one block of nearly equal size."""
    for axis in (0, 1):
        n = matrix.shape[axis]
        if n > most:
            starts = (numpy.arange(most) * n) // most
            sizes = numpy.diff(numpy.append(starts, n))
            sums = numpy.add.reduceat(matrix, starts, axis=axis)
            matrix = sums / (sizes if axis == 1 else sizes[:, None])
    return matrix


def number(value):
    """A float for JSON, rounded to DIGITS significant digits; NaN and infinities as strings."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float(f"{value:.{DIGITS}g}")

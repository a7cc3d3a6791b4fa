"""The chain-rule panel's numbers in the payload (visualizer/payload_neuron.py): float32 copies of the trace's
chain rule at some kept steps, for both paths, in the offline payload and in the Debugger widget's."""

import numpy
import pytest

from aino.trace.neuron import chain_rule, dense_layers
from visualizer.payload import build_payload
from visualizer.payload_neuron import MAX_SAMPLES, chain_payload


def _decoded(ref, buffers):
    """A float32 stack reference as an array of its shape."""
    assert ref["dtype"] == "float32"
    return numpy.frombuffer(bytes(buffers[ref["buffer"]]), dtype=numpy.float32).reshape(ref["shape"])


def _check_chain(trace, chain, buffers):
    assert set(chain["layers"]) == {dense for dense, _ in dense_layers(trace)}
    for dense, entry in chain["layers"].items():
        assert entry["steps"][0] == trace.steps[0] and entry["steps"][-1] == trace.steps[-1]
        for k in (0, len(entry["steps"]) // 2, -1):
            step = entry["steps"][k]
            for j in range(entry["z"]["shape"][2]):
                rule = chain_rule(trace, dense, j, step)
                n = min(rule.n_samples, MAX_SAMPLES)
                assert entry["n"][k] == rule.n_samples
                for key, field in (("z", rule.z), ("a", rule.a), ("dlda", rule.dL_da), ("dldz", rule.dL_dz)):
                    numpy.testing.assert_allclose(_decoded(entry[key], buffers)[k, :n, j], field[:n], rtol=1e-6,
                                                  atol=1e-7)
                numpy.testing.assert_allclose(_decoded(entry["x"], buffers)[k, :n], rule.x[:n], rtol=1e-6)
                numpy.testing.assert_allclose(_decoded(entry["gw"], buffers)[k, j], rule.grad_w, rtol=1e-6)
                numpy.testing.assert_allclose(_decoded(entry["uw"], buffers)[k, j], rule.update_w, rtol=1e-6)
                numpy.testing.assert_allclose(_decoded(entry["ub"], buffers)[k, j], rule.update_b, rtol=1e-6)
                assert entry["lr"][k] == pytest.approx(rule.lr)


def test_the_payload_holds_the_chain_rule_of_every_dense_layer(trace):
    data, buffers = build_payload(trace, stacked=True)
    _check_chain(trace, data["chain"], buffers)


def test_the_chain_steps_fit_the_budget(fast_trace):
    buffers = []

    class Collect:
        def add_stack(self, stack):
            buffers.append(stack.astype(numpy.float32).tobytes())
            return {"buffer": len(buffers) - 1, "dtype": "float32", "shape": list(stack.shape)}

    small = chain_payload(fast_trace, fast_trace.steps, Collect(), budget=1)
    assert all(len(entry["steps"]) == 2 for entry in small["layers"].values())  # the first and the last
    big = chain_payload(fast_trace, fast_trace.steps, Collect(), budget=2**30)
    assert all(entry["steps"] == fast_trace.steps for entry in big["layers"].values())


def test_the_widget_sends_the_chain_rule_too(fast_trace):
    pytest.importorskip("anywidget")
    from visualizer import Debugger

    view = Debugger(fast_trace)
    _check_chain(fast_trace, view.data["chain"], view.buffers)

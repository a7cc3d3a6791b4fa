"""aino.trace.graph: the graph behind a tensor, its values, its gradients and the backward walk.

Expected values come from a hand computation with NumPy, from the tensors themselves (their .data and,
after backward, the leaves' .grad), and from a second listener that watches autograd's own walk."""

import gc
import json
import math

import numpy
import pytest

import aino
from aino import hooks, nn
from aino.trace.graph import Graph
from aino.trace.graph_payload import array_summary, block_means


class WalkWatcher(hooks.Listener):
    """Writes down, in order, each tensor autograd hands a summed gradient to."""

    def __init__(self):
        self.order = []

    def node_gradient(self, node, grad):
        self.order.append(node)


def scalars(*values):
    return [aino.tensor(v, requires_grad=True, dtype=aino.float64) for v in values]


def test_a_small_expression_has_its_ops_values_and_hand_gradients():
    a, b = scalars(2.0, -3.0)
    c = a * b           # -6
    d = c + b.tanh()    # -6 + tanh(-3)
    g = Graph(d, names={"a": a, "b": b})
    labels = {n.label: n for n in g.nodes}
    assert sorted(labels) == ["a", "add", "b", "mul", "tanh"]
    assert labels["a"].kind == labels["b"].kind == "leaf"
    assert labels["mul"].parents == [labels["a"].id, labels["b"].id]
    assert labels["add"].parents == [labels["mul"].id, labels["tanh"].id]
    assert g.root == labels["add"].id == len(g.nodes) - 1
    assert float(labels["mul"].value) == -6.0
    assert float(labels["add"].value) == pytest.approx(-6.0 + math.tanh(-3.0))
    assert all(n.grad is None for n in g.nodes) and not g.backward_ran
    assert "derivative" in labels["tanh"].formula  # the op's docstring: y = tanh(x); derivative 1 - y**2
    d.backward()
    assert g.backward_ran
    # dd/dc = 1, dd/da = b, dd/db = a + (1 - tanh(b)^2)
    assert float(labels["mul"].grad) == 1.0
    assert float(labels["a"].grad) == -3.0
    assert float(labels["b"].grad) == pytest.approx(2.0 + 1 - math.tanh(-3.0) ** 2)
    assert float(labels["b"].grad) == pytest.approx(float(b.grad.item()))


def test_a_tensor_used_twice_receives_the_sum_and_each_op_passes_its_own_share():
    (x,) = scalars(1.5)
    y = x * x + x  # dy/dx = 2x + 1
    g = Graph(y, names={"x": x})
    y.backward()
    node = {n.label: n for n in g.nodes}
    assert float(node["x"].grad) == pytest.approx(4.0)
    step = {s.node: s for s in g.backward_steps}
    mul_passes = sorted((slot, float(grad)) for _, slot, grad in step[node["mul"].id].passes)
    assert mul_passes == [(0, 1.5), (1, 1.5)]  # d(x*x)/d(first) = second, and the other way round
    add_passes = {slot: float(grad) for _, slot, grad in step[node["add"].id].passes}
    assert add_passes == {0: 1.0, 1: 1.0}
    assert step[node["x"].id].passes == []  # a leaf passes nothing on


def mlp():
    aino.manual_seed(3)
    model = nn.Sequential()
    model.add_module("fc1", nn.Linear(4, 6))
    model.add_module("act", nn.Tanh())
    model.add_module("fc2", nn.Linear(6, 3))
    x = aino.randn(5, 4)
    y = aino.tensor(numpy.array([0, 1, 2, 1, 0]))
    return model, x, y


def test_an_mlp_graph_has_the_tensors_values_and_backwards_gradients():
    model, x, y = mlp()
    h = model.fc1(x)
    a = model.act(h)
    out = model.fc2(a)
    loss = nn.CrossEntropyLoss()(out, y)
    g = Graph(loss, model, names={"x": x})
    by_label = {n.label: n for n in g.nodes if n.kind != "op"}
    assert set(by_label) == {"x", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    ops = [n for n in g.nodes if n.kind == "op"]
    assert [n.label for n in ops] == ["linear", "tanh", "linear", "cross_entropy"]
    for node, tensor in zip(ops, (h, a, out, loss)):
        numpy.testing.assert_array_equal(node.value, tensor.data)
        assert node.shape == tuple(tensor.shape)
    watcher = WalkWatcher()
    hooks.attach(watcher)
    try:
        loss.backward()
    finally:
        hooks.detach(watcher)
    for name, param in model.named_parameters():
        numpy.testing.assert_allclose(by_label[name].grad, param.grad.numpy(), rtol=1e-6)
    # dL/d(logits) of a mean cross-entropy = (softmax - one_hot) / N, by hand
    z = out.data.astype(numpy.float64)
    p = numpy.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    numpy.testing.assert_allclose(ops[2].grad, (p - numpy.eye(3)[y.numpy()]) / 5, rtol=1e-5, atol=1e-7)
    ids = {id(t): i for i, t in enumerate([x, model.fc1.weight, model.fc1.bias, h, a, model.fc2.weight,
                                           model.fc2.bias, out, loss])}
    autograd_order = [ids[id(t)] for t in watcher.order if id(t) in ids]
    assert [s.node for s in g.backward_steps] == autograd_order
    assert hooks.active == []  # it stopped listening when the backward ended


def test_groups_name_every_parameter_as_named_parameters_does():
    aino.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
    loss = model(aino.randn(2, 1, 6, 6)).sum()
    g = Graph(loss, model)
    params = {n.label: n for n in g.nodes if n.kind == "param"}
    assert sorted(params) == sorted(name for name, _ in model.named_parameters())
    for name, node in params.items():
        assert node.group == name.rsplit(".", 1)[0]
    assert [(grp.name, grp.type) for grp in g.groups] == [("0", "Conv2d"), ("4", "Linear")]
    grouped = {n.label: n.group for n in g.nodes if n.kind == "op"}
    assert grouped["relu"] is None and grouped["conv"] == "0" and grouped["max_pool"] is None


def test_without_a_model_the_live_module_holding_the_parameters_names_them():
    aino.manual_seed(2)
    inner = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    outer = nn.Sequential(inner, nn.Linear(2, 1))
    g = Graph(inner(aino.randn(2, 3)).sum())  # inner and outer both hold all of it: the smaller one names it
    assert [n.label for n in g.nodes if n.kind == "param"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [grp.name for grp in g.groups] == ["0", "2"]
    g = Graph(outer(aino.randn(2, 3)).sum())  # only outer holds every parameter
    assert [n.label for n in g.nodes if n.kind == "param"] == [name for name, _ in outer.named_parameters()]
    (x,) = scalars(1.0)
    assert [n.label for n in Graph(x * 2).nodes] == ["tensor", "constant", "mul"]


def test_an_attention_layer_groups_its_inner_ops_and_nests_in_its_encoder_layer():
    aino.manual_seed(1)
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
    model = nn.Sequential(layer)
    loss = model(aino.randn(2, 3, 8)).sum()
    g = Graph(loss, model)
    names = {grp.name: grp for grp in g.groups}
    assert names["0.self_attn"].parent == "0" and names["0.linear1"].parent == "0"
    assert names["0"].parent is None
    assert [grp.name for grp in g.groups][0] == "0"  # outer before inner
    inner = [n for n in g.nodes if n.kind == "op" and n.label in ("reshape", "transpose", "packed_attention")]
    assert len(inner) == 5 and all(n.group == "0.self_attn" for n in inner)  # between its two projections
    residual = [n for n in g.nodes if n.label == "add"]
    assert [n.group for n in residual] == ["0", "0"]  # between self_attn and norm1: the encoder layer's
    params = sorted(n.label for n in g.nodes if n.kind == "param")
    assert params == sorted(name for name, _ in model.named_parameters())
    root = g.nodes[g.root]
    assert root.group is None  # the sum after the model is no module's


def test_a_freed_graph_and_bad_arguments_are_refused():
    (x,) = scalars(1.0)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        Graph(y)
    with pytest.raises(TypeError, match="expected an aino Tensor.*got list"):
        Graph([1.0])
    with pytest.raises(TypeError, match="model must be an aino.nn Module.*got dict"):
        Graph(x * 2, model={})
    with pytest.raises(TypeError, match="names must be a dict"):
        Graph(x * 2, names=[x])
    with pytest.raises(TypeError, match="names must map str labels to Tensors"):
        Graph(x * 2, names={"x": 1.0})


def test_a_retained_graph_can_be_drawn_and_fills_in_on_the_next_backward():
    (x,) = scalars(3.0)
    y = x * x
    y.backward(retain_graph=True)
    g = Graph(y)
    assert not g.backward_ran
    y.backward()
    assert float(g.nodes[0].grad) == 6.0  # this backward's dL/dx, not the accumulated .grad (12)
    assert float(x.grad.item()) == 12.0


def test_it_stops_listening_when_the_root_is_gone_without_a_backward():
    (x,) = scalars(1.0)
    y = x * 3
    Graph(y)
    assert len(hooks.active) == 1
    del y
    gc.collect()
    assert hooks.active == []


def test_listeners_hear_when_the_gradients_are_in():
    (x,) = scalars(2.0)
    y = x.exp()
    g = Graph(y)
    heard = []
    g.add_listener(lambda graph: heard.append(float(graph.nodes[0].grad)))
    y.backward()
    assert heard == [pytest.approx(math.exp(2.0))]
    with pytest.raises(TypeError, match="expected a callable"):
        g.add_listener(3)


def test_a_tensor_without_a_graph_is_one_leaf():
    t = aino.ones(2, 3)
    g = Graph(t)
    assert len(g.nodes) == 1 and g.nodes[0].kind == "leaf" and g.nodes[0].label == "input"
    assert hooks.active == []


def test_the_graph_of_device_tensors_holds_host_copies(device):
    model, x, y = mlp()
    model.to(device)
    loss = nn.CrossEntropyLoss()(model(x.to(device)), y.to(device))
    g = Graph(loss, model)
    loss.backward()
    weight = next(n for n in g.nodes if n.label == "fc1.weight")
    assert isinstance(weight.grad, numpy.ndarray)
    numpy.testing.assert_allclose(weight.grad, model.fc1.weight.grad.cpu().numpy(), rtol=1e-6)


def test_the_payload_is_json_with_heatmaps_and_non_finite_numbers_as_strings():
    (x,) = scalars(1.0)
    m = aino.tensor(numpy.arange(16 * 10, dtype=numpy.float64).reshape(16, 10), requires_grad=True)
    y = (m * x).sum()
    g = Graph(y)
    y.backward()
    payload = json.loads(json.dumps(g.to_payload(), allow_nan=False))
    assert payload["format"] == "aino-graph" and payload["backward_ran"]
    assert len(payload["backward"]) == len(g.backward_steps)
    assert {(e["from"], e["to"], e["slot"]) for e in payload["edges"]} == set(g.edges())
    heat = array_summary(m.data)
    assert (heat["rows"], heat["cols"]) == (8, 8)
    # the first cell: rows 0-1, columns 0-1 (10 columns in 8 blocks: sizes 1,1,1,2,1,1,1,2)
    assert heat["cells"][0] == numpy.arange(160).reshape(16, 10)[0:2, 0:1].mean()
    assert heat["mean"] == pytest.approx(79.5) and heat["max"] == 159.0
    assert array_summary(numpy.array([numpy.nan, numpy.inf, -numpy.inf, 1.0]))["cells"][:3] == \
        ["NaN", "Infinity", "-Infinity"]
    assert array_summary(numpy.float32(2.5)) == {"shape": [], "scalar": 2.5}


def test_block_means_average_nearly_equal_blocks():
    matrix = numpy.arange(20.0).reshape(4, 5)
    shrunk = block_means(matrix, 2)
    # rows {0,1}, {2,3}; columns {0,1}, {2,3,4}
    expected = [[matrix[:2, :2].mean(), matrix[:2, 2:].mean()], [matrix[2:, :2].mean(), matrix[2:, 2:].mean()]]
    numpy.testing.assert_allclose(shrunk, expected)

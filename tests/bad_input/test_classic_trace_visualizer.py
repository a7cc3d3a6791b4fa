"""Bad input to the classic path, the activations, the trace and the visualizer: each case is refused with
a ValueError or TypeError that names the owner, what it expected and what came (see conftest.py)."""

import functools
import os
import tempfile

import numpy as np
import pytest

import aino
from aino import NeuralNetwork, nn, optim
from aino.activations import ELU, LeakyReLU, get_activation
from aino.classic import Layer, Perceptron
from aino.trace import Recorder, Trace, detect_anomaly
from aino.trace.diagnose import diagnose

from .conftest import Refused, assert_refused, case_id

X, Y = np.zeros((4, 3)), np.zeros((4, 2))
X2 = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
REPORT = os.path.join(tempfile.gettempdir(), "aino-bad-input-report.html")  # never written: every call is refused


def net(**options):
    return NeuralNetwork([3, 4, 2], seed=0, **options)


def bce_net():
    return NeuralNetwork([2, 1], loss="bce", seed=0)


def ce_net():
    return NeuralNetwork([2, 3], loss="cross_entropy", seed=0)


def forwarded(unit):
    unit.forward(np.zeros((3, 2)))
    return unit


def weights(W, b):
    """set_weights' argument for net(): (W, b) for the first layer, the second layer's own."""
    return [(W, b), net().get_weights()[1]]


def model():
    return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))


def train(recorder, steps=3):
    """Three SGD steps of recorder.model (an MLP with 2 inputs) on X2 inside the recorder; its trace."""
    optimizer = recorder.optimizer or optim.SGD(recorder.model.parameters(), lr=0.1)
    with recorder:
        for _ in range(steps):
            optimizer.zero_grad()
            ((recorder.model(aino.Tensor(X2)) ** 2).mean()).backward()
            optimizer.step()
    return recorder.trace


@functools.lru_cache(maxsize=None)
def trace():
    """A trace of 3 steps of a 2 -> 3 -> 1 MLP: layers '0', '1', '2'."""
    return train(Recorder(model()))


def empty():
    return Recorder(model()).trace


def wide_trace():
    """A trace of a model with 3 inputs: no input plane to draw points on."""
    wide = nn.Sequential(nn.Linear(3, 2))
    optimizer = optim.SGD(wide.parameters(), lr=0.1)
    with Recorder(wide, optimizer) as recorder:
        optimizer.zero_grad()
        wide(aino.Tensor(np.ones((2, 3), np.float32))).sum().backward()
        optimizer.step()
    return recorder.trace


def viz():
    return pytest.importorskip("visualizer")


def debugger(*args, **options):
    pytest.importorskip("ipywidgets")
    return viz().Debugger(*args, **options)


def figure():
    return viz().plot_step(trace(), 0)


CLASSIC = [
    Refused("bce target 2", lambda: bce_net().fit(np.zeros((2, 2)), [[2.0], [0.0]]),
            r"NeuralNetwork: loss 'bce' needs targets between 0 and 1 .*got values from 0 to 2"),
    Refused("bce target -1", lambda: bce_net().fit(np.zeros((2, 2)), [[-1.0], [1.0]]),
            r"'bce' needs targets between 0 and 1"),
    Refused("bce label 2", lambda: bce_net().fit(np.zeros((2, 2)), np.array([2, 0])),
            r"'bce' needs targets between 0 and 1"),
    Refused("bce score target 2", lambda: bce_net().score(np.zeros((2, 2)), [[2.0], [0.0]]), r"'bce' needs targets"),
    Refused("ce row summing to 2", lambda: ce_net().fit(np.zeros((2, 2)), [[1.0, 1, 0], [0, 0, 1]]),
            r"'cross_entropy' needs class labels 0\.\.2, or rows of probabilities .*row 0 .*summing to 2"),
    Refused("ce negative probability", lambda: ce_net().loss(np.zeros((1, 2)), [[1.5, -0.5, 0]]),
            r"'cross_entropy' needs .*each between 0 and 1.*row 0 holds values from -0.5 to 1.5"),
    Refused("ce label out of range", lambda: ce_net().fit(np.zeros((2, 2)), np.array([0, 3])),
            r"NeuralNetwork: 1-D y must hold class labels 0\.\.2 for 3 outputs, got values from 0.0 to 3.0"),
    Refused("X complex", lambda: net().fit(X + 1j, Y),
            r"NeuralNetwork: X must be numeric \(real numbers\), got complex numbers"),
    Refused("y complex", lambda: net().fit(X, Y + 1j),
            r"NeuralNetwork: y must be numeric \(real numbers\), got an array of complex"),
    Refused("X text", lambda: net().predict([["1", "2", "3"]]),
            r"NeuralNetwork: X must be numeric \(real numbers\), got text"),
    Refused("X ragged", lambda: net().predict([[1, 2, 3], [1, 2]]), r"NeuralNetwork: X must be numeric, got list"),
    Refused("X empty", lambda: net().predict(np.zeros((0, 3))), r"NeuralNetwork: X is empty"),
    Refused("X None", lambda: net().predict(None),
            r"NeuralNetwork: X must be 2-D \(samples, features\), got shape \(\)"),
    Refused("seed text", lambda: NeuralNetwork([3, 2], seed="a"),
            r"NeuralNetwork: seed must be None or an integer >= 0, got 'a'"),
    Refused("seed negative", lambda: NeuralNetwork([3, 2], seed=-1),
            r"NeuralNetwork: seed must be None or an integer >= 0, got -1"),
    Refused("shuffle text", lambda: net().fit(X, Y, shuffle="no"),
            r"NeuralNetwork.fit: shuffle must be True or False, got str 'no'"),
    Refused("verbose number", lambda: net().fit(X, Y, verbose=2),
            r"NeuralNetwork.fit: verbose must be True or False, got int 2"),
    Refused("trace text", lambda: net().fit(X, Y, trace="yes"),
            r"NeuralNetwork.fit: trace must be True or False, got str"),
    Refused("probe of the wrong width", lambda: net().fit(X, Y, trace=True, probe=np.zeros((2, 5))),
            r"Recorder: expected probe with 3 features, got shape \(2, 5\)"),
    Refused("set_weights None", lambda: net().set_weights(None),
            r"NeuralNetwork.set_weights: expected a list of \(W, b\) pairs as get_weights\(\) returns, got NoneType"),
    Refused("set_weights triples", lambda: net().set_weights([(1, 2, 3)] * 2),
            r"NeuralNetwork.set_weights: entry 0 must be a \(W, b\) pair, got tuple \(1, 2, 3\)"),
    Refused("set_weights text", lambda: net().set_weights(weights("a", "b")),
            r"Layer\(3 -> 4, activation='sigmoid'\): W must be numeric \(real numbers\), got text"),
    Refused("set_weights complex", lambda: net().set_weights(weights(np.zeros((4, 3)) + 1j, np.zeros(4))),
            r"Layer\(3 -> 4.*\): W must be numeric \(real numbers\), got complex numbers"),
    Refused("set_weights b of 2x2", lambda: net().set_weights(weights(np.zeros((4, 3)), np.zeros((2, 2)))),
            r"expected W of shape \(4, 3\) and b of shape \(4,\), got \(4, 3\) and \(2, 2\)"),
    Refused("Layer n_inputs 0", lambda: Layer(0, 3), r"Layer: n_inputs must be an integer >= 1, got 0"),
    Refused("Layer rng", lambda: Layer(2, 3, rng=5), r"Layer: rng must be a numpy.random.Generator, got int"),
    Refused("Layer seed float", lambda: Layer(2, 3, seed=1.5), r"Layer: seed must be None or an integer >= 0, got 1.5"),
    Refused("Layer backward text", lambda: forwarded(Layer(2, 3)).backward("a"),
            r"Layer\(2 -> 3, activation='sigmoid'\): grad_output must be numeric \(real numbers\), got text"),
    Refused("Layer backward shape", lambda: forwarded(Layer(2, 3)).backward(np.zeros((3, 4))),
            r"Layer\(2 -> 3.*\): expected a gradient of shape \(3, 3\), got \(3, 4\)"),
    Refused("Perceptron backward length", lambda: forwarded(Perceptron(2)).backward(np.zeros(5)),
            r"Perceptron\(n_inputs=2, activation='sigmoid'\): expected delta with one value per sample \(3\), got 5"),
    Refused("Perceptron backward text", lambda: forwarded(Perceptron(2)).backward("x"),
            r"Perceptron\(n_inputs=2.*\): delta must be numeric \(real numbers\), got text"),
    Refused("Perceptron rng", lambda: Perceptron(2, rng="x"),
            r"Perceptron: rng must be a numpy.random.Generator, got str"),
]

ACTIVATIONS = [
    Refused("LeakyReLU alpha text", lambda: LeakyReLU(alpha="x"),
            r"LeakyReLU: alpha \(the slope for z < 0\) must be a number, got str 'x'"),
    Refused("LeakyReLU alpha NaN", lambda: LeakyReLU(alpha=float("nan")),
            r"LeakyReLU: alpha .* must be a finite number, got nan"),
    Refused("LeakyReLU alpha None", lambda: LeakyReLU(alpha=None),
            r"LeakyReLU: alpha .* must be a number, got NoneType"),
    Refused("ELU alpha list", lambda: ELU(alpha=[1]), r"ELU: alpha must be a number, got list"),
    Refused("get_activation alpha text", lambda: get_activation("leaky_relu", alpha="x"),
            r"LeakyReLU: alpha .* got str 'x'"),
    Refused("get_activation config alpha text", lambda: get_activation({"name": "leaky_relu", "alpha": "x"}),
            r"LeakyReLU: alpha"),
    Refused("get_activation unknown option", lambda: get_activation("elu", beta=1),
            r"activation 'elu' does not take the options \['beta'\] \(it takes \['alpha'\]\)"),
    Refused("get_activation option of none", lambda: get_activation("relu", alpha=1),
            r"activation 'relu' does not take .*it takes none"),
    Refused("get_activation unknown name", lambda: get_activation("sigmod"),
            r"unknown activation 'sigmod'; expected one of \['elu'"),
    Refused("get_activation number", lambda: get_activation(3), r"activation must be a name or an Activation, got int"),
    Refused("network activation alpha text",
            lambda: NeuralNetwork([2, 1], activation_type={"name": "leaky_relu", "alpha": "x"}),
            r"LeakyReLU: alpha"),
    Refused("activation of text", lambda: get_activation("sigmoid")("abc"),
            r"Sigmoid\(\): expected an array of real numbers, got str"),
    Refused("activation of complex", lambda: get_activation("relu")(np.array([1j])),
            r"ReLU\(\): expected an array of real numbers, got ndarray of complex128"),
]

TRACE = [
    Refused("Recorder optimizer text", lambda: Recorder(model(), "sgd"),
            r"Recorder: optimizer must be an aino optimizer \(aino.optim.SGD, Adam, ...\) or None, got str"),
    Refused("Recorder optimizer module", lambda: Recorder(model(), model()),
            r"Recorder: optimizer must be an aino optimizer .*got Sequential"),
    Refused("Recorder model None", lambda: Recorder(None),
            r"Recorder: model must be an aino.nn Module or a classic NeuralNetwork, got NoneType"),
    Refused("Recorder every 0", lambda: Recorder(model(), every=0), r"Recorder: every must be an integer >= 1, got 0"),
    Refused("Recorder every float", lambda: Recorder(model(), every=1.5),
            r"Recorder: every must be an integer >= 1, got 1.5"),
    Refused("Recorder max_bytes NaN", lambda: Recorder(model(), max_bytes=float("nan")),
            r"Recorder: max_bytes \(the budget in bytes\) must be a finite number >= 1, got nan"),
    Refused("Recorder max_bytes inf", lambda: Recorder(model(), max_bytes=float("inf")),
            r"Recorder: max_bytes .* finite number >= 1, got inf"),
    Refused("Recorder max_bytes half", lambda: Recorder(model(), max_bytes=0.5),
            r"Recorder: max_bytes .* >= 1, got 0.5"),
    Refused("Recorder max_bytes text", lambda: Recorder(model(), max_bytes="1MB"),
            r"Recorder: max_bytes .* must be a number, got str '1MB'"),
    Refused("Recorder record_ops text", lambda: Recorder(model(), record_ops="no"),
            r"Recorder: record_ops must be True or False, got str 'no'"),
    Refused("Recorder probe text", lambda: Recorder(model(), probe="abc"),
            r"Recorder: probe must be a batch of samples \(real numbers\), got an array of <U3"),
    Refused("Recorder probe complex", lambda: Recorder(model(), probe=np.zeros((2, 2)) + 1j),
            r"Recorder: probe .*got an array of complex128"),
    Refused("Recorder probe NaN", lambda: Recorder(model(), probe=np.full((3, 2), np.nan)),
            r"Recorder: probe contains NaN or infinity \(first at index \(0, 0\)\)"),
    Refused("Recorder probe empty", lambda: Recorder(model(), probe=np.zeros((0, 2))),
            r"Recorder: probe must be a batch of samples, got shape \(0, 2\)"),
    Refused("Recorder probe of the wrong width", lambda: train(Recorder(model(), probe=np.zeros((4, 5), np.float32))),
            r"Recorder: the probe batch of shape \(4, 5\) does not fit the model: Linear\(2 -> 3\) expected input with 2"),
    Refused("Recorder classic probe width", lambda: Recorder(NeuralNetwork([3, 2]), probe=np.zeros((2, 5))),
            r"Recorder: expected probe with 3 features, got shape \(2, 5\)"),
    Refused("Trace step outside", lambda: trace().activations("0", 99),
            r"Trace.activations: step 99 is outside the trace, which has steps 0 to 2"),
    Refused("Trace negative step outside", lambda: trace().gradients("0", -99),
            r"Trace.gradients: step -99 is outside the trace"),
    Refused("Trace step float", lambda: trace().weights("0.weight", 1.0),
            r"Trace.weights: step must be an integer, got float"),
    Refused("Trace unknown layer", lambda: trace().gradients("9", 0),
            r"Trace: no layer '9'; the trace has \['0', '1', '2'\]"),
    Refused("Trace layer for a parameter", lambda: trace().updates("0", 0),
            r"Trace: no parameter '0'; the trace has \['0.weight'"),
    Refused("Trace unknown kind", lambda: trace().summary("act", "0"), r"Trace: kind must be one of \('activations'"),
    Refused("Trace without steps", lambda: empty().activations("0", 0),
            r"Trace.activations: step 0 is outside the trace, which has no steps yet"),
    Refused("diagnose without steps", lambda: empty().diagnose(),
            r"diagnose: the trace has no steps, so there is nothing to diagnose"),
    Refused("diagnose of text", lambda: diagnose("run.npz"), r"diagnose: expected an aino Trace, got str"),
    Refused("detect_anomaly model text", lambda: detect_anomaly("model"),
            r"detect_anomaly: model must be an aino.nn Module .*got str"),
    Refused("detect_anomaly check_backward text", lambda: detect_anomaly(check_backward="no"),
            r"detect_anomaly: check_backward must be True or False, got str"),
]

PANELS = ["plot_network", "plot_loss", "plot_findings", "plot_activations", "plot_gradients", "plot_updates",
          "plot_ops"]

VISUALIZER = [
    Refused("plot_step None", lambda: viz().plot_step(None, 0), r"visualizer: expected an aino Trace, got NoneType"),
    Refused("plot_step file name", lambda: viz().plot_step("run.npz", 0),
            r"visualizer: expected an aino Trace, got str"),
    Refused("plot_step recorder", lambda: viz().plot_step(Recorder(model()), 0),
            r"visualizer: expected an aino Trace, got Recorder \(pass recorder.trace\)"),
    Refused("plot_step step outside", lambda: viz().plot_step(trace(), 99),
            r"visualizer: step 99 is outside the trace \(steps 0 to 2\)"),
    Refused("plot_step step float", lambda: viz().plot_step(trace(), 1.0),
            r"visualizer: step must be an integer, got float"),
    Refused("plot_step unknown layer", lambda: viz().plot_step(trace(), 0, layer="9"),
            r"visualizer: no layer '9'; the trace has"),
    Refused("plot_step without steps", lambda: viz().plot_step(empty(), 0), r"visualizer: the trace has no steps yet"),
    *[Refused(f"{panel} None", lambda panel=panel: getattr(viz(), panel)(None, 0),
              r"visualizer: expected an aino Trace, got NoneType")
      for panel in PANELS],
    *[Refused(f"{panel} ax text", lambda panel=panel: getattr(viz(), panel)(trace(), 0, ax="ax"),
              r"visualizer: ax must be a matplotlib Axes \(or None for a new figure\), got str") for panel in PANELS],
    Refused("plot_network inputs text", lambda: viz().plot_network(trace(), 0, inputs="abc"),
            r"plot_network: inputs must be numeric \(real numbers\), got text"),
    Refused("plot_network inputs width", lambda: viz().plot_network(trace(), 0, inputs=np.zeros((3, 5))),
            r"plot_network: expected inputs with 2 features, got shape \(3, 5\)"),
    Refused("plot_network inputs without a plane", lambda: viz().plot_network(wide_trace(), 0, inputs=np.zeros((3, 2))),
            r"plot_network: inputs are drawn on the input plane, which only an MLP with 2 inputs has; this one has 3"),
    Refused("figure_png None", lambda: viz().figure_png(None),
            r"figure_png: expected a matplotlib Figure \(as plot_step returns\), got NoneType"),
    Refused("figure_png dpi 0", lambda: viz().figure_png(figure(), dpi=0),
            r"figure_png: dpi must be a finite number in \[1, 2000\], got 0"),
    Refused("figure_png dpi text", lambda: viz().figure_png(figure(), dpi="high"),
            r"figure_png: dpi must be a number, got str"),
    Refused("export_html trace None", lambda: viz().export_html(None, REPORT),
            r"visualizer: expected an aino Trace, got NoneType"),
    Refused("export_html path None", lambda: viz().export_html(trace(), None),
            r"export_html: path must be a file name \(str or os.PathLike\), got NoneType"),
    Refused("export_html path a folder", lambda: viz().export_html(trace(), tempfile.gettempdir()),
            r"export_html: .* is a folder; give a file name such as 'report.html'"),
    Refused("export_html steps int", lambda: viz().export_html(trace(), REPORT, steps=5),
            r"export_html: steps must be a list of step numbers, got int"),
    Refused("export_html steps text", lambda: viz().export_html(trace(), REPORT, steps="12"),
            r"export_html: steps must be a list of step numbers, got str"),
    Refused("export_html step float", lambda: viz().export_html(trace(), REPORT, steps=[1.5]),
            r"visualizer: step must be an integer, got float"),
    Refused("export_html step outside", lambda: viz().export_html(trace(), REPORT, steps=[0, 7]),
            r"visualizer: step 7 is outside the trace"),
    Refused("export_html no steps", lambda: viz().export_html(trace(), REPORT, steps=[]),
            r"export_html: no steps to export"),
    Refused("export_html progress text", lambda: viz().export_html(trace(), REPORT, progress="yes"),
            r"export_html: progress must be True or False, got str"),
    Refused("Debugger None", lambda: debugger(None), r"Debugger: expected an aino Trace or a Recorder, got NoneType"),
    Refused("Debugger live_every text", lambda: debugger(trace(), live_every="often"),
            r"Debugger: live_every \(seconds between refreshes\) must be a number, got str"),
    Refused("Debugger live_every negative", lambda: debugger(trace(), live_every=-1),
            r"Debugger: live_every .* must be a finite number >= 0, got -1"),
    Refused("Debugger step outside", lambda: debugger(trace(), step=99), r"visualizer: step 99 is outside the trace"),
    Refused("Debugger unknown layer", lambda: debugger(trace(), layer="x"), r"visualizer: no layer 'x'"),
]


@pytest.mark.parametrize("case", CLASSIC + ACTIVATIONS + TRACE + VISUALIZER, ids=case_id)
def test_refused(case):
    assert_refused(case)


# --- what the refusals must leave working ----------------------------------------------------------


def test_targets_inside_each_losss_domain_still_train():
    X4 = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    soft = NeuralNetwork([2, 1], loss="bce", seed=0).fit(X4, [[0.0], [0.3], [0.7], [1.0]], epochs=5)
    assert soft.history_[-1] >= 0  # BCE on targets in [0, 1] is never negative
    rows = [[0.2, 0.8, 0.0], [1, 0, 0], [0, 0, 1], [1 / 3, 1 / 3, 1 / 3]]
    assert np.isfinite(NeuralNetwork([2, 3], loss="cross_entropy", seed=0).fit(X4, rows, epochs=3).history_).all()
    assert NeuralNetwork([2, 3], loss="cross_entropy", seed=0).fit(X4, np.array([0, 1, 2, 1]), epochs=3).history_


def test_a_refused_set_weights_leaves_every_layer_as_it_was():
    network = net()
    before = network.get_weights()
    good, bad = np.ones((4, 3)), (np.zeros((2, 5)), np.zeros(2))  # the first pair is fine, the second is not
    with pytest.raises(ValueError, match=r"Layer\(4 -> 2.*\): expected W of shape \(2, 4\)"):
        network.set_weights([(good, np.ones(4)), bad])
    for (W, b), (W0, b0) in zip(network.get_weights(), before):
        assert np.array_equal(W, W0) and np.array_equal(b, b0)


def test_export_html_to_a_missing_folder_is_refused_before_drawing():
    folder = os.path.join(tempfile.gettempdir(), "aino-no-such-folder", "deeper")
    with pytest.raises(FileNotFoundError, match=r"export_html: the folder .*deeper' to write 'report.html' in does not"):
        viz().export_html(trace(), os.path.join(folder, "report.html"))
    assert not os.path.exists(folder)


def test_activations_accept_lists_integers_and_numpy_numbers():
    assert np.allclose(get_activation("sigmoid")([0, 0]), [0.5, 0.5])
    assert LeakyReLU(np.float32(0.2)).alpha == pytest.approx(0.2) and type(LeakyReLU(np.float32(0.2)).alpha) is float
    assert get_activation("softmax")(np.zeros((2, 0))).shape == (2, 0)  # an empty axis gives an empty result

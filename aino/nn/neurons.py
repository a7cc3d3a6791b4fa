"""Advanced neurons for CustomAIModel.addneuron (reference document 000).

Each keeps the width of its input, so it can follow any layer: (N, width) -> (N, width); all but the
GraphNeuron also take any leading axes, (..., width).
"""

import math
from collections.abc import Hashable

import numpy

from aino.nn import checks
from aino.nn.init import normal, uniform
from aino.nn.module import Module
from aino.nn.parameter import Buffer, Parameter
from aino.ops.function import constant
from aino.ops.spike import Spike
from aino.validation import check_real


def _options(neuron, width, dtype):
    """(width, dtype) checked: an int >= 1 and a floating-point dtype."""
    owner = type(neuron).__name__
    width = checks.size(width, "width", owner)
    dtype = checks.float_dtype(dtype, owner)
    checks.check_elements(owner, (width, width), dtype)
    return width, dtype


def width_input(neuron, x, ndim=None):
    """x as a float tensor whose last axis is the neuron's width (and with `ndim` axes, if given)."""
    x = checks.tensor_input(neuron, x)
    if x.ndim == 0 or x.shape[-1] != neuron.width or ndim not in (None, x.ndim):
        layout = f"(N, {neuron.width})" if ndim == 2 else f"(..., {neuron.width})"
        raise ValueError(f"{neuron._name()} expected input of shape {layout}, got {tuple(x.shape)}")
    return x


class MemoryNeuron(Module):
    """A learned memory of `size` slots, read by content: y = x + softmax(x M^T / sqrt(width)) M."""

    @staticmethod
    def state_shapes(width, size=16, dtype=None):
        """{name: shape} of what a neuron of these options holds (checked before a saved one is built)."""
        return {"memory": (size, width)}

    def __init__(self, width, size=16, dtype=numpy.float32):
        super().__init__()
        width, dtype = _options(self, width, dtype)
        self.width, self.size = width, checks.size(size, "size (the number of memory slots)", "MemoryNeuron")
        checks.check_elements("MemoryNeuron", (self.size, width), dtype)
        self.memory = Parameter(normal((self.size, width), 1 / math.sqrt(width), dtype))

    def forward(self, x):
        x = width_input(self, x)
        weights = (x @ self.memory.T / math.sqrt(self.width)).softmax(-1)
        return x + weights @ self.memory


class AttentionNeuron(Module):
    """Attention over the features: a = softmax(x W + b); y = width * a * x (weights sum to 1, mean 1)."""

    @staticmethod
    def state_shapes(width, dtype=None):
        return {"weight": (width, width), "bias": (width,)}

    def __init__(self, width, dtype=numpy.float32):
        super().__init__()
        width, dtype = _options(self, width, dtype)
        self.width = width
        self.weight = Parameter(uniform((width, width), 1 / math.sqrt(width), dtype))
        self.bias = Parameter(numpy.zeros(width, dtype))

    def forward(self, x):
        x = width_input(self, x)
        return (x @ self.weight + self.bias).softmax(-1) * x * self.width


class NALU(Module):
    """Neural arithmetic logic unit (Trask et al. 2018): y = g * (x W) + (1 - g) * exp(log(|x| + eps) W).

    W = tanh(W_hat) * sigmoid(M_hat) leans towards -1, 0 and 1, so x W adds and subtracts and
    exp(log|x| W) multiplies and divides; the gate g = sigmoid(x G) chooses between them.
    """

    @staticmethod
    def state_shapes(width, eps=1e-7, dtype=None):
        return {name: (width, width) for name in ("W_hat", "M_hat", "G")}

    def __init__(self, width, eps=1e-7, dtype=numpy.float32):
        super().__init__()
        width, dtype = _options(self, width, dtype)
        self.width, self.eps = width, checks.positive(eps, "eps", "NALU")
        bound = math.sqrt(6 / (2 * width))
        self.W_hat = Parameter(uniform((width, width), bound, dtype))
        self.M_hat = Parameter(uniform((width, width), bound, dtype))
        self.G = Parameter(uniform((width, width), bound, dtype))

    def forward(self, x):
        x = width_input(self, x)
        W = self.W_hat.tanh() * self.M_hat.sigmoid()
        add = x @ W
        multiply = ((x.abs() + self.eps).log() @ W).exp()
        gate = (x @ self.G).sigmoid()
        return gate * add + (1 - gate) * multiply


class GraphNeuron(Module):
    """One step of graph convolution over a fixed graph, added to the input.

    Each node v starts from h_v = tanh(x W_in + e_v) (e_v a learned node embedding); then
    H' = tanh(A_hat H W) with A_hat = D^-1/2 (A + I) D^-1/2 (neighbours averaged, self included);
    y = x + mean over nodes of H'.
    """

    @staticmethod
    def state_shapes(width, nodes, edges, dtype=None):
        n = len(list(nodes))
        return {"a_hat": (n, n), "W_in": (width, width), "embedding": (n, width), "W": (width, width)}

    def __init__(self, width, nodes, edges, dtype=numpy.float32):
        super().__init__()
        width, dtype = _options(self, width, dtype)
        nodes, edges = _graph(nodes, edges)
        index = {node: i for i, node in enumerate(nodes)}
        adjacency = numpy.eye(len(nodes))
        for a, b in edges:
            if a not in index or b not in index:
                raise ValueError(f"GraphNeuron: edge {(a, b)} names a node not in {nodes}")
            adjacency[index[a], index[b]] = adjacency[index[b], index[a]] = 1.0
        scale = 1 / numpy.sqrt(adjacency.sum(axis=1))
        self.width, self.nodes, self.edges = width, nodes, [tuple(edge) for edge in edges]
        self.a_hat = Buffer((scale[:, None] * adjacency * scale[None, :]).astype(dtype))
        bound = 1 / math.sqrt(width)
        self.W_in = Parameter(uniform((width, width), bound, dtype))
        self.embedding = Parameter(normal((len(nodes), width), 0.1, dtype))
        self.W = Parameter(uniform((width, width), bound, dtype))

    def forward(self, x):
        x = width_input(self, x, ndim=2)
        h = (x.unsqueeze(1) @ self.W_in + self.embedding).tanh()  # (N, nodes, width)
        h = (self.a_hat @ h @ self.W).tanh()  # neighbours' states, mixed
        return x + h.mean(axis=1)


class SpikingNeuron(Module):
    """Integrate and fire, one time step: potential v = x W + b; spike s = 1 where v >= threshold, else 0.

    The step has no useful derivative, so backprop uses a surrogate (see aino/ops/spike.py).
    """

    @staticmethod
    def state_shapes(width, threshold=1.0, dtype=None):
        return {"weight": (width, width), "bias": (width,)}

    def __init__(self, width, threshold=1.0, dtype=numpy.float32):
        super().__init__()
        width, dtype = _options(self, width, dtype)
        self.width, self.threshold = width, check_real(threshold, "threshold", "SpikingNeuron")
        self.weight = Parameter(uniform((width, width), 1 / math.sqrt(width), dtype))
        self.bias = Parameter(numpy.full(width, self.threshold / 2, dtype))

    def forward(self, x):
        x = width_input(self, x)
        potential = x @ self.weight + self.bias
        return Spike.apply(potential, threshold=self.threshold)


class MixtureOfExperts(Module):
    """A mixture of experts (Jacobs et al. 1991; top-k routing as Shazeer et al. 2017): E experts, each an
    affine map of its own, and a gate that says how much each one's answer counts for this input:

        gate    g(x) = softmax(x W_g + b_g)                      (..., E), sums to 1
        expert  f_e(x) = x W_e + b_e                             (..., width), e = 1 .. E
        output  y = sum_e g_e(x) f_e(x)

    With top_k = k < E only the k largest gate logits are kept (the others become -inf, so their g_e is 0 and
    the softmax runs over the k chosen experts): each input is routed to k experts. The gradient reaches the
    experts through g_e, and the gate through dy/dg_e = f_e(x), so the gate learns which expert fits where:
    two regimes (y = -x for x < 0, y = x above) that no single affine expert fits, the mixture learns.
    """

    @staticmethod
    def state_shapes(width, experts=4, top_k=None, dtype=None):
        return {"gate_weight": (width, experts), "gate_bias": (experts,), "expert_weight": (experts, width, width),
                "expert_bias": (experts, width)}

    def __init__(self, width, experts=4, top_k=None, dtype=numpy.float32):
        super().__init__()
        width, dtype = _options(self, width, dtype)
        self.width, self.experts = width, checks.size(experts, "experts (the number of experts)", "MixtureOfExperts")
        self.top_k = self.experts if top_k is None else checks.size(top_k, "top_k", "MixtureOfExperts")
        if self.top_k > self.experts:
            raise ValueError(f"MixtureOfExperts: top_k ({self.top_k}) must be at most experts ({self.experts})")
        checks.check_elements("MixtureOfExperts", (self.experts, width, width), dtype)
        bound = 1 / math.sqrt(width)
        self.gate_weight = Parameter(uniform((width, self.experts), bound, dtype))
        self.gate_bias = Parameter(numpy.zeros(self.experts, dtype))
        self.expert_weight = Parameter(uniform((self.experts, width, width), bound, dtype))
        self.expert_bias = Parameter(uniform((self.experts, width), bound, dtype))

    def gate(self, x):
        """g(x) = softmax(x W_g + b_g) over the experts (the top_k largest logits only), (..., E)."""
        logits = x @ self.gate_weight + self.gate_bias
        if self.top_k < self.experts:
            xp = logits.xp
            rank = xp.argsort(xp.argsort(-logits.data, axis=-1), axis=-1)  # 0 for the largest logit
            logits = logits + constant(xp.where(rank < self.top_k, 0, -xp.inf).astype(logits.dtype), logits)
        return logits.softmax(-1)

    def forward(self, x):
        x = width_input(self, x)
        g = self.gate(x)
        f = (x.unsqueeze(-2).unsqueeze(-2) @ self.expert_weight).squeeze(-2) + self.expert_bias  # (..., E, width)
        return (g.unsqueeze(-1) * f).sum(-2)


def _graph(nodes, edges):
    """(nodes, edges) of a GraphNeuron as lists: at least one node, names that can be looked up, edges pairs."""
    if isinstance(nodes, (str, bytes)) or not hasattr(nodes, "__iter__"):
        raise TypeError(f"GraphNeuron: nodes must be a list of node names, got {type(nodes).__name__} {nodes!r:.60}")
    nodes = list(nodes)
    if not nodes:
        raise ValueError("GraphNeuron: nodes must not be empty")
    if not all(isinstance(node, Hashable) for node in nodes) or len(set(nodes)) != len(nodes):
        raise ValueError(f"GraphNeuron: nodes must be distinct names (numbers or strings), got {nodes!r:.80}")
    if not hasattr(edges, "__iter__") or isinstance(edges, (str, bytes)):
        raise TypeError(f"GraphNeuron: edges must be a list of (node, node) pairs, got {type(edges).__name__} {edges!r:.60}")
    edges = list(edges)
    for edge in edges:
        if not isinstance(edge, (tuple, list)) or len(edge) != 2:
            raise ValueError(f"GraphNeuron: each edge must be a pair (node, node), got {edge!r:.60}")
    return nodes, edges


NEURONS = {
    "memory": MemoryNeuron,
    "attention": AttentionNeuron,
    "nalu": NALU,
    "graph": GraphNeuron,
    "spiking": SpikingNeuron,
    "moe": MixtureOfExperts,
}

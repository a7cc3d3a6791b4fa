"""Advanced neurons for CustomAIModel.addneuron (reference document 000).

Each keeps the width of its input, so it can follow any layer: (N, width) -> (N, width).
"""

import math

import numpy

from aino.nn.init import normal, uniform
from aino.nn.module import Module
from aino.nn.parameter import Buffer, Parameter
from aino.ops.spike import Spike


class MemoryNeuron(Module):
    """A learned memory of `size` slots, read by content: y = x + softmax(x M^T / sqrt(width)) M."""

    def __init__(self, width, size=16, dtype=numpy.float32):
        super().__init__()
        self.width, self.size = width, size
        self.memory = Parameter(normal((size, width), 1 / math.sqrt(width), dtype))

    def forward(self, x):
        weights = (x @ self.memory.T / math.sqrt(self.width)).softmax(-1)
        return x + weights @ self.memory


class AttentionNeuron(Module):
    """Attention over the features: a = softmax(x W + b); y = width * a * x (weights sum to 1, mean 1)."""

    def __init__(self, width, dtype=numpy.float32):
        super().__init__()
        self.width = width
        self.weight = Parameter(uniform((width, width), 1 / math.sqrt(width), dtype))
        self.bias = Parameter(numpy.zeros(width, dtype))

    def forward(self, x):
        return (x @ self.weight + self.bias).softmax(-1) * x * self.width


class NALU(Module):
    """Neural arithmetic logic unit (Trask et al. 2018): y = g * (x W) + (1 - g) * exp(log(|x| + eps) W).

    W = tanh(W_hat) * sigmoid(M_hat) leans towards -1, 0 and 1, so x W adds and subtracts and
    exp(log|x| W) multiplies and divides; the gate g = sigmoid(x G) chooses between them.
    """

    def __init__(self, width, eps=1e-7, dtype=numpy.float32):
        super().__init__()
        self.width, self.eps = width, eps
        bound = math.sqrt(6 / (2 * width))
        self.W_hat = Parameter(uniform((width, width), bound, dtype))
        self.M_hat = Parameter(uniform((width, width), bound, dtype))
        self.G = Parameter(uniform((width, width), bound, dtype))

    def forward(self, x):
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

    def __init__(self, width, nodes, edges, dtype=numpy.float32):
        super().__init__()
        nodes = list(nodes)
        if not nodes:
            raise ValueError("GraphNeuron: nodes must not be empty")
        index = {node: i for i, node in enumerate(nodes)}
        adjacency = numpy.eye(len(nodes))
        for a, b in edges:
            if a not in index or b not in index:
                raise ValueError(f"GraphNeuron: edge {(a, b)} names a node not in {nodes}")
            adjacency[index[a], index[b]] = adjacency[index[b], index[a]] = 1.0
        scale = 1 / numpy.sqrt(adjacency.sum(axis=1))
        self.nodes, self.edges = nodes, [tuple(edge) for edge in edges]
        self.a_hat = Buffer((scale[:, None] * adjacency * scale[None, :]).astype(dtype))
        bound = 1 / math.sqrt(width)
        self.W_in = Parameter(uniform((width, width), bound, dtype))
        self.embedding = Parameter(normal((len(nodes), width), 0.1, dtype))
        self.W = Parameter(uniform((width, width), bound, dtype))

    def forward(self, x):
        h = (x.unsqueeze(1) @ self.W_in + self.embedding).tanh()  # (N, nodes, width)
        h = (self.a_hat @ h @ self.W).tanh()  # neighbours' states, mixed
        return x + h.mean(axis=1)


class SpikingNeuron(Module):
    """Integrate and fire, one time step: potential v = x W + b; spike s = 1 where v >= threshold, else 0.

    The step has no useful derivative, so backprop uses a surrogate (see aino/ops/spike.py).
    """

    def __init__(self, width, threshold=1.0, dtype=numpy.float32):
        super().__init__()
        self.threshold = threshold
        self.weight = Parameter(uniform((width, width), 1 / math.sqrt(width), dtype))
        self.bias = Parameter(numpy.full(width, threshold / 2, dtype))

    def forward(self, x):
        potential = x @ self.weight + self.bias
        return Spike.apply(potential, threshold=self.threshold)


NEURONS = {
    "memory": MemoryNeuron,
    "attention": AttentionNeuron,
    "nalu": NALU,
    "graph": GraphNeuron,
    "spiking": SpikingNeuron,
}

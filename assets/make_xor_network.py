"""Draws assets/xor-network.png, the README's picture: the README's XOR network after training, as the
visualizer draws every network (plot_network: blue positive weights, orange negative, width by |w|;
neurons by their mean activation; each hidden neuron's response over the input plane).

    python assets/make_xor_network.py
"""

from pathlib import Path

import aino
from aino.datasets import xor
from visualizer import plot_network


def main():
    X, y = xor()
    model = aino.NeuralNetwork([2, 4, 1], activation_type="tanh", output_activation="sigmoid", loss="bce", seed=0)
    model.fit(X, y, epochs=1500, n=0.5, trace=True, probe=X)
    ax = plot_network(model.trace_, step=-1)
    ax.set_title("The trained XOR network of the README", fontsize=10)
    path = Path(__file__).with_name("xor-network.png")
    ax.figure.savefig(path, dpi=80, bbox_inches="tight")
    print(path)


if __name__ == "__main__":
    main()

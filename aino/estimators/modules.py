"""MLPModule: the small network NeuralNetClassifier and NeuralNetRegressor train when given no other.

    NeuralNetClassifier()                                   # MLPModule with one hidden layer of 64
    NeuralNetClassifier(MLPModule, module__hidden=(32, 16)) # two hidden layers

Its sizes are named as the estimators' convention expects (`in_features`, `out_features`), so the estimator
fills them in from the data: one class works for any number of features, classes or targets.
"""

import numbers

from aino import nn


class MLPModule(nn.Module):
    """A multi-layer perceptron: Linear -> activation for each hidden layer, then a Linear to the outputs.

    Parameters
    ----------
    in_features : int
        Inputs per sample (the estimator passes ``n_features_in_``).
    out_features : int
        Outputs per sample (the estimator passes the number its criterion needs: classes, or targets).
    hidden : int or tuple of int, default=64
        The sizes of the hidden layers: an int for one layer, a tuple for several, ``()`` for none (a
        linear model).
    activation : type, default=aino.nn.ReLU
        The activation layer's class, built once per hidden layer.
    """

    def __init__(self, in_features, out_features, hidden=64, activation=nn.ReLU):
        super().__init__()
        sizes = (hidden,) if isinstance(hidden, numbers.Integral) else tuple(hidden)
        layers = []
        for n_in, n_out in zip((in_features,) + sizes, sizes):
            layers += [nn.Linear(n_in, n_out), activation()]
        layers.append(nn.Linear(sizes[-1] if sizes else in_features, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)

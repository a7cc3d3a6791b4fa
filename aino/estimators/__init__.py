"""scikit-learn estimators built on aino (needs the extra: pip install "aino[sklearn]").

- MLPClassifier, MLPRegressor: scikit-learn's multilayer perceptrons, with its parameters and its steps,
  trained on aino's fast path (engine="fast") or its classic one (engine="classic").
- NeuralNetClassifier, NeuralNetRegressor: any aino.nn Module as an estimator (a CNN, an LSTM).

All pass scikit-learn's own estimator checks, and work in Pipeline, GridSearchCV and cross_val_score.
"""

from aino.estimators.mlp import MLPClassifier, MLPRegressor
from aino.estimators.modules import MLPModule
from aino.estimators.neural_net import NeuralNetClassifier, NeuralNetRegressor

__all__ = ["MLPClassifier", "MLPModule", "MLPRegressor", "NeuralNetClassifier", "NeuralNetRegressor"]

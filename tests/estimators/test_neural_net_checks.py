"""scikit-learn's own checks over NeuralNetClassifier and NeuralNetRegressor, on the CPU and on the stand-in GPU
(device="fake-gpu"): every check run, none skipped, none expected to fail (the `sklearn_check` fixture of conftest.py fails a check that skips itself).

Both keep their default settings otherwise: the classifier trains the default MLPModule with a nested
parameter (module__hidden), the regressor a module whose sizes have other names of the convention
(input_size, n_outputs). scikit-learn's data sets vary the features, classes and targets from check to check.
"""

import pytest

pytest.importorskip("sklearn")

from neural_net_modules import TwoLayers  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from aino.estimators import NeuralNetClassifier, NeuralNetRegressor  # noqa: E402

ESTIMATORS = [NeuralNetClassifier(module__hidden=16), NeuralNetRegressor(TwoLayers, module__width=8),
              NeuralNetClassifier(module__hidden=16, device="fake-gpu"),  # on the stand-in GPU
              NeuralNetRegressor(TwoLayers, module__width=8, device="fake-gpu")]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_check(estimator, check, sklearn_check):
    sklearn_check(check, estimator)

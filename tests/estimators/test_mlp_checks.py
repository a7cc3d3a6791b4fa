"""scikit-learn's own estimator checks over MLPClassifier and MLPRegressor, on both engines and on the stand-in
GPU (device="fake-gpu", whose arrays refuse NumPy): every check run, none skipped, none expected to fail.

Each with all its defaults (scikit-learn's, 100 hidden neurons and max_iter=200), engine and device apart.
"""

import pytest

pytest.importorskip("sklearn")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from aino.estimators import MLPClassifier, MLPRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # defaults on small data
ESTIMATORS = [MLPClassifier(), MLPRegressor(), MLPClassifier(engine="classic"), MLPRegressor(engine="classic"),
              MLPClassifier(device="fake-gpu"), MLPRegressor(device="fake-gpu")]  # the stand-in GPU's arrays refuse NumPy


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_check(estimator, check, sklearn_check):
    sklearn_check(check, estimator)

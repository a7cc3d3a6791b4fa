"""Fixtures of the estimator tests.

`sklearn_check`: runs one of scikit-learn's estimator checks (from `parametrize_with_checks`) so that every
check really runs: SCIPY_ARRAY_API is set for the array-API check, and a check that skips itself fails.
"""

from unittest import SkipTest

import pytest


@pytest.fixture
def sklearn_check(monkeypatch):
    """`sklearn_check(check, estimator)`: the check passes, or the test fails (a skip included)."""
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")  # check_array_api_input runs only with it set

    def run(check, estimator):
        try:
            check(estimator)
        except SkipTest as reason:
            pytest.fail(f"the check skipped itself: {reason}")

    return run

"""The harness of the bad-input tables: each case is one call that must be refused clearly.

A case is `Refused(id, call, match)`: `call()` must raise ValueError or TypeError (aino's own or
Python's, never one from inside NumPy such as AxisError) whose message matches the regex `match`, which
names the owner and what was expected. Tables are lists of cases, run with

    @pytest.mark.parametrize("case", TABLE, ids=case_id)
    def test_refused(case):
        assert_refused(case)
"""

import re
from dataclasses import dataclass
from typing import Callable

import pytest

ALLOWED = (ValueError, TypeError)


@dataclass(frozen=True)
class Refused:
    id: str
    call: Callable[[], object]
    match: str


def case_id(case):
    return case.id


def assert_refused(case):
    """Run the case: a plain ValueError/TypeError (or an aino subclass) whose message matches."""
    with pytest.raises(Exception) as caught:
        case.call()
    error = caught.value
    module = type(error).__module__
    assert isinstance(error, ALLOWED) and (module == "builtins" or module.startswith("aino")), (
        f"{case.id}: expected ValueError or TypeError from aino, got {type(error).__module__}."
        f"{type(error).__name__}: {error}")
    assert re.search(case.match, str(error)), f"{case.id}: message {str(error)!r} does not match {case.match!r}"

"""Fixtures shared by every test under tests/.

`device`: a test that takes an argument named `device` runs once on each device this machine has:
"cpu" always, and "cuda" too where CuPy and a GPU are there. Nothing needs importing: pytest finds the
fixture here by its name (`pytest --fixtures tests` lists it).

Plain helper functions (not fixtures) that several test files call live in a module of their own, with a
name used nowhere else, beside those files: tests/nn/nn_helpers.py, tests/files/hostile.py. A test file
imports it by that name (`from nn_helpers import rand`), which works because the test folders have no
__init__.py: in pytest's default "prepend" import mode the folder of a test file is put on sys.path before
the file is imported, however pytest is started. Never `from conftest import ...`: every conftest.py outside
a package is imported under the one name "conftest", so that name can mean another folder's file.
"""

import pytest

from aino import backend

DEVICES = ["cpu"] + (["cuda"] if backend.has_cupy else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Each available device in turn: "cpu", and "cuda" where CuPy is installed."""
    return request.param

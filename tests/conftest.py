"""Fixtures shared by every test under tests/.

`device`: a test that takes an argument named `device` runs once on each device: "cpu", "fake-gpu"
(aino.testing.fake_gpu, a stand-in whose arrays refuse NumPy as CuPy's do, so that a `numpy.` call on a
device array or a silent copy to the host fails here, without a GPU), and "cuda" too where CuPy and a GPU
are there. Nothing needs importing: pytest finds the
fixture here by its name (`pytest --fixtures tests` lists it).

Plain helper functions (not fixtures) that several test files call live in a module of their own, with a
name used nowhere else, beside those files: tests/nn/nn_helpers.py, tests/files/hostile.py. A test file
imports it by that name (`from nn_helpers import rand`), which works because the test folders have no
__init__.py: in pytest's default "prepend" import mode the folder of a test file is put on sys.path before
the file is imported, however pytest is started. Never `from conftest import ...`: every conftest.py outside
a package is imported under the one name "conftest", so that name can mean another folder's file.
"""

import contextlib
import sys

import pytest

from aino import backend
from aino.testing import fake_gpu

fake_gpu.enable()
DEVICES = ["cpu", "fake-gpu"] + (["cuda"] if backend.has_cupy else [])


@pytest.fixture(params=DEVICES)
def device(request):
    """Each device in turn: "cpu", the stand-in "fake-gpu", and "cuda" where CuPy is installed."""
    return request.param


@pytest.fixture
def cuda():
    """"cuda" made usable: the real GPU where CuPy is installed, else the stand-in standing in for it, so
    that tensor.cuda(), model.to("cuda") and aino.cuda.is_available() are exercised on every machine."""
    stand_in = contextlib.nullcontext() if backend.has_cupy else fake_gpu.standing_in_for_cuda()
    with stand_in:
        yield "cuda"


@pytest.fixture(autouse=True)
def _torch_seeded():
    """PyTorch's global generator seeded before each test (once torch is loaded), so that a test whose torch
    layers draw their own weights gets the same weights whatever ran before it: a parity check at rtol 1e-12
    must not depend on the order tests run in."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(0)

"""aino.memory: freed memory kept for the next step, so that a training loop's arrays do not fault back in."""

import os
import subprocess
import sys

import pytest

from aino import memory

# A step that allocates and frees arrays of 1 to 12 MiB, as a training step does; the child prints the
# page faults of one step after three to warm up.
STEPS = """
import resource
import numpy as np
import aino

def step():
    kept = []
    for mib in (6, 2, 12, 1, 6, 3):
        kept.append(np.ones(mib * 2**18, dtype=np.float32))
        if len(kept) > 2:
            kept.pop(0)

for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
"""

glibc_only = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"),
                                reason="mallopt's M_TOP_PAD is glibc's")


def faults_per_step(**environment):
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TOP_PAD_"}
    result = subprocess.run([sys.executable, "-c", STEPS], env=dict(env, **environment), capture_output=True,
                            text=True, check=True, timeout=120)
    return float(result.stdout)


@glibc_only
def test_a_step_after_importing_aino_faults_almost_never():
    assert faults_per_step() < 50


@glibc_only
def test_glibcs_own_variable_wins_and_zero_turns_it_off():
    assert faults_per_step(MALLOC_TOP_PAD_="0") > 1000  # 10+ MiB a step taken back from the system


@glibc_only
def test_keep_freed_memory_asks_glibc_unless_the_environment_decides(monkeypatch):
    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    assert memory.keep_freed_memory() is True
    monkeypatch.setenv("MALLOC_TOP_PAD_", "0")
    assert memory.keep_freed_memory() is False


@pytest.mark.parametrize("nbytes", [-1, 2**31, 1.5, "64M", True])
def test_keep_freed_memory_refuses_what_is_not_a_byte_count(nbytes):
    with pytest.raises(ValueError, match="keep_freed_memory expects a number of bytes"):
        memory.keep_freed_memory(nbytes)

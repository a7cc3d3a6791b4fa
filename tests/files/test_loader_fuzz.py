"""Every loader against thousands of hostile variants of a good file: the right object or ValueError.

The mutations are in fuzz_loaders.py; each loader runs in its own child process (two at a time, one
per core) whose address space is limited to what it held at the start plus 1.5 GiB, so a loader that
inflated a zip bomb or allocated what a header declared would fail with MemoryError. Seeded: the same
variants every run. AINO_FUZZ_VARIANTS sets how many per loader (default 3000).
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

LOADERS = ["NeuralNetwork.load", "load_state_dict_from_file", "CustomAIModel.load_model", "Trace.load", "aino.load"]
VARIANTS = int(os.environ.get("AINO_FUZZ_VARIANTS", "3000"))
WORKER = Path(__file__).with_name("fuzz_loaders.py")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    def run(loader):
        work = tmp_path_factory.mktemp(loader.replace(".", "_"))
        done = subprocess.run([sys.executable, str(WORKER), str(work), "1", str(VARIANTS), loader],
                              capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, done.stderr[-3000:]
        return loader, json.loads(done.stdout.strip().splitlines()[-1])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, LOADERS))


@pytest.mark.parametrize("loader", LOADERS)
def test_every_variant_loads_right_or_is_refused_with_value_error(reports, loader):
    report = reports[loader]
    counts = report["loaders"][loader]
    assert counts["variants"] == VARIANTS
    assert report["failures"] == []
    assert counts["refused"] > VARIANTS // 2  # the mutants really were hostile
    assert counts["loaded"] + counts["refused"] == VARIANTS


@pytest.mark.parametrize("loader", LOADERS)
def test_no_pickled_payload_ever_ran(reports, loader):
    assert reports[loader]["unpickled"] is False

"""Kill a process at random moments while it saves: the file always loads, as the old or the new one,
and the next save leaves no temporary file behind.

For each save function a child (kill_saver.py) saves models A and B in turn to one target; the test
kills it with SIGKILL after a random delay, loads the target, then saves once more itself, as a user
would after a crash. Half the rounds kill at a random moment of the save loop, half at a random moment
just after a temporary file appeared (mid-write). Seeded delays; several rounds per save function.
"""

import os
import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import kill_saver
from aino.files import temporaries_of
from aino.files.pair import pending_path

ROUNDS = {"NeuralNetwork.save": 14, "save_model_parameters": 14, "CustomAIModel.save_model": 14,
          "Trace.save": 14, "export_html": 14}
CHILD = Path(kill_saver.__file__)


def leftovers(kind, folder):
    """Temporaries and pending files of the targets of `kind` in `folder`."""
    found = []
    for name in kill_saver.TARGETS[kind]:
        target = Path(folder) / name
        found += temporaries_of(target) + temporaries_of(pending_path(target))
        if pending_path(target).exists():
            found.append(pending_path(target))
    return found


def _wait_for(condition, timeout):
    end = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < end:
        pass


def kill_rounds(kind, work):
    scratch, folder = work / "scratch", work / "target"
    scratch.mkdir(), folder.mkdir()
    things = [kill_saver.build(kind, version) for version in (0, 1)]
    expected = set()
    for thing in things:
        started = time.perf_counter()
        kill_saver.save(kind, thing, scratch)
        duration = time.perf_counter() - started
        expected.add(kill_saver.load(kind, scratch))
    assert len(expected) == 2, "A and B must differ, or the test could not tell old from new"
    kill_saver.save(kind, things[0], folder)
    rng = random.Random(kind)
    outcomes = {"loaded": set(), "rounds_with_leftovers": 0}
    for round_ in range(ROUNDS[kind]):
        child = subprocess.Popen([sys.executable, str(CHILD), kind, str(folder)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        if round_ % 2:  # a moment in the whole save loop
            time.sleep(rng.uniform(0.0, 3 * duration))
        else:  # a moment while a file is being written
            _wait_for(lambda: leftovers(kind, folder), timeout=10 * duration + 5)
            time.sleep(rng.uniform(0.0, 0.002))
        child.kill()
        child.wait()
        child.stdout.close()
        outcomes["rounds_with_leftovers"] += bool(leftovers(kind, folder))
        outcomes["loaded"].add(kill_saver.load(kind, folder))  # a crash leaves a file that loads...
        assert outcomes["loaded"] <= expected  # ...as the old model or the new one, never a mix
        kill_saver.save(kind, things[0], folder)  # the next save
        assert leftovers(kind, folder) == []
        assert sorted(os.listdir(folder)) == sorted(kill_saver.TARGETS[kind])
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    def run(kind):
        return kind, kill_rounds(kind, tmp_path_factory.mktemp(kind.replace(".", "_")))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, ROUNDS))


@pytest.mark.parametrize("kind", list(ROUNDS))
def test_a_killed_save_leaves_a_loadable_file_and_the_next_save_cleans_up(outcomes, kind):
    assert outcomes[kind]["loaded"]  # every round's assertions ran inside kill_rounds


@pytest.mark.parametrize("kind", list(ROUNDS))
def test_the_kills_landed_while_files_were_being_written(outcomes, kind):
    """Otherwise the rounds above would prove nothing about a write cut short."""
    assert outcomes[kind]["rounds_with_leftovers"] >= 1

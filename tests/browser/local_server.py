"""A notebook server for the real-browser tests (Voilà, JupyterLab): started on 127.0.0.1 on a free
port, waited for until it answers HTTP, always stopped (its whole process group), its log kept in
$AINO_BROWSER_ARTIFACTS when that is set."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path, n=4000):
    """The last `n` characters of the file at `path` ("" when it cannot be read)."""
    try:
        return Path(path).read_text(errors="replace")[-n:]
    except OSError:
        return ""


def stop(proc):
    """SIGTERM the server's process group (it shuts its kernels down), then SIGKILL what is left."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def serving(name, command, cwd, env, log_path, ping_url, timeout_s):
    """Run `command` (the server `name`) with its output in `log_path`, until `ping_url` gets any HTTP
    answer (a 404 too) within `timeout_s`; yield; always stop it. A server that exits or stays silent
    fails the test with its log."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with code {proc.returncode}:\n{tail(log_path)}", pytrace=False)
            try:
                urllib.request.urlopen(ping_url, timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not answer on {ping_url} within {timeout_s} s:\n{tail(log_path)}",
                                pytrace=False)
                time.sleep(0.2)
        yield
    finally:
        stop(proc)
        artifacts = os.environ.get("AINO_BROWSER_ARTIFACTS")
        if artifacts:
            Path(artifacts).mkdir(parents=True, exist_ok=True)
            shutil.copy(log_path, Path(artifacts) / Path(log_path).name)

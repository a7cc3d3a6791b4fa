"""The Debugger (the browser widget) in Voilà, in a real browser.

Voilà serves tests/browser/debugger.ipynb on 127.0.0.1 (a free port, no token, no password, config and
runtime files in a temporary directory), Debian's chromium opens it through Playwright, the step slider is
moved with the keyboard (End: to the last step), the drawn step follows, and the widget's screenshots
before and after must differ clearly. tests/browser/test_jupyterlab.py drives it in JupyterLab.

Set AINO_BROWSER_ARTIFACTS=/some/dir to keep the two screenshots and the server log there.
"""

import contextlib
import json
import os
import sys
import time
from pathlib import Path

import pytest

from local_server import free_port, serving, tail
from offline_page import CHROMIUM, CHROMIUM_FLAGS, require_browser_pieces

pytestmark = pytest.mark.browser

NOTEBOOK = Path(__file__).with_name("debugger.ipynb")
WIDGET = ".aino-debugger[data-step]"          # the renderer's root, once it has drawn a step
SLIDER = f"{WIDGET} .aino-slider"
# Time limits, together under 90 s (a run here takes about 10 s)
SERVER_TIMEOUT_S = 25                          # Voila answers HTTP
RENDER_TIMEOUT_S = 40                          # the page loads, the notebook runs, the widget shows
CHANGE_TIMEOUT_S = 5                           # the browser draws the step the slider moved to
MIN_CHANGED_FRACTION = 0.01                    # at least 1% of the widget's pixels must change...
MIN_CHANGED_PIXELS = 2000                      # ...and at least this many


@contextlib.contextmanager
def _voila(tmp_path):
    """Start Voilà on 127.0.0.1 with a config of its own; yield the notebook's URL; always stop it."""
    port = free_port()
    home = tmp_path / "jupyter"
    dirs = {name: home / name for name in ("config", "data", "runtime", "ipython", "connections")}
    for d in dirs.values():
        d.mkdir(parents=True)
    settings = {
        "ip": "127.0.0.1",
        "port": port,
        "port_retries": 0,
        "open_browser": False,
        "auto_token": False,
        "token": "",
        "connection_dir_root": str(dirs["connections"]),
    }
    (dirs["config"] / "voila.json").write_text(json.dumps({"Voila": settings}, indent=1))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        IPYTHONDIR=str(dirs["ipython"]),
        MPLBACKEND="Agg",
        PYTHONHASHSEED="0",
    )
    command = [
        sys.executable, "-m", "voila", str(NOTEBOOK),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--Voila.auto_token=False",
        f"--Voila.config_file_paths={dirs['config']}",
        f"--Voila.connection_dir_root={dirs['connections']}",
        "--show_tracebacks=True",
    ]
    log_path = tmp_path / "voila.log"
    url = f"http://127.0.0.1:{port}/"
    # any HTTP answer, even a 404, means the server is up; this path runs no notebook
    with serving("Voila", command, tmp_path, env, log_path, f"{url}aino-browser-test-ping", SERVER_TIMEOUT_S):
        yield url, log_path


def _changed_pixels(before_png, after_png):
    """How many pixels of the widget differ visibly (any channel by more than 24 of 255), and of how many."""
    from PIL import Image, ImageChops

    before = Image.open(before_png).convert("RGB")
    after = Image.open(after_png).convert("RGB")
    width, height = max(before.width, after.width), max(before.height, after.height)
    canvas_a = Image.new("RGB", (width, height), "white")
    canvas_b = Image.new("RGB", (width, height), "white")
    canvas_a.paste(before)
    canvas_b.paste(after)
    red, green, blue = ImageChops.difference(canvas_a, canvas_b).split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return sum(largest.histogram()[25:]), width * height


def test_moving_the_step_slider_changes_the_view(tmp_path):
    require_browser_pieces(("playwright", "voila", "anywidget", "PIL", "ipykernel"))
    with _voila(tmp_path) as (url, log_path):
        _move_the_slider_and_compare(url, log_path, tmp_path)


def _move_the_slider_and_compare(url, log_path, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("AINO_BROWSER_ARTIFACTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    before_png, after_png = shots / "debugger-before.png", shots / "debugger-after.png"
    console = []

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),          # a fresh --user-data-dir
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 1000},
        )
        try:
            page = context.new_page()
            page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

            def explain(what):
                return (f"{what}\n--- browser console ---\n" + "\n".join(console[-30:])
                        + f"\n--- voila log ---\n{tail(log_path)}")

            render_deadline = time.monotonic() + RENDER_TIMEOUT_S

            def render_ms():
                return max(1000.0, (render_deadline - time.monotonic()) * 1000)

            try:
                page.goto(url, wait_until="domcontentloaded", timeout=render_ms())
                page.wait_for_selector(SLIDER, state="visible", timeout=render_ms())
            except Exception as error:  # noqa: BLE001 -- re-raised with the logs that say why
                pytest.fail(explain(f"the widget did not render: {error}"), pytrace=False)

            widget = page.locator(WIDGET).first
            page.wait_for_timeout(300)                   # let the first paint settle
            widget.screenshot(path=str(before_png))

            slider = page.locator(SLIDER).first
            value_before = widget.get_attribute("data-step")
            slider.focus()
            page.keyboard.press("End")                   # one keystroke: the slider jumps to the last step
            last = slider.get_attribute("max")
            try:
                page.wait_for_function("([selector, last]) => document.querySelector(selector)"
                                       ".getAttribute('data-step') === last", arg=[WIDGET, last],
                                       timeout=CHANGE_TIMEOUT_S * 1000)
            except Exception as error:  # noqa: BLE001
                pytest.fail(explain(f"the view did not draw the last step {last} after the slider moved "
                                    f"(it shows {widget.get_attribute('data-step')}): {error}"), pytrace=False)
            value_after = widget.get_attribute("data-step")
            page.wait_for_timeout(300)                   # let the new picture paint
            widget.screenshot(path=str(after_png))
        finally:
            context.close()

    assert value_before != value_after, f"the slider did not move (value {value_before})"
    changed, total = _changed_pixels(before_png, after_png)
    assert changed >= MIN_CHANGED_PIXELS and changed >= MIN_CHANGED_FRACTION * total, (
        f"moving the slider from {value_before} to {value_after} changed only {changed} of {total} pixels "
        f"of the widget; screenshots: {before_png}, {after_png}")

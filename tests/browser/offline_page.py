"""What the real-browser tests of offline pages share: the pieces they need, Chromium launched as the
machine allows it, and a page opened from file:// with networking off.

Outside CI a missing chromium or Playwright skips a test with the reason; with CI=true (as .ci/run sets
it) it fails, so CI cannot pass without running them.
"""

import importlib.util
import os
import statistics
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AINO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_browser_pieces(modules=("playwright",)):
    """Skip (outside CI) or fail (CI=true) when chromium or one of `modules` is missing."""
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"chromium ({CHROMIUM} not found; apt-get install chromium)")
    for module in modules:
        if importlib.util.find_spec(module) is None:
            missing.append(f"{module} (pip install -e \".[test]\")")
    if missing:
        reason = "this browser test needs " + ", ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " -- CI=true, so this is a failure, not a skip", pytrace=False)
        pytest.skip(reason)


def launched_browser():
    """Yield Chromium, launched through Playwright's sync API (a generator for a pytest fixture)."""
    require_browser_pieces()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def open_offline(browser, path, ready, viewport=(1300, 1000)):
    """Yield a page showing `path` from file:// with networking off, once the selector `ready` shows (any
    other request is refused and noted in page.outside); page.errors collects the page's errors."""
    context = browser.new_context(offline=True, viewport={"width": viewport[0], "height": viewport[1]})
    outside = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(path.as_uri())
    page.wait_for_selector(ready, state="attached", timeout=15000)
    page.errors, page.outside = errors, outside
    try:
        yield page
    finally:
        context.close()


def frame_times(page, root, steps):
    """Milliseconds from moving the slider of the debugger at `root` (a selector) to each of `steps` to the
    end of that step's draw (performance.now() in the page, the draw's own timing included)."""
    return page.evaluate("""async ([rootSelector, steps]) => {
        const root = document.querySelector(rootSelector), slider = root.querySelector(".aino-slider");
        const times = [];
        for (const step of steps) {
            const started = performance.now();
            slider.value = String(step);
            slider.dispatchEvent(new Event("input"));
            await new Promise((done) => requestAnimationFrame(() => done()));   // after the draw's frame
            const last = root.aino.timings[root.aino.timings.length - 1];
            if (last[0] !== step) throw new Error("drew step " + last[0] + ", not " + step);
            times.push(Math.max(last[1], performance.now() - started));
        }
        return times;
    }""", [root, list(steps)])


FRAME_WINDOW = 100  # new steps a window of frame times holds


def frame_p95(measure, steps, limit_ms):
    """(95th percentile, frame times, windows measured) of measure(window) -> frame times in ms, over the first
    FRAME_WINDOW of `steps` (steps never drawn before), or, when that window's percentile is over `limit_ms` and
    `steps` holds a second window, the better of the two. A frame waits for the display's next refresh (every
    16.7 ms), so a host that stalls the browser for a moment costs whole refreshes the renderer did not spend."""
    windows = []
    for start in range(0, len(steps) - FRAME_WINDOW + 1, FRAME_WINDOW):
        times = measure(steps[start: start + FRAME_WINDOW])
        windows.append((statistics.quantiles(times, n=20)[-1], times))
        if windows[-1][0] <= limit_ms or len(windows) == 2:
            break
    p95, times = min(windows)
    return p95, times, len(windows)


def layer_change_ms(page, root, layer=None):
    """Milliseconds from choosing `layer` (default: another one) in the layer menu to the end of its frame."""
    return page.evaluate("""async ([rootSelector, layer]) => {
        const root = document.querySelector(rootSelector), select = root.querySelector(".aino-layer");
        const other = layer || [...select.options].map((o) => o.value).find((v) => v !== select.value);
        const started = performance.now();
        select.value = other;
        select.dispatchEvent(new Event("change"));
        await new Promise((done) => requestAnimationFrame(() => done()));
        if (root.getAttribute("data-layer") !== other) throw new Error("layer " + other + " not drawn");
        return performance.now() - started;
    }""", [root, layer])


def artifacts():
    """The folder named by AINO_BROWSER_ARTIFACTS (made if missing) for screenshots and timings, or None."""
    folder = os.environ.get("AINO_BROWSER_ARTIFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) if folder else None

"""The browser debugger's costs on the demo's iris run (1,400 recorded steps): building the data, writing
the offline file, and drawing a step in Chromium.

    python benchmarks/bench_debugger.py [--rounds 5]

- payload: `visualizer.payload.build_payload(trace)`, seconds (median of the rounds);
- export: `export_html(trace, path)`, seconds and the file's size in MB;
- frames: with Debian's chromium and Playwright, the file is opened from file:// with the network off and
  the slider is moved to 100 steps never drawn before; each frame's time, from the input event to the end
  of the draw, measured in the page with performance.now(): median and 95th percentile;
- layer change: the time to draw another layer, the first time, to the end of its frame.
"""

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from aino.demo import train_iris
from visualizer import export_html
from visualizer.payload import build_payload

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
FRAMES = """async (steps) => {
    const root = document.querySelector("#aino-debugger"), slider = root.querySelector(".aino-slider");
    const times = [];
    for (const step of steps) {
        const started = performance.now();
        slider.value = String(step);
        slider.dispatchEvent(new Event("input"));
        await new Promise((done) => requestAnimationFrame(() => done()));
        times.push(performance.now() - started);
    }
    return times;
}"""
LAYER_CHANGE = """async () => {
    const root = document.querySelector("#aino-debugger"), menu = root.querySelector("select");
    const started = performance.now();
    menu.value = menu.options[0].value === menu.value ? menu.options[1].value : menu.options[0].value;
    menu.dispatchEvent(new Event("change"));
    await new Promise((done) => requestAnimationFrame(() => done()));
    return performance.now() - started;
}"""


def timed(call, rounds):
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def in_the_browser(path, n_steps):
    """(frame times in ms over 100 new steps, layer change in ms), or None without chromium/Playwright."""
    try:
        from playwright.sync_api import sync_playwright  # a test dependency, not aino's
    except ImportError:
        return None
    if not Path(CHROMIUM).is_file():
        return None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(offline=True, viewport={"width": 1300, "height": 1000}).new_page()
        page.goto(path.as_uri())
        page.wait_for_selector("#aino-debugger[data-step]", timeout=15000)
        frames = page.evaluate(FRAMES, random.Random(0).sample(range(1, n_steps), 100))
        layer = page.evaluate(LAYER_CHANGE)
        browser.close()
    return frames, layer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    trace = train_iris(output=str(folder / "iris.dit"), progress=False).network.trace_
    payload_seconds, _ = timed(lambda: build_payload(trace), args.rounds)
    export_seconds, path = timed(lambda: Path(export_html(trace, folder / "iris.html")), args.rounds)
    print(f"iris demo run: {trace.n_steps} steps, {len(trace.steps)} kept")
    print(f"payload  {payload_seconds:.3f} s (median of {args.rounds})")
    print(f"export   {export_seconds:.3f} s, {path.stat().st_size / 2**20:.2f} MB")
    measured = in_the_browser(path, trace.n_steps)
    if measured is None:
        print("frames   not measured (needs /usr/bin/chromium and Playwright)")
        return
    frames, layer = measured
    p95 = statistics.quantiles(frames, n=20)[-1]
    print(f"frames   median {statistics.median(frames):.1f} ms, 95th percentile {p95:.1f} ms (100 new steps)")
    print(f"layer    {layer:.1f} ms (first change)")


if __name__ == "__main__":
    main()

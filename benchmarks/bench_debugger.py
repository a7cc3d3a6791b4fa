"""The browser debugger's costs: on the demo's iris run (1,400 recorded steps) and on a digits CNN (171
steps) building the data, writing the offline file and drawing a step in Chromium; and what a live
Debugger(recorder) costs to training.

    python benchmarks/bench_debugger.py [--rounds 5] [--live-rounds 7] [--only export|live]

- payload: `visualizer.payload.build_payload(trace)`, seconds (median of the rounds);
- export: `export_html(trace, path)`, seconds and the file's size in MB;
- frames: with Debian's chromium and Playwright, the file is opened from file:// with the network off and
  the slider is moved to 100 steps never drawn before; each frame's time, from the input event to the end
  of the draw, measured in the page with performance.now(): median and 95th percentile;
- layer change: the time to draw another layer, the first time, to the end of its frame;
- live: the lesson's MLP (moons, 200 points, 2-16-2, batches of 32, a 64-point probe) trained inside a
  Recorder, alone and with a live `Debugger(recorder)` (headless: no browser, the widget builds and sets
  its payload as in a kernel), in alternating rounds in one process, for a run of a few seconds and a
  longer one: the cost is each round's time with the Debugger over the mean of the two rounds alone
  around it, minus one; median and quartiles, and the refreshes of the median round.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy

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
        frames = page.evaluate(FRAMES, random.Random(0).sample(range(1, n_steps), min(100, n_steps - 1)))
        layer = page.evaluate(LAYER_CHANGE)
        browser.close()
    return frames, layer


LIVE_RUNS = (("lesson MLP, a few seconds", 1000), ("lesson MLP, longer", 2500))  # (name, epochs)


def live_round(epochs, live):
    """(seconds of training inside a Recorder, the Debugger or None): the lesson's MLP on moons."""
    import aino
    from aino import nn
    from aino.datasets import moons
    from aino.trace import Recorder
    from visualizer import Debugger

    X, y = moons(n_samples=200, noise=0.1, seed=0)
    X = X.astype(numpy.float32)
    aino.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    recorder = Recorder(model, probe=X[:64])
    view = Debugger(recorder) if live else None  # shown before training, as in a notebook
    started = time.perf_counter()
    with recorder:
        aino.fit(model, X, y, epochs=epochs, batch_size=32, lr=0.05, verbose=False)
    elapsed = time.perf_counter() - started
    if view is not None:
        assert view.n_steps == recorder.trace.n_steps and view.step == recorder.trace.n_steps - 1
    return elapsed, view


def live_cost(epochs, rounds):
    """Alternating rounds alone, live, alone, live, ..., alone: the cost of each live round against the
    mean of the rounds alone before and after it. Returns (costs, alone seconds, live rounds)."""
    live_round(max(epochs // 10, 1), True)  # warm up imports and caches
    alone = [live_round(epochs, False)[0]]
    lives, costs = [], []
    for _ in range(rounds):
        lives.append(live_round(epochs, True))
        alone.append(live_round(epochs, False)[0])
        costs.append(lives[-1][0] / ((alone[-2] + alone[-1]) / 2) - 1)
    return costs, alone, lives


def print_live(rounds):
    print(f"live Debugger(recorder), {rounds} alternating rounds, load average {os.getloadavg()[0]:.2f} at the start")
    for name, epochs in LIVE_RUNS:
        costs, alone, lives = live_cost(epochs, rounds)
        q1, median, q3 = statistics.quantiles(costs, n=4) if len(costs) > 1 else costs * 3
        middle = sorted(range(len(costs)), key=lambda i: costs[i])[len(costs) // 2]
        seconds, view = lives[middle]
        print(f"{name}: {epochs} epochs, {view.n_steps} steps, alone {statistics.median(alone):.2f} s (median); "
              f"live cost median {median * 100:+.1f}% (quartiles {q1 * 100:+.1f}% to {q3 * 100:+.1f}%); "
              f"median round: {view.refreshes} refreshes, {view.refresh_seconds:.3f} s of {seconds:.2f} s")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


def digits_cnn_trace():
    """The digits CNN of the browser test (two conv blocks, three epochs, the first 16 images as the probe)."""
    import aino
    from aino import fit, nn
    from aino.datasets import load_digits

    digits = load_digits()
    X = (digits.data.reshape(-1, 1, 8, 8) / 16.0).astype(numpy.float32)
    aino.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10))
    return fit(model, X, digits.target, epochs=3, batch_size=32, lr=0.01, seed=0, trace=True, probe=X[:16],
               verbose=False).trace


def print_export(name, trace, folder, rounds):
    payload_seconds, _ = timed(lambda: build_payload(trace), rounds)
    export_seconds, path = timed(lambda: Path(export_html(trace, folder / f"{name}.html")), rounds)
    print(f"{name}: {trace.n_steps} steps, {len(trace.steps)} kept")
    print(f"  payload  {payload_seconds:.3f} s (median of {rounds})")
    print(f"  export   {export_seconds:.3f} s, {path.stat().st_size / 2**20:.2f} MB")
    measured = in_the_browser(path, trace.n_steps)
    if measured is None:
        print("  frames   not measured (needs /usr/bin/chromium and Playwright)")
        return
    frames, layer = measured
    p95 = statistics.quantiles(frames, n=20)[-1]
    print(f"  frames   median {statistics.median(frames):.1f} ms, 95th percentile {p95:.1f} ms (100 new steps)")
    print(f"  layer    {layer:.1f} ms (first change)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--live-rounds", type=int, default=7)
    parser.add_argument("--only", choices=("export", "live"))
    args = parser.parse_args()
    if args.only != "export":
        print_live(args.live_rounds)
    if args.only == "live":
        return
    folder = Path(tempfile.mkdtemp())
    print(f"load average {os.getloadavg()[0]:.2f}")
    print_export("iris demo run", train_iris(output=str(folder / "iris.dit"), progress=False).network.trace_,
                 folder, args.rounds)
    print_export("digits CNN", digits_cnn_trace(), folder, args.rounds)


if __name__ == "__main__":
    main()

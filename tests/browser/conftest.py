"""Real-browser tests: a notebook served on 127.0.0.1 and driven by Debian's chromium through Playwright.

They are marked `browser`. Outside CI a missing chromium, Playwright or Voilà skips them with the reason;
with CI=true (as .ci/run sets it) a missing piece fails them, so CI cannot pass without running them.
"""


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: drives a real browser (Debian's /usr/bin/chromium through Playwright) against an offline "
        "page, a local Voila server or JupyterLab; skipped outside CI when a piece is missing, failed under CI=true",
    )

"""What the offline pages share (the trace report of visualizer/export.py, the graph of
visualizer/graph_export.py): ES modules of visualizer/web/ inlined as one script, and JSON and text that
are safe inside the page and read as no link, so the file references nothing outside itself."""

import html
import os
import re
from pathlib import Path

WEB = Path(__file__).with_name("web")
_LOCAL_IMPORT = re.compile(r'^import\s*\{[^}]*\}\s*from\s*"\./[\w.-]+\.js";\s*$', re.MULTILINE)
_EXPORT = re.compile(r"^export\s+(?=(const|function|let|class)\b)", re.MULTILINE)


def inline_modules(files):
    """The modules `files` (of visualizer/web/, each after the ones it imports) as the text of one inline
    module: their imports of each other removed, their `export` keywords dropped (the names share one
    scope; the files use distinct top-level names)."""
    parts = []
    for name in files:
        text = (WEB / name).read_text(encoding="utf-8")
        text = _EXPORT.sub("", _LOCAL_IMPORT.sub("", text))
        parts.append(f"// ---- visualizer/web/{name} ----\n{text}")
    return "\n".join(parts)


def safe_json(text):
    """JSON text that is safe inside <script> and cannot read as a link: "<" as \\u003c (no "</script>"),
    and the "h" of any "http" (in any case, base64 included) as a \\u escape. JSON.parse gives the same data;
    every letter of a JSON text outside true/false/null sits inside a string, so the escapes are valid."""
    text = text.replace("<", "\\u003c")
    return re.sub(r"[hH](?=[tT][tT][pP])", lambda m: f"\\u{ord(m.group()):04x}", text)


def safe_text(value):
    """Escaped text that cannot read as a link: the file must reference nothing outside itself."""
    return html.escape(str(value)).replace("http", "h&#116;tp").replace("//", "/&#47;")


def check_path(path, owner, example):
    """The file name a page is written to, refused before anything is built: not a name, a folder, or in a
    missing folder; `example` is a file name the message suggests."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{owner}: path must be a file name (str or os.PathLike), got {type(path).__name__}")
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(f"{owner}: {path!r} is a folder; give a file name such as {example!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{owner}: the folder {folder!r} to write {os.path.basename(path)!r} in "
                                f"does not exist; create it first (os.makedirs) or write somewhere else")
    return path

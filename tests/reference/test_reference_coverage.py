"""Every ```python block of the five reference documents is run by a test in tests/reference/.

The check is textual: each line of each block (normalised: stripped, runs of spaces collapsed, blank lines,
comments, import lines and `print(` lines dropped) must occur in the text of the tests/reference/*.py files
after the same normalisation. A test that keeps an example exactly as written, with only its imports pointed
at aino, passes this check; an example nobody tests, or one whose code a test changed, fails it. Where a line
of a document holds `...`, the document's placeholder for code the reader fills in (`Sequential([...])`),
the `...` stands for any text on that line of the test.

The documents live in ../shared/reference/ next to the repository (not in the repository itself); where that
folder is absent, as in a user's clone, this module is skipped.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT.parent / "shared" / "reference"
TESTS = pathlib.Path(__file__).resolve().parent

if not DOCUMENTS.is_dir():
    pytest.skip(f"the reference documents are not here ({DOCUMENTS} is absent)", allow_module_level=True)

DOCUMENT_FILES = sorted(DOCUMENTS.glob("[0-9][0-9][0-9]_*.txt"))


def _without_comment(line):
    """The line up to a `#` that is not inside a string literal."""
    quote = None
    i = 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                i += 1
            elif line.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif char in "'\"":
            quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else char
            i += len(quote) - 1
        elif char == "#":
            return line[:i]
        i += 1
    return line


def normalise(text):
    """The lines of `text` that carry code: stripped, spaces collapsed, without comments, imports and prints."""
    lines = []
    for raw in text.splitlines():
        line = " ".join(_without_comment(raw).split())
        if not line or line.startswith(("import ", "from ", "print(")):
            continue
        lines.append(line)
    return lines


def is_tested(line, tested):
    """Whether `line` occurs in `tested` (the normalised test lines, joined by newlines), `...` matching any text."""
    if "..." not in line:
        return line in tested
    pattern = ".+?".join(re.escape(part) for part in line.split("..."))
    return re.search(pattern, tested) is not None


def python_blocks(text):
    """(first line, code) of every ```python block; a block may be indented (inside a list item)."""
    blocks, current = [], None
    for line in text.splitlines():
        fence = line.strip()
        if current is None:
            if fence == "```python":
                current = []
        elif fence == "```":
            code = "\n".join(current)
            first = next((row.strip() for row in current if row.strip()), "")
            blocks.append((first, code))
            current = None
        else:
            current.append(line)
    return blocks


def test_documents_are_there():
    assert len(DOCUMENT_FILES) == 5, [path.name for path in DOCUMENT_FILES]
    assert sum(len(python_blocks(path.read_text(encoding="utf-8"))) for path in DOCUMENT_FILES) > 100


def test_normalise():
    code = """
    x = f(a,   b)  # a comment
    # a whole-line comment
    import numpy as np
    from aino import Tensor
    print(f"Epoch {n}")
    s = "a # in a string"  # then a comment

        return x
    """
    assert normalise(code) == ["x = f(a, b)", 's = "a # in a string"', "return x"]


def test_is_tested():
    tested = "model = Sequential([Dense(10, 8), ReLU()])\nx = f(a, b)"
    assert is_tested("x = f(a, b)", tested) and is_tested("model = Sequential([", tested)
    assert is_tested("model = Sequential([...])", tested)  # a placeholder matches what the test filled in
    assert not is_tested("x = f(a, c)", tested)
    assert not is_tested("model = Sequential([...]) + x", tested)  # but only within one line


@pytest.mark.parametrize("document", DOCUMENT_FILES, ids=lambda path: path.name[:3])
def test_every_example_line_is_in_a_reference_test(document):
    tested = "\n".join(
        line for path in sorted(TESTS.glob("*.py")) if path.name != pathlib.Path(__file__).name
        for line in normalise(path.read_text(encoding="utf-8"))
    )
    untested = []
    for first, code in python_blocks(document.read_text(encoding="utf-8")):
        missing = [line for line in normalise(code) if not is_tested(line, tested)]
        if missing:
            untested.append(f"  block starting {first!r}:\n" + "\n".join(f"      {line}" for line in missing))
    assert not untested, (
        f"{document.name}: {len(untested)} example block(s) have lines no test in tests/reference/ runs:\n"
        + "\n".join(untested)
    )

"""Every Python example in the README runs as written."""

from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [block.split("```")[0] for block in README.read_text().split("```python\n")[1:]]


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


def test_readme_examples_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for number, source in enumerate(BLOCKS):
        exec(compile(source, f"README.md block {number}", "exec"), namespace)
    assert namespace["model"].score(namespace["X"], namespace["y"]) == 1.0
    assert (tmp_path / "xor.dit").is_file()

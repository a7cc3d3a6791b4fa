"""docs/torch_coverage.md cannot lie: every name it marks "yes" or "partial" exists in aino with PyTorch's
spelling, every name it marks "no" does not, every "partial" says what is missing, and every name it lists
is one of PyTorch's (where PyTorch is installed).

A row of the tables reads `| `torch.zeros`, `torch.ones` | yes | notes |`. Names are read as PyTorch's:
`torch.X` is aino.X, `Tensor.X` aino.Tensor.X, `nn.X` aino.nn.X, `F.X` aino.nn.functional.X, each dotted
on (`torch.utils.data.DataLoader`, `nn.init.zeros_`).
"""

import re
from pathlib import Path

import pytest

import aino
import aino.nn.functional

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "docs" / "torch_coverage.md"
STATUSES = ("yes", "partial", "no")


def rows():
    """(line number, [names], status, notes) of every table row below a header row."""
    found = []
    for number, line in enumerate(TABLE.read_text().splitlines(), 1):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or set(cells[1]) <= set("-: ") or cells[1] == "status":
            continue
        found.append((number, re.findall(r"`([^`]+)`", cells[0]), cells[1], cells[2] if len(cells) > 2 else ""))
    return found


ROWS = rows()


def resolve(name, library):
    """The object `name` (PyTorch's spelling) means in `library` ("aino" or "torch"); AttributeError if none."""
    if library == "aino":
        roots = {"torch": aino, "Tensor": aino.Tensor, "nn": aino.nn, "F": aino.nn.functional}
    else:
        import torch
        import torch.nn.functional
        roots = {"torch": torch, "Tensor": torch.Tensor, "nn": torch.nn, "F": torch.nn.functional}
    first, *rest = name.split(".")
    if first not in roots:
        raise AssertionError(f"{name}: a name must start with torch., Tensor., nn. or F.")
    value = roots[first]
    for part in rest:
        value = getattr(value, part)
    return value


def listed(*statuses):
    return [(number, name) for number, names, status, _ in ROWS if status in statuses for name in names]


def test_the_table_is_read():
    assert len(listed(*STATUSES)) >= 300
    assert all(names for _, names, _, _ in ROWS), "a row without a `name`"


@pytest.mark.parametrize("number, names, status, notes", ROWS, ids=[str(row[0]) for row in ROWS])
def test_each_row_has_a_status_and_partial_says_what_is_missing(number, names, status, notes):
    assert status in STATUSES, f"line {number}: status must be one of {STATUSES}, got {status!r}"
    assert status != "partial" or notes, f"line {number}: a partial row says what is missing"


def _found(statuses, library):
    """The listed names of `statuses` that `library` ("aino" or "torch") has, and those it has not."""
    found, absent = [], []
    for number, name in listed(*statuses):
        try:
            resolve(name, library)
            found.append(f"line {number}: {name}")
        except AttributeError:
            absent.append(f"line {number}: {name}")
    return found, absent


def test_yes_and_partial_names_exist_in_aino():
    missing = _found(("yes", "partial"), "aino")[1]
    assert not missing, "marked yes or partial but not in aino: " + ", ".join(missing)


def test_no_names_are_not_in_aino():
    present = _found(("no",), "aino")[0]
    assert not present, "marked no but in aino (mark it yes or partial): " + ", ".join(present)


def test_every_name_is_pytorchs():
    pytest.importorskip("torch")
    unknown = _found(STATUSES, "torch")[1]
    assert not unknown, "not a PyTorch name: " + ", ".join(unknown)


def test_each_name_is_listed_once():
    names = [name for _, name in listed(*STATUSES)]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_readme_links_the_table():
    assert "docs/torch_coverage.md" in (ROOT / "README.md").read_text()

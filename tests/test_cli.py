"""`aino demo` trains, reports and saves, from the console script and from `python -m aino`."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aino import NeuralNetwork
from aino.cli import main
from aino.datasets import StandardScaler, load_iris


def test_demo_trains_reports_and_saves(tmp_path, capsys):
    model = tmp_path / "iris.dit"
    assert main(["demo", "--epochs", "150", "--output", str(model), "--quiet", "--no-report"]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("held-out accuracy:")[1].split()[0])
    assert accuracy >= 0.9
    assert str(model.resolve()) in out
    network = NeuralNetwork.load(model)
    assert network.layer_sizes == [4, 8, 3]
    X, y = load_iris()
    assert network.score(StandardScaler().fit_transform(X), y) > 0.85


def test_demo_shows_a_progress_bar(tmp_path, capsys):
    main(["demo", "--epochs", "5", "--output", str(tmp_path / "m.dit")])
    err = capsys.readouterr().err
    assert "training" in err and "drawing the report" in err
    assert (tmp_path / "m.dit").exists()


def test_demo_writes_an_offline_html_report_beside_the_model(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["demo", "--epochs", "3", "--quiet", "--output", str(tmp_path / "iris.dit")]) == 0
    report = tmp_path / "iris.html"
    assert str(report.resolve()) in capsys.readouterr().out
    page = report.read_text()
    assert page.count('<script type="module">') == 1 and 'id="aino-data"' in page  # the renderer and the run
    assert "http" not in page.lower()


def test_demo_is_repeatable_with_a_seed(tmp_path):
    for name in ("a", "b"):
        main(["demo", "--epochs", "20", "--seed", "3", "--quiet", "--no-report", "--output", str(tmp_path / f"{name}.dit")])
    a, b = (NeuralNetwork.load(tmp_path / f"{name}.dit") for name in ("a", "b"))
    for (Wa, ba), (Wb, bb) in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


def test_bad_options_are_reported_not_raised(tmp_path, capsys):
    assert main(["demo", "--epochs", "0", "--quiet", "--no-report", "--output", str(tmp_path / "m.dit")]) == 2
    assert "epochs must be an integer >= 1" in capsys.readouterr().err
    assert main(["demo", "--activation", "nope", "--quiet", "--no-report", "--output", str(tmp_path / "m.dit")]) == 2
    assert "unknown activation 'nope'" in capsys.readouterr().err


def test_help_explains_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--epochs", "--hidden", "--lr", "--seed", "--output", "--quiet", "--no-report"):
        assert option in out


CONSOLE_SCRIPT = shutil.which("aino", path=str(Path(sys.executable).parent))


@pytest.mark.parametrize("command", [[sys.executable, "-m", "aino"], [CONSOLE_SCRIPT]])
def test_runs_as_a_program(command, tmp_path):
    assert command[0], "the aino console script is not installed beside this Python; run pip install -e ."
    result = subprocess.run(
        [*command, "demo", "--epochs", "30", "--quiet", "--no-report", "--output", "m.dit"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "held-out accuracy" in result.stdout
    assert (tmp_path / "m.dit").is_file()


def test_demo_writes_its_report_without_matplotlib(tmp_path):
    """The report is drawn by the browser: with matplotlib missing, `aino demo` still writes it."""
    code = ("import sys; sys.modules['matplotlib'] = None; from aino.cli import main; "
            "sys.exit(main(['demo', '--epochs', '3', '--quiet', '--output', 'iris.dit']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "training report:" in result.stdout
    page = (tmp_path / "iris.html").read_text(encoding="utf-8")
    data = json.loads(page.split('<script type="application/json" id="aino-data">')[1].split("</script>")[0])
    assert data["names"] == {"features": ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"],
                             "classes": ["setosa", "versicolor", "virginica"]}

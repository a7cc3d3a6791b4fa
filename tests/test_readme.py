"""Every Python example in the README runs as written."""

from pathlib import Path

import aino

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [block.split("```")[0] for block in README.read_text().split("```python\n")[1:]]


def test_readme_has_examples():
    assert len(BLOCKS) >= 3


def test_readme_examples_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for number, source in enumerate(BLOCKS):
        exec(compile(source, f"README.md block {number}", "exec"), namespace)
    assert namespace["same"].score(*aino.datasets.xor()) == 1.0  # the classic XOR network, saved and loaded
    assert (tmp_path / "xor.dit").is_file()
    assert namespace["loss"].item() < 0.05  # the fast-path network on the moons
    assert aino.Tensor.get_trace_log()[-2:] == [("mul", [1.0, 2.0], [3.0, 4.0]), ("add", [3.0, 8.0], [1.0, 2.0])]
    aino.Tensor.clear_trace()
    trace = namespace["trace"]  # the tracing example: 20 epochs of 7 batches, saved and exported
    assert trace.n_steps == 140 and aino.Trace.load(tmp_path / "moons-trace.npz").n_steps == 140
    assert namespace["view"].graph.backward_ran and (tmp_path / "graph.html").is_file()  # the graph example
    page = (tmp_path / "moons.html").read_text()  # the renderer and the run's data, in one file
    assert page.count('<script type="module">') == 1 and 'id="aino-data"' in page

"""The layers of aino, bottom to top, kept true by reading every module's imports (docs/architecture.md).

    base -> ops -> tensor/autograd -> nn, optim, classic -> trace -> training, estimators, exercises
         -> visualizer, cli

A module may import from its own layer or any layer below it, never from above; the imports between
modules form no cycle; and no aino import sits inside a function, except of a module that needs an
optional extra (the visualizer needs matplotlib), so that aino runs without it. Files are parsed, never run.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = ("aino", "visualizer")
# The optional extras of pyproject.toml as they are imported (viz, gpu, sklearn).
EXTRAS = ("matplotlib", "ipywidgets", "anywidget", "cupy", "sklearn")

# Each layer, bottom first, as the module-name prefixes it holds. A module belongs to its longest prefix.
LAYERS = (
    ("base", ("aino.hooks", "aino.backend", "aino.validation", "aino.special", "aino.files", "aino.io",
              "aino.datasets", "aino.activations", "aino.parallel", "aino.memory", "aino.testing")),
    ("ops", ("aino.ops",)),
    ("tensor", ("aino.tensor", "aino.tensor_arithmetic", "aino.tensor_creation", "aino.tensor_reductions",
                "aino.tensor_shape", "aino.tensor_math", "aino.tensor_ordering", "aino.tensor_rearrange",
                "aino.tensor_conversion", "aino.autograd", "aino.functional", "aino.functional_methods",
                "aino.gradcheck", "aino.serialization", "aino.cuda")),
    ("models", ("aino.nn", "aino.optim", "aino.classic", "aino.utils")),
    ("trace", ("aino.trace",)),
    ("training", ("aino.training", "aino.estimators", "aino.exercises")),
    ("top", ("visualizer", "aino.cli", "aino.demo", "aino.__main__", "aino")),
)


def library_sources():
    """{module name: source text} of every .py file of aino and visualizer."""
    sources = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            sources[".".join(path.relative_to(ROOT).with_suffix("").parts)] = path.read_text()
    return _named(sources)


def _named(sources):
    """Package modules named as Python names them ("aino.nn", not "aino.nn.__init__"), with a flag."""
    return {name.removesuffix(".__init__"): (text, name.endswith(".__init__")) for name, text in sources.items()}


def layer_of(name):
    """(rank, layer name) of a module: the layer whose prefix matches it longest."""
    best = None
    for rank, (layer, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and (best is None or len(prefix) > best[2]):
                best = (rank, layer, len(prefix))
    assert best is not None, f"module {name} is in no layer of tests/test_layering.py: add it to LAYERS"
    return best[0], best[1]


class _Imports(ast.NodeVisitor):
    """Of one module: (imported aino module, line, inside a function?) for every import of aino, and the
    extras it imports at module level outside a try (a try means the module works without them)."""

    def __init__(self, name, is_package, modules):
        self.modules = modules
        self.package = name if is_package else name.rpartition(".")[0]
        self.found, self.extras, self.functions, self.tries = [], set(), 0, 0

    def visit_FunctionDef(self, node):
        self.functions += 1
        self.generic_visit(node)
        self.functions -= 1

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_Try(self, node):
        self.tries += 1
        self.generic_visit(node)
        self.tries -= 1

    def _add(self, target, line):
        top = target.split(".")[0]
        if top in EXTRAS and not (self.functions or self.tries):
            self.extras.add(top)
        if top in PACKAGES:
            while target not in self.modules and "." in target:
                target = target.rpartition(".")[0]
            self.found.append((target, line, self.functions > 0))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node):
        source = node.module
        if node.level:
            base = self.package.split(".")
            source = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
        if source.split(".")[0] not in PACKAGES:
            self._add(source, node.lineno)
            return
        for alias in node.names:  # `from aino import hooks` imports the module aino.hooks
            submodule = f"{source}.{alias.name}"
            self._add(submodule if submodule in self.modules else source, node.lineno)


def parse(modules):
    """{module: _Imports} for {module: (source, is_package)}."""
    parsed = {}
    for name, (text, is_package) in modules.items():
        parsed[name] = _Imports(name, is_package, modules)
        parsed[name].visit(ast.parse(text, name))
    return parsed


def executed_by(name, target):
    """The modules that `import target` runs when written in module `name`: the target and each package
    above it that `name` is not inside (the top packages run first for everyone, so they are left out)."""
    parts = target.split(".")
    ran = [".".join(parts[:i]) for i in range(2, len(parts) + 1)]
    return [m for m in ran if not (name == m or name.startswith(m + "."))] or [target]


def import_graph(modules, parsed):
    """{module: {module it runs on import: line}}, from the imports at module level."""
    graph = {}
    for name, imports in parsed.items():
        edges = graph.setdefault(name, {})
        for target, line, in_function in imports.found:
            for ran in ([] if in_function else executed_by(name, target)):
                if ran != name and ran in modules:
                    edges.setdefault(ran, line)
    return graph


def upward_imports(modules):
    parsed = parse(modules)
    found = []
    for name, edges in import_graph(modules, parsed).items():
        rank, layer = layer_of(name)
        for target, line in edges.items():
            if layer_of(target)[0] > rank:
                found.append(f"{name}:{line} ({layer}) imports {target} ({layer_of(target)[1]})")
    return sorted(found)


def find_cycle(modules):
    """One import cycle as a list of modules (the first repeated at the end), or None."""
    graph, state = import_graph(modules, parse(modules)), {}

    def visit(node, path):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt, path)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    return next((cycle for node in sorted(graph) if node not in state and (cycle := visit(node, []))), None)


def needing_extras(modules, parsed):
    """The modules that need an optional extra: they import one at module level, or import such a module."""
    graph = import_graph(modules, parsed)
    needing = {name for name, imports in parsed.items() if imports.extras}
    grew = True
    while grew:
        grew = False
        for name, edges in graph.items():
            if name not in needing and needing & set(edges):
                needing.add(name)
                grew = True
    return needing


def imports_inside_functions(modules):
    parsed = parse(modules)
    optional = needing_extras(modules, parsed)
    return sorted(f"{name}:{line} imports {target}" for name, imports in parsed.items()
                  for target, line, in_function in imports.found if in_function and target not in optional)


# --- aino as it is -----------------------------------------------------------------------------------


def test_no_import_runs_back_up_the_layers():
    upward = upward_imports(library_sources())
    assert not upward, "imports that run up the layers:\n" + "\n".join(upward)


def test_no_import_cycle():
    cycle = find_cycle(library_sources())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_aino_import_inside_a_function():
    inside = imports_inside_functions(library_sources())
    assert not inside, "aino imports inside functions:\n" + "\n".join(inside)


def test_every_library_file_is_under_400_lines():
    long = [f"{name}: {n} lines" for name, (text, _) in library_sources().items()
            if (n := len(text.splitlines())) >= 400]
    assert not long, "files of 400 lines or more:\n" + "\n".join(long)


# --- the checker itself, on small made-up trees ------------------------------------------------------


def tree(files):
    """{module: (source, is_package)} from {"aino.nn.__init__": source, "aino.nn.linear": source, ...}."""
    return _named(files)


def test_an_upward_import_is_found_with_its_line():
    modules = tree({"aino.ops.sum": "import numpy\nfrom aino.nn import linear\n", "aino.nn.linear": "", "aino.nn.__init__": ""})
    assert upward_imports(modules) == ["aino.ops.sum:2 (ops) imports aino.nn (models)",
                                       "aino.ops.sum:2 (ops) imports aino.nn.linear (models)"]


def test_importing_a_submodule_runs_its_package():
    """`from aino.trace import hooks` in nn runs aino/trace/__init__.py: an upward import even if hooks sat low."""
    modules = tree({"aino.nn.module": "from aino.trace import hooks\n", "aino.trace.__init__": "", "aino.trace.hooks": ""})
    assert upward_imports(modules) == ["aino.nn.module:1 (models) imports aino.trace (trace)",
                                       "aino.nn.module:1 (models) imports aino.trace.hooks (trace)"]


def test_a_downward_import_and_a_relative_one_pass():
    modules = tree({"aino.nn.linear": "from aino.ops import matmul\nfrom . import module\n", "aino.nn.module": "",
                   "aino.ops.matmul": "", "aino.nn.__init__": "", "aino.ops.__init__": ""})
    assert upward_imports(modules) == [] and find_cycle(modules) is None


def test_a_cycle_is_found():
    modules = tree({"aino.tensor": "from aino import functional\n", "aino.functional": "import aino.tensor\n"})
    assert find_cycle(modules) == ["aino.functional", "aino.tensor", "aino.functional"]


@pytest.mark.parametrize("body, expected", [
    ("def f():\n    from aino.nn import module\n", ["aino.trace.recorder:2 imports aino.nn.module"]),
    ("def f():\n    import matplotlib\n", []),  # an extra, not aino
    ("def f():\n    from aino import plots\n", []),  # aino.plots needs matplotlib
    ("import numpy\n", []),
])
def test_imports_inside_functions(body, expected):
    modules = tree({"aino.trace.recorder": body, "aino.nn.module": "", "aino.plots": "import matplotlib.pyplot\n"})
    assert imports_inside_functions(modules) == expected


def test_an_extra_imported_inside_a_try_does_not_make_a_module_optional():
    """aino.backend tries CuPy and works without it: importing the backend lazily would dodge nothing."""
    modules = tree({"aino.backend": "try:\n    import cupy\nexcept ImportError:\n    cupy = None\n",
                    "aino.tensor": "def f():\n    import aino.backend\n"})
    assert imports_inside_functions(modules) == ["aino.tensor:2 imports aino.backend"]

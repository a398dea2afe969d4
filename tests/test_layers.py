"""The package's architecture, read from the source: layers, no cycles, private names private.

Every module's imports are read with :mod:`ast` (nothing is imported), resolved to modules of
the package, and checked against the layer order of the README's Layout section:

    _base < problem < flow < signed < geometry < critical < connections < application

A module may import from its own layer and the layers below it; the module graph has no
cycle; no module imports the package from inside a function (the way a cycle is dodged);
no name starting with ``_`` is imported from another subpackage; and no submodule is named
like a public name of the package (``landscape.frustration`` once shadowed the function).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

import landscape

PACKAGE = Path(landscape.__file__).parent

#: Layer of each top-level unit of the package, bottom first.
LAYERS = {"_base": 0, "problem": 1, "flow": 2, "signed": 3, "geometry": 4, "forecast": 4.5,
          "critical": 5,
          "connections": 6, "estimator": 7, "report": 7, "cli": 7, "plot": 7, "__main__": 7,
          "__init__": 8}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / Path(*name.split(".")) / "__init__.py").exists()


def _exists(name: str) -> bool:
    path = PACKAGE.parent / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _unit(module: str) -> str:
    """The top-level subpackage or module of ``landscape.a.b`` (``a``); the root is ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(module: str, source: str | None = None):
    """``(target module, imported names, line, at module level)`` for each package import."""
    path = MODULES.get(module)
    text = path.read_text() if source is None else source
    tree = ast.parse(text)
    is_init = path is not None and path.name == "__init__.py"
    package = module if is_init else module.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "landscape":
                    yield alias.name, [], node.lineno, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source_module = ".".join(base + ([node.module] if node.module else []))
            else:
                source_module = node.module or ""
            if source_module.split(".")[0] != "landscape":
                continue
            names = [alias.name for alias in node.names]
            submodules = [f"{source_module}.{n}" for n in names
                          if _exists(f"{source_module}.{n}")]
            if submodules and len(submodules) == len(names):
                for target in submodules:
                    yield target, [], node.lineno, id(node) in top_level
            else:
                yield source_module, names, node.lineno, id(node) in top_level


def upward_imports(imports) -> list[str]:
    return [f"{module}:{line} imports {target} (layer {_unit(target)} = "
            f"{LAYERS[_unit(target)]} above {_unit(module)} = {LAYERS[_unit(module)]})"
            for module, found in imports.items() for target, _, line, _ in found
            if LAYERS[_unit(target)] > LAYERS[_unit(module)]]


def import_cycles(imports) -> list[list[str]]:
    graph = nx.DiGraph()
    for module, found in imports.items():
        graph.add_node(module)
        graph.add_edges_from((module, target) for target, _, _, _ in found)
    return list(nx.simple_cycles(graph))


def local_imports(imports) -> list[str]:
    return [f"{module}:{line} imports {target} inside a function"
            for module, found in imports.items() for target, _, line, top in found if not top]


def private_crossings(imports) -> list[str]:
    return [f"{module}:{line} imports {name} from {target}"
            for module, found in imports.items() for target, names, line, _ in found
            for name in names if name.startswith("_") and _unit(target) != _unit(module)]


IMPORTS = {module: list(_imports(module)) for module in MODULES}


def test_every_unit_has_a_layer():
    units = {_unit(m) for m in MODULES}
    assert units <= set(LAYERS), f"modules outside the layer table: {sorted(units - set(LAYERS))}"


def test_each_layer_imports_only_from_below():
    violations = upward_imports(IMPORTS)
    assert not violations, "\n".join(violations)


def test_no_import_cycles():
    cycles = import_cycles(IMPORTS)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])


def test_no_function_local_imports_of_the_package():
    local = local_imports(IMPORTS)
    assert not local, "\n".join(local)


def test_no_private_name_crosses_a_subpackage():
    crossing = private_crossings(IMPORTS)
    assert not crossing, "\n".join(crossing)


@pytest.mark.parametrize("package", sorted(m for m in MODULES if _is_package(m)))
def test_no_submodule_shadows_a_public_name(package):
    public = set(landscape.__all__)
    submodules = {m.rpartition(".")[2] for m in MODULES if m.rpartition(".")[0] == package}
    assert not submodules & public, f"{package} has modules named like public names: " \
                                    f"{sorted(submodules & public)}"


def test_modules_fit_on_a_few_screens():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 420}
    assert not long, f"modules over 420 lines: {long}"


def test_the_checks_find_what_they_forbid():
    """Fabricated modules with each violation are caught, each by its own check."""
    fabricated = {
        "landscape.problem.ties": list(_imports(
            "landscape.problem.ties", "from ..connections.graph import saddle_graph\n")),
        "landscape.connections.graph": list(_imports(
            "landscape.connections.graph",
            "from ..geometry.escapes import _step\n"
            "def f():\n    from ..critical import Catalog\n"
            "from .probes import probe_class\n")),
        "landscape.connections.probes": list(_imports(
            "landscape.connections.probes", "from .graph import saddle_graph\n")),
    }
    assert any("ties:1 imports landscape.connections.graph" in v
               for v in upward_imports(fabricated))
    assert private_crossings(fabricated) == [
        "landscape.connections.graph:1 imports _step from landscape.geometry.escapes"]
    assert local_imports(fabricated) == [
        "landscape.connections.graph:3 imports landscape.critical inside a function"]
    assert sorted(map(sorted, import_cycles(fabricated))) == [
        ["landscape.connections.graph", "landscape.connections.probes"]]

"""The documentation points at things that exist: sections of docs/theory.md, documented
objects, and the modules of the README's Layout table.

* Every "§n" cited in the package, the README, the examples and the benchmarks is a section
  of ``docs/theory.md`` (``docs/theory.md §4.1``; a range ``§2-§3`` and a list ``§3, §4``
  cite each number); the only other sections cited are those of another work named right
  before them (``SIAM Review 2025, §2``, ``ibid. §4.3``).
* Every Sphinx cross-reference in a docstring or comment of the package (``:func:``,
  ``:class:``, ``:mod:``, ``:data:``, ``:meth:``, ``:attr:``, ``:exc:``) resolves: the module
  is imported and the names are looked up with ``getattr``. A leading ``~`` only shortens the
  displayed text; an unqualified name is looked up as Sphinx does inside the module (in the
  enclosing class, then the module, then as a full name), and a name with a leading dot in
  the enclosing class, the module, the packages above it and then as the tail of any module
  of the package (``.criticality.relative_gradient_norm``). Every ``landscape.x.y``
  written in a docstring or comment names an existing module or object, and every
  ``landscape/.../x.py`` path names a file of the tree.
* The README's Layout table lists every module of ``landscape/`` exactly once (``__init__.py``
  aside) and nothing that does not exist, read from the tree as it is when the test runs.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "landscape"
THEORY = ROOT / "docs" / "theory.md"
README = ROOT / "README.md"

#: Where "§n" citations are read: the package, its README, the examples and benchmarks.
CITING = sorted([*PACKAGE.rglob("*.py"), README, *(ROOT / "examples").rglob("*.py"),
                 *(ROOT / "benchmarks").rglob("*.py")])

NUMBER = r"§(\d+(?:\.\d+)*)"
#: A citation of the theory document: its name, then one or more section numbers.
THEORY_CITATION = re.compile(r"docs/theory\.md,?\s+" + NUMBER
                             + r"(?:\s*(?:,|-|–|and|or)\s*" + NUMBER + r")*")
#: A section of another work, named right before it.
EXTERNAL_CITATION = re.compile(r"(?:SIAM Review 2025,|ibid\.)\s*" + NUMBER)
ROLE = re.compile(r":(func|class|mod|data|meth|attr|exc|obj):`([^`]+)`")
#: A dotted name of the package in prose; a quoted one (``"landscape.catalog"``) is a file
#: format's identifier, not a reference.
DOTTED = re.compile(r"(?<![\w./\"'])landscape(?:\.[A-Za-z_]\w*)+")
PATH = re.compile(r"(?<![\w/])landscape/[\w/]*\.py")


def _sections() -> set[str]:
    """The numbers of the headings of docs/theory.md (``## 4. ...``, ``### 4.1 ...``)."""
    found = re.findall(r"^#+\s+(\d+(?:\.\d+)*)\.?\s", THEORY.read_text(), re.M)
    return set(found)


def _citations(text: str) -> tuple[list[str], list[int]]:
    """Section numbers of the theory document cited in ``text``, and the offsets of "§" signs
    that belong to no citation (neither the theory document's nor a named other work's)."""
    numbers, covered = [], set()
    for match in THEORY_CITATION.finditer(text):
        numbers += re.findall(NUMBER, match.group(0))
        covered.update(match.start() + i for i, c in enumerate(match.group(0)) if c == "§")
    for match in EXTERNAL_CITATION.finditer(text):
        covered.add(match.group(0).index("§") + match.start())
    loose = [i for i, c in enumerate(text) if c == "§" and i not in covered]
    return numbers, loose


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def test_theory_document_has_the_cited_sections():
    sections = _sections()
    assert {"1", "2", "3", "4", "4.1", "4.2", "5", "6", "6.1", "7", "8"} <= sections


@pytest.mark.parametrize("path", CITING, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_section_cited_resolves(path):
    text = path.read_text()
    numbers, loose = _citations(text)
    missing = sorted(set(numbers) - _sections())
    assert not missing, f"{path.relative_to(ROOT)} cites sections not in docs/theory.md: {missing}"
    assert not loose, (f"{path.relative_to(ROOT)}: '§' without the document it cites at lines "
                       f"{[_line(text, i) for i in loose]} (write 'docs/theory.md §n')")


def test_theory_document_cites_its_own_sections():
    text = THEORY.read_text()
    missing = sorted(set(re.findall(NUMBER, text)) - _sections())
    assert not missing, f"docs/theory.md refers to sections it lacks: {missing}"


def test_citation_reader_on_examples():
    numbers, loose = _citations("(docs/theory.md §2-§3, §4.1; Wendin & Altafini, SIAM Review "
                                "2025, §2) and §5")
    assert numbers == ["2", "3", "4.1"] and len(loose) == 1


# --- cross-references ------------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _chunks(path: Path):
    """``(text, line, class qualname or None)`` of every docstring and comment of a module."""
    source = path.read_text()
    tree = ast.parse(source)
    classes = []  # (first line, last line, qualname)

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                name = f"{prefix}{child.name}"
                classes.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, prefix)

    visit(tree, "")

    def owner(line):
        inside = [c for c in classes if c[0] <= line <= c[1]]
        return max(inside, key=lambda c: c[0])[2] if inside else None

    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                line = body[0].lineno
                yield body[0].value.value, line, owner(line)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.string, token.start[0], owner(token.start[0])


def _lookup(dotted: str):
    """The object a full dotted name names, or raise ``LookupError``."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if hasattr(obj, name):
                obj = getattr(obj, name)
            elif inspect.isclass(obj) and (name in getattr(obj, "__dataclass_fields__", {})
                                           or name in getattr(obj, "__annotations__", {})):
                obj = None  # a dataclass field without a class-level default
            else:
                raise LookupError(dotted)
        return obj
    raise LookupError(dotted)


def _candidates(target: str, module: str, owner: str | None) -> list[str]:
    """The full names Sphinx tries for ``target`` written in ``module`` (inside ``owner``)."""
    if target.startswith("."):
        name, scopes = target[1:], []
        if owner:
            scopes.append(f"{module}.{owner}")
        parts = module.split(".")
        scopes += [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
        return [f"{scope}.{name}" for scope in scopes]
    scopes = [f"{module}.{owner}"] if owner else []
    return [f"{scope}.{target}" for scope in [*scopes, module]] + [target]


def _resolves(role: str, target: str, module: str, owner: str | None) -> bool:
    target = target.strip().lstrip("~").removesuffix("()")
    if "<" in target:  # "text <target>"
        target = target[target.index("<") + 1:target.rindex(">")]
    candidates = _candidates(target, module, owner)
    if target.startswith("."):  # Sphinx then searches every object whose name ends so
        candidates += [f"{name}{target}" for name in _package_modules()]
    for name in candidates:
        try:
            obj = _lookup(name)
        except LookupError:
            continue
        if role != "mod" or inspect.ismodule(obj):
            return True
    return False


def _package_modules() -> list[str]:
    """Every module of the package but ``__main__`` (importing it runs the command line)."""
    return [_module_name(p) for p in sorted(PACKAGE.rglob("*.py")) if p.stem != "__main__"]


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_cross_references_resolve(path):
    module = _module_name(path)
    broken = []
    for text, line, owner in _chunks(path):
        for match in ROLE.finditer(text):
            role, target = match.groups()
            if not _resolves(role, target, module, owner):
                broken.append(f"line {line + text.count(chr(10), 0, match.start())}: "
                              f"{match.group(0)}")
        for match in DOTTED.finditer(text):
            try:
                _lookup(match.group(0))
            except LookupError:
                broken.append(f"line {line + text.count(chr(10), 0, match.start())}: "
                              f"{match.group(0)}")
        for match in PATH.finditer(text):
            if not (ROOT / match.group(0)).is_file():
                broken.append(f"line {line}: {match.group(0)}")
    assert not broken, f"{path.relative_to(ROOT)}: references to nothing: {broken}"


def test_reference_reader_on_examples():
    assert _resolves("func", "~landscape.flow.gradient_flow", "landscape.flow.units", None)
    assert _resolves("mod", ".reduction", "landscape.forecast.training", None)
    assert _resolves("func", "descend", "landscape.signed.greedy", None)
    assert _resolves("meth", "weights_at", "landscape.flow.end_to_end", "EndToEndResult")
    assert _resolves("func", "~.criticality.relative_gradient_norm", "landscape.critical", None)
    assert not _resolves("mod", "landscape.gradient_flow", "landscape", None)
    assert not _resolves("func", "landscape.modes.learnt_modes", "landscape", None)
    assert not _resolves("func", "no_such_function", "landscape.flow.units", None)


@pytest.mark.parametrize("path", [README, *sorted((ROOT / "examples").rglob("*.py"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_paths_and_names_outside_the_package_resolve(path):
    text = path.read_text()
    broken = [m.group(0) for m in PATH.finditer(text) if not (ROOT / m.group(0)).is_file()]
    for match in DOTTED.finditer(text):
        try:
            _lookup(match.group(0))
        except LookupError:
            broken.append(match.group(0))
    assert not broken, f"{path.relative_to(ROOT)} names what does not exist: {broken}"


# --- the README's Layout table ------------------------------------------------------------------

def _layout_rows() -> list[tuple[str, str]]:
    section = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", README.read_text(), re.S | re.M).group(1)
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and not set(cells[0]) <= set("- "):
            rows.append((cells[1], cells[2]))
    return rows[1:]  # the header row


def _listed_modules() -> list[str]:
    """The module files the Layout table names, relative to the root, with repetitions."""
    listed = []
    for where, what in _layout_rows():
        paths = re.findall(r"`([^`]+)`", where)
        packages = [p for p in paths if p.endswith("/")]
        listed += [p for p in paths if p.endswith(".py")]
        names = re.findall(r"`(\w+\.py)`", what)
        assert not names or len(packages) == 1, f"Layout row {where!r}: one package per row"
        listed += [packages[0] + name for name in names]
    return listed


def test_layout_table_lists_every_module_once():
    listed = _listed_modules()
    tree = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    twice = sorted({p for p in listed if listed.count(p) > 1})
    assert not twice, f"README Layout lists more than once: {twice}"
    assert not (missing := sorted(tree - set(listed))), f"README Layout lacks: {missing}"
    assert not (absent := sorted(set(listed) - tree)), f"README Layout lists absent: {absent}"


def test_theory_document_ships_in_the_source_distribution():
    # package data cannot reach outside landscape/, so the document ships in the sdist only
    lines = (ROOT / "MANIFEST.in").read_text().splitlines()
    assert "include docs/theory.md" in lines

"""The package's imports form no cycle and respect the layer order written in docs/design.md.

The walk is static (``ast``) and counts EVERY import statement of a module: module-level, inside functions,
and under ``if TYPE_CHECKING`` -- a function-level import is still a dependency, and a type-only one still
couples the modules. ``importlib.import_module("...")`` by string is plug-in loading and is not an edge:
the lazy names of ``ganforge``/``ganforge.tabular``, the metric registry loading its built-in metrics, and the
shims that keep moved names at their old paths use it. A module's layer is that of the longest prefix listed
in the ``layers`` block of docs/design.md; command modules (``*.cli``, ``*_cli``) are the ``interfaces`` layer
wherever they live. A module may import its own layer or a lower one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ganforge"

# Known exceptions, each with its follow-up. A listed edge that no longer exists fails the test, so the
# list only shrinks.
ALLOWED_BREACHES: set[tuple[str, str]] = set()
ALLOWED_CYCLES: set[frozenset[str]] = set()


def module_names() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            package = package[:len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    out = []
    for name in names:
        if name.split(".")[0] != "ganforge":
            continue
        while name not in modules:  # an attribute of a module
            name = name.rsplit(".", 1)[0]
        out.append(name)
    return out


def import_graph() -> dict[str, set[str]]:
    """``{module: {ganforge modules it imports}}`` over every import statement of every module."""
    modules = module_names()
    graph = {}
    for module, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges.update(t for t in _targets(module, path, node, modules) if t != module)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_table(text: str | None = None) -> list[tuple[int, str, list[str]]]:
    """``[(rank, name, prefixes)]`` from the ```layers block of docs/design.md, bottom first."""
    text = text if text is not None else (ROOT / "docs" / "design.md").read_text()
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/design.md has no ```layers block"
    rows = []
    for rank, line in enumerate(line for line in block.group(1).splitlines() if line.strip()):
        name, prefixes = line.split(":", 1)
        rows.append((rank, name.strip(), prefixes.split()))
    return rows


def layer_of(module: str, table) -> tuple[int, str]:
    last = module.rsplit(".", 1)[-1]
    best = None
    for rank, name, prefixes in table:
        for prefix in prefixes:
            if prefix == "*cli":
                hit = last == "cli" or last.endswith("_cli")
                length = 10**6 if hit else -1
            else:
                hit = module == prefix or module.startswith(prefix + ".")
                length = len(prefix)
            if hit and (best is None or length > best[0]):
                best = (length, rank, name)
    assert best is not None, f"{module} is in no layer of docs/design.md"
    return best[1], best[2]


def breaches(graph, table) -> set[tuple[str, str]]:
    return {(src, dst) for src, dsts in graph.items() for dst in dsts
            if layer_of(src, table)[0] < layer_of(dst, table)[0]}


def test_every_module_has_a_layer():
    table = layer_table()
    for module in module_names():
        layer_of(module, table)


def test_no_import_cycle():
    found = set(cycles(import_graph()))
    assert found <= ALLOWED_CYCLES, f"import cycles: {[sorted(c) for c in found - ALLOWED_CYCLES]}"
    assert ALLOWED_CYCLES <= found, f"fixed, drop from ALLOWED_CYCLES: {[sorted(c) for c in ALLOWED_CYCLES - found]}"


def test_no_layer_breach():
    table = layer_table()
    found = breaches(import_graph(), table)
    new = sorted(f"{s} ({layer_of(s, table)[1]}) imports {d} ({layer_of(d, table)[1]})"
                 for s, d in found - ALLOWED_BREACHES)
    assert not new, "layer breaches:\n" + "\n".join(new)
    assert ALLOWED_BREACHES <= found, f"fixed, drop from ALLOWED_BREACHES: {sorted(ALLOWED_BREACHES - found)}"


def test_no_module_over_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 600}
    assert not long, f"split these modules: {long}"


def test_the_checks_catch_a_cycle_and_a_breach():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]
    assert cycles({"a": {"b"}, "b": set()}) == []
    table = layer_table("```layers\nbase: x.errors\ndata: x.data\ntop: x *cli\n```")
    assert layer_of("x.data.cli", table) == (2, "top") and layer_of("x.data.images", table) == (1, "data")
    assert breaches({"x.data": {"x.errors"}, "x.errors": {"x.data.io"}}, table) == {("x.errors", "x.data.io")}


@pytest.mark.parametrize("statement, target", [
    ("from ganforge.errors import DataError", "ganforge.errors"),
    ("from . import identifiers", "ganforge.data.tabular.identifiers"),
    ("from .columns import resolve_kinds", "ganforge.data.tabular.columns"),
    ("from ..errors import DataError", "ganforge.data.errors"),
    ("import ganforge.metrics.frechet", "ganforge.metrics.frechet"),
])
def test_imports_resolve_to_modules(statement, target):
    modules = module_names()
    path = modules["ganforge.data.tabular.transformer"]
    node = ast.parse(statement).body[0]
    assert _targets("ganforge.data.tabular.transformer", path, node, modules) == [target]

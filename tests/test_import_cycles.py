"""The layout's dependency rules, read statically from the source (ast, so imports inside
functions count too, and `if TYPE_CHECKING:` imports do not: they never run):

- no import cycle among the modules of bot/, handlers/ and models/;
- no module of bot/ imports `handlers`, except the composition roots: bot/app.py (the bot)
  and bot/cli.py (the operator's), which imports pure screens only (handlers/screens/…).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "models")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(path: Path, module: str) -> set[str]:
    """Every module name `module` imports when it runs (any depth, any branch)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # maybe submodules
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return names


def graph() -> dict[str, set[str]]:
    """module -> the modules of ours it imports (with the packages it passes through)."""
    known = modules()
    edges: dict[str, set[str]] = {}
    for module, path in known.items():
        targets = set()
        for name in imported_names(path, module):
            parts = name.split(".")
            for end in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                prefix = ".".join(parts[:end])
                # ... except the importer's own packages, which are already being run (an
                # import of one of their names, `from models import Cadre`, still counts)
                own_package = module.startswith(prefix + ".") and prefix != name
                if prefix in known and prefix != module and not own_package:
                    targets.add(prefix)
        edges[module] = targets
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycle():
    found = [sorted(c) for c in cycles(graph())]
    assert not found, f"import cycles: {found}"


def test_only_the_composition_roots_import_handlers():
    edges = graph()
    offenders = {}
    for module, targets in edges.items():
        into = {t for t in targets if t == "handlers" or t.startswith("handlers.")}
        if not module.startswith("bot") or not into:
            continue
        if module == "bot.app":
            continue
        if module == "bot.cli" and all(t in ("handlers", "handlers.screens")
                                       or t.startswith("handlers.screens.") for t in into):
            continue
        offenders[module] = sorted(into)
    assert not offenders, f"modules of bot/ importing handlers: {offenders}"


def test_the_reader_sees_function_level_and_relative_imports(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from models import Cadre\n"
                      "def f():\n    from handlers.common import esc\n"
                      "    from . import sibling\n")
    names = imported_names(source, "bot.services.mod")
    assert {"handlers.common", "handlers.common.esc", "bot.services.sibling"} <= names
    assert "models" not in names
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]

"""The dependency direction, read from the source: no import circles, nothing imports upward.

Layers, lowest first: schemas < transforms (its stage folders one way) < the worker code (pipeline/io, pipeline/graph and
the small modules they use) < the driver side (runner, poller, read/, ...) <
pipeline/cli. Imports inside functions count as well: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

KNOWN_CIRCLES: list[set[str]] = []  # none may exist

# What runs on workers must not reach the terminal, the poller, the CLI or offline tools.
WORKER = ("nordwire.pipeline.io", "nordwire.pipeline.graph")
NOT_ON_WORKERS = (
    "nordwire.pipeline.cli",
    "nordwire.pipeline.poller",
    "nordwire.pipeline.tools",
    "nordwire.pipeline.progress",
    "nordwire.pipeline.read",
    "nordwire.pipeline.launch",
)


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("pipeline", "transforms", "schemas"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found["nordwire." + ".".join(parts)] = path
    return found


MODULES = _modules()


def imports_of(name: str) -> set[str]:
    """The project modules `name` imports, anywhere in its source (its own parents left out)."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text("utf-8"))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in named if m in MODULES and m != name and not name.startswith(m + ".")}


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def circles() -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    graph = {name: imports_of(name) for name in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(group)

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_the_walk_sees_the_imports() -> None:
    # the checks below are only as good as the parse: a known edge must be found
    assert "nordwire.schemas.rejects" in imports_of("nordwire.pipeline.io.sources")
    assert "nordwire.pipeline.config" in imports_of("nordwire.pipeline.template")


def test_no_import_circles() -> None:
    assert [c for c in circles() if c not in KNOWN_CIRCLES] == []


@pytest.mark.parametrize(
    ("layer", "allowed"),
    [
        ("nordwire.schemas", ("nordwire.schemas",)),
        ("nordwire.transforms", ("nordwire.schemas", "nordwire.transforms")),
    ],
)
def test_the_pure_layers_import_only_below(layer: str, allowed: tuple[str, ...]) -> None:
    upward = {
        f"{name} -> {dep}"
        for name in MODULES
        if within(name, layer)
        for dep in imports_of(name)
        if not within(dep, *allowed)
    }
    assert not upward


def test_worker_code_imports_nothing_of_the_driver_side() -> None:
    upward = {
        f"{name} -> {dep}"
        for name in MODULES
        if within(name, *WORKER)
        for dep in imports_of(name)
        if within(dep, *NOT_ON_WORKERS)
    }
    assert not upward


def test_only_the_command_line_imports_the_command_line() -> None:
    upward = {
        f"{name} -> {dep}"
        for name in MODULES
        if not within(name, "nordwire.pipeline.cli", "nordwire.pipeline.__main__")
        for dep in imports_of(name)
        if within(dep, "nordwire.pipeline.cli")
    }
    assert not upward


def test_no_module_is_over_450_lines_outside_the_offline_tools() -> None:
    long = {
        f"{name}: {lines}"
        for name, path in MODULES.items()
        if not within(name, "nordwire.pipeline.tools")
        and (lines := len(path.read_text("utf-8").splitlines())) > 450
    }
    assert not long


def test_the_stage_folders_of_transforms_depend_one_way() -> None:
    # transforms/feed, language, extract, topics: one stage's folder may use another's
    # functions, but no folder reaches back to itself (one concern split over two places).
    def folder(name: str) -> str | None:
        parts = name.split(".")
        return parts[2] if within(name, "nordwire.transforms") and len(parts) > 3 else None

    reach: dict[str, set[str]] = {}
    for name in MODULES:
        if a := folder(name):
            reach.setdefault(a, set()).update(
                b for dep in imports_of(name) if (b := folder(dep)) and b != a
            )
    assert {"feed", "language", "extract", "topics"} <= set(reach)
    changed = True
    while changed:  # the transitive closure
        changed = False
        for seen in reach.values():
            more = set().union(*(reach.get(b, set()) for b in seen)) - seen
            if more:
                seen |= more
                changed = True
    assert sorted(a for a, seen in reach.items() if a in seen) == []

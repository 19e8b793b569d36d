"""Hygiene between modules: no module takes another's private names, and no product
modules import one another in a loop (type-checking imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit.test_architecture import PRODUCT_FILES, PRODUCT_PACKAGES, REPO

# -- private names stay private -----------------------------------------------------------


# Others' modules whose only public home is "private": OpenTelemetry's logs SDK (its log
# record processors), still marked experimental there.
OUTSIDE_HOMES = ("opentelemetry.sdk._logs",)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(source: str) -> list[str]:
    """Private names (`_x`; dunders are not private) that `source` takes from another
    module: imported by name, or reached as an attribute of what it imported."""
    tree = ast.parse(source)
    imported: set[str] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported.add(alias.asname or alias.name.partition(".")[0])
                found += [alias.name for part in alias.name.split(".") if _is_private(part)]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if module in OUTSIDE_HOMES:
                continue
            for alias in node.names:
                imported.add(alias.asname or alias.name)
                if _is_private(alias.name) or any(map(_is_private, module.split("."))):
                    found.append(f"{module}.{alias.name}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported
            and _is_private(node.attr)
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize(
    "path", PRODUCT_FILES, ids=[str(p.relative_to(REPO)) for p in PRODUCT_FILES]
)
def test_no_module_imports_another_modules_private_names(path: Path) -> None:
    taken = private_imports(path.read_text(encoding="utf-8"))

    assert not taken, (
        f"{path.relative_to(REPO)} uses {', '.join(taken)}: make what modules share public, "
        "in a module of its own if need be"
    )


@pytest.mark.parametrize(
    "source",
    [
        "from storage.bot_state import _dumps",
        "from storage.bot_state import STATE_FIELD, _flatten as flatten",
        "from storage import codec\ncodec._time(moment)",
        "import storage.codec as c\nc._parse_time(text)",
        "from storage._helpers import marks",
        "def f():\n    from storage.sqlite import _marks\n",
    ],
)
def test_the_privacy_check_catches_a_private_name_taken(source: str) -> None:
    assert private_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "from storage.sqlite_database import dumps, marks",
        "from storage import codec\ncodec.sortable_time(moment)",
        "class A:\n    def f(self) -> None:\n        self._x = other._y",
        "from pkg import __version__",
    ],
)
def test_the_privacy_check_allows_public_names_and_a_modules_own(source: str) -> None:
    assert private_imports(source) == []


# -- no import cycles anywhere ------------------------------------------------------------


def module_files(packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `packages` (a package's
    `__init__.py` under the package's own name), and the composition root."""
    found: dict[str, Path] = {"app": REPO / "app.py"}
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_among(module: str, source: str, known: set[str]) -> set[str]:
    """Which of the `known` modules `module` imports, type-checking imports included:
    even a loop only type checkers follow makes two modules one."""
    wanted: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            wanted |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative to the importing module's package
                package = module.split(".")[: -node.level]
                base = ".".join([*package, *([base] if base else [])])
            wanted |= {f"{base}.{alias.name}" for alias in node.names} | {base}
    return {name for name in wanted if name in known and name != module}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import loop as `[a, b, …, a]`, or [] if there is none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return []
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target):
                return cycle
        path.pop()
        done.add(node)
        return []

    for start in sorted(graph):
        if cycle := visit(start):
            return cycle
    return []


def test_product_modules_import_one_another_in_no_loop() -> None:
    files = module_files(PRODUCT_PACKAGES)
    graph = {
        module: imports_among(module, path.read_text(encoding="utf-8"), set(files))
        for module, path in files.items()
    }

    assert len(graph) > 100, "the graph should hold every product module"
    assert find_cycle(graph) == [], "import loop: " + " -> ".join(find_cycle(graph))


def test_the_loop_check_finds_a_loop_through_a_type_checking_import() -> None:
    known = {"storage.sqlite", "storage.sqlite_statistics", "storage.codec"}
    graph = {
        "storage.sqlite": imports_among(
            "storage.sqlite", "from storage import codec, sqlite_statistics", known
        ),
        "storage.sqlite_statistics": imports_among(
            "storage.sqlite_statistics",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from storage.sqlite import SqliteDatabase\n",
            known,
        ),
        "storage.codec": set(),
    }

    assert find_cycle(graph) == ["storage.sqlite", "storage.sqlite_statistics", "storage.sqlite"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []

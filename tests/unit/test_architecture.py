"""The domain depends on nothing but the standard library and itself; each other layer
imports only what its place allows."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import referrals

DOMAIN = Path(referrals.__file__).parent
DOMAIN_FILES = sorted(DOMAIN.rglob("*.py"))
DYNAMIC_IMPORTERS = {"__import__", "import_module"}


def foreign_imports(source: str, home: str = "referrals") -> list[str]:
    """Modules imported by `source` that are neither standard library nor `home`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the package by definition
                continue
            modules = [node.module or ""]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in DYNAMIC_IMPORTERS:
                found.append(f"{name}(...) (a dynamic import cannot be checked)")
            continue
        else:
            continue
        for module in modules:
            top = module.partition(".")[0]
            if top != home and top not in sys.stdlib_module_names:
                found.append(module)
    return found


def test_the_domain_package_has_modules_to_check() -> None:
    assert len(DOMAIN_FILES) > 5, DOMAIN


@pytest.mark.parametrize("path", DOMAIN_FILES, ids=lambda p: str(p.relative_to(DOMAIN)))
def test_domain_module_imports_only_the_standard_library_and_itself(path: Path) -> None:
    offending = foreign_imports(path.read_text(encoding="utf-8"))

    assert not offending, (
        f"referrals/{path.relative_to(DOMAIN)} imports {', '.join(offending)}; "
        "the domain may import only the standard library and referrals"
    )


@pytest.mark.parametrize(
    "source",
    [
        "import aiohttp",
        "import botbuilder.core as core",
        "from botbuilder.schema import Activity",
        "from storage.memory import memory_stores",
        "from bot import app",
        "import os, yaml",
        "def f():\n    from cards import verbs\n",
        "import importlib\nimportlib.import_module('aiohttp')",
        "__import__('aiohttp')",
    ],
)
def test_the_check_catches_outside_imports(source: str) -> None:
    assert foreign_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import re, uuid\nfrom collections.abc import Iterable",
        "from referrals import errors",
        "from referrals.states import ReferralState",
        "from . import errors\nfrom .intake import IntakeAnswers",
        "import typing\nif typing.TYPE_CHECKING:\n    import asyncio",
    ],
)
def test_the_check_allows_the_standard_library_and_the_domain(source: str) -> None:
    assert foreign_imports(source) == []


# -- the other layers ---------------------------------------------------------------------

REPO = DOMAIN.parent
FRAMEWORKS = {"botbuilder", "botframework", "aiohttp", "msal", "azure", "aiosqlite"}
# package -> top-level modules it must never import (data flows bot -> dialogs -> domain).
FORBIDDEN: dict[str, set[str]] = {
    "cards": FRAMEWORKS | {"bot", "dialogs", "storage", "app", "devtools", "telemetry"},
    "dialogs": {"bot", "storage", "app", "devtools", "aiohttp", "msal", "azure", "aiosqlite"},
    # The operator commands use storage; storage never reaches for them.
    "storage": {"bot", "dialogs", "cards", "app", "devtools", "ops"},
    "ops": {"bot", "dialogs", "cards", "app", "devtools"},
    # Files for people to keep, in the cards' words: no Teams, no store (the caller reads
    # the figures through a use case and hands the report over).
    # Teams only: the stores and Graph reach it through the domain's ports.
    "bot": {"storage", "devtools"},
    # Entra ID and Graph: an adapter for the domain's ports, knowing nothing of Teams.
    "entra": {"bot", "dialogs", "cards", "storage", "app", "devtools"},
    # Read by every layer, so it may import none of those that read it.
    "config": FRAMEWORKS | {"bot", "dialogs", "cards", "entra", "app", "devtools", "telemetry"},
    # Files handed out (spreadsheets), from the domain's values, in the cards' words: the
    # bot offers them and ops/ writes them; they reach no Teams and no store.
    "exports": FRAMEWORKS | {"bot", "dialogs", "storage", "entra", "ops", "app", "devtools"},
    # The solver behind the figures' protection: mathematics for the domain, nothing more.
    "solving": FRAMEWORKS
    | {"bot", "dialogs", "cards", "storage", "entra", "ops", "app", "devtools", "exports"},
    # What reaches Azure Monitor: the OpenTelemetry API and the distro, over the domain's
    # values (`azure` here is the distro); the bot and the dialogs call it, it calls none
    # of them.
    "telemetry": (FRAMEWORKS - {"azure"})
    | {"bot", "dialogs", "storage", "entra", "ops", "app", "devtools", "exports", "solving"},
}


def imported_tops(source: str) -> set[str]:
    tops: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            tops |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            tops.add(node.module.partition(".")[0])
    return tops


LAYER_FILES = [
    (package, path) for package in FORBIDDEN for path in sorted((REPO / package).rglob("*.py"))
]


@pytest.mark.parametrize(
    ("package", "path"), LAYER_FILES, ids=[str(p.relative_to(REPO)) for _, p in LAYER_FILES]
)
def test_each_layer_imports_only_what_its_place_allows(package: str, path: Path) -> None:
    wrong = imported_tops(path.read_text(encoding="utf-8")) & FORBIDDEN[package]

    assert not wrong, f"{path.relative_to(REPO)} imports {sorted(wrong)}"


def test_the_layer_check_would_catch_a_card_builder_reaching_into_the_bot() -> None:
    assert imported_tops("from bot.handler import SmaBot\nimport botbuilder.core") & FORBIDDEN[
        "cards"
    ] == {"bot", "botbuilder"}


def test_the_layer_check_would_catch_storage_running_an_operator_command() -> None:
    assert imported_tops("from ops.recount import recount") & FORBIDDEN["storage"] == {"ops"}


CARD_FILES = sorted((REPO / "cards").rglob("*.py"))


@pytest.mark.parametrize("path", CARD_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_cards_import_only_the_domain_and_the_standard_library(path: Path) -> None:
    """Card builders and parsers are plain functions of the domain's values: no framework,
    no store, no Teams."""
    source = path.read_text(encoding="utf-8")
    offending = [m for m in foreign_imports(source, home="cards") if not m.startswith("referrals")]

    assert not offending, f"{path.relative_to(REPO)} imports {', '.join(offending)}"


# -- shared helpers ---------------------------------------------------------------------

COMMON_FILES = sorted((REPO / "common").rglob("*.py"))


@pytest.mark.parametrize("path", COMMON_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_shared_helpers_import_only_the_standard_library(path: Path) -> None:
    offending = foreign_imports(path.read_text(encoding="utf-8"), home="common")

    assert not offending, (
        f"{path.relative_to(REPO)} imports {', '.join(offending)}; "
        "common/ may import only the standard library, so that any layer may use it"
    )


# -- who may reach the dialogs --------------------------------------------------------------

PRODUCT_PACKAGES = (
    "referrals",
    "storage",
    "ops",
    "cards",
    "bot",
    "dialogs",
    "config",
    "common",
    "entra",
    "exports",
    "solving",
    "telemetry",
)
TOOLING_PACKAGES = ("tests", "bench", "devtools", "manifest")
PRODUCT_FILES = [REPO / "app.py"] + [
    path for package in PRODUCT_PACKAGES for path in sorted((REPO / package).rglob("*.py"))
]
# The Teams layer drives the dialogs; app.py, the composition root, builds the intake dialog.
MAY_IMPORT_DIALOGS = {"bot", "dialogs", "app"}
# Inside bot/, only the modules that take a turn drive the dialogs: the outbox, the
# messenger and the ingress take none.
BOT_TURN_MODULES = {"bot/handler.py", "bot/routing.py"}


def _product_name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_every_top_level_package_is_either_product_or_tooling() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")}

    assert packages == set(PRODUCT_PACKAGES) | set(TOOLING_PACKAGES), (
        "a new top-level package needs a place in these rules"
    )


@pytest.mark.parametrize("path", PRODUCT_FILES, ids=_product_name)
def test_nothing_but_the_teams_layer_and_the_composition_root_imports_dialogs(
    path: Path,
) -> None:
    name = _product_name(path)
    place = name.partition("/")[0].removesuffix(".py")
    if place in MAY_IMPORT_DIALOGS:
        return

    assert "dialogs" not in imported_tops(path.read_text(encoding="utf-8")), (
        f"{name} imports dialogs; only bot/ (and app.py, which wires it) may"
    )


BOT_FILES = sorted((REPO / "bot").rglob("*.py"))


@pytest.mark.parametrize("path", BOT_FILES, ids=_product_name)
def test_inside_the_teams_layer_only_the_turn_modules_import_dialogs(path: Path) -> None:
    name = _product_name(path)
    if name in BOT_TURN_MODULES:
        return

    assert "dialogs" not in imported_tops(path.read_text(encoding="utf-8")), (
        f"{name} imports dialogs; only {sorted(BOT_TURN_MODULES)} take turns"
    )


@pytest.mark.parametrize("name", sorted(BOT_TURN_MODULES))
def test_the_turn_modules_exist(name: str) -> None:
    assert (REPO / name).is_file(), f"{name} is gone: update BOT_TURN_MODULES"

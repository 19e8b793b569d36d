"""Reading the support directory the force keeps (`support_directory.json` beside this
module, or the file `SMA_SUPPORT_DIRECTORY` names), with a strict check: a malformed file
stops start-up with every problem said, and how to fix it (docs/support-directory.md)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from config.environment import SettingsError
from referrals.support import SERVICE_ID, Category, Contact, SupportDirectory, SupportService

SHIPPED_DIRECTORY = Path(__file__).with_name("support_directory.json")

_TOP_KEYS = frozenset({"about", "services"})
_REQUIRED = ("id", "name", "helps_with", "category", "internal")
_TEXTS = ("name", "helps_with", "hours", "source")
_CONTACTS = ("phone", "text", "web")
_FLAGS = ("internal", "crisis", "to_fill")
_KEYS = frozenset({*_REQUIRED, *_TEXTS, *_CONTACTS, *_FLAGS})
_NUMBER = re.compile(r"\+?[0-9][0-9 ]{1,19}")
_WEB = re.compile(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/[^\s]*)?")
_LONGEST = 300
CATEGORIES = ", ".join(c.value for c in Category)


def read_support_directory(path: Path) -> tuple[SupportDirectory, list[str]]:
    """The directory in `path`, or an empty one with every problem found in it."""
    where = f"The support directory {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SupportDirectory(), [f"{where} does not exist: set SMA_SUPPORT_DIRECTORY to it."]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        return SupportDirectory(), [f"{where} is not readable JSON ({problem})."]
    problems = [f"{where}: {p}" for p in support_problems(data)]
    if problems:
        return SupportDirectory(), problems
    return SupportDirectory(tuple(_service(entry) for entry in data["services"])), []


def load_support_directory(path: Path) -> SupportDirectory:
    directory, problems = read_support_directory(path)
    if problems:
        raise SettingsError(" ".join(problems))
    return directory


@cache
def shipped_support_directory() -> SupportDirectory:
    """The file shipped with the app (immutable, so read once)."""
    return load_support_directory(SHIPPED_DIRECTORY)


def support_problems(data: Any) -> list[str]:
    """Every problem with the file's content at once, each saying what to fix."""
    if not isinstance(data, dict):
        return ['it must be a JSON object with a "services" list.']
    problems = [
        f'unknown key "{k}" at the top (allowed: about, services).'
        for k in data
        if k not in _TOP_KEYS
    ]
    services = data.get("services")
    if not isinstance(services, list) or not services:
        return [*problems, '"services" must be a list with at least one service.']
    seen: set[str] = set()
    for n, entry in enumerate(services):
        problems += _entry_problems(n, entry)
        service_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(service_id, str):
            if service_id in seen:
                problems.append(f'the id "{service_id}" is used twice: give each service its own.')
            seen.add(service_id)
    return problems


def _entry_problems(n: int, entry: Any) -> list[str]:
    if not isinstance(entry, dict):
        return [f"services[{n}] must be an object."]
    named = (
        f'services[{n}] (id "{entry["id"]}")'
        if isinstance(entry.get("id"), str)
        else (f"services[{n}]")
    )
    found = [f'{named} has an unknown key "{k}".' for k in entry if k not in _KEYS]
    found += [f'{named} needs "{k}".' for k in _REQUIRED if k not in entry]
    if "id" in entry and not (isinstance(entry["id"], str) and SERVICE_ID.fullmatch(entry["id"])):
        found.append(f"{named}: the id must be lower-case letters, digits and dashes.")
    for key in _TEXTS:
        value = entry.get(key, "")
        if not isinstance(value, str) or len(value) > _LONGEST:
            found.append(f'{named}: "{key}" must be text of up to {_LONGEST} characters.')
    for key in ("name", "helps_with"):
        if key in entry and isinstance(entry[key], str) and not entry[key].strip():
            found.append(f'{named}: "{key}" must not be empty.')
    if "category" in entry and entry["category"] not in set(Category):
        found.append(f'{named}: "category" must be one of: {CATEGORIES}.')
    found += [f'{named}: "{k}" must be true or false.' for k in _FLAGS if _not_flag(entry, k)]
    found += _contact_problems(named, entry)
    return found


def _not_flag(entry: dict[str, Any], key: str) -> bool:
    return key in entry and not isinstance(entry[key], bool)


def _contact_problems(named: str, entry: dict[str, Any]) -> list[str]:
    found = []
    for key in ("phone", "text"):
        if key in entry and not (isinstance(entry[key], str) and _NUMBER.fullmatch(entry[key])):
            found.append(f'{named}: "{key}" must be a number, digits and spaces only.')
    if "web" in entry and not (isinstance(entry["web"], str) and _WEB.fullmatch(entry["web"])):
        found.append(f'{named}: "web" must be an https:// address.')
    contacts = [k for k in _CONTACTS if k in entry]
    if entry.get("to_fill") is True:
        if contacts:
            found.append(
                f'{named} is marked "to_fill" but has {", ".join(contacts)}: remove "to_fill" '
                "once its details are filled in."
            )
        return found
    if not contacts:
        found.append(
            f'{named} has no "phone", "text" or "web": give one, or mark it "to_fill": true '
            "until you can."
        )
    if not (isinstance(entry.get("source"), str) and entry["source"].strip()):
        found.append(f'{named} needs a "source": where its contact details came from.')
    return found


def _service(entry: dict[str, Any]) -> SupportService:
    return SupportService(
        id=entry["id"],
        name=entry["name"].strip(),
        helps_with=entry["helps_with"].strip(),
        category=Category(entry["category"]),
        internal=entry["internal"],
        contact=Contact(entry.get("phone", ""), entry.get("text", ""), entry.get("web", "")),
        hours=entry.get("hours", "").strip(),
        crisis=entry.get("crisis", False),
        to_fill=entry.get("to_fill", False),
        source=entry.get("source", ""),
    )

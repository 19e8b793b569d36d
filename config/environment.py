"""Strict readers of the environment, for `load_settings`: each takes the variables and a
name and returns a typed value, or raises `SettingsError` with a message that says what is
wrong and how to fix it. Also the values a setting may take (`AppType`, `StoreKind`)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from common.hosts import TEAMS_PUBLIC_CLOUD_HOST, is_loopback
from referrals.people import Advocate
from referrals.timers import Periods
from referrals.working_days import OFFICE_HOURS, WorkingHours
from storage.crypto import KeyRing
from storage.keys import (
    CURRENT_VARIABLE,
    KEYS_VARIABLE,
    KeyConfigError,
    load_blind_index_key,
    load_key_ring,
)

GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_HOST_NAME = re.compile(
    r"(?=.{1,253}\Z)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)
LOOPBACK = "127.0.0.1"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class AppType(StrEnum):
    """`MicrosoftAppType`: how the bot proves who it is. Never multi-tenant."""

    SINGLE_TENANT = "SingleTenant"
    MANAGED_IDENTITY = "UserAssignedMSI"


class Role(StrEnum):
    """`SMA_ROLE`: what this process does (docs/deploy.md, "Instances and the worker").

    `web` answers Teams and wakes the worker; `worker` delivers the outbox and runs the
    reminders, retention and directory refresh; `all` does both in one process (`make run`,
    the tests)."""

    WEB = "web"
    WORKER = "worker"
    ALL = "all"

    @property
    def answers_turns(self) -> bool:
        return self is not Role.WORKER

    @property
    def runs_background(self) -> bool:
        """Delivery, reminders, retention, the directory refresh: never beside the turns of
        a `web` process, where proactive posts would slow the turns people wait on."""
        return self is not Role.WEB


class StoreKind(StrEnum):
    """`SMA_STORE`: where referrals live (docs/storage.md)."""

    SQLITE = "sqlite"  # embedded, the default
    COSMOS = "cosmos"


def flag(env: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be true or false, not {raw!r}.")


def whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.")
    return int(raw)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def weekday_or_off(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    """A working weekday by name ("monday" is 0), or None for "off"."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw == "off":
        return None
    if raw not in WEEKDAYS:
        raise SettingsError(f"{name} must be a weekday, monday to friday, or off, not {raw!r}.")
    return WEEKDAYS.index(raw)


def ids(env: Mapping[str, str], name: str) -> frozenset[str]:
    found = frozenset(x.strip() for x in env.get(name, "").split(",") if x.strip())
    bad = sorted(i for i in found if not GUID.fullmatch(i))
    if bad:
        raise SettingsError(f"{name} must list Entra object ids (GUIDs); not: {', '.join(bad)}")
    return found


def guid(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name, "").strip().lower()
    if raw and not GUID.fullmatch(raw):
        raise SettingsError(f"{name} must be an Entra or Teams id (a GUID), not {raw!r}.")
    return raw


def service_hosts(env: Mapping[str, str], default: frozenset[str]) -> frozenset[str]:
    name = "SMA_ALLOWED_SERVICE_HOSTS"
    raw = env.get(name, "").strip()
    if not raw:
        return default
    hosts = frozenset(h.strip().lower() for h in raw.split(",") if h.strip())
    bad = sorted(h for h in hosts if not (_HOST_NAME.fullmatch(h) or is_loopback(h)))
    if bad or not hosts:
        raise SettingsError(
            f"{name} must list exact host names separated by commas (no scheme, port, path "
            f"or wildcard), e.g. {TEAMS_PUBLIC_CLOUD_HOST}; not: {', '.join(bad) or raw!r}"
        )
    return hosts


def app_type(env: Mapping[str, str]) -> AppType:
    raw = env.get("MicrosoftAppType", AppType.SINGLE_TENANT).strip() or AppType.SINGLE_TENANT
    for known in AppType:
        if raw.lower() == known.lower():  # botbuilder reads it case-insensitively too
            return known
    raise SettingsError(
        f"MicrosoftAppType must be {AppType.SINGLE_TENANT} or {AppType.MANAGED_IDENTITY}, "
        f"not {raw!r}: multi-tenant bots can be reached from any tenant."
    )


def role(env: Mapping[str, str]) -> Role:
    raw = env.get("SMA_ROLE", "").strip().lower() or Role.ALL
    for known in Role:
        if raw == known:
            return known
    raise SettingsError(f"SMA_ROLE must be web, worker or all, not {raw!r}.")


def store(env: Mapping[str, str]) -> tuple[StoreKind, list[str]]:
    """The store, and the problem if `SMA_STORE` names none. That problem is reported with
    all the others (so one failed start-up says everything); SQLite stands in meanwhile."""
    raw = env.get("SMA_STORE", StoreKind.SQLITE).strip().lower() or StoreKind.SQLITE
    for known in StoreKind:
        if raw == known:
            return known, []
    return StoreKind.SQLITE, [f"SMA_STORE must be sqlite or cosmos, not {raw!r}."]


def advocates(env: Mapping[str, str]) -> tuple[Advocate, ...]:
    raw = env.get("SMA_SEED_ADVOCATES", "").strip()
    if not raw:
        return ()
    hint = 'SMA_SEED_ADVOCATES must be JSON like [{"id": "<object id>", "name": "…", "team": "…"}]'
    try:
        items = json.loads(raw)
        found = tuple(Advocate(str(i["id"]), str(i["name"]), str(i.get("team", ""))) for i in items)
    except (ValueError, TypeError, KeyError):
        raise SettingsError(hint) from None
    if any(not GUID.fullmatch(a.user_id) for a in found):
        raise SettingsError(hint + " (each id a GUID)")
    return found


def listening_host(env: Mapping[str, str], development: bool) -> str:
    raw = env.get("SMA_HOST", "").strip()
    if development:
        if raw and not is_loopback(raw):
            raise SettingsError(
                f"SMA_HOST={raw} cannot be used with SMA_INSECURE_DEVELOPMENT_MODE: without "
                f"authentication the bot listens on {LOOPBACK} only."
            )
        return LOOPBACK
    return raw or "0.0.0.0"  # noqa: S104 - production listens behind the platform's front door


def data_keys(env: Mapping[str, str]) -> KeyRing | None:
    if not (env.get(KEYS_VARIABLE, "").strip() or env.get(CURRENT_VARIABLE, "").strip()):
        return None
    try:
        return load_key_ring(env)
    except KeyConfigError as problem:
        raise SettingsError(str(problem)) from None


def blind_index_key(env: Mapping[str, str]) -> bytes | None:
    try:
        return load_blind_index_key(env)
    except KeyConfigError as problem:
        raise SettingsError(str(problem)) from None


def dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments ignored; surrounding quotes removed."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def working_hours(env: Mapping[str, str]) -> WorkingHours:
    raw = env.get("SMA_WORKING_HOURS", "").strip()
    if not raw:
        return OFFICE_HOURS
    try:
        return WorkingHours.parse(raw)
    except ValueError:
        raise SettingsError(
            f"SMA_WORKING_HOURS must be a start and an end in 24-hour London time, like "
            f"{OFFICE_HOURS}, not {raw!r}: reminders go out only within these hours."
        ) from None


# Each reminder period: its setting and the field of `referrals.timers.Periods` it sets.
PERIOD_SETTINGS = {
    "SMA_REMIND_TRIAGE_DAYS": "triage",
    "SMA_REMIND_ALLOCATION_DAYS": "allocation",
    "SMA_REMIND_OFFER_DAYS": "offer_reminder",
    "SMA_OFFER_LAPSE_DAYS": "offer_lapse",
    "SMA_REMIND_FIRST_CONTACT_DAYS": "first_contact_reminder",
    "SMA_ESCALATE_FIRST_CONTACT_DAYS": "first_contact_escalation",
    "SMA_QUIET_CASE_DAYS": "quiet_case",
    "SMA_REVIEW_OVERDUE_DAYS": "review_overdue",
    "SMA_DRAFT_KEEP_DAYS": "draft_keep",
    "SMA_DRAFT_WARNING_DAYS": "draft_warning",
}


def reminder_periods(env: Mapping[str, str]) -> Periods:
    defaults = Periods()
    return Periods(
        **{
            field: whole_number(env, name, getattr(defaults, field))
            for name, field in PERIOD_SETTINGS.items()
        }
    )

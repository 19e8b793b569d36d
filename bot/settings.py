"""Settings, read once from the environment (and a `.env` file) and checked at start-up.

A missing or malformed value stops the bot with a message that says how to fix it.
`SMA_INSECURE_DEVELOPMENT_MODE` turns off Bot Framework authentication and so may only be
used on a developer's machine: the bot then listens on 127.0.0.1 and nowhere else.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from referrals.people import Advocate

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
LOOPBACK = "127.0.0.1"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    development_mode: bool
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_tenant_id: str = ""
    app_type: str = "SingleTenant"
    host: str = LOOPBACK
    port: int = 3978
    sqlite_path: str = "var/sma.sqlite3"
    smlo_ids: frozenset[str] = frozenset()
    seed_advocates: tuple[Advocate, ...] = ()
    teams_service_url: str = "https://smba.trafficmanager.net/uk/"
    draft_keep_days: int = 30
    max_body_bytes: int = 256 * 1024


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be true or false, not {raw!r}.")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.")
    return int(raw)


def _ids(env: Mapping[str, str], name: str) -> frozenset[str]:
    ids = frozenset(x.strip() for x in env.get(name, "").split(",") if x.strip())
    bad = sorted(i for i in ids if not _GUID.match(i))
    if bad:
        raise SettingsError(f"{name} must list Entra object ids (GUIDs); not: {', '.join(bad)}")
    return ids


def _advocates(env: Mapping[str, str]) -> tuple[Advocate, ...]:
    raw = env.get("SMA_SEED_ADVOCATES", "").strip()
    if not raw:
        return ()
    hint = 'SMA_SEED_ADVOCATES must be JSON like [{"id": "<object id>", "name": "…", "team": "…"}]'
    try:
        items = json.loads(raw)
        advocates = tuple(
            Advocate(str(i["id"]), str(i["name"]), str(i.get("team", ""))) for i in items
        )
    except (ValueError, TypeError, KeyError):
        raise SettingsError(hint) from None
    if any(not _GUID.match(a.user_id) for a in advocates):
        raise SettingsError(hint + " (each id a GUID)")
    return advocates


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (default: the process environment over a `.env` file)."""
    env = dict(read_dotenv(Path(".env")), **os.environ) if env is None else env
    development = _flag(env, "SMA_INSECURE_DEVELOPMENT_MODE")
    settings = Settings(
        development_mode=development,
        app_id=env.get("MicrosoftAppId", "").strip(),
        app_password=env.get("MicrosoftAppPassword", "").strip(),
        app_tenant_id=env.get("MicrosoftAppTenantId", "").strip(),
        app_type=env.get("MicrosoftAppType", "SingleTenant").strip(),
        host=LOOPBACK if development else env.get("SMA_HOST", "0.0.0.0").strip(),  # noqa: S104
        port=_int(env, "PORT", 3978),
        sqlite_path=env.get("SMA_SQLITE_PATH", "var/sma.sqlite3").strip(),
        smlo_ids=_ids(env, "SMA_SMLO_IDS"),
        seed_advocates=_advocates(env),
        teams_service_url=env.get("SMA_TEAMS_SERVICE_URL", Settings.teams_service_url).strip(),
        draft_keep_days=_int(env, "SMA_DRAFT_KEEP_DAYS", 30),
    )
    _check(settings)
    return settings


def _check(s: Settings) -> None:
    if not s.smlo_ids:
        raise SettingsError("SMA_SMLO_IDS is empty: name at least one SMLO by Entra object id.")
    if s.development_mode:
        return
    missing = [
        name
        for name, value in (
            ("MicrosoftAppId", s.app_id),
            ("MicrosoftAppPassword", s.app_password),
            ("MicrosoftAppTenantId", s.app_tenant_id),
        )
        if not value
    ]
    if missing:
        raise SettingsError(
            "Production needs " + ", ".join(missing) + ". Without an app id Bot Framework "
            "authentication is off. For local use only, set SMA_INSECURE_DEVELOPMENT_MODE=true."
        )
    if s.app_type != "SingleTenant":
        raise SettingsError("MicrosoftAppType must be SingleTenant.")


def read_dotenv(path: Path) -> dict[str, str]:
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

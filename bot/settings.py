"""Settings, read once from the environment (and a `.env` file) and checked at start-up.

A missing or malformed value stops the bot with a message that says how to fix it.
`SMA_INSECURE_DEVELOPMENT_MODE` turns off Bot Framework authentication and so may only be
used on a developer's machine: the bot then listens on 127.0.0.1 and nowhere else.
Production needs the Azure Bot registration (app id, tenant, and a password unless it
uses a user-assigned managed identity) and refuses to start without it, because an empty
app id silently turns Bot Framework authentication off.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from referrals.people import Advocate
from storage.crypto import KeyRing
from storage.hosts import is_loopback
from storage.keys import CURRENT_VARIABLE, KEYS_VARIABLE, KeyConfigError, load_key_ring

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
LOOPBACK = "127.0.0.1"
SINGLE_TENANT = "SingleTenant"
MANAGED_IDENTITY = "UserAssignedMSI"
APP_TYPES = (SINGLE_TENANT, MANAGED_IDENTITY)
# The Teams public cloud's Bot Connector: the only host a production bot talks to by default.
TEAMS_PUBLIC_CLOUD_HOST = "smba.trafficmanager.net"
# Microsoft Graph and Entra ID sign-in hosts: public cloud, US Government (and DoD), China.
GRAPH_HOSTS = frozenset(
    {"graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us"}
    | {"microsoftgraph.chinacloudapi.cn"}
)
AUTHORITY_HOSTS = frozenset(
    {"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn"}
)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    development_mode: bool
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_tenant_id: str = ""
    app_type: str = SINGLE_TENANT
    host: str = LOOPBACK
    port: int = 3978
    sqlite_path: str = "var/sma.sqlite3"
    smlo_ids: frozenset[str] = frozenset()
    seed_advocates: tuple[Advocate, ...] = ()
    teams_service_url: str = "https://smba.trafficmanager.net/uk/"
    draft_keep_days: int = 30
    max_body_bytes: int = 256 * 1024
    # Bot Connector hosts (exact names) the bot may send to; see `service_url_allowed`.
    allowed_service_hosts: frozenset[str] = frozenset({TEAMS_PUBLIC_CLOUD_HOST})
    # Where incoming tokens come from, for tests and sovereign clouds; empty = public cloud.
    auth_openid_metadata_url: str = ""
    auth_token_issuer: str = ""
    # The data encryption keys (storage/keys.py); None only in development mode, which then
    # uses a fixed, loudly logged insecure key.
    data_keys: KeyRing | None = field(default=None, repr=False)
    # Closed and withdrawn referrals keep personal data this long (docs/security.md).
    retention_days: int = 365
    # Where referrals live: "sqlite" (embedded, the default) or "cosmos" (docs/storage.md).
    store: str = "sqlite"
    cosmos_endpoint: str = ""
    cosmos_key: str = field(default="", repr=False)  # empty: Entra ID (managed identity)
    cosmos_database: str = "sma"
    cosmos_create_containers: bool = True
    cosmos_verify_tls: bool = True  # off only for the loopback test server
    # Roles from Entra ID security groups, read through Microsoft Graph (bot/directory.py).
    smlo_group_id: str = ""  # empty: SMLOs are smlo_ids
    advocates_group_id: str = ""  # empty: advocates are the roster the SMLO keeps
    directory_refresh_seconds: int = 300
    graph_url: str = "https://graph.microsoft.com/v1.0"
    authority_host: str = "login.microsoftonline.com"  # host[:port] of the Entra sign-in
    # Installing the app for someone who never opened it (bot/install.py).
    teams_app_catalog_id: str = ""  # empty: looked up by the manifest id
    teams_app_manifest_id: str = ""  # empty: the app id (as manifest/settings.py)

    def __post_init__(self) -> None:
        # Defence in depth: however Settings is built, no authentication means loopback only.
        if self.development_mode and self.host != LOOPBACK:
            raise SettingsError(f"Development mode listens on {LOOPBACK} only, not {self.host}.")

    @property
    def uses_directory(self) -> bool:
        """Microsoft Graph is used only when one of its settings asks for it."""
        return bool(self.smlo_group_id or self.advocates_group_id or self.teams_app_catalog_id)


def service_url_allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    """True when `url` is https (or http to a loopback test host) and its host is exactly
    one of `allowed_hosts`: no suffix matching, so `smba.trafficmanager.net.evil.example`
    and `evil-smba.trafficmanager.net` are both refused."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if host not in allowed_hosts or parts.username is not None or parts.password is not None:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))


def _flag(env: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("0", "false", "no"):
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


def _hosts(env: Mapping[str, str]) -> frozenset[str]:
    name = "SMA_ALLOWED_SERVICE_HOSTS"
    raw = env.get(name, "").strip()
    if not raw:
        return Settings.allowed_service_hosts
    hosts = frozenset(h.strip().lower() for h in raw.split(",") if h.strip())
    bad = sorted(h for h in hosts if not (_HOST_NAME.match(h) or is_loopback(h)))
    if bad or not hosts:
        raise SettingsError(
            f"{name} must list exact host names separated by commas (no scheme, port, path "
            f"or wildcard), e.g. {TEAMS_PUBLIC_CLOUD_HOST}; not: {', '.join(bad) or raw!r}"
        )
    return hosts


def _app_type(env: Mapping[str, str]) -> str:
    raw = env.get("MicrosoftAppType", SINGLE_TENANT).strip() or SINGLE_TENANT
    for known in APP_TYPES:
        if raw.lower() == known.lower():  # botbuilder reads it case-insensitively too
            return known
    raise SettingsError(
        f"MicrosoftAppType must be {SINGLE_TENANT} or {MANAGED_IDENTITY}, not {raw!r}: "
        "multi-tenant bots can be reached from any tenant."
    )


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


def _host(env: Mapping[str, str], development: bool) -> str:
    raw = env.get("SMA_HOST", "").strip()
    if development:
        if raw and not is_loopback(raw):
            raise SettingsError(
                f"SMA_HOST={raw} cannot be used with SMA_INSECURE_DEVELOPMENT_MODE: without "
                f"authentication the bot listens on {LOOPBACK} only."
            )
        return LOOPBACK
    return raw or "0.0.0.0"  # noqa: S104 - production listens behind the platform's front door


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (default: the process environment over a `.env` file)."""
    env = dict(read_dotenv(Path(".env")), **os.environ) if env is None else env
    development = _flag(env, "SMA_INSECURE_DEVELOPMENT_MODE")
    settings = Settings(
        development_mode=development,
        app_id=env.get("MicrosoftAppId", "").strip(),
        app_password=env.get("MicrosoftAppPassword", "").strip(),
        app_tenant_id=env.get("MicrosoftAppTenantId", "").strip().lower(),
        app_type=_app_type(env),
        host=_host(env, development),
        port=_int(env, "PORT", 3978),
        sqlite_path=env.get("SMA_SQLITE_PATH", "var/sma.sqlite3").strip(),
        smlo_ids=_ids(env, "SMA_SMLO_IDS"),
        seed_advocates=_advocates(env),
        teams_service_url=env.get("SMA_TEAMS_SERVICE_URL", Settings.teams_service_url).strip(),
        draft_keep_days=_int(env, "SMA_DRAFT_KEEP_DAYS", 30),
        allowed_service_hosts=_hosts(env),
        auth_openid_metadata_url=env.get("SMA_AUTH_OPENID_METADATA_URL", "").strip(),
        auth_token_issuer=env.get("SMA_AUTH_TOKEN_ISSUER", "").strip(),
        data_keys=_data_keys(env),
        retention_days=_int(env, "SMA_RETENTION_DAYS", 365),
        store=env.get("SMA_STORE", "sqlite").strip().lower() or "sqlite",
        cosmos_endpoint=env.get("SMA_COSMOS_ENDPOINT", "").strip(),
        cosmos_key=env.get("SMA_COSMOS_KEY", "").strip(),
        cosmos_database=env.get("SMA_COSMOS_DATABASE", "sma").strip() or "sma",
        cosmos_create_containers=_flag(env, "SMA_COSMOS_CREATE_IF_MISSING", default=True),
        cosmos_verify_tls=not _flag(env, "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY"),
        smlo_group_id=_guid(env, "SMA_SMLO_GROUP_ID"),
        advocates_group_id=_guid(env, "SMA_ADVOCATES_GROUP_ID"),
        directory_refresh_seconds=_int(env, "SMA_DIRECTORY_REFRESH_SECONDS", 300),
        graph_url=env.get("SMA_GRAPH_URL", "").strip().rstrip("/") or Settings.graph_url,
        authority_host=env.get("SMA_AUTHORITY_HOST", "").strip().lower() or Settings.authority_host,
        teams_app_catalog_id=_guid(env, "SMA_TEAMS_APP_CATALOG_ID"),
        teams_app_manifest_id=_guid(env, "SMA_TEAMS_APP_MANIFEST_ID"),
    )
    _check(settings)
    return settings


def _check(s: Settings) -> None:
    """Every problem at once, so one failed start-up says everything that needs fixing."""
    problems = _problems(s)
    if problems:
        raise SettingsError(" ".join(problems))


def _problems(s: Settings) -> list[str]:
    problems: list[str] = []
    problems += _store_problems(s)
    if s.retention_days < 1 or s.draft_keep_days < 1:
        problems.append("SMA_RETENTION_DAYS and SMA_DRAFT_KEEP_DAYS must be at least 1.")
    if not s.smlo_ids and not s.smlo_group_id:
        problems.append(
            "SMA_SMLO_IDS is empty: name at least one SMLO by Entra object id, or set "
            "SMA_SMLO_GROUP_ID."
        )
    problems += _directory_problems(s)
    if s.development_mode:
        if not s.app_tenant_id:
            problems.append(
                "MicrosoftAppTenantId is required in every mode: only activities from the "
                "force's Entra tenant are accepted."
            )
        if s.auth_openid_metadata_url or s.auth_token_issuer:
            problems.append(
                "SMA_AUTH_OPENID_METADATA_URL and SMA_AUTH_TOKEN_ISSUER have no effect in "
                "development mode (authentication is off): remove them or leave development mode."
            )
    else:
        problems += _production_problems(s)
    if s.app_tenant_id and not _GUID.match(s.app_tenant_id):
        problems.append("MicrosoftAppTenantId must be the force's Entra tenant id, a GUID.")
    if s.teams_service_url and not service_url_allowed(
        s.teams_service_url, s.allowed_service_hosts
    ):
        problems.append(
            "SMA_TEAMS_SERVICE_URL must be https:// on a host listed in SMA_ALLOWED_SERVICE_HOSTS "
            "(or empty, to reach people only after they write to the bot)."
        )
    return problems


def _store_problems(s: Settings) -> list[str]:
    if s.store == "sqlite":
        return []
    if s.store != "cosmos":
        return [f"SMA_STORE must be sqlite or cosmos, not {s.store!r}."]
    parts = urlsplit(s.cosmos_endpoint)
    host = (parts.hostname or "").lower()
    problems = []
    if parts.scheme != "https" or not host:
        problems.append("SMA_COSMOS_ENDPOINT must be the account's https:// URL.")
    if not s.cosmos_verify_tls and not is_loopback(host):
        problems.append(
            "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY is only for a test server on loopback."
        )
    return problems


def _guid(env: Mapping[str, str], name: str) -> str:
    raw = env.get(name, "").strip().lower()
    if raw and not _GUID.match(raw):
        raise SettingsError(f"{name} must be an Entra or Teams id (a GUID), not {raw!r}.")
    return raw


def _directory_problems(s: Settings) -> list[str]:
    """Graph is reached with the bot's own credentials, on Microsoft's hosts only (or a
    test server on loopback)."""
    problems: list[str] = []
    if s.directory_refresh_seconds < 1:
        problems.append("SMA_DIRECTORY_REFRESH_SECONDS must be at least 1.")
    if not s.uses_directory:
        return problems
    if s.development_mode:
        return [
            "SMA_SMLO_GROUP_ID, SMA_ADVOCATES_GROUP_ID and SMA_TEAMS_APP_CATALOG_ID need "
            "the bot's own credentials, which development mode does not use: remove them "
            "or leave development mode."
        ]
    if s.app_type != SINGLE_TENANT or not s.app_password:
        problems.append(
            "The Entra ID groups and app installation use Microsoft Graph with the bot's "
            "MicrosoftAppPassword (client credentials): they need MicrosoftAppType="
            f"{SINGLE_TENANT} and a password."
        )
    graph = urlsplit(s.graph_url)
    plain_url = not (graph.username or graph.password or graph.query or graph.fragment)
    if not (plain_url and _microsoft_or_loopback(graph.scheme, graph.hostname or "", GRAPH_HOSTS)):
        problems.append(
            "SMA_GRAPH_URL must be https:// on a Microsoft Graph host such as "
            "https://graph.microsoft.com/v1.0 (another host only for a test server on loopback)."
        )
    if not _authority_host_allowed(s.authority_host):
        problems.append(
            "SMA_AUTHORITY_HOST must be a Microsoft Entra sign-in host such as "
            "login.microsoftonline.com (host[:port] of a test server only on loopback)."
        )
    return problems


def _authority_host_allowed(host_and_port: str) -> bool:
    """A bare host (a port only with a loopback test server): msal adds https and the tenant."""
    authority = urlsplit(f"https://{host_and_port}")
    try:
        authority.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    host = authority.hostname or ""
    if authority.netloc != host_and_port or authority.path or authority.username is not None:
        return False
    if authority.port is not None and not is_loopback(host):
        return False
    return _microsoft_or_loopback("https", host, AUTHORITY_HOSTS)


def _microsoft_or_loopback(scheme: str, host: str, microsoft: frozenset[str]) -> bool:
    return scheme == "https" and (host.lower() in microsoft or is_loopback(host))


def _data_keys(env: Mapping[str, str]) -> KeyRing | None:
    if not (env.get(KEYS_VARIABLE, "").strip() or env.get(CURRENT_VARIABLE, "").strip()):
        return None
    try:
        return load_key_ring(env)
    except KeyConfigError as problem:
        raise SettingsError(str(problem)) from None


def _production_problems(s: Settings) -> list[str]:
    managed = s.app_type == MANAGED_IDENTITY
    required = [("MicrosoftAppId", s.app_id), ("MicrosoftAppTenantId", s.app_tenant_id)]
    if not managed:
        required.insert(1, ("MicrosoftAppPassword", s.app_password))
    missing = [name for name, value in required if not value]
    problems: list[str] = []
    if missing:
        problems.append(
            f"Production ({s.app_type}) needs " + ", ".join(missing) + ". Without an app id "
            "Bot Framework authentication is off. For local use only, set "
            "SMA_INSECURE_DEVELOPMENT_MODE=true."
        )
    if s.data_keys is None:
        problems.append(
            f"Production needs {KEYS_VARIABLE} and {CURRENT_VARIABLE}: the keys that encrypt "
            "referrals at rest (make one with `python -m storage.keys new <id>`)."
        )
    if s.app_id and not _GUID.match(s.app_id):
        problems.append("MicrosoftAppId must be the Azure Bot's app (client) id, a GUID.")
    if managed and s.app_password:
        problems.append(
            f"MicrosoftAppPassword must be empty with MicrosoftAppType={MANAGED_IDENTITY}: "
            "the managed identity is the credential."
        )
    if bool(s.auth_openid_metadata_url) != bool(s.auth_token_issuer):
        problems.append(
            "Set both SMA_AUTH_OPENID_METADATA_URL and SMA_AUTH_TOKEN_ISSUER, or neither."
        )
    if s.auth_openid_metadata_url:
        parts = urlsplit(s.auth_openid_metadata_url)
        host = (parts.hostname or "").lower()
        if not host or not (parts.scheme == "https" or is_loopback(host)):
            problems.append(
                "SMA_AUTH_OPENID_METADATA_URL must be an https:// URL "
                "(http:// only for a test server on loopback)."
            )
    return problems


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

"""Settings, read once from the environment (and a `.env` file) and checked at start-up.

A missing or malformed value stops the bot with a message that says how to fix it.
`SMA_INSECURE_DEVELOPMENT_MODE` turns off Bot Framework authentication and so may only be
used on a developer's machine: the bot then listens on 127.0.0.1 and nowhere else.
Production needs the Azure Bot registration (app id, tenant, and a password unless it
uses a user-assigned managed identity) and refuses to start without it, because an empty
app id silently turns Bot Framework authentication off.

The settings themselves are `config.values.Settings`; each variable is read by
`config.environment`; what is refused, all at once, is in `config.checks`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from config import environment as read
from config.checks import problems
from config.environment import AppType, Role, SettingsError, StoreKind
from config.support import SHIPPED_DIRECTORY, read_support_directory
from config.values import DEFAULT_OUTBOX_LEASE_SECONDS, Settings
from referrals.availability import DEFAULT_CASELOAD_LIMIT
from referrals.periods import DEFAULT_SERVICE_START

__all__ = ["AppType", "Role", "Settings", "SettingsError", "StoreKind", "load_settings"]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (default: the process environment over a `.env` file)."""
    env = dict(read.dotenv(Path(".env")), **os.environ) if env is None else env
    development = read.flag(env, "SMA_INSECURE_DEVELOPMENT_MODE")
    store, store_problems = read.store(env)
    support_path = env.get("SMA_SUPPORT_DIRECTORY", "").strip()
    support, support_problems = read_support_directory(
        Path(support_path) if support_path else SHIPPED_DIRECTORY
    )
    settings = Settings(
        development_mode=development,
        app_id=env.get("MicrosoftAppId", "").strip(),
        app_password=env.get("MicrosoftAppPassword", "").strip(),
        app_tenant_id=env.get("MicrosoftAppTenantId", "").strip().lower(),
        app_type=read.app_type(env),
        host=read.listening_host(env, development),
        port=read.whole_number(env, "PORT", 3978),
        sqlite_path=env.get("SMA_SQLITE_PATH", "var/sma.sqlite3").strip(),
        smlo_ids=read.ids(env, "SMA_SMLO_IDS"),
        auditor_ids=read.ids(env, "SMA_AUDITOR_IDS"),
        seed_advocates=read.advocates(env),
        teams_service_url=env.get("SMA_TEAMS_SERVICE_URL", Settings.teams_service_url).strip(),
        draft_keep_days=read.whole_number(env, "SMA_DRAFT_KEEP_DAYS", 30),
        allowed_service_hosts=read.service_hosts(env, Settings.allowed_service_hosts),
        auth_openid_metadata_url=env.get("SMA_AUTH_OPENID_METADATA_URL", "").strip(),
        auth_token_issuer=env.get("SMA_AUTH_TOKEN_ISSUER", "").strip(),
        data_keys=read.data_keys(env),
        blind_index_key=read.blind_index_key(env),
        retention_days=read.whole_number(env, "SMA_RETENTION_DAYS", 365),
        service_start=env.get("SMA_SERVICE_START", "").strip() or DEFAULT_SERVICE_START,
        details_fold_minutes=read.whole_number(env, "SMA_DETAILS_FOLD_MINUTES", 10),
        telemetry_connection_string=env.get("APPLICATIONINSIGHTS_CONNECTION_STRING", "").strip(),
        checkin_day=read.whole_number(env, "SMA_CHECKIN_DAY", 1),
        digest_day=read.weekday_or_off(env, "SMA_DIGEST_DAY", 0),
        caseload_limit=read.whole_number(env, "SMA_CASELOAD_LIMIT", DEFAULT_CASELOAD_LIMIT),
        outbox_lease_seconds=read.whole_number(
            env, "SMA_OUTBOX_LEASE_SECONDS", DEFAULT_OUTBOX_LEASE_SECONDS
        ),
        working_hours=read.working_hours(env),
        reminder_periods=read.reminder_periods(env),
        store=store,
        cosmos_endpoint=env.get("SMA_COSMOS_ENDPOINT", "").strip(),
        cosmos_key=env.get("SMA_COSMOS_KEY", "").strip(),
        cosmos_database=env.get("SMA_COSMOS_DATABASE", "sma").strip() or "sma",
        cosmos_create_containers=read.flag(env, "SMA_COSMOS_CREATE_IF_MISSING", default=True),
        cosmos_verify_tls=not read.flag(env, "SMA_COSMOS_INSECURE_SKIP_TLS_VERIFY"),
        smlo_group_id=read.guid(env, "SMA_SMLO_GROUP_ID"),
        advocates_group_id=read.guid(env, "SMA_ADVOCATES_GROUP_ID"),
        auditor_group_id=read.guid(env, "SMA_AUDITOR_GROUP_ID"),
        directory_refresh_seconds=read.whole_number(env, "SMA_DIRECTORY_REFRESH_SECONDS", 300),
        graph_url=env.get("SMA_GRAPH_URL", "").strip().rstrip("/") or Settings.graph_url,
        authority_host=env.get("SMA_AUTHORITY_HOST", "").strip().lower() or Settings.authority_host,
        teams_app_catalog_id=read.guid(env, "SMA_TEAMS_APP_CATALOG_ID"),
        teams_app_manifest_id=read.guid(env, "SMA_TEAMS_APP_MANIFEST_ID"),
        support_directory=support,
        role=read.role(env),
        worker_url=env.get("SMA_WORKER_URL", "").strip().rstrip("/"),
        wake_key=env.get("SMA_WAKE_KEY", "").strip(),
    )
    found = store_problems + support_problems + problems(settings)
    if found:
        raise SettingsError(" ".join(found))
    return settings

"""What `load_settings` refuses: each problem with a set of settings as a sentence that says
how to fix it, all of them at once."""

from __future__ import annotations

from urllib.parse import urlsplit

from common.hosts import (
    AUTHORITY_HOSTS,
    GRAPH_HOSTS,
    https_or_loopback_http,
    is_loopback,
    service_url_allowed,
    split_url,
)
from config.environment import GUID, AppType, Role, StoreKind
from config.values import OUTBOX_LEASE_BOUNDS, Settings
from referrals.availability import MOST_CASES
from referrals.periods import DEFAULT_SERVICE_START, month_index
from storage.keys import BLIND_INDEX_VARIABLE, CURRENT_VARIABLE, KEYS_VARIABLE


def _is_month(text: str) -> bool:
    try:
        month_index(text)
    except ValueError:
        return False
    return True


def problems(s: Settings) -> list[str]:
    """Every problem at once, so one failed start-up says everything that needs fixing."""
    found: list[str] = []
    found += _store_problems(s)
    if s.retention_days < 1 or s.draft_keep_days < 1:
        found.append("SMA_RETENTION_DAYS and SMA_DRAFT_KEEP_DAYS must be at least 1.")
    if not _is_month(s.service_start):
        found.append(
            f"SMA_SERVICE_START must be the month the service started, written like "
            f"{DEFAULT_SERVICE_START} (year, then month), not {s.service_start!r}. The "
            f"figures' six-month reviews run from that month."
        )
    if not 1 <= s.details_fold_minutes <= 24 * 60:
        found.append(
            "SMA_DETAILS_FOLD_MINUTES must be from 1 to 1440: details shown in a chat hide "
            "again after that many minutes."
        )
    if s.telemetry_connection_string and "InstrumentationKey=" not in (
        s.telemetry_connection_string
    ):
        found.append(
            "APPLICATIONINSIGHTS_CONNECTION_STRING must be the Application Insights "
            "resource's connection string (it starts InstrumentationKey=…), or be left unset "
            "to send no telemetry."
        )
    if not 0 <= s.checkin_day <= 31:
        found.append(
            "SMA_CHECKIN_DAY must be a day of the month, from 1 to 31 (or 0 for none): the "
            "advocates' wellbeing check-ins go out from that day (the last day in a shorter "
            "month)."
        )
    if not 1 <= s.caseload_limit <= MOST_CASES:
        found.append(
            f"SMA_CASELOAD_LIMIT must be from 1 to {MOST_CASES}: the most cases an advocate "
            "holds unless the SMLO sets another limit for them."
        )
    low, high = OUTBOX_LEASE_BOUNDS
    if not low <= s.outbox_lease_seconds <= high:
        found.append(
            f"SMA_OUTBOX_LEASE_SECONDS must be from {low} to {high}: how long another instance "
            "waits before it takes over a message an instance stopped sending."
        )
    found += _period_problems(s)
    if not s.smlo_ids and not s.smlo_group_id:
        found.append(
            "SMA_SMLO_IDS is empty: name at least one SMLO by Entra object id, or set "
            "SMA_SMLO_GROUP_ID."
        )
    found += _auditor_problems(s)
    found += _directory_problems(s)
    found += _role_problems(s)
    if s.development_mode:
        if not s.app_tenant_id:
            found.append(
                "MicrosoftAppTenantId is required in every mode: only activities from the "
                "force's Entra tenant are accepted."
            )
        if s.auth_openid_metadata_url or s.auth_token_issuer:
            found.append(
                "SMA_AUTH_OPENID_METADATA_URL and SMA_AUTH_TOKEN_ISSUER have no effect in "
                "development mode (authentication is off): remove them or leave development mode."
            )
    else:
        found += _production_problems(s)
    if s.app_tenant_id and not GUID.fullmatch(s.app_tenant_id):
        found.append("MicrosoftAppTenantId must be the force's Entra tenant id, a GUID.")
    if s.teams_service_url and not service_url_allowed(
        s.teams_service_url, s.allowed_service_hosts
    ):
        found.append(
            "SMA_TEAMS_SERVICE_URL must be https:// on a host listed in SMA_ALLOWED_SERVICE_HOSTS "
            "(or empty, to reach people only after they write to the bot)."
        )
    return found


def _store_problems(s: Settings) -> list[str]:
    if s.store != StoreKind.COSMOS:
        return []
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


# The shared secret the web role wakes the worker with; long enough not to be guessed.
SHORTEST_WAKE_KEY = 32
MAKE_A_WAKE_KEY = "make one with `python -m ops.keys new-wake-key`"


def _role_problems(s: Settings) -> list[str]:
    """The web role wakes the worker over HTTP with a shared key; production has both, so a
    wake is never lost to a setting left out and never sent where it could be read."""
    problems: list[str] = []
    if s.worker_url and not _worker_url_allowed(s.worker_url):
        problems.append(
            "SMA_WORKER_URL must be the worker's https:// address, like "
            "https://sma-worker.azurewebsites.net (http:// only on loopback), with no path, "
            "user name or query."
        )
    if s.wake_key.startswith("@Microsoft.KeyVault("):
        # Unresolved, App Service passes the reference itself: the same text on both apps
        # would "work" as a key anyone who reads the template could write.
        problems.append(
            "SMA_WAKE_KEY is a Key Vault reference App Service could not resolve: check that "
            "the secret exists and the app's identity may read it, then restart the app."
        )
    elif s.wake_key and len(s.wake_key) < SHORTEST_WAKE_KEY:
        problems.append(
            f"SMA_WAKE_KEY must be at least {SHORTEST_WAKE_KEY} characters ({MAKE_A_WAKE_KEY})."
        )
    if s.development_mode:
        return problems
    if s.role is Role.WEB and not (s.worker_url and s.wake_key):
        problems.append(
            "SMA_ROLE=web needs SMA_WORKER_URL and SMA_WAKE_KEY: the web role hands "
            "delivery to the worker and wakes it with that key (the same key on the worker; "
            f"{MAKE_A_WAKE_KEY}). Or use SMA_ROLE=all to deliver in this process."
        )
    if s.role is Role.WORKER and not s.wake_key:
        problems.append(
            "SMA_ROLE=worker needs SMA_WAKE_KEY, the key the web role wakes it with "
            f"({MAKE_A_WAKE_KEY}); without it every wake is refused."
        )
    return problems


def _worker_url_allowed(url: str) -> bool:
    split = split_url(url)
    if split is None:
        return False
    parts, host = split
    extras = parts.username or parts.password or parts.query or parts.fragment
    if not host or extras or parts.path not in ("", "/"):
        return False
    return https_or_loopback_http(parts, host)


def _auditor_problems(s: Settings) -> list[str]:
    """The auditor checks the SMLOs' and advocates' reads, so is never one of them."""
    problems: list[str] = []
    staff = s.smlo_ids | {a.user_id for a in s.seed_advocates}
    if s.auditor_ids & staff:
        problems.append(
            "SMA_AUDITOR_IDS names someone who is also in SMA_SMLO_IDS or SMA_SEED_ADVOCATES: "
            "the auditor must be independent of the people whose reads they check."
        )
    groups = {s.smlo_group_id, s.advocates_group_id} - {""}
    if s.auditor_group_id and s.auditor_group_id in groups:
        problems.append(
            "SMA_AUDITOR_GROUP_ID must be a group of its own, not the SMLO or advocates group."
        )
    return problems


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
            "SMA_SMLO_GROUP_ID, SMA_ADVOCATES_GROUP_ID, SMA_AUDITOR_GROUP_ID and "
            "SMA_TEAMS_APP_CATALOG_ID need "
            "the bot's own credentials, which development mode does not use: remove them "
            "or leave development mode."
        ]
    if s.app_type != AppType.SINGLE_TENANT or not s.app_password:
        problems.append(
            "The Entra ID groups and app installation use Microsoft Graph with the bot's "
            "MicrosoftAppPassword (client credentials): they need MicrosoftAppType="
            f"{AppType.SINGLE_TENANT} and a password."
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


def _production_problems(s: Settings) -> list[str]:
    managed = s.app_type == AppType.MANAGED_IDENTITY
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
            "referrals at rest (make one with `python -m ops.keys new <id>`)."
        )
    if s.blind_index_key is None:
        problems.append(
            f"Production needs {BLIND_INDEX_VARIABLE}: the key, apart from the data keys, "
            "that lets two referrals naming the same person be noticed (make one with "
            "`python -m ops.keys new-blind-index-key`)."
        )
    if s.app_id and not GUID.fullmatch(s.app_id):
        problems.append("MicrosoftAppId must be the Azure Bot's app (client) id, a GUID.")
    if managed and s.app_password:
        problems.append(
            f"MicrosoftAppPassword must be empty with MicrosoftAppType={AppType.MANAGED_IDENTITY}: "
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


def _period_problems(s: Settings) -> list[str]:
    p, found = s.reminder_periods, []
    if min(p.triage, p.allocation, p.offer_reminder, p.first_contact_reminder) < 1:
        found.append("Every SMA_REMIND_…_DAYS must be at least 1 working day.")
    if not 1 <= p.draft_warning < p.draft_keep:
        found.append(
            "SMA_DRAFT_WARNING_DAYS must be at least 1 and less than SMA_DRAFT_KEEP_DAYS: "
            "the person is told that many days before their unsent referral is deleted."
        )
    if p.quiet_case < 1 or p.review_overdue < 1:
        found.append("SMA_QUIET_CASE_DAYS and SMA_REVIEW_OVERDUE_DAYS must be at least 1.")
    if p.offer_lapse <= p.offer_reminder:
        found.append(
            "SMA_OFFER_LAPSE_DAYS must be more than SMA_REMIND_OFFER_DAYS: the advocate is "
            "reminded before the offer lapses."
        )
    if p.first_contact_escalation <= p.first_contact_reminder:
        found.append(
            "SMA_ESCALATE_FIRST_CONTACT_DAYS must be more than SMA_REMIND_FIRST_CONTACT_DAYS: "
            "the advocate is reminded before the SMLO is told."
        )
    return found

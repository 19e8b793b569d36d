"""The settings the app runs with: one frozen value, read once by `config.settings`."""

from __future__ import annotations

from dataclasses import dataclass, field

from common.hosts import TEAMS_PUBLIC_CLOUD_HOST
from config.environment import LOOPBACK, AppType, Role, SettingsError, StoreKind
from config.support import shipped_support_directory
from referrals.availability import DEFAULT_CASELOAD_LIMIT
from referrals.people import Advocate
from referrals.periods import DEFAULT_SERVICE_START
from referrals.support import SupportDirectory
from referrals.timers import Periods
from referrals.working_days import OFFICE_HOURS, WorkingHours
from storage.crypto import KeyRing

DEFAULT_OUTBOX_LEASE_SECONDS = 60
OUTBOX_LEASE_BOUNDS = (10, 600)  # seconds: renewals need room; a killed claim waits this long


@dataclass(frozen=True)
class Settings:
    development_mode: bool
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_tenant_id: str = ""
    app_type: AppType = AppType.SINGLE_TENANT
    host: str = LOOPBACK
    port: int = 3978
    sqlite_path: str = "var/sma.sqlite3"
    smlo_ids: frozenset[str] = frozenset()
    # The data protection auditors (docs/security.md): the audit trail, never a referral.
    auditor_ids: frozenset[str] = frozenset()
    seed_advocates: tuple[Advocate, ...] = ()
    teams_service_url: str = "https://smba.trafficmanager.net/uk/"
    draft_keep_days: int = 30
    max_body_bytes: int = 256 * 1024
    # Bot Connector hosts (exact names) the bot may send to; see `common.hosts.service_url_allowed`.
    allowed_service_hosts: frozenset[str] = frozenset({TEAMS_PUBLIC_CLOUD_HOST})
    # Where incoming tokens come from, for tests and sovereign clouds; empty = public cloud.
    auth_openid_metadata_url: str = ""
    auth_token_issuer: str = ""
    # The data encryption keys (storage/keys.py); None only in development mode, which then
    # uses a fixed, loudly logged insecure key.
    data_keys: KeyRing | None = field(default=None, repr=False)
    # The blind index key (SMA_BLIND_INDEX_KEY, storage/keys.py), apart from the data keys;
    # None only in development mode, which then uses a fixed, loudly logged insecure key.
    blind_index_key: bytes | None = field(default=None, repr=False)
    # Closed and withdrawn referrals keep personal data this long (docs/security.md).
    retention_days: int = 365
    # The month the service started, "2025-06": the figures' six-month reviews run from it.
    service_start: str = DEFAULT_SERVICE_START
    # A message showing a referral's details folds back to a content-free face after this.
    details_fold_minutes: int = 10
    # APPLICATIONINSIGHTS_CONNECTION_STRING: traces, metrics and logs go to Azure Monitor
    # (telemetry/, docs/deploy.md "Monitoring"); empty: nothing is configured or sent.
    telemetry_connection_string: str = field(default="", repr=False)
    # SMA_CHECKIN_DAY: the advocates' monthly check-ins go out from it (0: none are sent).
    # SMA_DIGEST_DAY: the weekday (0 is Monday) the SMLOs' weekly digest goes out; None: off.
    # Both are off for Settings built in code (the tests: nothing arrives on its own in the
    # middle of a test); `load_settings` gives the documented defaults, day 1 and Monday.
    checkin_day: int = 0
    digest_day: int | None = None
    # How long a delivering instance's claim on a notification keeps the others off it
    # (bot/outbox/scheduler.py): renewed while the delivery lasts, so it bounds only how
    # long a notification waits after its instance is killed mid-delivery.
    outbox_lease_seconds: int = DEFAULT_OUTBOX_LEASE_SECONDS
    # How many cases an advocate holds at most, unless the SMLO sets another limit for them.
    caseload_limit: int = DEFAULT_CASELOAD_LIMIT
    # Reminders (referrals/timers.py): nudges go out within these hours, Europe/London, on
    # working days; each period counts working days in England and Wales.
    working_hours: WorkingHours = OFFICE_HOURS
    reminder_periods: Periods = field(default_factory=Periods)
    # Where referrals live: "sqlite" (embedded, the default) or "cosmos" (docs/storage.md).
    store: StoreKind = StoreKind.SQLITE
    cosmos_endpoint: str = ""
    cosmos_key: str = field(default="", repr=False)  # empty: Entra ID (managed identity)
    cosmos_database: str = "sma"
    cosmos_create_containers: bool = True
    cosmos_verify_tls: bool = True  # off only for the loopback test server
    # Roles from Entra ID security groups, read through Microsoft Graph (entra/directory.py).
    smlo_group_id: str = ""  # empty: SMLOs are smlo_ids
    advocates_group_id: str = ""  # empty: advocates are the roster the SMLO keeps
    auditor_group_id: str = ""  # empty: auditors are auditor_ids (or nobody)
    directory_refresh_seconds: int = 300
    graph_url: str = "https://graph.microsoft.com/v1.0"
    authority_host: str = "login.microsoftonline.com"  # host[:port] of the Entra sign-in
    # Installing the app for someone who never opened it (entra/install.py).
    teams_app_catalog_id: str = ""  # empty: looked up by the manifest id
    teams_app_manifest_id: str = ""  # empty: the app id (as manifest/settings.py)
    # What this process does (config.environment.Role); `web` wakes the worker at
    # worker_url (its base URL) with wake_key, which the worker requires on every wake.
    role: Role = Role.ALL
    worker_url: str = ""
    wake_key: str = field(default="", repr=False)
    # The services people are pointed to (docs/support-directory.md): SMA_SUPPORT_DIRECTORY.
    support_directory: SupportDirectory = field(
        default_factory=shipped_support_directory, repr=False
    )

    def __post_init__(self) -> None:
        # Defence in depth: however Settings is built, no authentication means loopback only.
        if self.development_mode and self.host != LOOPBACK:
            raise SettingsError(f"Development mode listens on {LOOPBACK} only, not {self.host}.")

    @property
    def uses_directory(self) -> bool:
        """Microsoft Graph is used only when one of its settings asks for it."""
        return bool(
            self.smlo_group_id
            or self.advocates_group_id
            or self.auditor_group_id
            or self.teams_app_catalog_id
        )

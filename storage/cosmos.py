"""Azure Cosmos DB adapters for every storage port: the production engine.

`CosmosStores.open(settings, cipher)` connects with the async azure-cosmos client,
creates the database and containers if asked to, and gives the same `Stores` as SQLite,
plus what the audit log and bot state storage need (`.database`). Documents are sealed
by `storage.sealing` exactly as the SQLite rows are; see `storage.cosmos_database` for
the containers and docs/storage.md for the design, costs and the test server's limits.

Connecting: by account key (the local test server; development), or by an Entra ID
credential in production: pass any `AsyncTokenCredential`, or leave both out and
`DefaultAzureCredential` from the optional `azure-identity` package is used (a managed
identity in Azure), with a Cosmos DB data-plane role assignment and keys disabled.

Transient failures (429 with Retry-After, 503, timeouts, refused connections) are
retried by the client's own policy within the limits set here; after that the error
propagates, and the bot tells the person nothing they entered is lost.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

from azure.core.credentials_async import AsyncTokenCredential
from azure.cosmos import PartitionKey
from azure.cosmos.aio import CosmosClient, DatabaseProxy
from azure.cosmos.exceptions import CosmosResourceNotFoundError

from common.hosts import is_loopback
from referrals.ports import Stores
from storage.cosmos_case_record import CosmosCaseRecordStore
from storage.cosmos_checkins import CosmosCheckinStore
from storage.cosmos_coordination import CosmosAnswerStore, CosmosLeaseStore
from storage.cosmos_database import (
    BOT_STATE,
    CONTAINERS,
    LEASES,
    REFERRALS,
    ContainerSpec,
    CosmosDatabase,
    bounded_container,
)
from storage.cosmos_outbox import CosmosOutboxStore
from storage.cosmos_people import CosmosConversationStore, CosmosRosterStore
from storage.cosmos_referrals import CosmosReferralStore
from storage.cosmos_subjects import CosmosSubjectIndexStore
from storage.cosmos_timers import CosmosTimerStore
from storage.cosmos_views import CosmosShownViewStore
from storage.crypto import FieldCipher

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CosmosSettings:
    """Where and how to connect. `key` empty means Entra ID (see the module docstring)."""

    endpoint: str
    database: str = "sma"
    key: str = field(default="", repr=False)
    # Create the database and containers at start-up if missing. Off in production: the
    # app's data-plane role cannot create them, and infrastructure code owns them.
    create_if_missing: bool = True
    # Off only for a self-signed loopback test server; refused for any other host.
    verify_tls: bool = True
    # The client's retry policy: attempts for throttling (429) and connection errors,
    # the longest wait in seconds, and timeouts in seconds. `operation_timeout` bounds
    # one item operation with all its retries (given on every call: azure-cosmos 4.17.1
    # applies the client-level timeout only to the start-up account read), so a store that
    # is down fails within about operation_timeout + read_timeout. The defaults keep a
    # failed save (a read and a write) inside the time Teams waits for a card action.
    retry_total: int = 3
    retry_backoff_max: int = 3
    connection_timeout: int = 2
    read_timeout: int = 3
    operation_timeout: int = 4
    # Drafts untouched this long are deleted by Cosmos DB (a backstop to the purge).
    draft_ttl: timedelta | None = None
    # Bot dialog state untouched this long is deleted by Cosmos DB (the container default).
    bot_state_ttl: timedelta | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.endpoint)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("the Cosmos DB endpoint must be an https:// URL")
        if not self.verify_tls and not is_loopback(parts.hostname or ""):
            raise ValueError("TLS verification may be turned off for a loopback endpoint only")
        if not self.database:
            raise ValueError("name the Cosmos DB database")
        for name in ("retry_total", "retry_backoff_max", "connection_timeout", "read_timeout"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.operation_timeout <= 0:
            raise ValueError("operation_timeout must be positive")

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for `azure.cosmos.aio.CosmosClient` (azure-cosmos 4.17)."""
        return {
            "connection_verify": self.verify_tls,
            "retry_total": self.retry_total,
            "retry_backoff_max": self.retry_backoff_max,
            "connection_timeout": self.connection_timeout,
            "read_timeout": self.read_timeout,
            "timeout": self.operation_timeout,
        }


class CosmosStores:
    """The ports over one Cosmos DB database; `open()` it, use `.stores`, `close()`."""

    def __init__(
        self,
        client: CosmosClient,
        database: CosmosDatabase,
        settings: CosmosSettings,
        owned_credential: AsyncTokenCredential | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.database = database
        self._owned_credential = owned_credential
        self.stores = Stores(
            referrals=CosmosReferralStore(database),
            roster=CosmosRosterStore(database),
            outbox=CosmosOutboxStore(database),
            conversations=CosmosConversationStore(database),
            views=CosmosShownViewStore(database),
            records=CosmosCaseRecordStore(database),
            checkins=CosmosCheckinStore(database),
            timers=CosmosTimerStore(database),
            subjects=CosmosSubjectIndexStore(database),
        )
        # Not ports of the use cases: the app's background runner and replay guard use them.
        self.leases = CosmosLeaseStore(database)
        self.answers = CosmosAnswerStore(database)

    @classmethod
    async def open(
        cls,
        settings: CosmosSettings,
        cipher: FieldCipher,
        credential: AsyncTokenCredential | None = None,
    ) -> CosmosStores:
        """Connect and check (or create) the database and containers. Without a key or a
        `credential`, `DefaultAzureCredential` is made here and closed by `close()`."""
        owned = None
        if settings.key:
            secret: str | AsyncTokenCredential = settings.key
        elif credential is not None:
            secret = credential
        else:
            owned = secret = _default_azure_credential()
        client = CosmosClient(settings.endpoint, secret, **settings.client_options())
        try:
            database = await _containers(client, settings)
        except BaseException:
            await client.close()
            if owned is not None:
                await owned.close()
            raise
        ttl = settings.draft_ttl
        bounded = {
            name: bounded_container(c, settings.operation_timeout) for name, c in database.items()
        }
        opened = CosmosDatabase(
            **bounded,
            cipher=cipher,
            draft_ttl_seconds=int(ttl.total_seconds()) if ttl else None,
        )
        stores = cls(client, opened, settings, owned)
        try:  # referrals saved before statistics (as now counted) are counted once, here
            await CosmosReferralStore(opened).ensure_statistics()
        except BaseException:
            await stores.close()
            raise
        return stores

    async def close(self) -> None:
        await self.client.close()
        if self._owned_credential is not None:
            await self._owned_credential.close()
        # The client's sockets close on the event loop's next turns: let them, so a caller
        # that stops the loop next (an ops command, a test) leaves no socket half-closed.
        for _ in range(3):
            await asyncio.sleep(0)

    async def __aenter__(self) -> CosmosStores:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


async def _containers(client: CosmosClient, settings: CosmosSettings) -> dict[str, Any]:
    """Container clients by name, created first if the settings say so."""
    # What `async with client` does: read the account (its regions) now, so a wrong
    # endpoint or credential stops start-up instead of the first person's turn.
    await client.__aenter__()
    if not settings.create_if_missing:
        database = client.get_database_client(settings.database)
        found = {}
        for spec in CONTAINERS:
            container = database.get_container_client(spec.name)
            try:
                await container.read()
            except CosmosResourceNotFoundError:
                raise RuntimeError(
                    f"Cosmos DB container {settings.database}/{spec.name} does not exist; "
                    "create it (docs/storage.md) or allow create_if_missing"
                ) from None
            found[spec.name] = container
        return found
    created = await client.create_database_if_not_exists(settings.database)
    return {spec.name: await _create(created, spec, settings) for spec in CONTAINERS}


async def _create(database: DatabaseProxy, spec: ContainerSpec, settings: CosmosSettings) -> Any:
    # TTL must be on for a container before any item's own `ttl` counts: -1 turns it on
    # with no default expiry (referrals: only drafts carry a ttl).
    default_ttl = None
    if spec in (REFERRALS, LEASES):  # leases: only the replay answers carry a ttl
        default_ttl = -1
    elif spec is BOT_STATE and settings.bot_state_ttl:
        default_ttl = int(settings.bot_state_ttl.total_seconds())
    container = await database.create_container_if_not_exists(
        id=spec.name,
        partition_key=PartitionKey(path=spec.partition_key),
        # azure-cosmos annotates this as dict[str, str], but it takes the nested policy.
        indexing_policy=cast(dict[str, str], spec.indexing_policy()),
        default_ttl=default_ttl,
    )
    _log.info("cosmos container ready: %s", spec.name)
    return container


def _default_azure_credential() -> AsyncTokenCredential:
    # Imported here, and only here: azure-identity is optional (not needed with a key).
    try:
        identity = importlib.import_module("azure.identity.aio")
    except ImportError:
        raise RuntimeError(
            "no Cosmos DB key was given, and Entra ID sign-in needs the azure-identity "
            "package: `pip install azure-identity` (docs/storage.md)"
        ) from None
    return cast(AsyncTokenCredential, identity.DefaultAzureCredential())

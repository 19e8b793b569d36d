"""Opening a store: its ports, audit trail and dialog state, what instances coordinate
through (leases, replay answers), and how to close them, the same shape whichever store
it is."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referrals.audit import AuditLog
from referrals.ports import Clock, LeaseStore, Stores
from storage.cosmos import CosmosSettings, CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.cosmos_bot_state import CosmosBotStateStorage
from storage.cosmos_coordination import CosmosAnswerStore
from storage.crypto import FieldCipher
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from storage.sqlite_bot_state import SqliteBotStateStorage
from storage.sqlite_coordination import SqliteAnswerStore


@dataclass(frozen=True)
class OpenedStorage:
    stores: Stores
    audit: AuditLog
    dialog_state: Any  # a botbuilder Storage that can also purge_older_than(cutoff)
    close: Callable[[], Awaitable[None]]
    leases: LeaseStore
    # The replay guard's store (bot/ingress/replay.py's `AnswerStore`, a port storage/
    # cannot name: it belongs to the Teams edge).
    answers: SqliteAnswerStore | CosmosAnswerStore


async def open_sqlite(path: str, cipher: FieldCipher, clock: Clock) -> OpenedStorage:
    """The embedded store in the file `path` (made with its folder if need be)."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    sqlite = await SqliteStores.open(path, cipher)
    return OpenedStorage(
        sqlite.stores,
        SqliteAuditLog(sqlite.database),
        SqliteBotStateStorage(sqlite, clock),
        sqlite.close,
        sqlite.leases,
        sqlite.answers,
    )


async def open_cosmos(settings: CosmosSettings, cipher: FieldCipher, clock: Clock) -> OpenedStorage:
    """Azure Cosmos DB (docs/storage.md)."""
    cosmos = await CosmosStores.open(settings, cipher)
    return OpenedStorage(
        cosmos.stores,
        CosmosAuditLog(cosmos.database),
        CosmosBotStateStorage(cosmos.database, clock),
        cosmos.close,
        cosmos.leases,
        cosmos.answers,
    )

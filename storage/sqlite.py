"""SQLite adapters for every storage port: the embedded default, no cloud needed.

One aiosqlite connection serves every store and the bot state storage. Its statements
run one at a time, but a transaction spans several awaits, so `SqliteDatabase` holds a
lock for each transaction and each read: otherwise another coroutine's statement would
run inside it, or read what it has not yet committed. Across processes, WAL and
`busy_timeout` let readers and one writer share the file; `BEGIN IMMEDIATE` takes the
write lock up front so a transaction never fails halfway on a lock upgrade.

Rows hold the codec's JSON document, sealed by `storage.sealing` (identity, contact
details and free text encrypted; see there for exactly what), plus the columns the
queries filter and sort on. People are found by blind index (`referrer_key`,
`recipient_key`, `user_key`), never by their id in clear. SQL text is only ever built
from constant fragments in this module (S608 is silenced there); every value is a bound
parameter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from referrals import errors, statistics
from referrals.notifications import DeliveryStatus, Notification, NotificationKind
from referrals.people import Advocate
from referrals.ports import Stores
from referrals.referral import Referral
from referrals.states import HELD_BY_ADVOCATE, OPEN_STATES, ReferralState
from referrals.statistics import MonthTallies
from storage import codec, sealing, sqlite_statistics
from storage.crypto import FieldCipher
from storage.outbox_changes import OutboxChanges

_log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000

# Schema versions, applied in order; PRAGMA user_version counts those applied.
# Times are codec.sortable_time text, so string order is time order.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE referrals (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, state TEXT NOT NULL,
            referrer_id TEXT NOT NULL, reference TEXT NOT NULL, offered_to TEXT NOT NULL,
            advocate_id TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            submitted_at TEXT, document TEXT NOT NULL)""",
        "CREATE INDEX referrals_state ON referrals (state, submitted_at)",
        "CREATE INDEX referrals_referrer ON referrals (referrer_id, state)",
        "CREATE INDEX referrals_reference ON referrals (reference)",
        "CREATE INDEX referrals_offered_to ON referrals (offered_to)",
        "CREATE INDEX referrals_advocate ON referrals (advocate_id, state)",
        "CREATE INDEX referrals_submitted_at ON referrals (submitted_at)",
        """CREATE TABLE outbox (
            id TEXT PRIMARY KEY,
            referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
            recipient_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
            created_at TEXT NOT NULL, sent_at TEXT, document TEXT NOT NULL)""",
        "CREATE INDEX outbox_pending ON outbox (status, created_at, id)",
        "CREATE INDEX outbox_sent ON outbox (referral_id, recipient_id, kind, status)",
        "CREATE TABLE counters (year INTEGER PRIMARY KEY, value INTEGER NOT NULL)",
        """CREATE TABLE advocates (
            user_id TEXT PRIMARY KEY, display_name TEXT NOT NULL, document TEXT NOT NULL)""",
        """CREATE TABLE conversation_references (
            user_id TEXT PRIMARY KEY, document TEXT NOT NULL)""",
        """CREATE TABLE bot_state (
            key TEXT PRIMARY KEY, etag TEXT NOT NULL, document TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        "CREATE INDEX bot_state_updated_at ON bot_state (updated_at)",
    ),
    # 2: encryption at rest. The renamed columns now hold blind indexes, not ids.
    (
        "ALTER TABLE referrals RENAME COLUMN referrer_id TO referrer_key",
        "ALTER TABLE outbox RENAME COLUMN recipient_id TO recipient_key",
        "ALTER TABLE conversation_references RENAME COLUMN user_id TO user_key",
    ),
    # 3: the audit trail, append-only: the database itself refuses UPDATE and DELETE.
    (
        """CREATE TABLE audit (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, referral_id TEXT NOT NULL,
            actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, action TEXT NOT NULL,
            outcome TEXT NOT NULL)""",
        "CREATE INDEX audit_referral ON audit (referral_id, seq)",
        """CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END""",
        """CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit entries cannot be removed'); END""",
    ),
    # 4: delivery retries. NULL means due now (every row written before this).
    (
        "ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
    ),
    # 5: anonymous statistics, one sealed tally per month (storage/sqlite_statistics.py),
    # counted from the referrals already stored as it is applied (_FILL_AFTER).
    ("CREATE TABLE statistics_months (month TEXT PRIMARY KEY, document TEXT NOT NULL)",),
)
# Work a migration needs beyond SQL, run in its transaction: schema number -> what to run.
_FILL_AFTER = {5: sqlite_statistics.recount_in}
# Tables whose schema-1 rows hold personal data in clear.
_PLAINTEXT_TABLES = ("referrals", "outbox", "conversation_references", "bot_state")


class SqliteDatabase:
    """The shared connection. Every store and the bot state storage go through it."""

    def __init__(self, connection: aiosqlite.Connection, cipher: FieldCipher) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.cipher = cipher  # one file, one key ring: every store seals with this

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT`; any exception in the block (cancellation too) rolls
        back. A COMMIT, once started, is never interrupted: cancelled mid-commit, the work
        is committed and the cancellation still reaches the caller."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await asyncio.shield(self._rollback())
                raise
            await asyncio.shield(self._connection.execute("COMMIT"))

    async def _rollback(self) -> None:
        try:
            await self._connection.execute("ROLLBACK")
        except sqlite3.OperationalError:  # nothing to roll back; keep the original error
            _log.debug("rollback found no open transaction")

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return list(await self._connection.execute_fetchall(sql, parameters))

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.fetch_all(sql, parameters)
        return rows[0] if rows else None

    async def close(self) -> None:
        async with self._lock:
            await self._connection.close()


class SqliteStores:
    """The four ports over one SQLite file; `open()` it, use `.stores`, then `close()`.

    `":memory:"` gives a private, throwaway database (for tests).
    """

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database
        self.stores = Stores(
            referrals=SqliteReferralStore(database),
            roster=SqliteRosterStore(database),
            outbox=SqliteOutboxStore(database),
            conversations=SqliteConversationStore(database),
        )

    @classmethod
    async def open(cls, path: str | Path, cipher: FieldCipher) -> SqliteStores:
        """Connect, set the pragmas and bring the schema up to date; `cipher` seals and
        opens the sensitive parts of every row."""
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            # Erased and purged data is overwritten on disk, not left in free pages.
            await connection.execute("PRAGMA secure_delete = ON")
            database = SqliteDatabase(connection, cipher)
            await _migrate(database)
        except BaseException:
            await connection.close()
            raise
        return cls(database)

    async def close(self) -> None:
        await self.database.close()

    async def __aenter__(self) -> SqliteStores:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


async def _migrate(database: SqliteDatabase) -> None:
    # Read the version inside the write transaction, so two processes starting at once
    # cannot both apply the same migration.
    async with database.transaction() as connection:
        rows = await connection.execute_fetchall("PRAGMA user_version")
        current = int(next(iter(rows))[0])
        if current > len(MIGRATIONS):
            raise RuntimeError(
                f"database schema {current} is newer than this code ({len(MIGRATIONS)})"
            )
        if current == 1 and await _holds_rows(connection, _PLAINTEXT_TABLES):
            # SQL cannot encrypt, and sealing in place would leave the clear text in free
            # pages; this schema only ever held development data.
            raise RuntimeError(
                "this database predates encryption at rest and holds data in clear; "
                "delete it (and its -wal and -shm files) and start again"
            )
        for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
            for statement in statements:
                await connection.execute(statement)
            if number in _FILL_AFTER:
                await _FILL_AFTER[number](connection, database.cipher)
            await connection.execute(f"PRAGMA user_version = {number}")
            _log.info("sqlite schema migrated to version %s", number)


async def _holds_rows(connection: aiosqlite.Connection, tables: Iterable[str]) -> bool:
    for table in tables:
        rows = await connection.execute_fetchall(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
        if list(rows):
            return True
    return False


# -- the ports -------------------------------------------------------------------------

_REFERRAL_COLUMNS = (
    "id, version, state, referrer_key, reference, offered_to, advocate_id, "
    "created_at, updated_at, submitted_at, document"
)
_SUBMITTED_ORDER = "ORDER BY COALESCE(submitted_at, created_at), id"


class SqliteReferralStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def save(self, referral: Referral) -> None:
        """The version check is in SQL, so it holds across processes, not just this lock."""
        stored = replace(referral, version=referral.version + 1, new_notifications=[])
        row = _referral_row(stored, self._db.cipher)
        async with self._db.transaction() as connection:
            before = None  # the stored version, where it counts towards the statistics
            if referral.version == 0:
                try:
                    await connection.execute(
                        f"INSERT INTO referrals ({_REFERRAL_COLUMNS}) VALUES ({_marks(row)})",  # noqa: S608
                        row,
                    )
                except sqlite3.IntegrityError:  # the id's only constraint: saved by someone first
                    raise errors.ConcurrentUpdate(referral.id) from None
            else:
                if stored.submitted_at is not None:  # a draft counts for nothing, before or after
                    before = await self._counted(connection, referral.id, referral.version)
                cursor = await connection.execute(
                    "UPDATE referrals SET version = ?, state = ?, referrer_key = ?, "
                    "reference = ?, offered_to = ?, advocate_id = ?, created_at = ?, "
                    "updated_at = ?, submitted_at = ?, document = ? "
                    "WHERE id = ? AND version = ?",
                    (*row[1:], referral.id, referral.version),
                )
                if cursor.rowcount != 1:
                    raise errors.ConcurrentUpdate(referral.id)
            # Same transaction: the figures move with the referral or not at all.
            delta = statistics.change(before, stored)
            if delta:
                await sqlite_statistics.record_change(connection, self._db.cipher, delta)
            await connection.executemany(
                "INSERT INTO outbox (id, referral_id, recipient_key, kind, status, "
                "created_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [_notification_row(n, self._db.cipher) for n in referral.new_notifications],
            )
        referral.version, referral.new_notifications = stored.version, []

    async def _counted(
        self, connection: aiosqlite.Connection, referral_id: str, version: int
    ) -> Referral | None:
        """The stored version `version` of a sent referral, or None (a draft, or not that
        version: the update that follows then refuses it)."""
        rows = list(
            await connection.execute_fetchall(
                "SELECT document FROM referrals WHERE id = ? AND version = ? AND state != ?",
                (referral_id, version, ReferralState.DRAFT.value),
            )
        )
        if not rows:
            return None
        stored = sealing.open_referral(json.loads(rows[0][0]), self._db.cipher)
        return codec.referral_from_doc(stored)

    async def statistics(self, months: Collection[str]) -> MonthTallies:
        return await sqlite_statistics.read(self._db, months)

    async def recount_statistics(self) -> MonthTallies:
        return await sqlite_statistics.recount(self._db)

    async def get(self, referral_id: str) -> Referral:
        found = await self._one("WHERE id = ?", referral_id)
        if found is None:
            raise errors.ReferralNotFound(referral_id)
        return found

    async def find_by_reference(self, reference: str) -> Referral | None:
        return await self._one("WHERE reference = ? AND reference != ''", reference)

    async def find_draft(self, referrer_id: str) -> Referral | None:
        keys = sealing.indexes_of(referrer_id, sealing.REFERRER, self._db.cipher)
        return await self._one(
            # rowid breaks ties as the fake does: the first stored wins
            f"WHERE referrer_key IN ({_marks(keys)}) AND state = ? ORDER BY updated_at DESC, rowid",
            *keys,
            ReferralState.DRAFT.value,
        )

    async def delete_draft(self, referral_id: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM referrals WHERE id = ? AND state = ?",
                (referral_id, ReferralState.DRAFT.value),
            )

    async def list_in_states(self, states: Collection[ReferralState]) -> list[Referral]:
        chosen = [ReferralState(s).value for s in states]
        return await self._many(f"WHERE state IN ({_marks(chosen)}) {_SUBMITTED_ORDER}", *chosen)

    async def list_for_referrer(self, referrer_id: str) -> list[Referral]:
        keys = sealing.indexes_of(referrer_id, sealing.REFERRER, self._db.cipher)
        return await self._many(
            f"WHERE referrer_key IN ({_marks(keys)}) AND state != ? {_SUBMITTED_ORDER}",
            *keys,
            ReferralState.DRAFT.value,
        )

    async def list_for_advocate(self, advocate_id: str) -> list[Referral]:
        if not advocate_id:  # "" is every unallocated referral's offered_to
            return []
        open_states = sorted(s.value for s in OPEN_STATES)
        return await self._many(
            f"WHERE state IN ({_marks(open_states)}) AND ? IN (advocate_id, offered_to) "
            f"{_SUBMITTED_ORDER}",
            *open_states,
            advocate_id,
        )

    async def list_ended_before(self, before: datetime) -> list[Referral]:
        ended = (ReferralState.CLOSED.value, ReferralState.WITHDRAWN.value)
        return await self._many(
            f"WHERE state IN (?, ?) AND updated_at < ? {_SUBMITTED_ORDER}",
            *ended,
            codec.sortable_time(before),
        )

    async def list_drafts_before(self, before: datetime) -> list[Referral]:
        return await self._many(
            f"WHERE state = ? AND updated_at < ? {_SUBMITTED_ORDER}",
            ReferralState.DRAFT.value,
            codec.sortable_time(before),
        )

    async def caseloads(self) -> dict[str, int]:
        held = sorted(s.value for s in HELD_BY_ADVOCATE)
        rows = await self._db.fetch_all(
            f"SELECT advocate_id, COUNT(*) FROM referrals WHERE state IN ({_marks(held)}) "  # noqa: S608
            "AND advocate_id != '' GROUP BY advocate_id",
            held,
        )
        return {row[0]: row[1] for row in rows}

    async def next_reference_number(self, year: int) -> int:
        async with self._db.transaction() as connection:
            rows = await connection.execute_fetchall(
                "INSERT INTO counters (year, value) VALUES (?, 1) "
                "ON CONFLICT (year) DO UPDATE SET value = value + 1 RETURNING value",
                (year,),
            )
        return int(next(iter(rows))[0])

    async def _one(self, where: str, *parameters: object) -> Referral | None:
        found = await self._many(f"{where} LIMIT 1", *parameters)
        return found[0] if found else None

    async def _many(self, where: str, *parameters: object) -> list[Referral]:
        sql = f"SELECT document FROM referrals {where}"  # noqa: S608
        rows = await self._db.fetch_all(sql, parameters)
        return [
            codec.referral_from_doc(sealing.open_referral(json.loads(row[0]), self._db.cipher))
            for row in rows
        ]


class SqliteRosterStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def list_advocates(self) -> list[Advocate]:
        rows = await self._db.fetch_all(
            "SELECT document FROM advocates ORDER BY display_name, user_id"
        )
        return [codec.advocate_from_doc(json.loads(row[0])) for row in rows]

    async def get_advocate(self, user_id: str) -> Advocate | None:
        row = await self._db.fetch_one(
            "SELECT document FROM advocates WHERE user_id = ?", (user_id,)
        )
        return codec.advocate_from_doc(json.loads(row[0])) if row else None

    async def put_advocate(self, advocate: Advocate) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "INSERT INTO advocates (user_id, display_name, document) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET display_name = excluded.display_name, "
                "document = excluded.document",
                (advocate.user_id, advocate.display_name, _dumps(codec.advocate_to_doc(advocate))),
            )


class SqliteOutboxStore(OutboxChanges):
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def pending(self, limit: int = 50) -> list[Notification]:
        return await self._many(
            "WHERE status = ? ORDER BY created_at, id LIMIT ?", DeliveryStatus.PENDING.value, limit
        )

    async def mark_sent(
        self, notification_id: str, conversation_id: str, activity_id: str, at: datetime
    ) -> None:
        """Raises `KeyError` for an unknown notification, as the in-memory fake does."""
        await self._change(notification_id, lambda n: n.sent(conversation_id, activity_id), at)

    async def parked(self, limit: int = 50) -> list[Notification]:
        return await self._many(
            "WHERE status = ? ORDER BY created_at, id LIMIT ?", DeliveryStatus.PARKED.value, limit
        )

    async def _change(
        self,
        notification_id: str,
        change: Callable[[Notification], Notification | None],
        sent_at: datetime | None = None,
    ) -> Notification | None:
        """Read, change and rewrite one row in a transaction; `change` returning None
        leaves it alone. Raises `KeyError` for an unknown notification."""
        async with self._db.transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    "SELECT document FROM outbox WHERE id = ?", (notification_id,)
                )
            )
            if not rows:
                raise KeyError(notification_id)
            changed = change(_notification_from_row(rows[0][0], self._db.cipher))
            if changed is None:
                return None
            due = changed.next_attempt_at
            await connection.execute(
                "UPDATE outbox SET status = ?, sent_at = COALESCE(?, sent_at), "
                "next_attempt_at = ?, document = ? WHERE id = ?",
                (
                    changed.status.value,
                    codec.sortable_time(sent_at) if sent_at else None,
                    codec.sortable_time(due) if due else None,
                    _dumps(
                        sealing.seal_notification(
                            codec.notification_to_doc(changed), self._db.cipher
                        )
                    ),
                    notification_id,
                ),
            )
            return changed

    async def find_sent(
        self, referral_id: str, recipient_id: str, kind: NotificationKind
    ) -> Notification | None:
        keys = sealing.indexes_of(recipient_id, sealing.RECIPIENT, self._db.cipher)
        found = await self._many(
            f"WHERE referral_id = ? AND recipient_key IN ({_marks(keys)}) AND kind = ? "
            "AND status = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            referral_id,
            *keys,
            NotificationKind(kind).value,
            DeliveryStatus.SENT.value,
        )
        return found[0] if found else None

    async def _many(self, where: str, *parameters: object) -> list[Notification]:
        sql = f"SELECT document FROM outbox {where}"  # noqa: S608
        rows = await self._db.fetch_all(sql, parameters)
        return [_notification_from_row(row[0], self._db.cipher) for row in rows]


class SqliteConversationStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def put_reference(self, user_id: str, reference: Mapping[str, Any]) -> None:
        """The reference must be JSON-serialisable (a `ConversationReference.serialize()`).
        A copy still keyed under a retired key's index is replaced, not left behind."""
        cipher = self._db.cipher
        sealed = sealing.seal_reference(user_id, reference, cipher)
        keys = sealing.indexes_of(user_id, sealing.CONVERSATION_USER, cipher)
        async with self._db.transaction() as connection:
            await connection.execute(
                f"DELETE FROM conversation_references WHERE user_key IN ({_marks(keys)})",  # noqa: S608
                keys,
            )
            await connection.execute(
                "INSERT INTO conversation_references (user_key, document) VALUES (?, ?)",
                (sealed["user_key"], sealed["sealed"]),
            )

    async def get_reference(self, user_id: str) -> dict[str, Any] | None:
        keys = sealing.indexes_of(user_id, sealing.CONVERSATION_USER, self._db.cipher)
        rows = await self._db.fetch_all(
            "SELECT user_key, document FROM conversation_references "  # noqa: S608
            f"WHERE user_key IN ({_marks(keys)})",
            keys,
        )
        for user_key, document in rows:
            found_id, reference = sealing.open_reference(
                {"user_key": user_key, "sealed": document}, self._db.cipher
            )
            if found_id == user_id:  # belt and braces: the sealed id is the one asked for
                return reference
        return None


def _referral_row(referral: Referral, cipher: FieldCipher) -> tuple[object, ...]:
    """Values in `_REFERRAL_COLUMNS` order."""
    submitted = referral.submitted_at
    document = sealing.seal_referral(codec.referral_to_doc(referral), cipher)
    return (
        referral.id,
        referral.version,
        referral.state.value,
        document["referrer_key"],
        referral.reference,
        referral.offered_to,
        referral.advocate_id,
        codec.sortable_time(referral.created_at),
        codec.sortable_time(referral.updated_at),
        codec.sortable_time(submitted) if submitted else None,
        _dumps(document),
    )


def _notification_row(n: Notification, cipher: FieldCipher) -> tuple[object, ...]:
    document = sealing.seal_notification(codec.notification_to_doc(n), cipher)
    return (
        n.id,
        n.referral_id,
        document["recipient_key"],
        n.kind.value,
        n.status.value,
        codec.sortable_time(n.created_at),
        _dumps(document),
    )


def _notification_from_row(document: str, cipher: FieldCipher) -> Notification:
    return codec.notification_from_doc(sealing.open_notification(json.loads(document), cipher))


def _marks(values: Collection[object]) -> str:
    return ", ".join("?" * len(values))


def _dumps(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

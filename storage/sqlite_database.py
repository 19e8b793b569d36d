"""What every SQLite adapter shares: the connection, its transactions, the schema.

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
from constant fragments in the SQLite modules (S608 is silenced there); every value is a
bound parameter.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from storage.crypto import FieldCipher

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
    # counted from the referrals already stored as it is applied (a fill, below).
    ("CREATE TABLE statistics_months (month TEXT PRIMARY KEY, document TEXT NOT NULL)",),
    # 6: messages that show a referral's details (referrals/views.py): ids and a time.
    (
        """CREATE TABLE shown_views (
            key TEXT PRIMARY KEY, shown_at TEXT NOT NULL, document TEXT NOT NULL)""",
    ),
    # 7: the case record (referrals/case_record.py), one sealed row per entry, written in
    # the transaction of the referral change that adds it (storage/sqlite_case_record.py).
    (
        """CREATE TABLE case_entries (
            id TEXT PRIMARY KEY,
            referral_id TEXT NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
            recorded_at TEXT NOT NULL, document TEXT NOT NULL)""",
        "CREATE INDEX case_entries_referral ON case_entries (referral_id, recorded_at, id)",
    ),
    # 8: the statistics count the case record too (referrals/statistics.py): no new table,
    # only the months counted again from the referrals stored before (a fill, below).
    (),
    # 9: the auditor's monthly access report reads the trail by time (storage/sqlite_audit.py).
    ("CREATE INDEX audit_at ON audit (at)",),
    # 10: the statistics count time to allocation and to first contact: no new table, only
    # the months counted again from the referrals stored before (a fill, below).
    (),
    # 11: the statistics count what referrals became and escalations by destination: no
    # new table, only the months counted again (a fill, below).
    (),
    # 12: the advocates' wellbeing check-ins (storage/sqlite_checkins.py), and the outbox
    # freed from referrals: a check-in's notices belong to no referral, so the outbox is
    # rebuilt without its foreign key (a referral's rows are still removed with it below).
    (
        """CREATE TABLE checkins (
            advocate_id TEXT NOT NULL, month TEXT NOT NULL, answered_at TEXT NOT NULL,
            document TEXT NOT NULL, PRIMARY KEY (advocate_id, month))""",
        """CREATE TABLE checkins_sent (
            month TEXT NOT NULL, advocate_id TEXT NOT NULL, sent_at TEXT NOT NULL,
            PRIMARY KEY (month, advocate_id))""",
        """CREATE TABLE outbox_rebuilt (
            id TEXT PRIMARY KEY, referral_id TEXT NOT NULL,
            recipient_key TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
            created_at TEXT NOT NULL, sent_at TEXT, document TEXT NOT NULL,
            next_attempt_at TEXT)""",
        """INSERT INTO outbox_rebuilt (id, referral_id, recipient_key, kind, status,
            created_at, sent_at, document, next_attempt_at)
            SELECT id, referral_id, recipient_key, kind, status, created_at, sent_at,
            document, next_attempt_at FROM outbox""",
        "DROP TABLE outbox",
        "ALTER TABLE outbox_rebuilt RENAME TO outbox",
        "CREATE INDEX outbox_pending ON outbox (status, created_at, id)",
        "CREATE INDEX outbox_sent ON outbox (referral_id, recipient_key, kind, status)",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        """CREATE TRIGGER outbox_follows_referral AFTER DELETE ON referrals
            BEGIN DELETE FROM outbox WHERE referral_id = old.id; END""",
    ),
    # 13: reminders and escalations (referrals/timers.py, storage/sqlite_timers.py): ids,
    # a kind and times, never content; claimed with a lease by a conditional UPDATE.
    (
        """CREATE TABLE timers (
            id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id TEXT NOT NULL,
            due_at TEXT NOT NULL, stage INTEGER NOT NULL, holder TEXT NOT NULL,
            claimed_by TEXT NOT NULL, lease_until TEXT, fired_at TEXT)""",
        "CREATE INDEX timers_due ON timers (fired_at, due_at)",
        "CREATE INDEX timers_subject ON timers (subject_id)",
    ),
    # 14: blind indexes of whom referrals name (referrals/subjects.py,
    # storage/sqlite_subjects.py): keyed hashes only; a deleted draft takes its rows.
    (
        """CREATE TABLE subject_index (
            referral_id TEXT NOT NULL, blind TEXT NOT NULL, referrer TEXT NOT NULL,
            PRIMARY KEY (referral_id, blind))""",
        "CREATE INDEX subject_index_blind ON subject_index (blind)",
        """CREATE TRIGGER subject_index_follows_referral AFTER DELETE ON referrals
            BEGIN DELETE FROM subject_index WHERE referral_id = old.id; END""",
    ),
    # 15: outbox leases (storage/sqlite_outbox.py): the instance delivering a row, until
    # when. `pending` looks up, for each row, whether someone else holds one of the same
    # person's; the partial index keeps only the rows in flight, so it stays tiny.
    (
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE outbox ADD COLUMN lease_until TEXT",
        """CREATE INDEX outbox_leases ON outbox (recipient_key, lease_until)
            WHERE lease_until IS NOT NULL""",
    ),
    # 16: coordination across instances (storage/sqlite_coordination.py): named leases for
    # the jobs run once, and the replay guard's answers, sealed, under a keyed hash of
    # the activity, each with the time it expires.
    (
        "CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, until TEXT NOT NULL)",
        """CREATE TABLE replay_answers (
            key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL, sealed TEXT)""",
        "CREATE INDEX replay_answers_expiry ON replay_answers (expires_at)",
    ),
)

# Work a migration needs beyond SQL, run in its transaction. The stores' modules know
# that work, and this module knows no store, so whoever opens the database passes it in
# (storage/sqlite.py): schema number -> what to run.
Fill = Callable[[aiosqlite.Connection, FieldCipher], Awaitable[object]]
NEEDS_FILL = frozenset({5, 8, 10, 11})
# Tables whose schema-1 rows hold personal data in clear.
_PLAINTEXT_TABLES = ("referrals", "outbox", "conversation_references", "bot_state")


class SqliteDatabase:
    """The shared connection. Every store and the bot state storage go through it."""

    def __init__(self, connection: aiosqlite.Connection, cipher: FieldCipher) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.cipher = cipher  # one file, one key ring: every store seals with this

    @classmethod
    async def open(
        cls, path: str | Path, cipher: FieldCipher, fills: Mapping[int, Fill]
    ) -> SqliteDatabase:
        """Connect, set the pragmas and bring the schema up to date, running `fills`
        (one for each of `NEEDS_FILL`) with their migrations."""
        if missing := NEEDS_FILL - fills.keys():
            raise ValueError(f"no fill given for schema migration {sorted(missing)}")
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            connection.row_factory = sqlite3.Row
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("PRAGMA synchronous = NORMAL")
            await connection.execute("PRAGMA foreign_keys = ON")
            # Erased and purged data is overwritten on disk, not left in free pages.
            await connection.execute("PRAGMA secure_delete = ON")
            database = cls(connection, cipher)
            await _migrate(database, fills)
        except BaseException:
            await connection.close()
            raise
        return database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT`; any exception in the block (cancellation too) rolls
        back. A COMMIT, once started, is never interrupted: cancelled mid-commit, the work
        is committed and the cancellation still reaches the caller. Cancelled while the
        BEGIN waits, it is rolled back too: the BEGIN still runs on the connection's thread
        (statements run there in order), and would otherwise keep the write lock."""
        async with self._lock:
            try:
                await self._connection.execute("BEGIN IMMEDIATE")
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

    async def execute_alone(
        self, sql: str, parameters: Iterable[Any] | Mapping[str, Any] = ()
    ) -> int:
        """One write statement as its own transaction (SQLite's autocommit): as atomic as
        `transaction()` around it, and one trip to the database thread instead of three
        (BEGIN, the statement, COMMIT), which is what a turn mostly waits on. A lone write
        takes the write lock with the busy timeout as `BEGIN IMMEDIATE` does. Returns the
        rows changed."""
        async with self._lock:
            cursor = await self._connection.execute(sql, parameters)
            return int(cursor.rowcount)

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return list(await self._connection.execute_fetchall(sql, parameters))

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.fetch_all(sql, parameters)
        return rows[0] if rows else None

    async def close(self) -> None:
        async with self._lock:
            await self._connection.close()


async def _migrate(database: SqliteDatabase, fills: Mapping[int, Fill]) -> None:
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
            if number in fills:
                await fills[number](connection, database.cipher)
            await connection.execute(f"PRAGMA user_version = {number}")
            _log.info("sqlite schema migrated to version %s", number)


async def _holds_rows(connection: aiosqlite.Connection, tables: Iterable[str]) -> bool:
    for table in tables:
        rows = await connection.execute_fetchall(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
        if list(rows):
            return True
    return False


def marks(values: Collection[object]) -> str:
    """One `?` placeholder per value, for an `IN (…)` list."""
    return ", ".join("?" * len(values))


def dumps(document: Mapping[str, Any]) -> str:
    """A document as the compact JSON text a row's `document` column holds."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

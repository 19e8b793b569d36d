"""SQLite adapters for every storage port: the embedded default, no cloud needed.

`SqliteStores.open(path, cipher)` opens one file (`storage.sqlite_database`: the shared
connection, its transactions and the schema) and gives the same `Stores` as Cosmos DB,
plus what the audit log and bot state storage need (`.database`). One module per store:
`sqlite_referrals`, `sqlite_outbox`, `sqlite_people`, `sqlite_statistics`,
`sqlite_audit`, `sqlite_bot_state`, `sqlite_views`, `sqlite_case_record`, `sqlite_timers`,
`sqlite_coordination` (leases and replay answers, beside `.stores`).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from referrals.ports import Stores
from storage import sqlite_statistics
from storage.crypto import FieldCipher
from storage.sqlite_case_record import SqliteCaseRecordStore
from storage.sqlite_checkins import SqliteCheckinStore
from storage.sqlite_coordination import SqliteAnswerStore, SqliteLeaseStore
from storage.sqlite_database import SqliteDatabase
from storage.sqlite_outbox import SqliteOutboxStore
from storage.sqlite_people import SqliteConversationStore, SqliteRosterStore
from storage.sqlite_referrals import SqliteReferralStore
from storage.sqlite_subjects import SqliteSubjectIndexStore
from storage.sqlite_timers import SqliteTimerStore
from storage.sqlite_views import SqliteShownViewStore

# Schema 5 counts the referrals already stored into the new statistics table; schema 8
# counts them again, now with their case records, schema 10 with their waits, and
# schema 11 with what they became and their escalations.
_FILLS = {n: sqlite_statistics.recount_in for n in (5, 8, 10, 11)}


class SqliteStores:
    """The ports over one SQLite file; `open()` it, use `.stores`, then `close()`.

    `":memory:"` gives a private, throwaway database (for tests).
    """

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database
        self.stores = Stores(
            referrals=SqliteReferralStore(database),
            roster=SqliteRosterStore(database),
            outbox=SqliteOutboxStore(database),
            conversations=SqliteConversationStore(database),
            views=SqliteShownViewStore(database),
            records=SqliteCaseRecordStore(database),
            checkins=SqliteCheckinStore(database),
            timers=SqliteTimerStore(database),
            subjects=SqliteSubjectIndexStore(database),
        )
        # Not ports of the use cases: the app's background runner and replay guard use them.
        self.leases = SqliteLeaseStore(database)
        self.answers = SqliteAnswerStore(database)

    @classmethod
    async def open(cls, path: str | Path, cipher: FieldCipher) -> SqliteStores:
        """Connect, set the pragmas and bring the schema up to date; `cipher` seals and
        opens the sensitive parts of every row."""
        return cls(await SqliteDatabase.open(path, cipher, _FILLS))

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

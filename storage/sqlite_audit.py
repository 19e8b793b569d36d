"""The audit trail in SQLite: append-only, enforced by the database itself.

The table and its triggers come with schema migration 3 (storage/sqlite_database.py):
they refuse every UPDATE and DELETE of an audit row, so no code path of the application
(nor a mistaken one) can edit the trail. Entries hold ids, roles, actions and outcomes
only — never content, and never the referrer's id (the service leaves it out).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from storage.codec import sortable_time
from storage.sqlite_database import SqliteDatabase


class SqliteAuditLog:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def append(self, entry: AuditEntry) -> None:
        await self._db.execute_alone(  # one statement: its own transaction
            "INSERT INTO audit (at, referral_id, actor_id, actor_role, action, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                sortable_time(entry.at),
                entry.referral_id,
                entry.actor_id,
                entry.actor_role.value,
                entry.action.value,
                entry.outcome.value,
            ),
        )

    async def for_referral(self, referral_id: str) -> list[AuditEntry]:
        rows = await self._db.fetch_all(
            "SELECT at, referral_id, actor_id, actor_role, action, outcome FROM audit "
            "WHERE referral_id = ? ORDER BY seq",
            (referral_id,),
        )
        return self._entries(rows)

    async def between(self, start: datetime, end: datetime) -> list[AuditEntry]:
        """`at` is fixed-width UTC text, so its string order is time order."""
        rows = await self._db.fetch_all(
            "SELECT at, referral_id, actor_id, actor_role, action, outcome FROM audit "
            "WHERE at >= ? AND at < ? ORDER BY at, seq",
            (sortable_time(start), sortable_time(end)),
        )
        return self._entries(rows)

    @staticmethod
    def _entries(rows: Iterable[Sequence[object]]) -> list[AuditEntry]:
        return [
            AuditEntry(
                datetime.fromisoformat(str(row[0])),
                str(row[1]),
                str(row[2]),
                ActorRole(str(row[3])),
                AuditAction(str(row[4])),
                Outcome(str(row[5])),
            )
            for row in rows
        ]

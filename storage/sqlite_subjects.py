"""Blind indexes of whom referrals name, in SQLite (schema 14): one row per referral and
index, the referrer as its own blind index. Nothing to seal: no row holds a word anyone
wrote or an id in clear (see `referrals.subjects`)."""

from __future__ import annotations

from collections.abc import Sequence

from referrals.subjects import SubjectMark
from storage.sqlite_database import SqliteDatabase

_SELECT = "SELECT referral_id, blind, referrer FROM subject_index"


class SqliteSubjectIndexStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def put(self, referral_id: str, marks: Sequence[SubjectMark]) -> None:
        if not marks:  # most referrals name no one: one statement, its own transaction
            await self._db.execute_alone(
                "DELETE FROM subject_index WHERE referral_id = ?", (referral_id,)
            )
            return
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM subject_index WHERE referral_id = ?", (referral_id,)
            )
            await connection.executemany(
                "INSERT OR IGNORE INTO subject_index (referral_id, blind, referrer) "
                "VALUES (?, ?, ?)",
                [(referral_id, m.index, m.referrer) for m in marks],
            )

    async def sharing(self, referral_id: str) -> list[SubjectMark]:
        mine = await self._db.fetch_all(
            f"{_SELECT} WHERE referral_id = ? ORDER BY rowid",
            (referral_id,),
        )
        others = await self._db.fetch_all(
            f"{_SELECT} WHERE referral_id <> ? AND blind IN "  # noqa: S608 - constant
            "(SELECT blind FROM subject_index WHERE referral_id = ?) ORDER BY rowid",
            (referral_id, referral_id),
        )
        return [SubjectMark(*row) for row in (*mine, *others)]

    async def find(self, index: str) -> list[SubjectMark]:
        rows = await self._db.fetch_all(
            f"{_SELECT} WHERE blind = ? ORDER BY rowid",
            (index,),
        )
        return [SubjectMark(*row) for row in rows]

    async def forget(self, referral_id: str) -> None:
        async with self._db.transaction() as connection:
            await connection.execute(
                "DELETE FROM subject_index WHERE referral_id = ?", (referral_id,)
            )

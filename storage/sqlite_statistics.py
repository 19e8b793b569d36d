"""Statistics in SQLite: one sealed tally per month, changed in the referral's transaction.

`SqliteReferralStore.save` works out how the referral's contribution changes
(`referrals.statistics.change`, from the stored version to the new one) and hands it to
`record_change` inside the same transaction as the referral itself: both are written or
neither is, so the figures can never drift from the referrals, even across a crash or a
refused (stale) save. Reading a year is twelve primary-key look-ups.

`recount` rebuilds every month from the referral documents; migrations 5, 8 and 10 run
it (`recount_in`, given to the migrations by storage/sqlite.py), so a database from before
statistics, from before they counted the case record, or from before they counted time to
allocation and to first contact, starts with its history already counted.
"""

from __future__ import annotations

import json
from collections.abc import Collection

import aiosqlite

from referrals import statistics
from referrals.states import ReferralState
from referrals.statistics import MonthTallies
from storage import codec, sealing
from storage.crypto import FieldCipher
from storage.sqlite_database import SqliteDatabase, marks
from storage.statistics_records import open_month, seal_month


async def record_change(
    connection: aiosqlite.Connection, cipher: FieldCipher, delta: MonthTallies
) -> None:
    """Add `delta` to each month it touches; call inside the referral's transaction."""
    for month, change in sorted(delta.items()):
        rows = list(
            await connection.execute_fetchall(
                "SELECT document FROM statistics_months WHERE month = ?", (month,)
            )
        )
        months = {month: open_month(month, rows[0][0], cipher)} if rows else {}
        statistics.add(months, {month: change})
        await _write(connection, cipher, month, months)


async def _write(
    connection: aiosqlite.Connection, cipher: FieldCipher, month: str, months: MonthTallies
) -> None:
    if month not in months:  # came to nothing: no record rather than a sealed empty one
        await connection.execute("DELETE FROM statistics_months WHERE month = ?", (month,))
        return
    await connection.execute(
        "INSERT INTO statistics_months (month, document) VALUES (?, ?) "
        "ON CONFLICT (month) DO UPDATE SET document = excluded.document",
        (month, seal_month(month, months[month], cipher)),
    )


async def read(database: SqliteDatabase, months: Collection[str]) -> MonthTallies:
    chosen = sorted(set(months))
    if not chosen:
        return {}
    rows = await database.fetch_all(
        f"SELECT month, document FROM statistics_months WHERE month IN ({marks(chosen)})",  # noqa: S608
        chosen,
    )
    return {
        str(month): open_month(str(month), document, database.cipher) for month, document in rows
    }


async def recount_in(connection: aiosqlite.Connection, cipher: FieldCipher) -> MonthTallies:
    """Rebuild every month from the referrals; call inside a transaction."""
    total: MonthTallies = {}
    async with connection.execute(
        "SELECT document FROM referrals WHERE state != ?", (ReferralState.DRAFT.value,)
    ) as cursor:
        async for row in cursor:
            stored = sealing.open_referral(json.loads(row[0]), cipher)
            statistics.add(total, statistics.contribution_of(codec.referral_from_doc(stored)))
    await connection.execute("DELETE FROM statistics_months")
    await write_months(connection, cipher, total)
    return total


async def write_months(
    connection: aiosqlite.Connection, cipher: FieldCipher, months: MonthTallies
) -> None:
    """Store every month of `months` sealed, in place of what is stored for it; call
    inside a transaction (a recount, or bench.scale's bulk load)."""
    for month in sorted(months):
        await _write(connection, cipher, month, months)


async def recount(database: SqliteDatabase) -> MonthTallies:
    """`recount_in` as one transaction: the bot's writes wait for it (and are counted)."""
    async with database.transaction() as connection:
        return await recount_in(connection, database.cipher)

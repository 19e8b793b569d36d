"""The SQLite audit trail keeps every entry in order and refuses to change any."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from referrals.audit import ActorRole, AuditAction, AuditEntry, Outcome
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def entry(n: int, referral_id: str = "r1", outcome: Outcome = Outcome.ALLOWED) -> AuditEntry:
    return AuditEntry(
        START + timedelta(minutes=n),
        referral_id,
        f"actor-{n}",
        ActorRole.SMLO,
        AuditAction.VIEW_DETAILS,
        outcome,
    )


async def test_entries_come_back_exactly_in_the_order_they_were_written(tmp_path: object) -> None:
    stores = await SqliteStores.open(f"{tmp_path}/a.sqlite3", FieldCipher(development_key_ring()))
    try:
        log = SqliteAuditLog(stores.database)
        written = [entry(1), entry(2, "r2"), entry(3, outcome=Outcome.REFUSED)]
        for e in written:
            await log.append(e)

        assert await log.for_referral("r1") == [written[0], written[2]]
        assert await log.for_referral("r2") == [written[1]]
    finally:
        await stores.close()


async def test_the_database_refuses_to_change_or_remove_an_audit_entry(tmp_path: object) -> None:
    path = f"{tmp_path}/a.sqlite3"
    stores = await SqliteStores.open(path, FieldCipher(development_key_ring()))
    try:
        await SqliteAuditLog(stores.database).append(entry(1))
    finally:
        await stores.close()

    with closing(sqlite3.connect(path)) as raw:  # even outside the application
        with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
            raw.execute("UPDATE audit SET outcome = 'refused'")
        with pytest.raises(sqlite3.IntegrityError, match="cannot be removed"):
            raw.execute("DELETE FROM audit")
        assert raw.execute("SELECT count(*) FROM audit").fetchone() == (1,)

"""Every audit log reads the trail by time, across every referral: the auditor's monthly
access report and the operator's subject access request rest on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from referrals.audit import ActorRole, AuditAction, AuditEntry, AuditLog, Outcome
from storage.cosmos import CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.memory import MemoryAuditLog
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from tests.storage.conftest import CIPHER
from tests.storage.cosmos_server import CosmosTestServer

MAY = datetime(2026, 5, 1, tzinfo=UTC)
JUNE = datetime(2026, 6, 1, tzinfo=UTC)
BST = timezone(timedelta(hours=1))


@pytest.fixture(params=["memory", "sqlite", "cosmos"])
async def log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AuditLog]:
    if request.param == "memory":
        yield MemoryAuditLog()
    elif request.param == "sqlite":
        async with await SqliteStores.open(tmp_path / "a.sqlite3", CIPHER) as sqlite:
            yield SqliteAuditLog(sqlite.database)
    else:
        server: CosmosTestServer = request.getfixturevalue("cosmos_server")
        async with await CosmosStores.open(server.settings(), CIPHER) as cosmos:
            yield CosmosAuditLog(cosmos.database)


def entry(at: datetime, referral_id: str, outcome: Outcome = Outcome.ALLOWED) -> AuditEntry:
    return AuditEntry(at, referral_id, "actor", ActorRole.SMLO, AuditAction.VIEW_DETAILS, outcome)


async def test_between_gives_every_referrals_entries_in_the_window_oldest_first(
    log: AuditLog,
) -> None:
    last_of_april = entry(MAY - timedelta(microseconds=1), "r1")
    first_of_may = entry(MAY, "r2")
    # 00:30 on 1 June in BST is still 31 May in UTC: inside May.
    late_may_in_bst = entry(datetime(2026, 6, 1, 0, 30, tzinfo=BST), "r1", Outcome.REFUSED)
    mid_may = entry(datetime(2026, 5, 15, 12, 0, 0, 500, tzinfo=UTC), "statistics")
    first_of_june = entry(JUNE, "r3")
    for e in (first_of_june, late_may_in_bst, last_of_april, mid_may, first_of_may):
        await log.append(e)

    found = await log.between(MAY, JUNE)

    assert found == [first_of_may, mid_may, late_may_in_bst]
    assert await log.between(JUNE, JUNE + timedelta(days=30)) == [first_of_june]
    assert await log.between(datetime(2020, 1, 1, tzinfo=UTC), MAY) == [last_of_april]

"""How each real store keeps the statistics: sealed, in step with the referral write, and
rebuilt from the referrals when asked (`python -m ops.recount`, tests/ops/test_recount.py)
or when upgraded.

The behaviour every store shares is in test_statistics_contract.py; this is what is
particular to SQLite (month records in the referral's transaction, migrations 5, 8 and 10) and
Cosmos DB (contributions embedded in each referral document, counted at start-up).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from referrals import statistics
from referrals.case_record import (
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    RiskAssessment,
    RiskLevel,
)
from referrals.clock import FakeClock
from referrals.intake import Employment, Gender
from referrals.pathway import PathwayStep, StepConsent, StepKind, StepStatus
from referrals.referral import Referral
from referrals.statistics import Measure, MonthTallies
from storage import sqlite_statistics
from storage.cosmos import CosmosStores
from storage.cosmos_database import query, without_system_properties
from storage.cosmos_referrals import MARKER_TYPE, STATISTICS_MARKER
from storage.crypto import UndecryptableValue
from storage.sqlite import SqliteStores
from storage.statistics_records import seal_contribution, seal_month
from tests.storage.conftest import (
    ADVOCATE,
    CIPHER,
    SMLO,
    SMLO_IDS,
    Scenario,
    a_few_referrals,
    as_advocate,
    every_month,
)
from tests.storage.cosmos_server import CosmosTestServer

# What the statistics counted before they counted the case record.
_BEFORE_CASE_RECORD = frozenset(
    {
        Measure.RECEIVED,
        Measure.ROUTE,
        Measure.EMPLOYMENT,
        Measure.GENDER,
        Measure.AGE_BAND,
        Measure.WISH,
        Measure.RESULT,
        Measure.ADVOCATE,
    }
)


# What they counted before they counted the waits.
_BEFORE_WAITS = frozenset(Measure) - {Measure.TIME_TO_ALLOCATION, Measure.TIME_TO_FIRST_CONTACT}
_BEFORE_PATHWAY = frozenset(Measure) - {Measure.BECAME, Measure.ESCALATED_TO}


def counting_only(measures: frozenset[Measure], months: MonthTallies) -> MonthTallies:
    found = {m: {k: n for k, n in t.items() if k[0] in measures} for m, t in months.items()}
    return {m: t for m, t in found.items() if t}


async def cases_with_records(scenario: Scenario) -> list[Referral]:
    """`a_few_referrals`, the active one with a case record, and one closed case."""
    written = await a_few_referrals(scenario)
    closed = await scenario.active()
    for case in (written[0], closed):
        now = scenario.tick()
        case.add_entry(as_advocate(ADVOCATE), ContactLogged(now, ContactHow.PHONE), SMLO_IDS, now)
        case.add_entry(
            as_advocate(ADVOCATE), RiskAssessment(now.date(), RiskLevel.LOW), SMLO_IDS, now
        )
        await scenario.stores.referrals.save(case)
    await scenario.change(
        closed,
        lambda at: closed.close(
            as_advocate(ADVOCATE), at, Closure(CloseOutcome.COULD_NOT_REACH, False, "")
        ),
    )
    return [*written, closed]


async def cases_with_a_pathway(scenario: Scenario) -> list[Referral]:
    """`cases_with_records`, the first of which became a misconduct investigation."""
    written = await cases_with_records(scenario)
    step = PathwayStep(
        StepKind.MISCONDUCT, StepStatus.STARTED, scenario.clock.now().date(), StepConsent.CONSENTED
    )

    def record_step(at: datetime) -> None:
        written[0].record_pathway_step(SMLO, step, at)

    await scenario.change(written[0], record_step)
    return written


# -- SQLite ----------------------------------------------------------------------------


async def test_sqlite_month_records_are_sealed_and_bound_to_their_month(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        written = await a_few_referrals(Scenario(sqlite.stores, clock))
        (month,) = every_month(written)
        (document,) = [
            row[0]
            for row in await sqlite.database.fetch_all("SELECT document FROM statistics_months")
        ]
        assert document.startswith("v1.test.")
        async with sqlite.database.transaction() as connection:
            await connection.execute(
                "INSERT INTO statistics_months (month, document) VALUES ('2020-01', ?)",
                (document,),
            )
        with pytest.raises(UndecryptableValue):  # moved to another month, it does not read
            await sqlite.stores.referrals.statistics(["2020-01"])

    raw = path.read_bytes()  # the answers counted (conftest.FULL_ANSWERS) are nowhere in clear
    for clear in ("on_behalf", Employment.STAFF.value, Gender.PREFER_NOT.value, "35_44", month):
        assert f'"{clear}"'.encode() not in raw


async def test_sqlite_a_failed_figures_write_leaves_the_referral_unsaved_too(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await SqliteStores.open(tmp_path / "referrals.db", CIPHER) as sqlite:
        scenario = Scenario(sqlite.stores, clock)
        referral = await scenario.draft()
        months = statistics.last_months(clock.now(), 1)

        async def crash(*_: object) -> None:
            raise OSError("disk went away mid-transaction")

        monkeypatch.setattr(sqlite_statistics, "record_change", crash)
        with pytest.raises(OSError, match="mid-transaction"):
            await scenario.submit(referral)
        monkeypatch.undo()

        stored = await sqlite.stores.referrals.get(referral.id)
        assert stored.state == "draft", "one transaction: the referral was not sent either"
        assert await sqlite.stores.referrals.statistics(months) == {}


async def test_sqlite_migration_5_counts_the_referrals_stored_before_it(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        written = await a_few_referrals(Scenario(sqlite.stores, clock))
    with sqlite3.connect(path) as connection:  # as a database from before statistics was
        connection.execute("DROP TABLE statistics_months")
        connection.execute("DROP TABLE shown_views")  # schema 6, which came later
        connection.execute("DROP TABLE case_entries")  # and schema 7
        connection.execute("DROP INDEX audit_at")  # and schema 9
        for statement in SINCE_SCHEMA_11:
            connection.execute(statement)
        connection.execute("PRAGMA user_version = 4")
    connection.close()

    async with await SqliteStores.open(path, CIPHER) as sqlite:
        found = await sqlite.stores.referrals.statistics(every_month(written))

    assert found == statistics.recount(written)


# What schemas 12 to 16 added (the check-ins, the outbox's trigger, the timers, the subject
# index, the outbox's leases, the leases and replay answers): taken back
# out wherever a test winds a database back to an earlier schema, for the migrations to run
# again.
SINCE_SCHEMA_11 = [
    "DROP TABLE checkins",
    "DROP TABLE checkins_sent",
    "DROP TRIGGER outbox_follows_referral",
    "DROP TABLE timers",  # schema 13
    "DROP TRIGGER subject_index_follows_referral",  # schema 14
    "DROP TABLE subject_index",
    "DROP INDEX outbox_leases",  # schema 15
    "ALTER TABLE outbox DROP COLUMN lease_until",
    "ALTER TABLE outbox DROP COLUMN claimed_by",
    "DROP TABLE leases",  # schema 16
    "DROP TABLE replay_answers",
]
# Each migration that only recounts: the schema before it, what that schema's code counted,
# the schema objects added since (to take back out), and a measure it newly counts.
RECOUNTS = [
    (7, _BEFORE_CASE_RECORD, ["DROP INDEX audit_at", *SINCE_SCHEMA_11], Measure.CONTACT),
    (9, _BEFORE_WAITS, SINCE_SCHEMA_11, Measure.TIME_TO_FIRST_CONTACT),
    (10, _BEFORE_PATHWAY, SINCE_SCHEMA_11, Measure.BECAME),
]


@pytest.mark.parametrize(
    ("schema", "measures", "added_since", "new_measure"),
    RECOUNTS,
    ids=[f"after_schema_{schema}" for schema, *_ in RECOUNTS],
)
async def test_sqlite_a_recounting_migration_counts_what_was_stored_before_it(
    tmp_path: Path,
    clock: FakeClock,
    schema: int,
    measures: frozenset[Measure],
    added_since: list[str],
    new_measure: Measure,
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        written = await cases_with_a_pathway(Scenario(sqlite.stores, clock))
        old = counting_only(measures, statistics.recount(written))
        async with sqlite.database.transaction() as connection:  # as that schema kept them
            await connection.execute("DELETE FROM statistics_months")
            for month, tally in old.items():
                await connection.execute(
                    "INSERT INTO statistics_months (month, document) VALUES (?, ?)",
                    (month, seal_month(month, tally, CIPHER)),
                )
            for statement in added_since:
                await connection.execute(statement)
            await connection.execute(f"PRAGMA user_version = {schema}")
        assert await sqlite.stores.referrals.statistics(every_month(written)) == old

    async with await SqliteStores.open(path, CIPHER) as sqlite:
        found = await sqlite.stores.referrals.statistics(every_month(written))

    assert found == statistics.recount(written) != old
    assert any(k[0] is new_measure for t in found.values() for k in t)


# -- Cosmos DB -------------------------------------------------------------------------


async def test_cosmos_documents_from_before_statistics_are_counted_at_start_up(
    cosmos_server: CosmosTestServer, clock: FakeClock
) -> None:
    settings = cosmos_server.settings()
    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        written = await a_few_referrals(Scenario(cosmos.stores, clock))
        container = cosmos.database.referrals
        # As code from before statistics left them: no contribution, no marker.
        for item in await query(container, "SELECT * FROM c WHERE c.type = 'referral'"):
            await container.replace_item(item["id"], without_system_properties(item, "statistics"))
        await container.delete_item(STATISTICS_MARKER, partition_key=STATISTICS_MARKER)
        assert await cosmos.stores.referrals.statistics(every_month(written)) == {}

    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        found = await cosmos.stores.referrals.statistics(every_month(written))
        marker = await query(
            cosmos.database.referrals, "SELECT * FROM c WHERE c.id = @m", m=STATISTICS_MARKER
        )

    assert found == statistics.recount(written)
    assert len(marker) == 1


# Each earlier marker, and what the code that wrote it counted.
COUNTED_BEFORE = [
    ("statistics-counted-v1", _BEFORE_CASE_RECORD),
    ("statistics-counted-v2", _BEFORE_WAITS),
    ("statistics-counted-v3", _BEFORE_PATHWAY),
]


@pytest.mark.parametrize(("marker", "measures"), COUNTED_BEFORE, ids=[m for m, _ in COUNTED_BEFORE])
async def test_cosmos_contributions_counted_by_earlier_code_are_counted_again(
    cosmos_server: CosmosTestServer, clock: FakeClock, marker: str, measures: frozenset[Measure]
) -> None:
    settings = cosmos_server.settings()
    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        written = await cases_with_a_pathway(Scenario(cosmos.stores, clock))
        container = cosmos.database.referrals
        # As the earlier code left each referral's contribution, and its marker.
        for item in await query(container, "SELECT * FROM c WHERE c.type = 'referral'"):
            opened = next(r for r in written if r.id == item["id"])
            old = counting_only(measures, statistics.contribution_of(opened))
            sealed = seal_contribution(item["id"], old, CIPHER)
            await container.replace_item(
                item["id"], without_system_properties(item) | {"statistics": sealed}
            )
        await container.delete_item(STATISTICS_MARKER, partition_key=STATISTICS_MARKER)
        await container.create_item({"id": marker, "type": MARKER_TYPE})
        before = await cosmos.stores.referrals.statistics(every_month(written))
        assert before == counting_only(measures, statistics.recount(written))

    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        found = await cosmos.stores.referrals.statistics(every_month(written))

    assert found == statistics.recount(written) != before


async def test_cosmos_a_contribution_is_sealed_to_its_own_referral(
    cosmos: CosmosStores, clock: FakeClock
) -> None:
    first, second = await a_few_referrals(Scenario(cosmos.stores, clock))
    container = cosmos.database.referrals
    stolen = (
        await query(container, "SELECT VALUE c.statistics FROM c WHERE c.id = @i", i=first.id)
    )[0]
    assert stolen.startswith("v1.test.")
    item = (await query(container, "SELECT * FROM c WHERE c.id = @i", i=second.id))[0]
    await container.replace_item(
        second.id, without_system_properties(item) | {"statistics": stolen}
    )

    with pytest.raises(UndecryptableValue):
        await cosmos.stores.referrals.statistics(every_month([first, second]))

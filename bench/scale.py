"""Storage at scale: does the SMLO's work cost grow with open referrals or with all of them?

    .venv/bin/python -m bench.scale [--referrals 1000000] [--open 60]

Fills an SQLite store with `--referrals` referrals sent over the past `YEARS` years, of
which `--open` need the SMLO and the rest are closed, then times the inbox, the caseload
aggregate, the SMLO's statistics (`stats`: the last 12 months, suppressed, audited), an
advocate's cases and a referrer's draft look-up. The same is measured with 1,000 referrals
in the same run (the baseline), so the ratio shows how cost grows with history. Goal
(issue 16): inbox, aggregate and statistics ≤ 10 ms at 1,000,000 referrals. Figures only,
with the fill's time, the file's size and the machine's load; this never fails a build.

Each referral is made through the domain one by one, and stored as the store's `save`
stores a new one (its row builder: sealed, with the product's indexes; its statistics
counted as `save` counts them), but `BATCH` rows to a transaction: a million single saves
would take hours, and the rows would be no different.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import islice
from pathlib import Path

from referrals import statistics as figures
from referrals.clock import FakeClock
from referrals.intake import (
    Employment,
    Gender,
    IntakeAnswers,
    IntakeStep,
    Route,
    Wish,
    YesNoUnsure,
)
from referrals.people import Actor, Advocate
from referrals.referral import Referral
from referrals.services import Services
from referrals.statistics import MonthTallies, month_of
from solving.highs import HighsSolver
from storage import sqlite_statistics
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from storage.sqlite_referrals import INSERT_REFERRAL, referral_row

SMLO = Actor("5b0e6a2c-0000-4000-8000-0000000000a1", "Sky", is_smlo=True)
ADVOCATE = Advocate("5b0e6a2c-0000-4000-8000-0000000000b1", "Alex Morgan")
ANSWERS = IntakeAnswers(
    route=Route.WITNESSED,
    wishes=(Wish.INFORMATION,),
    account="Something at work. " * 20,
    behalf_consent=YesNoUnsure.YES,  # required of on-behalf referrals, ignored otherwise
    consent=True,
)
BASELINE = 1_000
REPEATS = 40
YEARS = 8  # the referrals are spread over this long, so the statistics span many months
BATCH = 10_000  # rows to a transaction: memory and the write-ahead log stay small
GOAL_MS = 10.0
GOALS = ("inbox", "caseloads", "statistics")  # each ≤ GOAL_MS at 1,000,000 referrals


@dataclass(frozen=True)
class Run:
    """One store's figures: how long it took to fill, how big it is, and per query the
    median and 95th percentile in milliseconds."""

    referrals: int
    fill_s: float
    size_bytes: int
    median: dict[str, float]
    p95: dict[str, float]


def referrals(total: int, open_count: int, clock: FakeClock) -> Iterator[Referral]:
    """`total` referrals through the domain, one after another over `YEARS` years: the
    first `open_count` wait for the SMLO, the rest were handled and closed. Each is as
    `save` would store it the first time (version 1, its notifications sent on)."""
    advocate = Actor(ADVOCATE.user_id, ADVOCATE.display_name, is_advocate=True)
    step = timedelta(days=365 * YEARS) / total
    answers = [
        ANSWERS.with_changes(route=route, employment=employment, gender=gender)
        for route, employment, gender in zip(Route, Employment, Gender, strict=False)
    ]
    for n in range(total):
        clock.advance(step)
        referrer = Actor(f"5b0e6a2c-0000-4000-8000-{n:012d}", "Referrer")
        referral = Referral.start_draft(referrer, clock.now())
        referral.record_answers(referrer, answers[n % len(answers)], IntakeStep.REVIEW, clock.now())
        referral.submit(referrer, f"SMA-2026-{n + 1:06d}", [SMLO.user_id], clock.now())
        if n >= open_count:
            referral.offer(SMLO, ADVOCATE, clock.now())
            referral.accept(advocate, [SMLO.user_id], clock.now())
            referral.close(advocate, clock.now())
        yield replace(referral, version=1, new_notifications=[])  # the outbox is not measured


async def fill(stores: SqliteStores, total: int, open_count: int, clock: FakeClock) -> None:
    """The referrals stored in transactions of `BATCH` rows, sealed by the store's own row
    builder; their statistics counted as each `save` counts a new referral, written once."""
    cipher, months = stores.database.cipher, MonthTallies()
    made = referrals(total, open_count, clock)
    while batch := list(islice(made, BATCH)):
        rows = [referral_row(referral, cipher) for referral in batch]
        for referral in batch:
            figures.add(months, figures.contribution_of(referral))
        async with stores.database.transaction() as connection:
            await connection.executemany(INSERT_REFERRAL, rows)
    async with stores.database.transaction() as connection:
        await sqlite_statistics.write_months(connection, cipher, months)


async def timed(work: Callable[[], Awaitable[object]], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def first_look(service: Services) -> Awaitable[object]:
    """The statistics as they are first looked at after a count of their year moved: the
    protected report is cached by the counts it was worked out from (and the solver), so
    a new solver stands in for new counts and the figures are protected again. A busy
    service moves last year's counts whenever a referral sent then moves on, and every
    instance works them out once for itself."""
    return replace(service.administration, solver=HighsSolver()).statistics(SMLO)


async def measure(total: int, open_count: int, repeats: int) -> Run:
    clock = FakeClock(FakeClock().now() - timedelta(days=365 * YEARS))
    started = month_of(clock.now())  # the service's reviews run from the first referral
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.sqlite3"
        sqlite = await SqliteStores.open(path, FieldCipher(development_key_ring()))
        try:
            await sqlite.stores.roster.put_advocate(ADVOCATE)
            began = time.perf_counter()
            await fill(sqlite, total, open_count, clock)
            fill_s = time.perf_counter() - began
            await sqlite.database.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
            size = size_of(Path(folder))
            audit = SqliteAuditLog(sqlite.database)
            smlos = frozenset({SMLO.user_id})
            service = Services.build(
                sqlite.stores, clock, smlos, audit, service_start=started, solver=HighsSolver()
            )
            inbox = await service.triage.inbox(SMLO)
            assert len(inbox) == open_count, (len(inbox), open_count)
            someone = Actor("5b0e6a2c-0000-4000-8000-000000000000")
            shown = await service.administration.statistics(SMLO)
            assert shown.report is not None
            assert len(shown.report.months) == 6
            samples = {
                "inbox": await timed(lambda: service.triage.inbox(SMLO), repeats),
                "caseloads": await timed(sqlite.stores.referrals.caseloads, repeats),
                "statistics": await timed(lambda: service.administration.statistics(SMLO), repeats),
                "stats, new counts": await timed(lambda: first_look(service), max(1, repeats // 4)),
                "advocate's cases": await timed(
                    lambda: sqlite.stores.referrals.list_for_advocate(ADVOCATE.user_id), repeats
                ),
                "find draft": await timed(lambda: service.intake.find_draft(someone), repeats),
            }
        finally:
            await sqlite.close()
    return Run(
        total,
        fill_s,
        size,
        {name: statistics.median(times) for name, times in samples.items()},
        {name: p95(times) for name, times in samples.items()},
    )


def size_of(folder: Path) -> int:
    """The database's bytes on disk: the file and whatever its log still holds."""
    return sum(file.stat().st_size for file in folder.iterdir())


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): other work slows the figures."""
    return " ".join(f"{average:.2f}" for average in os.getloadavg())


async def main(total: int, open_count: int, repeats: int = REPEATS) -> str:
    before = load()
    baseline = await measure(min(BASELINE, total), open_count, repeats)
    scaled = await measure(total, open_count, repeats)
    lines = [
        f"load average before {before}, after {load()} (2 cores shared with other work)",
        *(
            f"{run.referrals:>9,} referrals: filled in {run.fill_s:.1f} s, "
            f"{run.size_bytes / 2**20:,.1f} MiB on disk"
            for run in (baseline, scaled)
        ),
        f"{'query':<17} {'median ms':>9} {'p95 ms':>7} {'median ms':>9} {'p95 ms':>7} "
        f"{'ratio':>6}  goal ≤ {GOAL_MS:g} ms",
        f"{'':<17} {baseline.referrals:>17,} {scaled.referrals:>17,}",
    ]
    for name, ms in scaled.median.items():
        verdict = "-" if name not in GOALS else "PASS" if ms <= GOAL_MS else "MISS"
        lines.append(
            f"{name:<17} {baseline.median[name]:>9.2f} {baseline.p95[name]:>7.2f} "
            f"{ms:>9.2f} {scaled.p95[name]:>7.2f} {ms / baseline.median[name]:>6.1f}  {verdict}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=60)
    options = parser.parse_args()
    print(asyncio.run(main(options.referrals, options.open)))

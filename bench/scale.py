"""Storage at scale: does the SMLO's work cost grow with open referrals or with all of them?

    .venv/bin/python -m bench.scale [--referrals 100000] [--open 60]

Fills an SQLite store with `--referrals` referrals sent over the past `YEARS` years, of
which `--open` need the SMLO and the rest are closed, then times the inbox, the caseload
aggregate, the SMLO's statistics (`stats`: the last 12 months, suppressed, audited), an
advocate's cases and a referrer's draft look-up. The same is measured with 1,000 referrals
in the same run (the baseline), so the ratio shows how cost grows with history. Goal:
inbox, aggregate and statistics ≤ 100 ms at 100,000 referrals. Figures only; this never
fails a build.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

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
from referrals.statistics import month_of
from solving.highs import HighsSolver
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog

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
REPEATS = 20
YEARS = 8  # the referrals are spread over this long, so the statistics span many months
GOALS = ("inbox", "caseloads", "statistics")  # ≤ 100 ms at 100,000 referrals


async def fill(stores: SqliteStores, total: int, open_count: int, clock: FakeClock) -> None:
    """`total` referrals straight through the domain and the store (no audit, for speed),
    one after another over `YEARS` years: the first `open_count` wait for the SMLO, the rest
    were handled and closed."""
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
        referral.new_notifications.clear()  # the outbox is not what is measured here
        await stores.stores.referrals.save(referral)


async def median_ms(work: Callable[[], Awaitable[object]]) -> float:
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def measure(total: int, open_count: int) -> dict[str, float]:
    clock = FakeClock(FakeClock().now() - timedelta(days=365 * YEARS))
    started = month_of(clock.now())  # the service's reviews run from the first referral
    with tempfile.TemporaryDirectory() as folder:
        sqlite = await SqliteStores.open(
            Path(folder) / "scale.sqlite3", FieldCipher(development_key_ring())
        )
        try:
            await sqlite.stores.roster.put_advocate(ADVOCATE)
            await fill(sqlite, total, open_count, clock)
            audit = SqliteAuditLog(sqlite.database)
            smlos = frozenset({SMLO.user_id})
            service = Services.build(
                sqlite.stores, clock, smlos, audit, service_start=started, solver=HighsSolver()
            )
            inbox = await service.triage.inbox(SMLO)
            assert len(inbox) == open_count, (len(inbox), open_count)
            someone = Actor("5b0e6a2c-0000-4000-8000-000000000000")
            figures = await service.administration.statistics(SMLO)
            assert figures.report is not None
            assert len(figures.report.months) == 6
            return {
                "inbox": await median_ms(lambda: service.triage.inbox(SMLO)),
                "caseloads": await median_ms(sqlite.stores.referrals.caseloads),
                "statistics": await median_ms(lambda: service.administration.statistics(SMLO)),
                "advocate's cases": await median_ms(
                    lambda: sqlite.stores.referrals.list_for_advocate(ADVOCATE.user_id)
                ),
                "find draft": await median_ms(lambda: service.intake.find_draft(someone)),
            }
        finally:
            await sqlite.close()


async def main(total: int, open_count: int) -> str:
    baseline = await measure(min(BASELINE, total), open_count)
    scaled = await measure(total, open_count)
    lines = [f"{'query':<17} {BASELINE:>9,} ms {total:>9,} ms {'ratio':>6}  goal ≤ 100 ms"]
    for name, ms in scaled.items():
        verdict = "PASS" if ms <= 100 or name not in GOALS else "MISS"
        lines.append(
            f"{name:<17} {baseline[name]:>12.2f} {ms:>12.2f} {ms / baseline[name]:>6.1f}  {verdict}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=60)
    options = parser.parse_args()
    print(asyncio.run(main(options.referrals, options.open)))

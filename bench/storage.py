"""Storage benchmark: one workload through the real use cases, against each store.

    .venv/bin/python -m bench.storage [--referrals 200] [--backends memory,sqlite,cosmos]

For every backend it times, per operation: create (start a draft, record answers, submit),
transition (offer, then accept), the SMLO's inbox query, an aggregate query (the
advocates' caseloads), adding a case record entry and reading a record (five entries on
each case), and adding entries to one long case: its first 20 ("long:first") against its
last 20 of `LONG_CASE` ("long:last"), so a record's growth shows in the figures.

It prints the median and 95th percentile of each, and each median
as a ratio to the in-memory fake measured in the same run — the floor of the stack, so
the figures compare across machines. Figures only; this never fails a build.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from referrals.case_record import ContactHow, ContactLogged
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route, Wish
from referrals.people import Actor, Advocate
from referrals.ports import Stores
from referrals.services import Services
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.memory import MemoryAuditLog, memory_stores
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog

OPERATIONS = (
    "create", "transition", "inbox", "caseloads", "entry", "record", "long:first", "long:last"
)  # fmt: skip
ENTRIES_EACH = 5
LONG_CASE = 200
SMLO = Actor("5b0e6a2c-0000-4000-8000-0000000000a1", "Sky", is_smlo=True)
ADVOCATES = [
    Advocate(f"5b0e6a2c-0000-4000-8000-0000000001{i:02d}", f"Advocate {i}") for i in range(8)
]
ANSWERS = IntakeAnswers(
    route=Route.EXPERIENCED,
    wishes=(Wish.TALK_TO_ADVOCATE,),
    account="Something happened at work that I would like to talk about. " * 8,
    personal_email="someone@example.org",
    safe_times="weekday evenings",
    consent=True,
)
Backend = Callable[[], AbstractAsyncContextManager[tuple[Stores, object]]]


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})

    async def time(self, operation: str, work: Awaitable[object]) -> None:
        started = time.perf_counter()
        await work
        self.samples[operation].append((time.perf_counter() - started) * 1000)

    def median(self, operation: str) -> float:
        return statistics.median(self.samples[operation])

    def p95(self, operation: str) -> float:
        ordered = sorted(self.samples[operation])
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


@asynccontextmanager
async def memory_backend() -> AsyncIterator[tuple[Stores, object]]:
    yield memory_stores(), MemoryAuditLog()


@asynccontextmanager
async def sqlite_backend() -> AsyncIterator[tuple[Stores, object]]:
    with tempfile.TemporaryDirectory() as folder:
        sqlite = await SqliteStores.open(Path(folder) / "bench.sqlite3", cipher())
        try:
            yield sqlite.stores, SqliteAuditLog(sqlite.database)
        finally:
            await sqlite.close()


def cipher() -> FieldCipher:
    return FieldCipher(development_key_ring())


@asynccontextmanager
async def cosmos_backend() -> AsyncIterator[tuple[Stores, object]]:
    """A Cosmos DB-protocol server started on loopback for the run (npm
    @vercel/cosmosdb-server), in a database of its own."""
    from storage.cosmos import CosmosStores
    from storage.cosmos_audit import CosmosAuditLog
    from tests.storage.cosmos_server import CosmosTestServer

    server = CosmosTestServer().start()
    try:
        async with await CosmosStores.open(server.settings(), cipher()) as cosmos:
            yield cosmos.stores, CosmosAuditLog(cosmos.database)
    finally:
        server.stop()


BACKENDS: dict[str, Backend] = {
    "memory": memory_backend,
    "sqlite": sqlite_backend,
    "cosmos": cosmos_backend,
}


async def run_workload(backend: Backend, referrals: int, long_case: int) -> Timings:
    timings = Timings()
    async with backend() as (stores, audit):
        clock = FakeClock()
        service = Services.build(stores, clock, frozenset({SMLO.user_id}), audit)  # type: ignore[arg-type]
        for advocate in ADVOCATES:
            await stores.roster.put_advocate(advocate)
        ids = []
        for n in range(referrals):
            referrer = Actor(f"5b0e6a2c-0000-4000-8000-{n:012d}", "Referrer")
            ids.append(await _create(service, referrer, timings))
        for n, referral_id in enumerate(ids[: referrals // 2]):
            await timings.time("transition", _offer_and_accept(service, referral_id, _holder(n)))
        for _ in range(max(10, referrals // 4)):
            await timings.time("inbox", service.triage.inbox(SMLO))
            await timings.time("caseloads", stores.referrals.caseloads())
        for n, referral_id in enumerate(ids[: referrals // 2]):
            holder = _holder(n)
            for _ in range(ENTRIES_EACH):
                await timings.time("entry", _contact(service, holder, referral_id, clock))
            await timings.time("record", service.case_record.read(holder, referral_id))
        edge = min(20, long_case // 2)
        for n in range(long_case):
            name = "long:first" if n < edge else "long:last" if n >= long_case - edge else ""
            work = _contact(service, _holder(0), ids[0], clock)
            await (timings.time(name, work) if name else work)
    return timings


def _holder(n: int) -> Actor:
    advocate = ADVOCATES[n % len(ADVOCATES)]
    return Actor(advocate.user_id, advocate.display_name, is_advocate=True)


async def _contact(service: Services, holder: Actor, referral_id: str, clock: FakeClock) -> None:
    note = "Talked through what happens next and agreed to speak again on Friday."
    contact = ContactLogged(clock.now(), ContactHow.PHONE, note)
    await service.case_record.add(holder, referral_id, contact)


async def _create(service: Services, referrer: Actor, timings: Timings) -> str:
    started = time.perf_counter()
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, ANSWERS, IntakeStep.REVIEW)
    await service.intake.submit(referrer, draft.id)
    timings.samples["create"].append((time.perf_counter() - started) * 1000)
    return draft.id


async def _offer_and_accept(service: Services, referral_id: str, holder: Actor) -> None:
    await service.triage.offer(SMLO, referral_id, holder.user_id)
    await service.casework.accept(holder, referral_id)


def report(results: dict[str, Timings]) -> str:
    floor = results.get("memory")
    lines = [f"{'backend':<8} {'operation':<11} {'median ms':>10} {'p95 ms':>9} {'× memory':>9}"]
    for name, timings in results.items():
        for op in OPERATIONS:
            ratio = timings.median(op) / floor.median(op) if floor and floor.median(op) else 0
            lines.append(
                f"{name:<8} {op:<11} {timings.median(op):>10.3f} {timings.p95(op):>9.3f} "
                f"{ratio:>9.1f}"
            )
    return "\n".join(lines)


async def main(
    referrals: int, backends: list[str], long_case: int = LONG_CASE
) -> dict[str, Timings]:
    results = {}
    for name in backends:
        results[name] = await run_workload(BACKENDS[name], referrals, long_case)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=200)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    options = parser.parse_args()
    chosen = [b.strip() for b in options.backends.split(",") if b.strip()]
    print(report(asyncio.run(main(options.referrals, chosen))))

"""A job meant to run once across instances (retention, the directory refresh, the
reminder loop) runs only on the instance holding its lease, and on another when that one
stops or dies: two instances here are two connections to one SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.singleton import LeasedJob
from referrals.clock import FakeClock
from referrals.ports import LeaseStore
from storage.sqlite import SqliteStores
from tests.storage.conftest import CIPHER

LEASE = timedelta(seconds=90)
RENEW_S = 0.01
BOUND_S = 10.0  # generous: every wait is on the thing itself


class Watched:
    """A lease store that counts tries, and can die: after `kill()` it does nothing, as
    an instance that lost power can neither renew nor give its lease up."""

    def __init__(self, store: LeaseStore) -> None:
        self._store, self.dead, self.tries = store, False, 0
        self._tried = asyncio.Condition()
        self.failing: Exception | None = None

    async def acquire(self, name: str, owner: str, until: datetime, now: datetime) -> bool:
        async with self._tried:
            self.tries += 1
            self._tried.notify_all()
        if self.failing is not None:
            raise self.failing
        return not self.dead and await self._store.acquire(name, owner, until, now)

    async def release(self, name: str, owner: str) -> None:
        if not self.dead:
            await self._store.release(name, owner)

    async def tried_again(self, times: int = 3) -> None:
        async with asyncio.timeout(BOUND_S), self._tried:
            target = self.tries + times
            await self._tried.wait_for(lambda: self.tries >= target)

    def kill(self) -> None:
        self.dead = True


class Job:
    def __init__(self) -> None:
        self.started, self.stopped = asyncio.Event(), asyncio.Event()

    async def __call__(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()  # a job's loop, until it is stopped
        finally:
            self.stopped.set()


@pytest.fixture
async def two_stores(tmp_path: Path) -> AsyncIterator[tuple[Watched, Watched]]:
    path = tmp_path / "referrals.db"
    async with (
        await SqliteStores.open(path, CIPHER) as one,
        await SqliteStores.open(path, CIPHER) as other,
    ):
        yield Watched(one.leases), Watched(other.leases)


@contextlib.asynccontextmanager
async def running(job: LeasedJob) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(job.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def started(job: Job) -> None:
    async with asyncio.timeout(BOUND_S):
        await job.started.wait()


async def test_of_two_instances_only_the_holder_runs_the_job_and_the_other_takes_over_when_it_stops(
    two_stores: tuple[Watched, Watched],
) -> None:
    store_a, store_b = two_stores
    clock, job_a, job_b = FakeClock(), Job(), Job()
    a = LeasedJob(store_a, "retention", job_a, clock, lease=LEASE, renew_s=RENEW_S)
    b = LeasedJob(store_b, "retention", job_b, clock, lease=LEASE, renew_s=RENEW_S)

    async with running(a) as task_a:
        await started(job_a)  # the first to start takes it
        async with running(b):
            await store_b.tried_again()
            assert not job_b.started.is_set()

            task_a.cancel()  # the app shutting down: it gives the lease up
            with contextlib.suppress(asyncio.CancelledError):
                await task_a
            assert job_a.stopped.is_set()
            await started(job_b)  # at its next try, with the clock standing still

    assert (a.starts, b.starts) == (1, 1)


async def test_when_the_holder_dies_another_instance_takes_the_job_over_after_the_lease(
    two_stores: tuple[Watched, Watched],
) -> None:
    store_a, store_b = two_stores
    clock, job_a, job_b = FakeClock(), Job(), Job()
    a = LeasedJob(store_a, "reminders", job_a, clock, lease=LEASE, renew_s=RENEW_S)
    b = LeasedJob(store_b, "reminders", job_b, clock, lease=LEASE, renew_s=RENEW_S)

    async with running(a) as task_a:
        await started(job_a)  # the first to start takes it
        async with running(b):
            await store_b.tried_again()
            store_a.kill()  # its renewals stop, and it never gives the lease up
            task_a.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task_a

            await store_b.tried_again()
            clock.advance(LEASE - timedelta(seconds=1))
            await store_b.tried_again()
            assert not job_b.started.is_set(), "the dead holder's lease has not run out"

            clock.advance(timedelta(seconds=1))
            await started(job_b)


async def test_a_job_runs_on_through_a_store_outage_until_its_lease_runs_out(
    two_stores: tuple[Watched, Watched],
) -> None:
    store, _ = two_stores
    clock, job = FakeClock(), Job()
    leased = LeasedJob(store, "directory", job, clock, lease=LEASE, renew_s=RENEW_S)

    async with running(leased):
        await started(job)
        store.failing = ConnectionError("store down")
        await store.tried_again()
        assert not job.stopped.is_set(), "an outage is not another holder"

        clock.advance(LEASE)
        await store.tried_again()
        async with asyncio.timeout(BOUND_S):
            await job.stopped.wait()  # another instance may hold it by now
        assert not leased.running

        store.failing = None
        async with asyncio.timeout(BOUND_S):
            while leased.starts < 2:  # the store is back: it takes the lease again
                await store.tried_again(1)
        assert leased.running

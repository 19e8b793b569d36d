"""Jobs that run on one instance at a time, whichever it is: retention, the directory
refresh and the reminder loop, each under its own named lease (`LeaseStore`).

`LeasedJob.run()` tries for the lease at once and then every `renew_s` (a third of the
lease, so two tries can fail before it runs out), starts the job when it holds it and
stops it as soon as another instance does. When the holder dies its renewals stop; the
first instance to try after the lease's `until` takes the job over. A store that cannot
be reached is not another holder: the job runs on until the last lease granted runs out.
Stopping (the app shutting down) gives the lease up, so another instance need not wait.

The job is started afresh each time the lease is taken: every job here is a loop that
begins by catching up (a purge, a directory read, timers derived again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from common.tasks import stop_if_cancelled
from referrals.ports import Clock, LeaseStore

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=90)
RELEASE_TIMEOUT_S = 5.0  # shutting down never waits longer than this on the store


class LeasedJob:
    def __init__(
        self,
        leases: LeaseStore,
        name: str,
        job: Callable[[], Coroutine[Any, Any, None]],
        clock: Clock,
        *,
        lease: timedelta = LEASE,
        renew_s: float | None = None,
    ) -> None:
        self.owner = uuid.uuid4().hex  # this instance
        self.name = name
        self._leases, self._job, self._clock, self._lease = leases, job, clock, lease
        self._renew_s = renew_s if renew_s is not None else lease.total_seconds() / 3
        self._held_until: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self.starts = 0  # how many times this instance started the job (tests, logs)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self) -> None:
        try:
            while True:
                await self._renew()
                if self._held_until is not None and not self.running:
                    self._start()
                elif self._held_until is None and self._task is not None:
                    log.info("lease lost, job stopped: %s", self.name)
                    await _stop(self._task)
                    self._task = None
                await asyncio.sleep(self._renew_s)
        finally:
            if self._task is not None:
                await _stop(self._task)
            if self._held_until is not None:
                await self._release()

    async def _renew(self) -> None:
        now = self._clock.now()
        try:
            held = await self._leases.acquire(self.name, self.owner, now + self._lease, now)
        except Exception as error:  # the store is out of reach: keep what was granted
            stop_if_cancelled()
            log.warning("lease not renewed: %s error=%s", self.name, type(error).__name__)
            if self._held_until is not None and self._held_until <= self._clock.now():
                self._held_until = None
            return
        self._held_until = now + self._lease if held else None

    def _start(self) -> None:
        if self._task is not None and not self._task.cancelled():
            error = self._task.exception()  # a job that ended: say why, then start it again
            if error is not None:
                log.error("job ended: %s error=%s", self.name, type(error).__name__)
        self._task = asyncio.create_task(self._job(), name=self.name)
        self.starts += 1
        log.info("lease held, job started: %s", self.name)

    async def _release(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(RELEASE_TIMEOUT_S):
                await asyncio.shield(self._leases.release(self.name, self.owner))


async def _stop(task: asyncio.Task[None]) -> None:
    if task.done():  # ended on its own: its error, if any, was logged when it was restarted
        if not task.cancelled():
            task.exception()
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

"""The reminder loop, beside the outbox: fires due timers (referrals/services/reminders.py)
every few seconds and derives every open referral's timers again at start-up and hourly,
when it also sends the advocates' monthly wellbeing check-ins and the SMLOs' weekly
digests that are due.

The loop runs on one instance at a time, under a lease (bot/singleton.py, app.py); each
timer is still claimed with the instance's own owner id, so even two loops on one store
(a lease taken over from an instance that was only slow) fire each timer once. What a
fired timer sends is queued in the outbox with the referral's save, so the outbox is
woken to deliver it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import telemetry
from common.tasks import stop_if_cancelled
from referrals.ports import Clock
from referrals.services import Reminders

log = logging.getLogger(__name__)
TICK_SECONDS = 30.0
RECONCILE_EVERY = timedelta(hours=1)


class ReminderLoop:
    def __init__(
        self,
        reminders: Reminders,
        clock: Clock,
        delivered: Callable[[], None],
        *,
        tick_seconds: float = TICK_SECONDS,
        checkins: Callable[[datetime], Awaitable[list[str]]] | None = None,
        digests: Callable[[datetime], Awaitable[list[str]]] | None = None,
    ) -> None:
        self.owner = uuid.uuid4().hex  # this instance, in each claim it makes
        self._reminders, self._clock, self._delivered = reminders, clock, delivered
        # The advocates' monthly check-ins (Checkins.send_checkins): once a month each,
        # however often it is called, so the hourly pass sends them from their day on.
        self._checkins = checkins
        # The SMLOs' weekly digests (Digests.send_digests): once a week each, likewise.
        self._digests = digests
        self._tick = tick_seconds
        self._wake = asyncio.Event()
        self._passed = asyncio.Condition()
        self._in_pass = False
        self.passes = 0

    def wake(self) -> None:
        self._wake.set()

    async def next_pass(self) -> None:
        """Wait until a pass that starts after this call has ended (tests)."""
        async with self._passed:
            target = self.passes + (2 if self._in_pass else 1)
            await self._passed.wait_for(lambda: self.passes >= target)

    async def run(self) -> None:
        reconciled_at = None
        while True:
            self._in_pass = True
            now = self._clock.now()
            try:
                if reconciled_at is None or now - reconciled_at >= RECONCILE_EVERY:
                    count = await self._reminders.reconcile()
                    reconciled_at = now
                    log.info("reminders: timers derived for open referrals=%s", count)
                    if self._checkins is not None and await self._checkins(now):
                        self._delivered()
                    if self._digests is not None and await self._digests(now):
                        self._delivered()
                if telemetry.reminders_fired(await self._reminders.fire_due(self.owner)):
                    self._delivered()
            except Exception as error:  # a store outage, say: try again next time
                stop_if_cancelled()
                log.warning("reminder pass failed: error=%s", type(error).__name__)
            async with self._passed:
                self._in_pass = False
                self.passes += 1
                self._passed.notify_all()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._tick):
                    await self._wake.wait()
            self._wake.clear()

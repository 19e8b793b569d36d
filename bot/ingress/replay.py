"""Nothing twice when Teams delivers the same activity again, on whichever instance.

Teams re-sends an activity it believes went unanswered (a slow reply, a dropped
connection), and App Service may route the repeat to another instance. The first
delivery claims the activity in the store (an in-progress mark with a lease), runs the
turn and keeps its HTTP answer there; a repeat of the same activity (same channel,
conversation and activity id) within the window gets the very same answer, the same card
for a card action, without running the turn again:

- the answer is kept: it is given back at once;
- the first is still running in this process: the repeat waits on its future;
- it is still running on another instance: the repeat reads the store for the answer
  every `POLL_S`, for at most `WAIT_S`, inside the ~15 s Teams waits;
- the first failed (its mark is removed) or its instance died (the lease ran out): the
  repeat runs the turn itself.

Answers are kept for ten minutes, compressed and sealed by the store (a card can show
what someone disclosed), under a keyed hash of the key (it holds a conversation id).
Nothing is cached in process beyond the running turns' futures: a repeat is rare, and
an answer read once from the store costs less than thousands kept in memory. After the
window the domain's own rules keep a repeat harmless: a second submit shows
the receipt, a second accept shows the case, a second allocation says it was done.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from referrals.ports import Clock

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # channel, conversation, activity id

WINDOW = timedelta(minutes=10)  # Teams re-sends within seconds; generous all the same
# Longer than any turn takes: a mark outlives its turn only when its instance died.
LEASE = timedelta(seconds=30)
WAIT_S = 10.0  # a repeat waits this long for another instance's answer (Teams: ~15 s)
POLL_S = 0.2  # how often a waiting repeat reads the store for the answer
CLAIM_EVERY_S = 1.0  # and how often it tries to take over a mark (failed or lapsed)


@dataclass(frozen=True)
class Answer:
    """What was said back over HTTP: a status and, for invokes, the JSON body's bytes."""

    status: int
    body: bytes | None = None

    def kept(self) -> Answer:
        return Answer(self.status, zlib.compress(self.body) if self.body is not None else None)

    def given_back(self) -> Answer:
        return Answer(self.status, zlib.decompress(self.body) if self.body is not None else None)


# Said when another instance is still running the turn after `WAIT_S`: running it here
# too is the double this guard exists to prevent, and Teams tries again on a 503.
BUSY = Answer(503)


class AnswerStore(Protocol):
    """Where the answers are kept, across instances (adapters: storage/*_coordination.py).

    A structural port here, beside its only user, rather than in referrals/ports.py: an
    HTTP answer to a Bot Framework activity means nothing to the domain. `key` is given
    in clear; an adapter stores a keyed hash of it and seals the answer."""

    async def claim(self, key: str, owner: str, until: datetime, now: datetime) -> bool:
        """Mark `key` in progress for `owner` until `until`; False if it has an answer or
        someone else's mark that have not expired by `now`."""

    async def answer(self, key: str, now: datetime) -> tuple[int, bytes | None] | None:
        """The kept (status, body), unless expired by `now`; None while in progress or
        when nothing is kept."""

    async def keep(
        self, key: str, status: int, body: bytes | None, expires: datetime, now: datetime
    ) -> None:
        """Keep the answer until `expires`, in place of the mark."""

    async def release(self, key: str, owner: str) -> None:
        """Drop `owner`'s mark (the turn failed), so a repeat runs afresh."""


class ReplayGuard:
    def __init__(
        self,
        store: AnswerStore,
        clock: Clock,
        *,
        window: timedelta = WINDOW,
        lease: timedelta = LEASE,
        wait_s: float = WAIT_S,
        poll_s: float = POLL_S,
    ) -> None:
        self.owner = uuid.uuid4().hex  # this instance, in each mark it makes
        self._store, self._clock = store, clock
        self._window, self._lease, self._wait_s, self._poll_s = window, lease, wait_s, poll_s
        self._running: dict[Key, asyncio.Future[Answer | None]] = {}
        self.repeats = 0  # how many repeats were answered without running (tests and logs)

    async def once(self, key: Key | None, run: Callable[[], Awaitable[Answer]]) -> Answer:
        """Run the turn the first time; answer repeats with the first answer."""
        if key is None:  # no activity id: nothing to recognise a repeat by
            return await run()
        while (pending := self._running.get(key)) is not None:
            answer = await asyncio.shield(pending)
            if answer is not None:
                self.repeats += 1
                return answer
            # The first one here failed: look again (another repeat may have taken over).
        # Registered before the first await, so a repeat in this process waits on it.
        future: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            answer = await self._first_here(json.dumps(list(key)), run)
        except BaseException:
            future.set_result(None)  # waiting repeats run the turn themselves
            raise
        finally:
            del self._running[key]
        future.set_result(answer)
        return answer

    async def _first_here(self, key: str, run: Callable[[], Awaitable[Answer]]) -> Answer:
        """Claim and run, or take the answer the store keeps or is about to."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        give_up_at, claim_at = started + self._wait_s, started
        while True:
            now, claimed = self._clock.now(), False
            try:
                if loop.time() >= claim_at:  # a write: not at every poll, so as not to
                    # contend with the turn it waits for (one SQLite file: one writer)
                    claimed = await self._store.claim(key, self.owner, now + self._lease, now)
                    claim_at = loop.time() + CLAIM_EVERY_S
                kept = None if claimed else await self._store.answer(key, now)
            except Exception as error:
                # The store is out of reach: the turn runs unguarded, so the person hears
                # the turn's own kind words about it rather than a bare failure.
                log.warning("replay: answers unreachable: error=%s", type(error).__name__)
                return await run()
            if claimed:
                return await self._run(key, run)
            if kept is not None:
                self.repeats += 1
                return Answer(*kept).given_back()
            if asyncio.get_running_loop().time() >= give_up_at:
                log.warning("replay: a repeat gave up waiting for another instance's answer")
                return BUSY
            await asyncio.sleep(self._poll_s)

    async def _run(self, key: str, run: Callable[[], Awaitable[Answer]]) -> Answer:
        try:
            answer = await run()
        except BaseException:
            # If the store cannot be told, the mark lapses with its lease.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._store.release(key, self.owner))
            raise
        kept, now = answer.kept(), self._clock.now()
        try:
            await self._store.keep(key, kept.status, kept.body, now + self._window, now)
        except Exception as error:  # the turn ran and its answer stands; a repeat may run it
            log.warning("replay: the answer was not kept: error=%s", type(error).__name__)
            with contextlib.suppress(Exception):
                await self._store.release(key, self.owner)
        return answer

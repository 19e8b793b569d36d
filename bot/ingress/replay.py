"""Nothing twice when Teams delivers the same activity again.

Teams re-sends an activity it believes went unanswered (a slow reply, a dropped
connection). The first delivery runs the turn; a repeat of the same activity (same
channel, conversation and activity id) within the window waits for the first to finish
and gets the very same HTTP answer — the same card for a card action — without running
the turn again. A delivery that failed is forgotten, so its retry runs afresh.

The answers are kept in memory, per process, for a few minutes, as compressed JSON (a
card is a few kilobytes as text and many more as Python objects; 10,000 of them as
objects were most of the process's memory in the soak). After a restart the
domain's own rules keep a repeat harmless: a second submit shows the receipt, a second
accept shows the case, a second allocation says it was already done.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Key = tuple[str, str, str]  # channel, conversation, activity id

# Teams re-sends within seconds of a reply it did not get. At this service's busiest (tens
# of people in chats at once, a few turns a second) 2,000 answers span more than the
# window; under a load test's 100+ turns a second, still 15 s or more.
ANSWERS_KEPT = 2_000


@dataclass(frozen=True)
class Answer:
    """What was said back over HTTP: a status and, for invokes, the JSON body's bytes."""

    status: int
    body: bytes | None = None

    def kept(self) -> Answer:
        return Answer(self.status, zlib.compress(self.body) if self.body is not None else None)

    def given_back(self) -> Answer:
        return Answer(self.status, zlib.decompress(self.body) if self.body is not None else None)


class ReplayGuard:
    def __init__(
        self,
        window_s: float = 600.0,
        capacity: int = ANSWERS_KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window_s, self._capacity, self._clock = window_s, capacity, clock
        self._answers: OrderedDict[Key, tuple[float, asyncio.Future[Answer | None]]] = OrderedDict()
        self.repeats = 0  # how many repeats were answered from memory (for tests and logs)

    async def once(self, key: Key | None, run: Callable[[], Awaitable[Answer]]) -> Answer:
        """Run the turn the first time; answer repeats with the first answer."""
        if key is None:  # no activity id: nothing to recognise a repeat by
            return await run()
        self._forget_old()
        seen = self._answers.get(key)
        if seen is not None:
            answer = await asyncio.shield(seen[1])
            if answer is not None:
                self.repeats += 1
                return answer.given_back()
            return await self.once(key, run)  # the first one failed: this one runs
        pending: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._answers[key] = (self._clock(), pending)
        try:
            answer = await run()
        except BaseException:
            del self._answers[key]
            pending.set_result(None)  # waiting repeats run the turn themselves
            raise
        pending.set_result(answer.kept())
        return answer

    def _forget_old(self) -> None:
        cutoff = self._clock() - self._window_s
        while self._answers:
            key, (at, future) = next(iter(self._answers.items()))
            if at >= cutoff and len(self._answers) <= self._capacity:
                return
            if not future.done():  # still running: keep it, however old
                return
            del self._answers[key]

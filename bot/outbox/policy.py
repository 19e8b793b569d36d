"""How the outbox dispatcher reacts to failures, and how fast it may post to one chat.

`classify` turns an exception from the Bot Connector into a content-free error code and
says whether trying again can help. `Backoff` is exponential backoff with full jitter
(a random delay between 0 and min(cap, base * 2^(attempt-1))), with a `Retry-After`
header as the minimum, and a retry budget after which a notification is parked.
`ConversationPacer` keeps each conversation under Teams' per-thread send limits.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from msrest.exceptions import ClientRequestError

from common.retry_after import parse_retry_after
from referrals.notifications import Notification

# 412 and 429 are Teams throttling answers; 5xx are the service's own trouble.
RETRYABLE_CLIENT_STATUSES = frozenset({412, 429})


@dataclass(frozen=True)
class Failure:
    code: str  # an HTTP status or an exception class name: never content
    retryable: bool
    retry_after: float | None = None  # seconds, from the Retry-After header


def classify(error: BaseException, now: datetime | None = None) -> Failure:
    """What a failed delivery means for the next attempt."""
    status = _status_of(error)
    if status is not None:
        retryable = status in RETRYABLE_CLIENT_STATUSES or status >= 500
        return Failure(str(status), retryable, _retry_after(error, now))
    if isinstance(error, TimeoutError):
        return Failure("timeout", True)
    if isinstance(error, ClientRequestError | aiohttp.ClientError | ConnectionError | OSError):
        return Failure(type(error).__name__, True)
    # Anything else (a store hiccup, say) is worth another go; the budget bounds it.
    return Failure(type(error).__name__, True)


def _status_of(error: BaseException) -> int | None:
    # botbuilder raises ErrorResponseException (msrest HttpOperationError) with the raw
    # HTTP response attached; the SDK itself never retries.
    response: Any = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return status if isinstance(status, int) else None


def _retry_after(error: BaseException, now: datetime | None) -> float | None:
    response: Any = getattr(error, "response", None)
    headers: Any = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    return parse_retry_after(value, now) if isinstance(value, str) else None


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    budget: int = 8  # failed attempts before a notification is parked

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after the `attempt`-th failure (1-based)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        return max(rng.uniform(0, ceiling), retry_after or 0.0)

    def exhausted(self, attempt: int) -> bool:
        return attempt >= self.budget


# Teams allows 7 sends per second, 8 per 2 s and 60 per 30 s per bot per conversation;
# we stay under each (at most 5 a second), with windows a tenth longer because Teams
# counts arrivals, which network jitter can bunch together.
TEAMS_SEND_LIMITS: tuple[tuple[int, float], ...] = ((5, 1.1), (7, 2.2), (55, 31.0))


class ConversationPacer:
    """Sliding-window limits per conversation: waits until another send fits them all.

    A token bucket would allow a burst and then a steady rate, which can put more than
    the limit into one window; counting the sends in each window cannot.
    """

    def __init__(
        self,
        limits: tuple[tuple[int, float], ...] = TEAMS_SEND_LIMITS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._limits, self._monotonic, self._sleep = limits, monotonic, sleep
        self._longest = max(seconds for _, seconds in limits)
        self._sent: dict[str, deque[float]] = {}

    async def wait_turn(self, conversation_key: str) -> None:
        history = self._sent.setdefault(conversation_key, deque())
        while True:
            now = self._monotonic()
            while history and history[0] <= now - self._longest:
                history.popleft()
            wait = max(
                [0.0]
                + [
                    history[-count] + seconds - now
                    for count, seconds in self._limits
                    if len(history) >= count
                ]
            )
            if wait <= 0:
                history.append(now)
                return
            await self._sleep(wait)


def due_in_order(waiting: list[Notification], now: datetime) -> dict[str, list[Notification]]:
    """Each person's notifications that may go now: those due, oldest first, up to the
    first that is waiting to be retried, so a later message never overtakes it."""
    queues: dict[str, list[Notification]] = {}
    held: set[str] = set()
    for notification in sorted(waiting, key=lambda n: (n.created_at, n.id)):
        person = notification.recipient_id
        if person in held:
            continue
        if notification.is_due(now):
            queues.setdefault(person, []).append(notification)
        else:
            held.add(person)
    return queues

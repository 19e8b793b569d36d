"""Backoff, failure classification and pacing for the outbox dispatcher, without sleeping."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from types import SimpleNamespace

import aiohttp

from bot.outbox.policy import Backoff, ConversationPacer, classify
from common.retry_after import parse_retry_after


def http_error(status: int, retry_after: str | None = None) -> Exception:
    error = Exception("connector said no")
    headers = {"Retry-After": retry_after} if retry_after else {}
    error.response = SimpleNamespace(status_code=status, headers=headers)  # type: ignore[attr-defined]
    return error


def test_backoff_grows_exponentially_under_full_jitter_and_stops_at_the_cap() -> None:
    backoff, rng = Backoff(base_seconds=1, cap_seconds=300), random.Random(7)
    for attempt in range(1, 13):
        ceiling = min(300, 2 ** (attempt - 1))
        delays = [backoff.delay(attempt, None, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # full jitter spreads over the whole range


def test_the_same_seed_gives_the_same_schedule() -> None:
    backoff = Backoff()
    first = [backoff.delay(a, None, random.Random(42)) for a in range(1, 9)]
    again = [backoff.delay(a, None, random.Random(42)) for a in range(1, 9)]
    assert first == again


def test_retry_after_is_the_least_we_wait() -> None:
    backoff, rng = Backoff(), random.Random(1)
    assert all(backoff.delay(1, 30.0, rng) >= 30.0 for _ in range(50))
    assert parse_retry_after("1.5") == 1.5
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 02 Mar 2026 09:00:20 GMT", now) == 20.0
    assert parse_retry_after("soon") is None


def test_the_budget_is_spent_after_eight_failed_attempts() -> None:
    backoff = Backoff()
    assert not backoff.exhausted(7)
    assert backoff.exhausted(8)


def test_throttling_outages_and_network_errors_are_retried_other_refusals_are_not() -> None:
    for status in (412, 429, 500, 502, 503, 504):
        assert classify(http_error(status)).retryable
    for status in (400, 401, 403, 404):
        assert not classify(http_error(status)).retryable
    throttled = classify(http_error(429, retry_after="3"))
    assert (throttled.code, throttled.retry_after) == ("429", 3.0)
    assert classify(TimeoutError()).code == "timeout"
    assert classify(aiohttp.ClientConnectionError()).retryable
    assert classify(ConnectionResetError()).retryable


async def test_the_pacer_lets_five_through_a_second_per_conversation() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = ConversationPacer(((5, 1.0), (7, 2.0)), monotonic=lambda: now[0], sleep=sleep)
    sent: list[float] = []
    for _ in range(12):
        await pacer.wait_turn("smlo")
        sent.append(now[0])
    await pacer.wait_turn("someone else")  # another chat is not held up

    assert sent[:5] == [0.0] * 5
    assert all(sum(1 for t in sent if s <= t < s + 1.0) <= 5 for s in sent)
    assert all(sum(1 for t in sent if s <= t < s + 2.0) <= 7 for s in sent)
    assert now[0] == sent[-1]

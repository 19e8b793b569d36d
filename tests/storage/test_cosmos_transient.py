"""Transient Cosmos DB errors (429, 503, stalls) and the client's own retry policy.

Every request goes through `FaultProxy` (tests/storage/cosmos_faults.py), which can
answer the next N matching requests with a 429 + `x-ms-retry-after-ms`, a 503, or a
stall past the read timeout, and counts each attempt. What azure-cosmos 4.17.1 does
with the settings `CosmosSettings.client_options()` gives it, as these tests pin down:

- 429: retried by its throttle policy, waiting `x-ms-retry-after-ms` each time, up to
  `retry_total` retries (so `retry_total + 1` attempts) while the total wait so far is
  under `retry_backoff_max` seconds; then the 429 propagates. Reads and writes alike.
  `retry_total=0` does not mean "no retries": the client reads 0 as unset (default 9).
- 503: retried once (regions + 1 attempts; this account has one region) after a fixed
  0.5 s, reads and writes alike; `retry_total` plays no part. Then the 503 propagates.
- A stall past `read_timeout`: retried by the connection policy, `retry_total`
  retries with a 0 s then 1 s fixed backoff, for writes too (aiohttp's read timeout is
  a connection error to the client, which it deems safe to resend); then
  ServiceResponseTimeoutError. The client-level `timeout` (`operation_timeout`) does
  not cut this short: azure-cosmos applies it to its start-up account read only.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
from azure.core.exceptions import AzureError
from azure.cosmos.exceptions import CosmosHttpResponseError

from referrals.clock import FakeClock
from referrals.intake import IntakeStep
from referrals.referral import Referral
from storage.cosmos import CosmosStores
from tests.storage.conftest import CIPHER, FULL_ANSWERS, REFERRER, Scenario
from tests.storage.cosmos_faults import DOC, DOC_WRITES, FaultProxy, Kind
from tests.storage.cosmos_server import CosmosTestServer

# Small limits so the tests are quick; production's defaults are in CosmosSettings.
LIMITS: dict[str, Any] = {
    "retry_total": 3,
    "retry_backoff_max": 3,
    "connection_timeout": 1,
    "read_timeout": 1,
    "operation_timeout": 10,
}
SLACK_S = 1.0  # scheduling, TLS handshakes and the server's own work, generously


@pytest.fixture
async def proxy(cosmos_server: CosmosTestServer) -> AsyncIterator[FaultProxy]:
    started = await FaultProxy(cosmos_server.port).start()
    try:
        yield started
    finally:
        await started.stop()


@asynccontextmanager
async def _through(
    server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock, **limits: Any
) -> AsyncIterator[tuple[Scenario, Referral]]:
    """Stores over a fresh database, reached through the proxy, and one saved draft."""
    settings = server.settings(endpoint=proxy.endpoint, **(LIMITS | limits))
    async with await CosmosStores.open(settings, CIPHER) as cosmos:
        scenario = Scenario(cosmos.stores, clock)
        draft = await scenario.draft()
        proxy.seen.clear()  # count only what the test's own operation sends
        yield scenario, draft


async def _change_and_save(scenario: Scenario, referral: Referral) -> None:
    """The next save of a referral: a new answer, then a read and an ETag-guarded PUT."""
    answers = replace(FULL_ANSWERS, safe_times="Any time")
    referral.record_answers(REFERRER, answers, IntakeStep.REVIEW, scenario.tick())
    await scenario.stores.referrals.save(referral)


def _outcomes(proxy: FaultProxy, method: str) -> list[str]:
    return [seen.outcome for seen in proxy.attempts(method, DOC)]


async def test_every_request_goes_through_the_proxy_because_it_rewrites_the_regions(
    cosmos_server: CosmosTestServer, clock: FakeClock
) -> None:
    # The server names itself as the account's region; the client then routes there.
    for rewrite in (False, True):
        proxy = await FaultProxy(cosmos_server.port, rewrite=rewrite).start()
        try:
            settings = cosmos_server.settings(endpoint=proxy.endpoint, **LIMITS)
            async with await CosmosStores.open(settings, CIPHER) as cosmos:
                await Scenario(cosmos.stores, clock).draft()
        finally:
            await proxy.stop()
        paths = [(seen.method, seen.path) for seen in proxy.seen]
        if rewrite:
            assert ("GET", "/") in paths
            assert any(method == "POST" and "/docs" in path for method, path in paths)
        else:
            assert paths == [("GET", "/")], "only the account read reaches an unrewritten proxy"


async def test_a_save_throttled_twice_waits_out_retry_after_and_succeeds(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock
) -> None:
    async with _through(cosmos_server, proxy, clock) as (scenario, draft):
        proxy.throttle(2, retry_after_ms=200, methods=DOC_WRITES)
        started = time.monotonic()
        await _change_and_save(scenario, draft)
        elapsed = time.monotonic() - started
        stored = await scenario.stores.referrals.get(draft.id)

    assert _outcomes(proxy, "PUT") == ["THROTTLE", "THROTTLE", "forwarded 200"]
    assert [seen.outcome for seen in proxy.injected] == [Kind.THROTTLE.name] * 2
    assert elapsed >= 0.38, "the client waited x-ms-retry-after-ms (2 x 200 ms)"
    assert elapsed < 0.4 + SLACK_S
    assert stored.version == draft.version == 2
    assert stored.answers.safe_times == "Any time"


@pytest.mark.parametrize("operation", ["read", "write"])
async def test_one_503_is_retried_once_after_half_a_second(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock, operation: str
) -> None:
    async with _through(cosmos_server, proxy, clock) as (scenario, draft):
        method = "GET" if operation == "read" else "PUT"
        proxy.unavailable(1, methods=(method,), path=DOC)
        started = time.monotonic()
        if operation == "read":
            found = await scenario.stores.referrals.get(draft.id)
            assert found.version == 1
        else:
            await _change_and_save(scenario, draft)
            assert (await scenario.stores.referrals.get(draft.id)).version == 2
        elapsed = time.monotonic() - started

    assert _outcomes(proxy, method) == ["UNAVAILABLE", "forwarded 200"]
    assert 0.45 <= elapsed < 0.5 + SLACK_S, "the 503 policy's fixed 500 ms wait"


@pytest.mark.parametrize("operation", ["read", "write"])
async def test_a_503_that_persists_fails_after_two_attempts_whatever_retry_total(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock, operation: str
) -> None:
    async with _through(cosmos_server, proxy, clock, retry_total=3) as (scenario, draft):
        method = "GET" if operation == "read" else "PUT"
        proxy.unavailable(100, methods=(method,), path=DOC)
        operation_under_test = (
            scenario.stores.referrals.get(draft.id)
            if operation == "read"
            else _change_and_save(scenario, draft)
        )
        with pytest.raises(CosmosHttpResponseError) as raised:
            await operation_under_test
        attempts = _outcomes(proxy, method)
        proxy.clear()
        stored = await scenario.stores.referrals.get(draft.id)

    assert raised.value.status_code == 503
    assert attempts == ["UNAVAILABLE", "UNAVAILABLE"]
    assert stored.version == 1, "nothing was written"
    assert draft.version == 1, "a failed save leaves the caller's referral as it was"


@pytest.mark.parametrize("operation", ["read", "write"])
async def test_a_request_that_stalls_once_is_resent_after_the_read_timeout(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock, operation: str
) -> None:
    # Writes too: aiohttp's socket read timeout is a ClientConnectionError, which
    # azure-cosmos treats as safe to resend, whatever the operation. The replace is
    # ETag-guarded: had the first PUT landed, the resend would get a 412 and the store
    # would report ConcurrentUpdate rather than write twice (not exercised here).
    async with _through(cosmos_server, proxy, clock) as (scenario, draft):
        method = "GET" if operation == "read" else "PUT"
        proxy.hang(1, seconds=30, methods=(method,), path=DOC)
        started = time.monotonic()
        if operation == "read":
            await scenario.stores.referrals.get(draft.id)
        else:
            await _change_and_save(scenario, draft)
        elapsed = time.monotonic() - started
        attempts = _outcomes(proxy, method)
        stored = await scenario.stores.referrals.get(draft.id)

    assert attempts == ["HANG", "forwarded 200"]
    read_timeout = LIMITS["read_timeout"]
    assert read_timeout <= elapsed < read_timeout + SLACK_S
    assert stored.version == (1 if operation == "read" else 2)


async def test_a_read_that_always_stalls_fails_within_the_operation_timeout(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock
) -> None:
    limits = {"retry_total": 5, "read_timeout": 1, "operation_timeout": 2}
    async with _through(cosmos_server, proxy, clock, **limits) as (scenario, draft):
        proxy.hang(100, seconds=30, methods=("GET",), path=DOC)
        started = time.monotonic()
        with pytest.raises(AzureError):  # a timeout, one way or the other
            await scenario.stores.referrals.get(draft.id)
        elapsed = time.monotonic() - started

    # Without the per-call timeout, 1 + retry_total stalled attempts would take over 7 s;
    # with it, the operation ends once operation_timeout has passed (checked between
    # attempts, so within one more read_timeout).
    assert elapsed < limits["operation_timeout"] + limits["read_timeout"] + SLACK_S
    assert len(_outcomes(proxy, "GET")) < 1 + limits["retry_total"]


async def test_throttling_that_never_stops_fails_with_429_after_retry_total_retries(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock
) -> None:
    async with _through(cosmos_server, proxy, clock, retry_total=3) as (scenario, draft):
        before = await scenario.stores.referrals.get(draft.id)
        proxy.seen.clear()
        proxy.throttle(1000, retry_after_ms=100, methods=DOC_WRITES)
        started = time.monotonic()
        with pytest.raises(CosmosHttpResponseError) as raised:
            await _change_and_save(scenario, draft)
        elapsed = time.monotonic() - started
        proxy.clear()
        after = await scenario.stores.referrals.get(draft.id)

    assert raised.value.status_code == 429
    assert _outcomes(proxy, "PUT") == ["THROTTLE"] * (1 + 3), "1 attempt + retry_total retries"
    assert 0.28 <= elapsed < 0.3 + SLACK_S, "3 waits of 100 ms"
    assert after.version == before.version == 1, "nothing was half-written"
    assert after.answers == before.answers
    assert after.updated_at == before.updated_at
    assert draft.version == 1, "a failed save leaves the caller's referral as it was"


async def test_retry_backoff_max_caps_the_total_wait_for_throttling(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock
) -> None:
    # The throttle policy retries only while the wait so far is under the cap: with
    # 500 ms waits and a 1 s cap that is two retries, though retry_total allows nine.
    limits = {"retry_total": 9, "retry_backoff_max": 1}
    async with _through(cosmos_server, proxy, clock, **limits) as (scenario, draft):
        proxy.throttle(1000, retry_after_ms=500, methods=DOC_WRITES)
        started = time.monotonic()
        with pytest.raises(CosmosHttpResponseError) as raised:
            await _change_and_save(scenario, draft)
        elapsed = time.monotonic() - started

    assert raised.value.status_code == 429
    assert _outcomes(proxy, "PUT") == ["THROTTLE"] * 3
    assert 1.0 <= elapsed < 1.0 + SLACK_S


async def test_retry_total_zero_still_retries_throttling_nine_times(
    cosmos_server: CosmosTestServer, proxy: FaultProxy, clock: FakeClock
) -> None:
    # azure-cosmos 4.17.1 takes `retry_throttle_total or retry_total or 9`, so 0 is
    # read as "not given". Pinned so that a change in the client is noticed.
    async with _through(cosmos_server, proxy, clock, retry_total=0) as (scenario, draft):
        proxy.throttle(1000, retry_after_ms=10, methods=DOC_WRITES)
        with pytest.raises(CosmosHttpResponseError) as raised:
            await _change_and_save(scenario, draft)

    assert raised.value.status_code == 429
    assert _outcomes(proxy, "PUT") == ["THROTTLE"] * 10

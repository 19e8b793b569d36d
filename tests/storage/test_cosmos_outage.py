"""A Cosmos DB store that goes down: saves fail within the retry policy's bounds.

The bot answers such a failure with "we couldn't save that — nothing you entered is
lost, please try again" and keeps the card (tests/protocol); what must hold here is
that the failure comes quickly and as an error, never as a hang. Each case runs its own
server, stopped mid-test: refused connections, then a port that accepts and never answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from azure.core.exceptions import AzureError

from referrals.clock import FakeClock
from storage.cosmos import CosmosStores
from tests.storage.conftest import CIPHER, Scenario
from tests.storage.cosmos_server import CosmosTestServer

# Small limits so the test is quick; production's defaults are in CosmosSettings.
LIMITS: dict[str, Any] = {
    "retry_total": 1,
    "retry_backoff_max": 1,
    "connection_timeout": 1,
    "read_timeout": 2,
    "operation_timeout": 4,
}
UPPER_BOUND_S = 10.0


@asynccontextmanager
async def _refusing(port: int) -> AsyncIterator[None]:
    yield  # the stopped server's port: every connection is refused


@asynccontextmanager
async def _hanging(port: int) -> AsyncIterator[None]:
    """Accepts connections on the port and never answers, like a stalled gateway."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(4096):
            pass  # never reply

    server = await asyncio.start_server(swallow, "127.0.0.1", port, reuse_address=True)
    try:
        yield
    finally:
        server.close()
        for writer in held:
            writer.close()
        await server.wait_closed()


@pytest.mark.parametrize("outage", [_refusing, _hanging], ids=["refused", "hanging"])
async def test_a_save_to_a_store_that_went_down_fails_fast_with_an_error(
    clock: FakeClock, outage: Callable[[int], AbstractAsyncContextManager[None]]
) -> None:
    server = CosmosTestServer().start()
    try:
        settings = server.settings(**LIMITS)
        async with await CosmosStores.open(settings, CIPHER) as cosmos:
            scenario = Scenario(cosmos.stores, clock)
            draft = await scenario.draft()
            server.stop()
            async with outage(server.port):
                elapsed, error = await _timed(scenario.submit(draft))
                read_elapsed, read_error = await _timed(cosmos.stores.referrals.get(draft.id))
    finally:
        server.stop()

    assert isinstance(error, AzureError), error
    assert isinstance(read_error, AzureError), read_error
    assert elapsed < UPPER_BOUND_S
    assert read_elapsed < UPPER_BOUND_S
    assert draft.version == 1, "a failed save leaves the caller's referral as it was"


async def _timed(operation: Awaitable[object]) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        await asyncio.wait_for(operation, timeout=UPPER_BOUND_S * 3)  # never hang the suite
    except Exception as error:
        return time.monotonic() - started, error
    return time.monotonic() - started, None

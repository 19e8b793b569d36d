"""Three app instances on one store behind a round-robin, under load, one of them killed
with SIGKILL half-way: nothing acknowledged is lost or stored twice, no notification is
posted twice or never, and a Teams retry that lands on another instance is answered once.

Run on an SQLite file and on the Cosmos DB-protocol server. Every instance runs with
`SMA_ROLE=all` (turns and delivery). The final counts are taken once every instance has
stopped, so nothing can still arrive after them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import aiohttp
import pytest

from referrals.clock import SystemClock
from referrals.ports import Stores
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.opening import OpenedStorage, open_cosmos, open_sqlite
from tests.scale import checks
from tests.scale.instances import cosmos_store, instance_env, running, sqlite_store
from tests.scale.load import (
    ADVOCATES,
    SMLO_IDS,
    WAIT,
    Load,
    advocate_id,
    advocate_name,
)
from tests.scale.posts import CountingConnector
from tests.storage.cosmos_server import CosmosTestServer
from tests.support.round_robin import RoundRobin

INSTANCES = 3
POLL_SECONDS = 0.2  # how often the store is asked whether the outbox is empty yet
CIPHER = FieldCipher(development_key_ring())  # development mode's data keys


@dataclass
class Store:
    """How the instances are told where the store is, and how the test reads it."""

    env: dict[str, str]
    open: Callable[[], Awaitable[OpenedStorage]]


@pytest.fixture(params=["sqlite", "cosmos"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        path = tmp_path / "shared.sqlite3"
        return Store(sqlite_store(path), partial(open_sqlite, str(path), CIPHER, SystemClock()))
    server: CosmosTestServer = request.getfixturevalue("cosmos_server")
    settings = server.settings()
    return Store(cosmos_store(settings), partial(open_cosmos, settings, CIPHER, SystemClock()))


@asynccontextmanager
async def reading(store: Store) -> AsyncIterator[OpenedStorage]:
    opened = await store.open()
    try:
        yield opened
    finally:
        await opened.close()


async def test_three_instances_lose_nothing_and_do_nothing_twice_when_one_is_killed(
    store: Store, connector: CountingConnector, tmp_path: Path
) -> None:
    advocates = [(advocate_id(n), advocate_name(n)) for n in range(ADVOCATES)]
    env = instance_env(SMLO_IDS, advocates, store.env)
    async with running(INSTANCES, env, tmp_path) as instances:
        proxy = RoundRobin([i.url for i in instances])
        await proxy.start()
        connector.instances = {i.pid: i.number for i in instances}
        async with reading(store) as opened:  # once the first instance made the store
            stores = opened.stores
            try:
                async with aiohttp.ClientSession() as http:
                    load = Load(proxy, connector, http, instances, opened.audit)
                    await load.run()
            finally:
                await proxy.stop()
            expected = await checks.expected_notifications(load, stores)
            # What never comes is reported below, by name.
            with contextlib.suppress(TimeoutError):
                await connector.wait_until(
                    lambda: checks.all_posted(expected, connector), within=WAIT
                )
            with contextlib.suppress(TimeoutError):
                await outbox_emptied(stores)
            for instance in instances:  # the counts are final once nobody can post
                await instance.stop()
            notes: list[str] = []
            problems = [
                *load.problems,
                *await checks.stored_once(load, stores),
                *await checks.delivered_once(load, expected, connector, stores, notes),
                *checks.answered_once(load, connector),
            ]
    assert not problems, checks.report(problems, notes, load, [i.log_path for i in instances])


async def outbox_emptied(stores: Stores) -> None:
    """Until nothing waits in the outbox: whatever the killed instance held is taken over."""
    async with asyncio.timeout(WAIT):
        while True:
            if not await stores.outbox.pending(1):
                return
            await asyncio.sleep(POLL_SECONDS)

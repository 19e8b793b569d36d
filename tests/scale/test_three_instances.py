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
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from referrals.ports import Stores
from storage.cosmos import CosmosStores
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores
from tests.scale import checks
from tests.scale.instances import cosmos_store, instance_env, running, sqlite_store
from tests.scale.load import (
    ADVOCATES,
    SMLO_IDS,
    VICTIM,
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
    env: dict[str, str]
    open: Callable[[], AbstractAsyncContextManager[Stores]]


@pytest.fixture(params=["sqlite", "cosmos"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        path = tmp_path / "shared.sqlite3"

        @asynccontextmanager
        async def sqlite() -> AsyncIterator[Stores]:
            async with await SqliteStores.open(path, CIPHER) as opened:
                yield opened.stores

        return Store(sqlite_store(path), sqlite)
    server: CosmosTestServer = request.getfixturevalue("cosmos_server")
    settings = server.settings()

    @asynccontextmanager
    async def cosmos() -> AsyncIterator[Stores]:
        async with await CosmosStores.open(settings, CIPHER) as opened:
            yield opened.stores

    return Store(cosmos_store(settings), cosmos)


async def test_three_instances_lose_nothing_and_do_nothing_twice_when_one_is_killed(
    store: Store, connector: CountingConnector, tmp_path: Path
) -> None:
    advocates = [(advocate_id(n), advocate_name(n)) for n in range(ADVOCATES)]
    env = instance_env(SMLO_IDS, advocates, store.env)
    async with running(INSTANCES, env, tmp_path) as instances:
        proxy = RoundRobin([i.url for i in instances])
        await proxy.start()
        try:
            async with aiohttp.ClientSession() as http:
                load = Load(proxy, connector, http, instances)
                await load.run()
        finally:
            await proxy.stop()
        async with store.open() as stores:
            expected = await checks.expected_notifications(load, stores)
            with contextlib.suppress(TimeoutError):  # what never came is reported below
                await connector.wait_until(
                    lambda: checks.all_posted(expected, connector), within=WAIT
                )
                await outbox_emptied(stores)
            for instance in instances:  # the counts are final once nobody can post
                await instance.stop()
            problems = [
                *load.problems,
                *await checks.stored_once(load, stores),
                *await checks.delivered_once(load, expected, connector, stores),
                *checks.answered_once(load, connector),
            ]
    logs = ", ".join(str(i.log_path) for i in instances)
    assert not problems, (
        f"{len(problems)} problems with {INSTANCES} instances (instance {VICTIM + 1} killed "
        f"after {load.killed_after} receipts; logs {logs}):\n" + "\n".join(problems)
    )


async def outbox_emptied(stores: Stores) -> None:
    """Until nothing waits in the outbox: whatever the killed instance held is taken over."""
    async with asyncio.timeout(WAIT):
        while True:
            if not await stores.outbox.pending(1):
                return
            await asyncio.sleep(POLL_SECONDS)

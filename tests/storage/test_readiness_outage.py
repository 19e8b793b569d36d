"""`/readyz` over a Cosmos DB store that goes down: 503, quickly, whether the connection is
refused or accepted and never answered (the way tests/storage/test_cosmos_outage.py breaks
the store); 200 while it answers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bot.roles.readiness import READY_WITHIN_SECONDS, readiness
from storage.cosmos import CosmosStores
from tests.storage.conftest import CIPHER
from tests.storage.cosmos_server import CosmosTestServer
from tests.storage.test_cosmos_outage import LIMITS, _hanging, _refusing


@pytest.mark.parametrize("outage", [_refusing, _hanging], ids=["refused", "hanging"])
async def test_readiness_is_503_within_its_bound_while_cosmos_db_is_down(
    outage: Callable[[int], AbstractAsyncContextManager[None]],
) -> None:
    server = CosmosTestServer().start()
    try:
        async with await CosmosStores.open(server.settings(**LIMITS), CIPHER) as cosmos:
            ready = await readiness(cosmos.stores)
            server.stop()
            async with outage(server.port):
                started = time.monotonic()
                unready = await readiness(cosmos.stores)
                elapsed = time.monotonic() - started
    finally:
        server.stop()

    assert ready.status == 200
    assert unready.status == 503
    assert json.loads(unready.text or "")["status"] == "unavailable"
    assert elapsed < READY_WITHIN_SECONDS + 1.0, "App Service's probe is answered in time"

"""The Bot Connector stand-in that counts posts, and the storage tests' loopback Cosmos DB
server (one per session, shared)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.scale.posts import CountingConnector
from tests.storage.conftest import cosmos_server

__all__ = ["cosmos_server"]


@pytest.fixture
async def connector() -> AsyncIterator[CountingConnector]:
    stand_in = CountingConnector()
    await stand_in.start()
    yield stand_in
    await stand_in.stop()

"""The commands' tests use the storage tests' fixtures: the loopback Cosmos DB-protocol
server and the fixed clock."""

from __future__ import annotations

from tests.storage.conftest import clock, cosmos_server

__all__ = ["clock", "cosmos_server"]

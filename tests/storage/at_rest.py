"""What the stores hold at rest, read past every adapter and key: the bytes of a SQLite
database on disk and the items a Cosmos DB server keeps. Scans for words that must never
be stored in clear (canaries) read these."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from azure.cosmos.aio import CosmosClient

from storage.cosmos import CosmosSettings


def sqlite_bytes(path: Path) -> bytes:
    """The database file and its -wal and -shm companions, as they are on disk."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


async def cosmos_items(settings: CosmosSettings) -> dict[str, list[dict[str, Any]]]:
    """Every item of every container of the database, read with a plain client."""
    async with CosmosClient(
        settings.endpoint, settings.key, connection_verify=settings.verify_tls
    ) as client:
        database = client.get_database_client(settings.database)
        names = [c["id"] async for c in database.list_containers()]
        return {
            name: [item async for item in database.get_container_client(name).read_all_items()]
            for name in names
        }

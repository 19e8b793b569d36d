"""Bot state: botbuilder's Storage contract, e-tags and purge, in SQLite and Cosmos DB;
and a real dialog resumed across fresh state (Cosmos DB's: test_cosmos_bot_state.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import StoreItem

from referrals.clock import FakeClock
from storage.bot_state_codec import StateConflict
from storage.cosmos import CosmosStores
from storage.cosmos_bot_state import CosmosBotStateStorage
from storage.sqlite import SqliteStores
from storage.sqlite_bot_state import SqliteBotStateStorage
from tests.storage.conftest import CIPHER
from tests.storage.cosmos_server import CosmosTestServer
from tests.storage.dialog_resume import a_dialog_resumes_on_fresh_storage_every_turn

StateStorage = SqliteBotStateStorage | CosmosBotStateStorage


@pytest.fixture(params=["sqlite", "cosmos"])
async def storage(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[StateStorage]:
    if request.param == "sqlite":
        async with await SqliteStores.open(tmp_path / "referrals.db", CIPHER) as sqlite:
            yield SqliteBotStateStorage(sqlite, clock)
        return
    server: CosmosTestServer = request.getfixturevalue("cosmos_server")
    async with await CosmosStores.open(server.settings(), CIPHER) as cosmos:
        yield CosmosBotStateStorage(cosmos.database, clock)


async def test_read_returns_only_stored_keys_each_with_its_e_tag(
    storage: StateStorage,
) -> None:
    await storage.write({"a": {"count": 1, "nested": {"list": [1, "two"]}}})

    found = await storage.read(["a", "missing"])

    assert list(found) == ["a"]
    value: dict[str, Any] = found["a"]  # type: ignore[assignment]
    assert value["nested"] == {"list": [1, "two"]}
    assert value["e_tag"]
    assert await storage.read([]) == {}


async def test_every_write_gives_a_new_e_tag_and_a_matching_e_tag_may_write(
    storage: StateStorage,
) -> None:
    await storage.write({"a": {"count": 1}})
    first: dict[str, Any] = (await storage.read(["a"]))["a"]  # type: ignore[assignment]

    await storage.write({"a": {**first, "count": 2}})
    second: dict[str, Any] = (await storage.read(["a"]))["a"]  # type: ignore[assignment]

    assert second["count"] == 2
    assert second["e_tag"] != first["e_tag"]


async def test_a_stale_e_tag_is_refused_and_nothing_in_the_batch_is_written(
    storage: StateStorage,
) -> None:
    await storage.write({"a": {"count": 1}})
    stale: dict[str, Any] = (await storage.read(["a"]))["a"]  # type: ignore[assignment]
    await storage.write({"a": {**stale, "count": 2}})

    with pytest.raises(StateConflict):
        await storage.write({"b": {"count": 9}, "a": {**stale, "count": 3}})

    found = await storage.read(["a", "b"])
    assert list(found) == ["a"]
    assert found["a"]["count"] == 2  # type: ignore[index]


async def test_a_conditional_write_to_a_missing_key_is_refused(
    storage: StateStorage,
) -> None:
    with pytest.raises(StateConflict):
        await storage.write({"gone": {"count": 1, "e_tag": "an-old-e-tag"}})


async def test_a_star_or_absent_e_tag_overwrites_unconditionally(
    storage: StateStorage,
) -> None:
    await storage.write({"a": {"count": 1}})
    await storage.write({"a": {"count": 2, "e_tag": "*"}})
    assert (await storage.read(["a"]))["a"]["count"] == 2  # type: ignore[index]

    await storage.write({"a": {"count": 3}})
    assert (await storage.read(["a"]))["a"]["count"] == 3  # type: ignore[index]


async def test_an_empty_e_tag_is_refused(storage: StateStorage) -> None:
    with pytest.raises(ValueError, match="empty e_tag"):
        await storage.write({"a": {"count": 1, "e_tag": ""}})


async def test_store_items_round_trip_with_their_e_tag_as_an_attribute(
    storage: StateStorage,
) -> None:
    await storage.write({"item": StoreItem(count=4, tags=("x", "y"))})

    item = (await storage.read(["item"]))["item"]

    assert isinstance(item, StoreItem)
    assert (item.count, item.tags) == (4, ("x", "y"))
    assert item.e_tag
    item.count = 5
    await storage.write({"item": item})
    with pytest.raises(StateConflict):
        await storage.write({"item": item})  # its e-tag is now stale


async def test_delete_removes_keys_and_ignores_missing_ones(
    storage: StateStorage,
) -> None:
    await storage.write({"a": {"n": 1}, "b": {"n": 2}})

    await storage.delete(["a", "missing"])

    assert list(await storage.read(["a", "b"])) == ["b"]


async def test_purge_older_than_removes_only_state_not_written_since(
    storage: StateStorage, clock: FakeClock
) -> None:
    await storage.write({"abandoned": {"n": 1}, "refreshed": {"n": 1}})
    clock.advance(timedelta(days=2))
    await storage.write({"refreshed": {"n": 2}, "new": {"n": 1}})

    purged = await storage.purge_older_than(clock.now() - timedelta(days=1))

    assert purged == 1
    assert sorted(await storage.read(["abandoned", "refreshed", "new"])) == ["new", "refreshed"]


async def test_a_waterfall_dialog_resumes_across_fresh_state_and_a_reopened_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "referrals.db"
    opened: list[SqliteStores] = []

    async def reopened() -> SqliteBotStateStorage:
        for sqlite in opened:
            await sqlite.close()
        opened[:] = [await SqliteStores.open(path, CIPHER)]
        return SqliteBotStateStorage(opened[0])

    try:
        await a_dialog_resumes_on_fresh_storage_every_turn(reopened)
        rows = await opened[0].database.fetch_all("SELECT document FROM bot_state")
        assert len(rows) == 1
        assert rows[0][0].startswith("v1.")  # encrypted whole (tests/storage/test_encryption)
    finally:
        for sqlite in opened:
            await sqlite.close()

"""Bot state in Cosmos DB: a real dialog resumes across fresh state and connections,
and keys are escaped into item ids as botbuilder-azure escapes them."""

from __future__ import annotations

import pytest

from storage.bot_state_codec import STATE_FIELD
from storage.cosmos import CosmosStores
from storage.cosmos_bot_state import CosmosBotStateStorage, escape_key
from storage.cosmos_database import query
from tests.storage.conftest import CIPHER
from tests.storage.cosmos_server import CosmosTestServer
from tests.storage.dialog_resume import a_dialog_resumes_on_fresh_storage_every_turn


async def test_a_waterfall_dialog_resumes_across_fresh_state_and_a_new_connection(
    cosmos_server: CosmosTestServer,
) -> None:
    settings = cosmos_server.settings()
    opened: list[CosmosStores] = []

    async def reconnected() -> CosmosBotStateStorage:
        for cosmos in opened:
            await cosmos.close()
        opened[:] = [await CosmosStores.open(settings, CIPHER)]
        return CosmosBotStateStorage(opened[0].database)

    try:
        await a_dialog_resumes_on_fresh_storage_every_turn(reconnected)
        items = await query(opened[0].database.bot_state, "SELECT * FROM c")
    finally:
        for cosmos in opened:
            await cosmos.close()

    assert len(items) == 1
    (item,) = items
    assert item["realId"].endswith("/conversations/Convo1")
    assert item["id"] == escape_key(item["realId"])
    assert "/" not in item["id"]
    assert item["document"].startswith("v1.")  # encrypted whole, bound to its key
    assert "DialogState" in CIPHER.decrypt(item["document"], STATE_FIELD, item["realId"])


@pytest.mark.parametrize(
    ("key", "item_id"),
    [
        ("msteams/conversations/a:1Xyz", "msteams*47conversations*47a:1Xyz"),
        ("a\\b?c#d\te\nf\rg*h", "a*92b*63c*35d*9e*10f*13g*42h"),
        ("plain-key_1:2", "plain-key_1:2"),
    ],
)
def test_forbidden_characters_are_escaped_as_botbuilder_azure_does(key: str, item_id: str) -> None:
    assert escape_key(key) == item_id


def test_a_key_too_long_for_an_id_is_cut_and_ends_with_its_hash() -> None:
    long_key = "msteams/conversations/" + "x" * 300

    escaped = escape_key(long_key)

    assert len(escaped) == 255
    assert escaped.startswith("msteams*47conversations*47xxx")
    assert escaped != escape_key(long_key + "y")

"""The whole referral path with the bot configured for Azure Cosmos DB (SMA_STORE=cosmos),
against a Cosmos DB-protocol server on loopback: the wiring, not just the adapters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from referrals.clock import FakeClock
from referrals.states import ReferralState
from storage.cosmos import CosmosStores
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from tests.protocol.conftest import (
    ADVOCATE_A_ID,
    People,
    RunningBot,
    make_settings,
    on_cosmos,
    serving,
)
from tests.protocol.journeys import referral_reaches_the_smlo, shows, smlo_offers_it
from tests.storage.cosmos_server import CosmosTestServer
from tests.support.connector import ConnectorStandIn


@pytest.fixture
def database() -> str:
    return f"bot-{uuid.uuid4().hex}"


@pytest.fixture
async def bot(
    tmp_path: Path, connector: ConnectorStandIn, cosmos_server: CosmosTestServer, database: str
) -> AsyncIterator[RunningBot]:
    settings = on_cosmos(make_settings(str(tmp_path), connector.url), cosmos_server, database)
    async with serving(settings, FakeClock()) as running:
        yield running


async def test_the_referral_path_runs_on_cosmos_db_and_nothing_lands_in_sqlite(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    tmp_path: Path,
    cosmos_server: CosmosTestServer,
    database: str,
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)
    await people.advocate_a.click("Yes, I can")
    await connector.wait_until(lambda: shows(people.referrer, "An advocate will support you"))

    # Read back through a fresh connection with the app's key: it is really in Cosmos DB.
    app_cipher = FieldCipher(development_key_ring())
    async with await CosmosStores.open(
        cosmos_server.settings(database=database), app_cipher
    ) as fresh:
        held = await fresh.stores.referrals.list_for_advocate(ADVOCATE_A_ID)
        assert [(r.reference, r.state) for r in held] == [("SMA-2026-0001", ReferralState.ACTIVE)]
    assert not sqlite_files(tmp_path), "nothing was written to SQLite"


def sqlite_files(folder: Path) -> list[Path]:
    return list(folder.glob("*.sqlite3"))

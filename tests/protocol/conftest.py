"""The real app on loopback, a Bot Connector stand-in, and five people with Teams chats."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from app import RUNTIME, Runtime, create_app
from config.settings import Settings, StoreKind
from referrals.clock import FakeClock
from referrals.people import Advocate
from tests.storage.conftest import cosmos_server
from tests.storage.cosmos_server import EMULATOR_KEY, CosmosTestServer
from tests.support.connector import ConnectorStandIn
from tests.support.loop import settle
from tests.support.teams import TENANT, TeamsUser

__all__ = ["cosmos_server"]  # the storage tests' loopback Cosmos DB server, shared

SMLO_ID = "00000000-0000-4000-8000-00000000a001"
DEPUTY_ID = "00000000-0000-4000-8000-00000000a002"
ADVOCATE_A_ID = "00000000-0000-4000-8000-00000000b001"
ADVOCATE_B_ID = "00000000-0000-4000-8000-00000000b002"
REFERRER_ID = "00000000-0000-4000-8000-00000000c001"
STRANGER_ID = "00000000-0000-4000-8000-00000000c002"


@dataclass
class RunningBot:
    url: str
    runtime: Runtime
    clock: FakeClock
    settings: Settings


def make_settings(tmp_path_str: str, service_url: str) -> Settings:
    return Settings(
        development_mode=True,
        sqlite_path=f"{tmp_path_str}/sma.sqlite3",
        smlo_ids=frozenset({SMLO_ID, DEPUTY_ID}),
        seed_advocates=(
            Advocate(ADVOCATE_A_ID, "Alex Morgan", "Response East"),
            Advocate(ADVOCATE_B_ID, "Sam Okafor", "Custody"),
        ),
        teams_service_url=service_url,
        app_tenant_id=TENANT,
        allowed_service_hosts=frozenset({"127.0.0.1"}),  # the connector stand-in
        # No message about no referral arrives on its own (the clock stands at a Monday,
        # 09:00, the 2nd): the tests of the check-ins and the digest turn them on.
        checkin_day=0,
        digest_day=None,
    )


def on_cosmos(settings: Settings, server: CosmosTestServer, database: str) -> Settings:
    """The same bot configured for Azure Cosmos DB (SMA_STORE=cosmos), on the loopback
    server, in a database of its own."""
    return dataclasses.replace(
        settings,
        store=StoreKind.COSMOS,
        cosmos_endpoint=server.endpoint,
        cosmos_key=EMULATOR_KEY,
        cosmos_database=database,
        cosmos_verify_tls=False,  # the loopback server's self-signed certificate
    )


@asynccontextmanager
async def serving(settings: Settings, clock: FakeClock) -> AsyncIterator[RunningBot]:
    """The app on a free loopback port, from start-up to shutdown (run it twice on one
    store for a restart)."""
    app = create_app(settings, clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        yield RunningBot(f"http://127.0.0.1:{port}", app[RUNTIME], clock, settings)
    finally:
        await runner.cleanup()
        await settle()


@pytest.fixture
async def bot(tmp_path: object, connector: ConnectorStandIn) -> AsyncIterator[RunningBot]:
    async with serving(make_settings(str(tmp_path), connector.url), FakeClock()) as running:
        yield running


@dataclass
class People:
    referrer: TeamsUser
    smlo: TeamsUser
    advocate_a: TeamsUser
    advocate_b: TeamsUser
    stranger: TeamsUser
    deputy: TeamsUser

    def everyone(self) -> tuple[TeamsUser, ...]:
        return (
            self.referrer,
            self.smlo,
            self.advocate_a,
            self.advocate_b,
            self.stranger,
            self.deputy,
        )


def people_at(bot_url: str, connector: ConnectorStandIn, http: aiohttp.ClientSession) -> People:
    """Six people, each with a 1:1 chat with the bot at `bot_url`."""

    def user(name: str, aad: str) -> TeamsUser:
        return TeamsUser(name, aad, bot_url, connector, http)

    return People(
        referrer=user("Robin Referrer", REFERRER_ID),
        smlo=user("Sky Liaison", SMLO_ID),
        advocate_a=user("Alex Morgan", ADVOCATE_A_ID),
        advocate_b=user("Sam Okafor", ADVOCATE_B_ID),
        stranger=user("Pat Stranger", STRANGER_ID),
        deputy=user("Dee Deputy", DEPUTY_ID),
    )


@pytest.fixture
async def people(bot: RunningBot, connector: ConnectorStandIn) -> AsyncIterator[People]:
    async with aiohttp.ClientSession() as http:
        yield people_at(bot.url, connector, http)

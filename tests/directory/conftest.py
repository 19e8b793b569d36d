"""Entra ID and Microsoft Graph on loopback (tests/support/graph.py), and the real app in
production mode pointed at them: inbound tokens from the Bot Framework stand-in of
tests/security, the SMLO and advocates from Entra groups, the roster from Graph.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from app import RUNTIME, Runtime, create_app
from config.settings import load_settings
from entra.directory import GraphDirectory
from entra.graph import AppToken, GraphClient, RetryBudget
from referrals.clock import FakeClock
from tests.security.conftest import (
    APP_ID,
    NoOutboundTokenFactory,
    TokenAuthority,
    production_environment,
)
from tests.support.connector import ConnectorStandIn
from tests.support.graph import EntraStandIn, self_signed_certificate
from tests.support.teams import TENANT, TeamsUser

SECRET = "test-only-not-a-secret"  # the app password production_environment sets
MANIFEST_ID = "7d0c2a11-0000-4000-8000-0000000000aa"
CATALOG_ID = "7d0c2a11-0000-4000-8000-0000000000cc"


@pytest.fixture(scope="session")
def authority() -> Iterator[TokenAuthority]:
    """The Bot Framework's token service (tests/security): Teams' activities are signed."""
    token_service = TokenAuthority()
    token_service.start()
    yield token_service
    token_service.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("entra-tls"))


@pytest.fixture
async def entra(certificate: tuple[Path, Path]) -> AsyncIterator[EntraStandIn]:
    cert_file, key_file = certificate
    stand_in = EntraStandIn(cert_file, key_file, TENANT, APP_ID, SECRET)
    stand_in.catalog.append({"id": CATALOG_ID, "externalId": MANIFEST_ID})
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
async def session(certificate: tuple[Path, Path]) -> AsyncIterator[aiohttp.ClientSession]:
    tls = ssl.create_default_context(cafile=str(certificate[0]))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls)) as opened:
        yield opened


def app_token(entra: EntraStandIn, certificate: tuple[Path, Path]) -> AppToken:
    """The real msal client, as the app builds it, pointed at the stand-in."""
    return AppToken(
        APP_ID,
        SECRET,
        f"{entra.url}/{TENANT}",
        f"{entra.url}/.default",
        test_authority=True,
        ca_file=str(certificate[0]),
    )


@dataclass
class Graph:
    client: GraphClient
    token: AppToken
    sleeps: list[float] = field(default_factory=list)  # every wait the client chose


@pytest.fixture
def graph(
    entra: EntraStandIn, certificate: tuple[Path, Path], session: aiohttp.ClientSession
) -> Iterator[Graph]:
    token = app_token(entra, certificate)
    sleeps: list[float] = []

    async def record(seconds: float) -> None:
        sleeps.append(seconds)  # the real wait is left out to keep the tests quick

    client = GraphClient(entra.graph_url, token, session, budget=RetryBudget(), sleep=record)
    yield Graph(client, token, sleeps)
    token.close()


# -- the real app ---------------------------------------------------------------------------


@dataclass
class DirectoryBot:
    url: str
    runtime: Runtime
    http: aiohttp.ClientSession  # sends Teams' bearer token with every activity

    @property
    def directory(self) -> GraphDirectory:
        found = self.runtime.services.administration.directory
        assert isinstance(found, GraphDirectory)
        return found

    def person(self, name: str, aad_object_id: str, connector: ConnectorStandIn) -> TeamsUser:
        return TeamsUser(name, aad_object_id, self.url, connector, self.http)


StartBot = Callable[[dict[str, str]], Awaitable[DirectoryBot]]


def directory_environment(
    authority: TokenAuthority,
    connector: ConnectorStandIn,
    entra: EntraStandIn,
    sqlite_path: str,
    **settings: str,
) -> dict[str, str]:
    environment = production_environment(authority, connector.url, sqlite_path)
    del environment["SMA_SMLO_IDS"]  # the SMLO group alone says who the SMLOs are
    return {
        **environment,
        "SMA_GRAPH_URL": entra.graph_url,
        "SMA_AUTHORITY_HOST": entra.authority_host,
        "SMA_TEAMS_APP_MANIFEST_ID": MANIFEST_ID,
        **settings,
    }


@pytest.fixture
async def start_directory_bot(
    authority: TokenAuthority,
    connector: ConnectorStandIn,
    certificate: tuple[Path, Path],
) -> AsyncIterator[StartBot]:
    runners: list[web.AppRunner] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(environment: dict[str, str]) -> DirectoryBot:
        # Nothing arrives on its own in the middle of a test: no check-in, no digest.
        quiet = {"SMA_CHECKIN_DAY": "0", "SMA_DIGEST_DAY": "off"}
        settings = load_settings(quiet | environment)
        app = create_app(
            settings,
            FakeClock(),
            outbound_credentials=NoOutboundTokenFactory(),
            directory_ca_file=str(certificate[0]),
        )
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        token = authority.token(connector.url)
        http = aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"})
        sessions.append(http)
        return DirectoryBot(f"http://127.0.0.1:{port}", app[RUNTIME], http)

    yield start
    for http in sessions:
        await http.close()
    for runner in reversed(runners):
        await runner.cleanup()

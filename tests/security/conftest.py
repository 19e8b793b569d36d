"""The real app in production mode on loopback, with the Bot Framework's token service
played by a test key: OpenID metadata and JWKS served from a thread (botbuilder fetches
them with a blocking call, so they cannot be served from the bot's own event loop) and
RS256 tokens signed with that key.

`SecuredBot.nothing_ran()` is what an attacker would have to beat: no turn reached the
bot, no row was written anywhere in the database, and no Bot Connector heard a thing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp import web
from botbuilder.core import TurnContext
from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app import RUNTIME, Runtime, create_app
from config.settings import load_settings
from referrals.clock import FakeClock
from tests.support.connector import ConnectorStandIn
from tests.support.keys import TEST_DATA_KEYS
from tests.support.teams import TENANT, TeamsUser

APP_ID = "3f1c9a52-7d4e-4b8a-9c61-0e2f5a7b8c90"
ISSUER = "https://api.botframework.test"
KEY_ID = "test-signing-key"
SMLO_ID = "00000000-0000-4000-8000-00000000a001"
REFERRER_ID = "00000000-0000-4000-8000-00000000c001"
OTHER_TENANT = "0badc0de-0000-4000-8000-000000000bad"
Json = dict[str, Any]


class TokenAuthority:
    """Plays login.botframework.com: one signing key, published on loopback."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.fetched: list[str] = []  # paths requested by the bot
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/openid-configuration"

    def start(self) -> None:
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                authority.fetched.append(self.path)
                documents = {
                    "/openid-configuration": {
                        "issuer": ISSUER,
                        "jwks_uri": f"{authority.base_url}/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                    "/keys": {"keys": [authority.jwk()]},
                }
                found = documents.get(self.path)
                body = json.dumps(found or {}).encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: pytest shows failures, not every fetch

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def jwk(self) -> Json:
        key: Json = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        # Real Bot Framework keys are endorsed for the channels that may use them.
        return {**key, "kid": KEY_ID, "use": "sig", "endorsements": ["msteams", "webchat"]}

    def token(
        self,
        service_url: str,
        *,
        audience: str = APP_ID,
        issuer: str = ISSUER,
        lifetime: int = 3600,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KEY_ID,
    ) -> str:
        """A channel token as the Bot Framework signs it (RS256), claim by claim."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})


class NoOutboundTokenFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Accepts our app id, and gives replies no token: otherwise every reply to the
    loopback connector would first ask the real Entra ID for one."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    credentials_made = 0  # each would be a new msal app, and a new token, in production

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        self.credentials_made += 1
        return MicrosoftAppCredentials.empty()


def stored_rows(sqlite_path: str) -> dict[str, int]:
    """How many rows each table holds, read through a separate read-only connection."""
    with sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@dataclass
class SecuredBot:
    url: str
    runtime: Runtime
    sqlite_path: str
    connectors: list[ConnectorStandIn]
    credentials: NoOutboundTokenFactory | None = None
    turns: list[str] = field(default_factory=list)  # activity types that reached the bot
    baseline: dict[str, int] = field(default_factory=dict)

    def rows(self) -> dict[str, int]:
        """Every table's row count but the leases': the instance's background jobs take
        and renew those from start-up on, whatever arrives (bot/singleton.py)."""
        return {t: n for t, n in stored_rows(self.sqlite_path).items() if t != "leases"}

    def nothing_ran(self) -> bool:
        """No turn, no stored row, no call to any Bot Connector."""
        return (
            not self.turns
            and self.rows() == self.baseline
            and all(not c.hits for c in self.connectors)
        )


@pytest.fixture(scope="session")
def authority() -> Iterator[TokenAuthority]:
    token_service = TokenAuthority()
    token_service.start()
    yield token_service
    token_service.stop()


@pytest.fixture
async def rogue_connector() -> AsyncIterator[ConnectorStandIn]:
    """A Bot Connector on another loopback address that the bot must never talk to."""
    stand_in = ConnectorStandIn(host="127.0.0.2")
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


def production_environment(
    authority: TokenAuthority, service_url: str, sqlite_path: str
) -> dict[str, str]:
    """Production settings, as an operator would set them, pointed at the test key."""
    return {
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": "test-only-not-a-secret",
        "MicrosoftAppTenantId": TENANT,
        "MicrosoftAppType": "SingleTenant",
        **TEST_DATA_KEYS,
        "SMA_HOST": "127.0.0.1",
        "SMA_SMLO_IDS": SMLO_ID,
        "SMA_SQLITE_PATH": sqlite_path,
        "SMA_TEAMS_SERVICE_URL": service_url,
        "SMA_ALLOWED_SERVICE_HOSTS": "127.0.0.1",
        "SMA_AUTH_OPENID_METADATA_URL": authority.metadata_url,
        "SMA_AUTH_TOKEN_ISSUER": ISSUER,
    }


def development_environment(service_url: str, sqlite_path: str) -> dict[str, str]:
    return {
        "SMA_INSECURE_DEVELOPMENT_MODE": "true",
        "MicrosoftAppTenantId": TENANT,
        "SMA_SMLO_IDS": SMLO_ID,
        "SMA_SQLITE_PATH": sqlite_path,
        "SMA_TEAMS_SERVICE_URL": service_url,
        "SMA_ALLOWED_SERVICE_HOSTS": "127.0.0.1",
    }


StartBot = Callable[[dict[str, str]], Awaitable[SecuredBot]]


@pytest.fixture
async def start_bot(
    connector: ConnectorStandIn, rogue_connector: ConnectorStandIn
) -> AsyncIterator[StartBot]:
    """Starts the real app with the given environment; stops it after the test."""
    runners: list[web.AppRunner] = []

    async def start(environment: dict[str, str]) -> SecuredBot:
        # Nothing arrives on its own in the middle of a test: no check-in, no digest.
        quiet = {"SMA_CHECKIN_DAY": "0", "SMA_DIGEST_DAY": "off"}
        settings = load_settings(quiet | environment)
        # Development mode has no app id, so its replies carry no token anyway.
        credentials = None if settings.development_mode else NoOutboundTokenFactory()
        app = create_app(settings, FakeClock(), outbound_credentials=credentials)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        runtime = app[RUNTIME]
        running = SecuredBot(
            f"http://127.0.0.1:{port}",
            runtime,
            settings.sqlite_path,
            [connector, rogue_connector],
            credentials,
        )
        _record_turns(running)
        running.baseline = running.rows()
        return running

    yield start
    for runner in reversed(runners):
        await runner.cleanup()


def _record_turns(running: SecuredBot) -> None:
    """Note every activity type that reaches the bot (the gate calls `bot.on_turn`)."""
    bot = running.runtime.bot
    original = bot.on_turn

    async def on_turn(turn_context: TurnContext) -> None:
        running.turns.append(str(turn_context.activity.type))
        await original(turn_context)

    bot.on_turn = on_turn  # type: ignore[method-assign]  # a recording wrapper, not a mock


@pytest.fixture
async def secured_bot(
    start_bot: StartBot, authority: TokenAuthority, connector: ConnectorStandIn, tmp_path: Path
) -> SecuredBot:
    return await start_bot(
        production_environment(authority, connector.url, str(tmp_path / "sma.sqlite3"))
    )


@pytest.fixture
async def development_bot(
    start_bot: StartBot, connector: ConnectorStandIn, tmp_path: Path
) -> SecuredBot:
    return await start_bot(development_environment(connector.url, str(tmp_path / "dev.sqlite3")))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class Caller:
    """Someone posting to /api/messages: Teams, or someone pretending to be."""

    http: aiohttp.ClientSession
    bot: SecuredBot
    connector: ConnectorStandIn
    last_body: str = ""

    def person(self, aad_object_id: str = REFERRER_ID) -> TeamsUser:
        return TeamsUser("Robin Referrer", aad_object_id, self.bot.url, self.connector, self.http)

    def message(self, text: str = "hello", **changes: Any) -> Json:
        return {**self.person().activity("message", text=text), **changes}

    async def post(
        self,
        body: Any = None,
        *,
        token: str | None = None,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        authorization: str | None = None,
    ) -> int:
        headers: dict[str, str] = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if authorization is not None:
            headers["Authorization"] = authorization
        data = raw if raw is not None else json.dumps(body).encode()
        url = f"{self.bot.url}/api/messages"
        async with self.http.post(url, data=data, headers=headers) as response:
            self.last_body = await response.text()
            return response.status


@pytest.fixture
def teams(
    http: aiohttp.ClientSession, secured_bot: SecuredBot, connector: ConnectorStandIn
) -> Caller:
    return Caller(http, secured_bot, connector)


@pytest.fixture
def local(
    http: aiohttp.ClientSession, development_bot: SecuredBot, connector: ConnectorStandIn
) -> Caller:
    return Caller(http, development_bot, connector)

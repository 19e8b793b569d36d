"""One Bot Connector client per service URL, kept for the life of the app.

botbuilder's CloudAdapter asks its authentication for a fresh `ConnectorClient` on every
turn and every proactive send, and a fresh user-token client beside it. Each connector
client carries:
- its own `MicrosoftAppCredentials`, whose msal application is built on first use, so
  in production every turn would run msal's authority discovery and fetch a new token
  from Entra ID, blocking the event loop, because the token cache lived and died with it;
- its own `requests` sessions, so every reply opened a new TCP (and TLS) connection;
- a msrest configuration and pipeline, a few milliseconds of CPU to build.

`ReusedConnectors` wraps the authentication botbuilder was given and hands out the same
client for the same (app id, service URL, audience). Nothing else changes: the token
check, the claims and the audience are botbuilder's own. msal's cache renews the token
before it expires; requests' connection pool is thread-safe, and msrest sends from
worker threads, so one client serves concurrent turns. We never use user tokens (no
sign-in), so one user-token client per app id is enough.
"""

from __future__ import annotations

from collections import OrderedDict

from botbuilder.schema import Activity
from botframework.connector import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

# Service URLs are allow-listed hosts, so a handful at most; the bound is a backstop.
MOST_CLIENTS = 32

ClientKey = tuple[str, str, str]


class ReusedConnectors(BotFrameworkAuthentication):  # type: ignore[misc]  # untyped
    """botbuilder's authentication, handing out long-lived connector clients."""

    def __init__(self, inner: BotFrameworkAuthentication, capacity: int = MOST_CLIENTS) -> None:
        self._inner = inner
        self._clients: OrderedDict[ClientKey, ConnectorClient] = OrderedDict()
        self._capacity = capacity
        self._user_token_clients: dict[str, UserTokenClient] = {}
        self.clients_built = 0  # for tests and the benchmark

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        return self._reusing(result)

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        return self._reusing(result)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = self._inner.create_connector_factory(claims_identity)
        return _ReusingFactory(self, _app_id(claims_identity), inner)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._user_token_clients[app_id] = client
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self._inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    def _reusing(self, result: AuthenticateRequestResult) -> AuthenticateRequestResult:
        if result.connector_factory is not None:
            app_id = _app_id(result.claims_identity)
            result.connector_factory = _ReusingFactory(self, app_id, result.connector_factory)
        return result

    async def client(
        self, key: ClientKey, factory: ConnectorFactory, service_url: str, audience: str
    ) -> ConnectorClient:
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        # Two turns racing here both build one and the later is kept: harmless.
        client = await factory.create(service_url, audience)
        self.clients_built += 1
        self._clients[key] = client
        while len(self._clients) > self._capacity:
            self._clients.popitem(last=False)
        return client


class _ReusingFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(self, owner: ReusedConnectors, app_id: str, inner: ConnectorFactory) -> None:
        self._owner, self._app_id, self._inner = owner, app_id, inner

    async def create(self, service_url: str, audience: str) -> ConnectorClient:
        key = (self._app_id, service_url or "", audience or "")
        return await self._owner.client(key, self._inner, service_url, audience)


def _app_id(claims_identity: ClaimsIdentity | None) -> str:
    """The app whose credentials the client carries, by botbuilder's own rule (the
    audience claim, else the app id claim); "" for development mode's anonymous turns."""
    if claims_identity is None:
        return ""
    for claim in (AuthenticationConstants.AUDIENCE_CLAIM, AuthenticationConstants.APP_ID_CLAIM):
        value = claims_identity.get_claim_value(claim)
        if value:
            return str(value)
    return ""

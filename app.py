"""The composition root: `create_app(settings)` builds and wires everything. Nothing is
built or connected at import time; the store opens when the app starts and closes when
it stops.

Run: `python app.py` (settings from the environment and `.env`; see README).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from botbuilder.core import ConversationState, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.connectors import ReusedConnectors
from bot.entra import connect, smlo_members
from bot.handler import SmaBot
from bot.ingress import Gate, handle
from bot.notifier import Notifier
from bot.references import ReferenceBook
from bot.replay import ReplayGuard
from bot.retention import run_retention
from bot.settings import Settings, SettingsError, load_settings
from bot.tuning import speed_up_client_creation
from dialogs.intake import IntakeDialog
from referrals.audit import AuditLog
from referrals.clock import SystemClock
from referrals.people import Actor
from referrals.ports import Clock, Stores
from referrals.referral import SYSTEM
from referrals.services import ReferralService, RetentionPolicy
from storage.cosmos import CosmosSettings, CosmosStores
from storage.cosmos_audit import CosmosAuditLog
from storage.cosmos_bot_state import CosmosBotStateStorage
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.sqlite import SqliteStores
from storage.sqlite_audit import SqliteAuditLog
from storage.sqlite_bot_state import SqliteBotStateStorage

log = logging.getLogger("sma")


@dataclass(frozen=True)
class Runtime:
    """What the running app is made of; tests reach the stores through it."""

    adapter: CloudAdapter
    bot: SmaBot
    notifier: Notifier
    stores: Stores
    service: ReferralService


SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
GATE = web.AppKey("gate", Gate)
REPLAY = web.AppKey("replay", ReplayGuard)
CREDENTIALS = web.AppKey("credentials", ServiceClientCredentialsFactory)
DIRECTORY_CA_FILE = web.AppKey("directory_ca_file", str)
RUNTIME = web.AppKey("runtime", Runtime)


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    *,
    outbound_credentials: ServiceClientCredentialsFactory | None = None,
    directory_ca_file: str | None = None,
) -> web.Application:
    """The app; `outbound_credentials` replaces botbuilder's credential factory (tests pass
    one that mints no token, so replies to a loopback connector never call Entra ID);
    `directory_ca_file` is a CA to trust for Entra ID and Graph (tests: their emulator's)."""
    speed_up_client_creation()
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[GATE] = Gate.from_settings(settings)
    app[REPLAY] = ReplayGuard()
    if outbound_credentials is not None:
        app[CREDENTIALS] = outbound_credentials
    if directory_ca_file is not None:
        app[DIRECTORY_CA_FILE] = directory_ca_file
    app.cleanup_ctx.append(_runtime)
    app.router.add_post("/api/messages", _messages)
    app.router.add_get("/healthz", _health)
    return app


def _auth_configuration(settings: Settings) -> SimpleNamespace:
    """botbuilder's authentication settings. It reads them with getattr: a dict would
    silently turn authentication off."""
    if settings.development_mode:
        # No app id and no override key: botbuilder's public mode lets an unsigned request
        # through (the Agents Playground sends none). Any override would switch it to the
        # parameterised mode, which fails such a request with a 500.
        return SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant")
    configuration = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type,
        APP_TENANTID=settings.app_tenant_id,
    )
    if settings.auth_openid_metadata_url:
        # Setting any override switches botbuilder to its parameterised validator, which
        # uses every key; those we do not override keep their public-cloud values.
        configuration.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.auth_openid_metadata_url
        configuration.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = settings.auth_token_issuer
        configuration.TO_CHANNEL_FROM_BOT_LOGIN_URL = (
            f"https://login.microsoftonline.com/{settings.app_tenant_id}"
        )
        configuration.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"
        configuration.OAUTH_URL = "https://api.botframework.com"
        configuration.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
            "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
        )
        configuration.CALLER_ID = "urn:botframework:azure"
        configuration.VALIDATE_AUTHORITY = True
    return configuration


@dataclass(frozen=True)
class Storage:
    """The chosen store's ports, audit trail and dialog state, and how to close them."""

    stores: Stores
    audit: AuditLog
    dialog_state: Any  # a botbuilder Storage that can also purge_older_than(cutoff)
    close: Callable[[], Awaitable[None]]


async def _open_storage(settings: Settings, cipher: FieldCipher, clock: Clock) -> Storage:
    if settings.store == "cosmos":
        keep = timedelta(days=settings.draft_keep_days + 1)  # the purge goes first; TTL backstops
        cosmos = await CosmosStores.open(
            CosmosSettings(
                endpoint=settings.cosmos_endpoint,
                database=settings.cosmos_database,
                key=settings.cosmos_key,
                create_if_missing=settings.cosmos_create_containers,
                verify_tls=settings.cosmos_verify_tls,
                draft_ttl=keep,
                bot_state_ttl=keep,
            ),
            cipher,
        )
        return Storage(
            cosmos.stores,
            CosmosAuditLog(cosmos.database),
            CosmosBotStateStorage(cosmos.database, clock),
            cosmos.close,
        )
    if settings.sqlite_path != ":memory:":
        Path(settings.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    sqlite = await SqliteStores.open(settings.sqlite_path, cipher)
    return Storage(
        sqlite.stores,
        SqliteAuditLog(sqlite.database),
        SqliteBotStateStorage(sqlite, clock),
        sqlite.close,
    )


async def _runtime(app: web.Application) -> AsyncIterator[None]:
    settings, clock = app[SETTINGS], app[CLOCK]
    # Settings refuse production without keys; only development mode falls back.
    cipher = FieldCipher(settings.data_keys or development_key_ring())
    storage = await _open_storage(settings, cipher, clock)
    stores, audit, dialog_state = storage.stores, storage.audit, storage.dialog_state
    for advocate in settings.seed_advocates:
        if await stores.roster.get_advocate(advocate.user_id) is None:
            await stores.roster.put_advocate(advocate)
    smlos = smlo_members(settings)  # kept current from the SMLO group, if one is set
    entra = await connect(settings, smlos, stores.roster, app.get(DIRECTORY_CA_FILE))
    directory = entra.directory if entra else None
    service = ReferralService(stores, clock, smlos, audit, directory)
    if directory is not None:
        # Offers waiting for someone the directory takes off the list go back to the SMLO
        # (also any left from the first read, made before the service existed).
        directory.advocates_left = partial(service.return_stranded_offers, Actor(SYSTEM))
        await service.return_stranded_offers(Actor(SYSTEM))
    authentication = ConfigurationBotFrameworkAuthentication(
        _auth_configuration(settings), credentials_factory=app.get(CREDENTIALS)
    )
    adapter = CloudAdapter(ReusedConnectors(authentication))
    adapter.on_turn_error = _on_turn_error
    notifier = Notifier(
        adapter,
        stores,
        clock,
        settings.app_id,
        settings.teams_service_url,
        settings.app_tenant_id,
        smlos,
        allowed_service_hosts=settings.allowed_service_hosts,
        installer=entra.installer if entra else None,
    )
    bot = SmaBot(
        service,
        ConversationState(dialog_state),
        IntakeDialog(service, settings.draft_keep_days),
        notifier,
        ReferenceBook(stores.conversations),
        settings.draft_keep_days,
    )
    app[RUNTIME] = Runtime(adapter, bot, notifier, stores, service)
    policy = RetentionPolicy(settings.retention_days, settings.draft_keep_days)
    background = [
        asyncio.create_task(notifier.run(), name="outbox"),
        asyncio.create_task(run_retention(service, dialog_state, policy, clock), name="retention"),
    ]
    if entra is not None:
        every = settings.directory_refresh_seconds
        background.append(asyncio.create_task(entra.directory.run(every), name="directory"))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if entra is not None:
            await entra.close()
        await storage.close()


async def _on_turn_error(turn_context: TurnContext, error: Exception) -> None:
    # Ids and the error's class only: never the activity's text or card values.
    log.error(
        "turn failed: activity=%s type=%s error=%s",
        turn_context.activity.id,
        turn_context.activity.type,
        type(error).__name__,
        exc_info=error,
    )


async def _messages(request: web.Request) -> web.StreamResponse:
    """Bot Framework messages endpoint; bot/ingress.py refuses whatever may not reach the bot."""
    runtime = request.app[RUNTIME]
    gate, replay = request.app[GATE], request.app[REPLAY]
    return await handle(request, runtime.adapter, runtime.bot.on_turn, gate, replay)


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = load_settings()
    except SettingsError as problem:
        raise SystemExit(f"Cannot start: {problem}") from None
    if settings.development_mode:
        log.warning(
            "INSECURE DEVELOPMENT MODE: Bot Framework authentication is off; listening on %s only.",
            settings.host,
        )
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()

"""The composition root: `create_app(settings)` builds and wires everything. Nothing is
built or connected at import time; the store opens when the app starts and closes when
it stops.

Run: `python app.py` (settings from the environment and `.env`; see README).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from typing import Any

from aiohttp import web
from botbuilder.core import BotAdapter, ConversationState
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.adapter.authentication import teams_adapter
from bot.adapter.tuning import speed_up_client_creation
from bot.files import FileDelivery
from bot.handler import SmaBot
from bot.ingress.gate import Gate, handle
from bot.ingress.replay import ReplayGuard
from bot.outbox.card_places import CardPlaces
from bot.outbox.messenger import TeamsMessenger
from bot.outbox.scheduler import OutboxDelivery
from bot.outbox.views import ViewSweeper
from bot.references import ReferenceBook
from bot.reminders import ReminderLoop
from bot.retention import run_retention
from bot.roles.readiness import readiness
from bot.roles.wake_client import WakeClient, WorkerOutbox
from bot.roles.wake_message import WAKE_PATH
from bot.roles.wake_route import wake_route
from bot.routes import file_makers, route_table
from bot.singleton import LeasedJob
from common.hosts import is_loopback, upload_url_allowed
from config.calendar import working_calendar
from config.settings import Role, Settings, SettingsError, StoreKind, load_settings
from dialogs.intake import IntakeDialog
from entra.connect import Entra, EntraLink, connect_entra
from referrals.audit import AuditLog
from referrals.clock import SystemClock
from referrals.people import Actor
from referrals.ports import Clock, Stores
from referrals.referral_base import SYSTEM
from referrals.services import RetentionPolicy, Services, TimerPlan
from referrals.subjects import BlindIndex
from solving.highs import HighsSolver
from storage.cosmos import CosmosSettings
from storage.crypto import FieldCipher
from storage.keys import development_blind_index_key, development_key_ring
from storage.opening import OpenedStorage, open_cosmos, open_sqlite
from telemetry.azure import start_telemetry

log = logging.getLogger("sma")


@dataclass(frozen=True)
class Runtime:
    """What the running app is made of; tests reach the stores through it."""

    adapter: BotAdapter
    bot: SmaBot
    outbox: OutboxDelivery
    messenger: TeamsMessenger
    stores: Stores
    services: Services
    reminders: ReminderLoop


SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
GATE = web.AppKey("gate", Gate)
REPLAY = web.AppKey("replay", ReplayGuard)
CREDENTIALS = web.AppKey("credentials", ServiceClientCredentialsFactory)
DIRECTORY_CA_FILE = web.AppKey("directory_ca_file", str)
RUNTIME = web.AppKey("runtime", Runtime)
CLOSING_TURNS = 3  # turns of the event loop for closed connections to finish closing


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
    _report_services_to_fill(settings)
    app = web.Application(client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[GATE] = Gate.from_settings(settings)
    if outbound_credentials is not None:
        app[CREDENTIALS] = outbound_credentials
    if directory_ca_file is not None:
        app[DIRECTORY_CA_FILE] = directory_ca_file
    # One context per resource, opened in this order and closed in the reverse order.
    app.cleanup_ctx.extend(
        [_settle_closed_connections, _open_storage_ctx, _connect_entra, _wake_worker, _wire]
    )
    if settings.role.runs_background:  # never beside a web role's turns
        app.cleanup_ctx.append(_run_background)
    _add_routes(app, settings.role, settings.wake_key)
    return app


def _add_routes(app: web.Application, role: Role, wake_key: str) -> None:
    """What this role answers (docs/deploy.md): a worker takes no turns, only wakes."""
    if role.answers_turns:
        app.router.add_post("/api/messages", _messages)
    if role is Role.WORKER:
        app.router.add_post(WAKE_PATH, wake_route(wake_key, lambda r: r.app[RUNTIME].outbox))
    app.router.add_get("/healthz", _health)
    app.router.add_get("/readyz", _ready)


def _report_services_to_fill(settings: Settings) -> None:
    """Local services the force has not filled in yet are not shown to anyone: say which."""
    to_fill = [s.id for s in settings.support_directory.to_fill]
    if to_fill:
        log.warning(
            "Support directory: %d services are not shown until the force fills them in: %s",
            len(to_fill),
            ", ".join(to_fill),
        )


STORAGE = web.AppKey("storage", OpenedStorage)


async def _open_storage(settings: Settings, cipher: FieldCipher, clock: Clock) -> OpenedStorage:
    if settings.store is StoreKind.COSMOS:
        keep = timedelta(days=settings.draft_keep_days + 1)  # the purge goes first; TTL backstops
        cosmos = CosmosSettings(
            endpoint=settings.cosmos_endpoint,
            database=settings.cosmos_database,
            key=settings.cosmos_key,
            create_if_missing=settings.cosmos_create_containers,
            verify_tls=settings.cosmos_verify_tls,
            draft_ttl=keep,
            bot_state_ttl=keep,
        )
        return await open_cosmos(cosmos, cipher, clock)
    return await open_sqlite(settings.sqlite_path, cipher, clock)


async def _settle_closed_connections(app: web.Application) -> AsyncIterator[None]:
    """Cleaned up last: HTTP clients (Cosmos DB, Graph, the Bot Connector) close their
    connections by scheduling each socket's close on the event loop; a few turns of the
    loop let those run before it stops, so no socket is left half-closed."""
    yield
    for _ in range(CLOSING_TURNS):
        await asyncio.sleep(0)


async def _open_storage_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # Settings refuse production without keys; only development mode falls back.
    cipher = FieldCipher(settings.data_keys or development_key_ring())
    storage = await _open_storage(settings, cipher, app[CLOCK])
    for advocate in settings.seed_advocates:
        if await storage.stores.roster.get_advocate(advocate.user_id) is None:
            await storage.stores.roster.put_advocate(advocate)
    app[STORAGE] = storage
    try:
        yield
    finally:
        await storage.close()


ENTRA = web.AppKey("entra", Entra)
WAKE_CLIENT = web.AppKey("wake_client", WakeClient)


async def _connect_entra(app: web.Application) -> AsyncIterator[None]:
    roster = app[STORAGE].stores.roster
    entra = await connect_entra(app[SETTINGS], roster, app.get(DIRECTORY_CA_FILE))
    app[ENTRA] = entra
    try:
        yield
    finally:
        await entra.close()


async def _wake_worker(app: web.Application) -> AsyncIterator[None]:
    """The web role wakes the worker over HTTP after each turn (bot/roles/wake_client.py);
    the other roles deliver in this process and wake it in memory."""
    settings = app[SETTINGS]
    if settings.role is not Role.WEB:
        yield
        return
    if not (settings.worker_url and settings.wake_key):  # development mode only
        log.warning("No SMA_WORKER_URL or SMA_WAKE_KEY: the worker finds new work by polling.")
    client = WakeClient(settings.worker_url, settings.wake_key)
    await client.open()
    app[WAKE_CLIENT] = client
    try:
        yield
    finally:
        await client.close()


async def _wire(app: web.Application) -> AsyncIterator[None]:
    settings, storage, entra = app[SETTINGS], app[STORAGE], app[ENTRA]
    adapter = teams_adapter(settings, app.get(CREDENTIALS))
    runtime = compose(
        settings,
        storage.stores,
        storage.audit,
        storage.dialog_state,
        app[CLOCK],
        adapter,
        smlo_ids=entra.smlo_ids,
        entra=entra.link,
        auditor_ids=entra.auditor_ids,
        wake_worker=app.get(WAKE_CLIENT),
    )
    if entra.link is not None:
        # Offers waiting for someone the first directory read took off the list go back.
        await runtime.services.administration.return_stranded_offers(Actor(SYSTEM))
    app[RUNTIME] = runtime
    # Answers kept in the store, so a retry that reaches another instance is answered too.
    app[REPLAY] = ReplayGuard(storage.answers, app[CLOCK])
    yield


def compose(
    settings: Settings,
    stores: Stores,
    audit: AuditLog,
    dialog_state: Any,
    clock: Clock,
    adapter: BotAdapter,
    *,
    smlo_ids: AbstractSet[str],
    entra: EntraLink | None = None,
    auditor_ids: AbstractSet[str] = frozenset(),
    wake_worker: WakeClient | None = None,
) -> Runtime:
    """The use cases, the outbox and the bot over opened stores: the one place they are
    wired (tests with botbuilder's TestAdapter use it too). Builds; opens nothing. With
    `wake_worker` (the web role) the turns hand delivery to the worker."""
    directory = entra.directory if entra else None
    fold = timedelta(minutes=settings.details_fold_minutes)
    support = settings.support_directory
    services = Services.build(
        stores,
        clock,
        smlo_ids,
        audit,
        directory,
        fold_details_after=fold,
        support=support,
        auditor_ids=auditor_ids,
        service_start=settings.service_start,
        solver=HighsSolver(),
        checkin_day=settings.checkin_day,
        digest_day=settings.digest_day or 0,
        caseload_limit=settings.caseload_limit,
        timer_plan=TimerPlan(
            working_calendar(settings.working_hours),
            # One setting says how long drafts are kept: the retention purge's.
            replace(settings.reminder_periods, draft_keep=settings.draft_keep_days),
        ),
        blind_index=BlindIndex(settings.blind_index_key or development_blind_index_key()),
    )
    messenger = TeamsMessenger(
        adapter,
        stores.conversations,
        stores.roster,
        settings.app_id,
        settings.teams_service_url,
        settings.app_tenant_id,
        smlo_ids,
        allowed_service_hosts=settings.allowed_service_hosts,
        installer=entra.installer if entra else None,
    )
    names = services.administration.advocate_names
    views = ViewSweeper(services.views, messenger, smlo_ids, names, support)
    places = CardPlaces(dialog_state)
    outbox = OutboxDelivery(
        stores,
        clock,
        messenger,
        smlo_ids,
        names,
        views=views,
        card_places=places,
        support=support,
        digest=services.digests.counts,
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )
    keep_days = settings.draft_keep_days
    # Files go to the person's OneDrive, or to a loopback test server the settings trust.
    test_hosts = frozenset(h for h in settings.allowed_service_hosts if is_loopback(h))
    files = FileDelivery(
        file_makers(services, support), partial(upload_url_allowed, test_hosts=test_hosts)
    )
    bot = SmaBot(
        services,
        ConversationState(dialog_state),
        IntakeDialog(services.intake, keep_days),
        route_table(services, keep_days, support),
        ReferenceBook(stores.conversations),
        WorkerOutbox(outbox, wake_worker) if wake_worker is not None else outbox,
        files,
    )
    # Messages about no referral, each a setting that can be off (a pilot; the tests).
    checkins = services.checkins.send_checkins if settings.checkin_day else None
    digests = services.digests.send_digests if settings.digest_day is not None else None
    reminders = ReminderLoop(
        services.reminders, clock, outbox.wake, checkins=checkins, digests=digests
    )
    return Runtime(adapter, bot, outbox, messenger, stores, services, reminders)


async def _run_background(app: web.Application) -> AsyncIterator[None]:
    """The outbox, reminders, retention and the directory refresh, while the app runs.
    The last three run on one instance at a time, whichever holds their lease."""
    settings, runtime, entra, clock = app[SETTINGS], app[RUNTIME], app[ENTRA], app[CLOCK]
    policy = RetentionPolicy(settings.retention_days, settings.draft_keep_days)
    retention = runtime.services.retention
    storage = app[STORAGE]

    def once(name: str, job: Callable[[], Coroutine[Any, Any, None]]) -> asyncio.Task[None]:
        return asyncio.create_task(LeasedJob(storage.leases, name, job, clock).run(), name=name)

    background = [
        asyncio.create_task(runtime.outbox.run(), name="outbox"),
        once("reminders", runtime.reminders.run),
        once("retention", partial(run_retention, retention, storage.dialog_state, policy, clock)),
    ]
    if entra.link is not None:
        every = settings.directory_refresh_seconds
        stranded = partial(runtime.services.administration.return_stranded_offers, Actor(SYSTEM))
        background.append(once("directory", partial(entra.link.directory.run, every, stranded)))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _messages(request: web.Request) -> web.StreamResponse:
    """Bot Framework messages endpoint; bot/ingress/ refuses whatever may not reach the bot."""
    runtime = request.app[RUNTIME]
    gate, replay = request.app[GATE], request.app[REPLAY]
    return await handle(request, runtime.adapter, runtime.bot.on_turn, gate, replay)


async def _health(request: web.Request) -> web.Response:
    """Liveness only: the process answers. Whether it can serve is `/readyz`."""
    return web.json_response({"status": "ok"})


async def _ready(request: web.Request) -> web.Response:
    return await readiness(request.app[RUNTIME].stores)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = load_settings()
    except SettingsError as problem:
        raise SystemExit(f"Cannot start: {problem}") from None
    start_telemetry(settings)  # Azure Monitor, when APPLICATIONINSIGHTS_CONNECTION_STRING is set
    if settings.development_mode:
        log.warning(
            "INSECURE DEVELOPMENT MODE: Bot Framework authentication is off; listening on %s only.",
            settings.host,
        )
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()

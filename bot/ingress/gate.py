"""The gate in front of the bot: an incoming request reaches no handler and no store until
it has passed every check here.

    content type (415) → size (413, aiohttp's client_max_size) → JSON (400)
    → activity shape (400) → Bot Framework token (401) → channel and tenant (403)
    → Bot Connector host (403) → the turn (201, or the invoke's own answer)

We authenticate here rather than in `CloudAdapter.process` because botbuilder turns only
`PermissionError` into 401: an expired token, an unknown key id or a missing header in
its parameterised mode end as 500s. Every refusal is logged with a reason code only —
never the token, the body, or anything else the sender chose.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from botbuilder.core import CloudAdapterBase, TurnContext, serializer_helper
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse

import telemetry
from bot.ingress.replay import Answer, Key, ReplayGuard
from bot.ingress.shape import Refused, parse_activity
from common.hosts import service_url_allowed
from config.settings import Settings

log = logging.getLogger(__name__)

TEAMS_CHANNEL = "msteams"
JSON = "application/json"
Logic = Callable[[TurnContext], Awaitable[None]]


@dataclass(frozen=True)
class Gate:
    """What the gate checks against: taken from `Settings` once, at start-up."""

    tenant_id: str
    allowed_service_hosts: frozenset[str]
    authentication_required: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Gate:
        return cls(
            tenant_id=settings.app_tenant_id.lower(),
            allowed_service_hosts=settings.allowed_service_hosts,
            authentication_required=not settings.development_mode,
        )


@telemetry.traced_turn
async def handle(
    request: web.Request,
    adapter: CloudAdapterBase,
    logic: Logic,
    gate: Gate,
    replay: ReplayGuard | None = None,
) -> web.Response:
    """Serve one POST to /api/messages: every check, then the turn; a refusal runs nothing.
    A repeat of an activity already answered gets the same answer and runs nothing."""
    try:
        body = await _json_body(request)
        activity = parse_activity(body)
        auth_result = await _authenticate(request, adapter, activity, gate)
        check_audience(body, activity, gate)
        telemetry.turn_is(activity)
    except Refused as refusal:
        level = logging.WARNING if refusal.status in (401, 403) else logging.INFO
        log.log(level, "activity refused: status=%s reason=%s", refusal.status, refusal.reason)
        return web.Response(status=refusal.status, text=refusal.message)

    async def run() -> Answer:
        telemetry.turn_ran()
        invoke_response = await adapter.process_activity(auth_result, activity, logic)
        # As CloudAdapter.process answers: the invoke's body serialised exactly once.
        if invoke_response:
            return Answer(invoke_response.status, invoke_body(invoke_response.body))
        return Answer(201)

    answer = await (replay.once(_replay_key(activity), run) if replay else run())
    if answer.body is not None:
        return web.Response(body=answer.body, status=answer.status, content_type=JSON)
    return web.Response(status=answer.status)


def invoke_body(body: object) -> bytes:
    """An invoke response's body as JSON, as `serializer_helper` writes it. A card's answer
    (nearly every invoke) is written directly: msrest's serialiser walks every element of
    the card one call at a time, which cost more than the rest of the answer."""
    if isinstance(body, AdaptiveCardInvokeResponse):
        fields = {"statusCode": body.status_code, "type": body.type, "value": body.value}
        return json.dumps({k: v for k, v in fields.items() if v is not None}).encode()
    return json.dumps(serializer_helper(body)).encode()


def _replay_key(activity: Activity) -> Key | None:
    conversation = getattr(activity.conversation, "id", None)
    if not activity.id or not conversation:
        return None
    return (str(activity.channel_id), str(conversation), str(activity.id))


async def _json_body(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise Refused(415, "unsupported-media-type", "Expected application/json.")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:  # over client_max_size (settings.max_body_bytes)
        raise Refused(413, "too-large", "The body is too large.") from None
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
        raise Refused(400, "invalid-json", "The body is not valid JSON.") from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python accepts them, JSON doesn't


async def _authenticate(
    request: web.Request, adapter: CloudAdapterBase, activity: Activity, gate: Gate
) -> Any:
    """The Bot Framework token check; returns botbuilder's AuthenticateRequestResult."""
    header = request.headers.get("Authorization", "")
    if not gate.authentication_required:
        # Development mode has no app id, so botbuilder lets the turn through anonymously;
        # a header is dropped rather than checked against the real Bot Framework online.
        header = ""
    elif not header:
        raise Refused(401, "no-token", "Authentication required.")
    try:
        return await adapter.bot_framework_authentication.authenticate_request(activity, header)
    except Exception as error:  # every failure (expired, bad key, bad claims…) is a 401
        # The error's class tells an operator which check failed; its message may quote claims.
        reason = f"token-rejected:{type(error).__name__}"
        raise Refused(401, reason, "Authentication failed.") from None


def check_audience(body: dict[str, Any], activity: Activity, gate: Gate) -> None:
    """Teams, our tenant, and a Bot Connector we trust — or nothing runs (403)."""
    if activity.channel_id != TEAMS_CHANNEL:
        raise Refused(403, "wrong-channel", "Only Microsoft Teams may call this bot.")
    tenants = _tenants(body)
    if "" in tenants:
        raise Refused(403, "no-tenant", "The activity does not name its tenant.")
    if len(tenants) > 1:
        raise Refused(403, "tenant-inconsistent", "The activity names two tenants.")
    if tenants != {gate.tenant_id}:
        raise Refused(403, "wrong-tenant", "This bot serves one organisation only.")
    if not service_url_allowed(activity.service_url or "", gate.allowed_service_hosts):
        # Replies go to serviceUrl with the bot's token: never to a host we don't know.
        raise Refused(403, "service-host-not-allowed", "Unknown Bot Connector service.")


def _tenants(body: dict[str, Any]) -> set[str]:
    """Every tenant the activity names, lower-cased: `channelData.tenant.id` and
    `conversation.tenantId` ("" where missing), plus botbuilder's own `tenantID` spelling
    if someone sent it too. Read from the JSON because botbuilder keeps Teams' `tenantId`
    only among unknown properties; parse_activity has already checked they are strings."""
    tenant = (body.get("channelData") or {}).get("tenant") or {}
    conversation = body["conversation"]
    named = {str(tenant.get("id") or ""), str(conversation.get("tenantId") or "")}
    if "tenantID" in conversation:
        named.add(str(conversation.get("tenantID") or ""))
    return {t.lower() for t in named}

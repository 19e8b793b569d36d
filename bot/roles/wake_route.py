"""The worker's side of a wake: `POST /internal/wake`, for the web role only.

The route is on the worker's public address, so it answers only a caller that presents
the shared key (`SMA_WAKE_KEY`, compared in constant time) and reads no more than a wake
can hold. What it does is harmless whoever asks (deliver what is already due, re-render
cards from the store), but it is work, so strangers get none.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.outbox.scheduler import OutboxDelivery
from bot.roles.wake_message import LARGEST_BODY, WakeUnreadable, read_wake

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def wake_route(key: str, outbox: Callable[[web.Request], OutboxDelivery]) -> Handler:
    """The handler; `outbox` finds the running outbox for a request (it exists only once
    the app has started). An empty key refuses every wake."""
    expected = f"Bearer {key}".encode()

    async def take_wake(request: web.Request) -> web.StreamResponse:
        presented = request.headers.get("Authorization", "").encode()
        if not key or not hmac.compare_digest(presented, expected):
            log.warning("wake refused: no valid key")
            return web.json_response({"error": "unauthorised"}, status=401)
        body = await _bounded_body(request)
        if body is None:
            return web.json_response({"error": "too large"}, status=413)
        try:
            wake = read_wake(body)
        except WakeUnreadable:
            return web.json_response({"error": "not a wake"}, status=400)
        delivery = outbox(request)
        for conversation_id, message_id in wake.answered:
            with delivery.answering(conversation_id, message_id):
                pass  # the sweep now leaves this message as the turn left it
        for refresh in wake.refreshes:
            delivery.refresh_cards_later(refresh.referral_id, refresh.clicked)
        delivery.wake()
        return web.json_response({"status": "woken"}, status=202)

    return take_wake


async def _bounded_body(request: web.Request) -> bytes | None:
    """The body, or None once it is longer than any wake (read no further)."""
    if (request.content_length or 0) > LARGEST_BODY:
        return None
    body = bytearray()
    while len(body) <= LARGEST_BODY:
        chunk = await request.content.read(LARGEST_BODY + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return None

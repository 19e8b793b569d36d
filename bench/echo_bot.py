"""The floor for bench/turns.py: a bare botbuilder echo bot on the same harness as ours.

    .venv/bin/python -m bench.echo_bot   # prints "PORT <n>", serves until stopped

A plain `ActivityHandler` that echoes text and answers an `adaptiveCard/action` invoke with
a small card, served by aiohttp and botbuilder's `CloudAdapter` in development mode (no
app id, so no token either way) on 127.0.0.1 — the botbuilder sample's shape, with none of
our gate, state, store or notifier. Whatever our bot costs above this is ours.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import AdaptiveCardInvokeResponse

from bot.adapter.connectors import ReusedConnectors
from bot.adapter.tuning import speed_up_client_creation

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ADAPTER = web.AppKey("adapter", CloudAdapter)


class EchoBot(ActivityHandler):  # type: ignore[misc]
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"You said: {turn_context.activity.text}")

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Answered here rather than in `on_adaptive_card_invoke`: botbuilder 4.17.1 wraps
        that one's answer so that `CloudAdapter.process` fails to serialise it (a 500)."""
        value = turn_context.activity.value or {}
        verb = str((value.get("action") or {}).get("verb") or "")
        card: dict[str, Any] = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "body": [{"type": "TextBlock", "text": f"Done: {verb}", "wrap": True}],
        }
        body = AdaptiveCardInvokeResponse(status_code=200, type=CARD_TYPE, value=card)
        return InvokeResponse(status=200, body=body)


def create_echo_app() -> web.Application:
    """Development-mode authentication exactly as app.py configures it: no app id."""
    speed_up_client_creation()  # the same stack fix as the product: a fair floor
    configuration = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant")
    app = web.Application()
    # the same client reuse as the product: a fair floor
    app[ADAPTER] = CloudAdapter(
        ReusedConnectors(ConfigurationBotFrameworkAuthentication(configuration))
    )
    bot = EchoBot()

    async def messages(request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = await request.app[ADAPTER].process(request, bot)
        return response

    app.router.add_post("/api/messages", messages)
    return app


async def serve(app: web.Application) -> None:
    """Serve `app` on a free loopback port, announce it on stdout, run until cancelled."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {port}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    import contextlib

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(create_echo_app()))

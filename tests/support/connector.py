"""A loopback stand-in for the Bot Connector service: real HTTP, records what the bot sends.

It implements the v3 conversation endpoints the bot uses (create a conversation, send,
reply, update, delete) and keeps every message per conversation, with updates applied in
place, so a test can ask "what does this person's chat show now?".
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Json = dict[str, Any]
WAIT_SECONDS = 5.0


@dataclass
class Chat:
    """One conversation as its members would see it: messages in order, updated in place."""

    conversation_id: str
    messages: dict[str, Json] = field(default_factory=dict)

    def cards(self) -> list[Json]:
        return [card for message in self.messages.values() for card in cards_of(message)]


def cards_of(activity: Json) -> list[Json]:
    return [
        a["content"]
        for a in activity.get("attachments") or []
        if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
    ]


class ConnectorStandIn:
    """`host` is any loopback address: a second stand-in on 127.0.0.2 plays a Bot
    Connector the bot must not trust."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.chats: dict[str, Chat] = {}
        self.created: list[Json] = []  # bodies of POST /v3/conversations
        self.requests: list[tuple[str, str]] = []  # (method, path) of every call
        self.hits: list[tuple[str, str]] = []  # every HTTP request, even to unknown paths
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application(middlewares=[self._record_hit])
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{self.host}:{port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def chat(self, conversation_id: str) -> Chat:
        return self.chats.setdefault(conversation_id, Chat(conversation_id))

    async def wait_until(self, check: Any) -> None:
        """Wait until `check()` is true (deliveries happen in the background); a test that
        waits for something that never comes fails after WAIT_SECONDS."""
        async with asyncio.timeout(WAIT_SECONDS), self._changed:
            await self._changed.wait_for(check)

    @web.middleware
    async def _record_hit(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.hits.append((request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    async def _touched(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append((request.method, request.path))
        self.created.append(body)
        conversation_id = f"a:created-{next(self._ids)}"
        self.chat(conversation_id)
        await self._touched()
        return web.json_response({"id": conversation_id, "activityId": ""})

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append((request.method, request.path))
        activity_id = f"m{next(self._ids)}"
        self.chat(request.match_info["cid"]).messages[activity_id] = body
        await self._touched()
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append((request.method, request.path))
        activity_id = request.match_info["aid"]
        chat = self.chat(request.match_info["cid"])
        if activity_id not in chat.messages:  # as Teams: no such message in that chat
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        chat.messages[activity_id] = body
        await self._touched()
        return web.json_response({"id": activity_id})

    async def _delete(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        self.chat(request.match_info["cid"]).messages.pop(request.match_info["aid"], None)
        await self._touched()
        return web.Response(status=200)

"""A loopback stand-in for the Bot Connector service: real HTTP, records what the bot sends.

It implements the v3 conversation endpoints the bot uses (create a conversation, send,
reply, update, delete) and keeps every message per conversation, with updates applied in
place, so a test can ask "what does this person's chat show now?"; and every body it was
sent, in order (`sent`), so a test can ask "was this ever sent to anyone?".

It can also be told to misbehave for a while (`fail_next`, `stall_next`): answer 429 with
a Retry-After, 5xx or 403, or stall past the client's timeout. By default it never does.
And, as Teams does, it can refuse to open a chat with someone who does not have the app
(`without_app`) until the app is installed for them (`app_installed`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.loop import settle

Json = dict[str, Any]
# How long a test waits for background deliveries before it fails. The wait ends as soon
# as the awaited post arrives, so the bound costs nothing when all is well; it is generous
# so that a machine with both cores busy (another suite, a build) never fails a test.
WAIT_SECONDS = 30.0


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


@dataclass
class Fault:
    """One planned misbehaviour, for the next call into `conversation` ("" = any)."""

    status: int
    retry_after: str | None = None
    stall_seconds: float = 0.0
    conversation: str = ""


class ConnectorStandIn:
    """`host` is any loopback address: a second stand-in on 127.0.0.2 plays a Bot
    Connector the bot must not trust."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.chats: dict[str, Chat] = {}
        self.created: list[Json] = []  # bodies of POST /v3/conversations
        self.requests: list[tuple[str, str]] = []  # (method, path) of every call
        self.hits: list[tuple[str, str]] = []  # every HTTP request, even to unknown paths
        self.posted_at: list[tuple[str, float]] = []  # (conversation, monotonic time) per post
        self.sent: list[tuple[str, Json]] = []  # (conversation, body) of every post and update
        self.faults: list[Fault] = []
        self.faults_served = 0
        self.without_app: set[str] = set()  # ids Teams will not open a 1:1 chat with
        self.refused_without_app = 0
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
            await settle()

    def fail_next(
        self, times: int, status: int = 429, retry_after: str | None = None, conversation: str = ""
    ) -> None:
        """Answer the next `times` create/send/update calls (into `conversation`, if given)
        with `status`, nothing stored."""
        self.faults += [Fault(status, retry_after, 0.0, conversation) for _ in range(times)]

    def stall_next(self, times: int, seconds: float, conversation: str = "") -> None:
        """Hold the next calls for `seconds` (past the client's timeout), then answer 504
        without storing anything: a connector that never got the message through."""
        self.faults += [Fault(504, None, seconds, conversation) for _ in range(times)]

    def app_installed(self, user_id: str) -> None:
        """The app is now installed for this person (Graph's install calls this)."""
        self.without_app.discard(user_id)

    def clear_faults(self) -> None:
        self.faults.clear()

    def chat(self, conversation_id: str) -> Chat:
        return self.chats.setdefault(conversation_id, Chat(conversation_id))

    async def wait_until(self, check: Any, within: float = WAIT_SECONDS) -> None:
        """Wait until `check()` is true (deliveries happen in the background); a test that
        waits for something that never comes fails after `within` seconds."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(check)

    @web.middleware
    async def _record_hit(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.hits.append((request.method, request.path))
        response: web.StreamResponse = await handler(request)
        return response

    async def _touched(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _fault(self, conversation: str) -> web.Response | None:
        fault = next((f for f in self.faults if f.conversation in ("", conversation)), None)
        if fault is None:
            return None
        self.faults.remove(fault)
        if fault.stall_seconds:
            await asyncio.sleep(fault.stall_seconds)
        self.faults_served += 1
        await self._touched()
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
        body = {"error": {"code": f"Status{fault.status}", "message": "planned fault"}}
        return web.json_response(body, status=fault.status, headers=headers)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (fault := await self._fault("")) is not None:
            return fault
        members = body.get("members") or [{}]
        if members[0].get("id") in self.without_app:
            self.refused_without_app += 1
            error = {"code": "BotNotInConversationRoster", "message": "app not installed"}
            return web.json_response({"error": error}, status=403)
        self.requests.append((request.method, request.path))
        self.created.append(body)
        conversation_id = f"a:created-{next(self._ids)}"
        self.chat(conversation_id)
        await self._touched()
        return web.json_response({"id": conversation_id, "activityId": ""})

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (fault := await self._fault(request.match_info["cid"])) is not None:
            return fault
        self.requests.append((request.method, request.path))
        activity_id = f"m{next(self._ids)}"
        self.chat(request.match_info["cid"]).messages[activity_id] = body
        self.sent.append((request.match_info["cid"], body))
        self.posted_at.append((request.match_info["cid"], time.monotonic()))
        await self._touched()
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (fault := await self._fault(request.match_info["cid"])) is not None:
            return fault
        self.requests.append((request.method, request.path))
        activity_id = request.match_info["aid"]
        chat = self.chat(request.match_info["cid"])
        if activity_id not in chat.messages:  # as Teams: no such message in that chat
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        chat.messages[activity_id] = body
        self.sent.append((request.match_info["cid"], body))
        await self._touched()
        return web.json_response({"id": activity_id})

    async def _delete(self, request: web.Request) -> web.Response:
        self.requests.append((request.method, request.path))
        self.chat(request.match_info["cid"]).messages.pop(request.match_info["aid"], None)
        await self._touched()
        return web.Response(status=200)

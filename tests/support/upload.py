"""A loopback stand-in for where Teams has a bot upload a file (the person's OneDrive), and
the person's answer to a file consent card, as Teams sends it.

When someone accepts a file consent card, Teams sends the bot a `fileConsent/invoke`
whose `uploadInfo` names an upload URL (a OneDrive upload session); the bot PUTs the
bytes there. `UploadStandIn` serves such URLs over real HTTP on 127.0.0.1 and records
every PUT; `fail_next` makes it answer an error instead, storing nothing.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.loop import settle
from tests.support.teams import TeamsUser

Json = dict[str, Any]
CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
FILE_CONSENT = "fileConsent/invoke"


@dataclass(frozen=True)
class Put:
    path: str
    content_range: str
    body: bytes


class UploadStandIn:
    def __init__(self) -> None:
        self.puts: list[Put] = []
        self.hits = 0  # every request, failed ones too
        self._failures: list[int] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_put("/upload/{session}", self._put)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            await settle()

    def fail_next(self, times: int, status: int = 503) -> None:
        self._failures += [status] * times

    def upload_info(self, name: str, upload_url: str = "") -> Json:
        """`uploadInfo` as Teams sends it on acceptance: where to PUT, and the file's place."""
        return {
            "name": name,
            "uploadUrl": upload_url or f"{self.url}upload/session-{next(self._ids)}",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/sky/Documents/{name}",
            "uniqueId": str(uuid.uuid4()).upper(),
            "fileType": name.rpartition(".")[2],
        }

    async def _put(self, request: web.Request) -> web.Response:
        self.hits += 1
        body = await request.read()
        if self._failures:
            return web.json_response({"error": "planned"}, status=self._failures.pop(0))
        self.puts.append(Put(request.path, request.headers.get("Content-Range", ""), body))
        return web.json_response({"id": "item-1", "name": request.path}, status=201)


def consent_card(user: TeamsUser) -> tuple[str, Json]:
    """The newest file consent card in the person's chat: its message id and attachment."""
    for message_id, message in reversed(list(user.chat.messages.items())):
        for attachment in message.get("attachments") or []:
            if attachment.get("contentType") == CONSENT_CARD:
                return message_id, attachment
    raise AssertionError(f"{user.name} has no file consent card")


def file_cards(user: TeamsUser) -> list[Json]:
    return [
        a
        for message in user.chat.messages.values()
        for a in message.get("attachments") or []
        if a.get("contentType") == INFO_CARD
    ]


async def answer_consent(
    user: TeamsUser,
    action: str,
    upload_info: Json | None = None,
    context: Json | None = None,
    message_id: str = "",
) -> tuple[int, Any]:
    """Press Allow ("accept") or Decline on a consent card, as Teams sends it: the card's
    own context (or a forged one, `context`), and where to upload on acceptance."""
    if context is None:
        message_id, card = consent_card(user)
        key = "acceptContext" if action == "accept" else "declineContext"
        context = card["content"][key]
    value: Json = {"type": "fileUpload", "action": action, "context": context}
    if upload_info is not None:
        value["uploadInfo"] = upload_info
    invoke = user.activity("invoke", name=FILE_CONSENT, value=value)
    if message_id:
        invoke["replyToId"] = message_id
    return await user.post(invoke)

"""A loopback round-robin in front of several app instances, as App Service's front end
spreads Teams' posts over the plan's instances.

`POST /api/messages` goes to instance 1, 2, 3, … in turn. An instance that refuses the
connection (its process is gone) is marked down and the post goes to the next one, as a
load balancer fails over when nothing was sent yet; one that drops a request half-way
answers 502, and the sender (Teams, or `tests/scale/people.py` playing it) sends the same
activity again. `send_to` hands an activity to a chosen instance: a Teams retry that lands
on another instance than the first delivery, on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.loop import settle

Json = dict[str, Any]
# Longer than any turn on a busy machine; a hung instance fails the test, not the proxy.
FORWARD_SECONDS = 90.0
PASSED_ON = ("Content-Type", "Authorization")
JSON = "application/json"


class RoundRobin:
    def __init__(self, backends: Sequence[str]) -> None:
        self.backends = list(backends)  # base URLs, "http://127.0.0.1:<port>"
        self.down: set[int] = set()
        self.answered_by: dict[str, int] = {}  # activity id -> the instance that answered
        self.forwarded = [0] * len(self.backends)  # posts each instance answered
        self._next = 0
        self._http: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        timeout = aiohttp.ClientTimeout(total=FORWARD_SECONDS)
        self._http = aiohttp.ClientSession(timeout=timeout)
        app = web.Application()
        app.router.add_post("/api/messages", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()
        await settle()

    def live(self) -> list[int]:
        return [i for i in range(len(self.backends)) if i not in self.down]

    async def send_to(self, index: int, activity: Json) -> tuple[int, Json | None]:
        """Post `activity` to instance `index` itself, past the round-robin."""
        body = json.dumps(activity).encode()
        status, answer, content_type = await self._post(index, body, {"Content-Type": JSON})
        self.answered_by[str(activity.get("id", ""))] = index
        parsed = json.loads(answer) if content_type.startswith(JSON) and answer else None
        return status, parsed

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: request.headers[k] for k in PASSED_ON if k in request.headers}
        activity_id = str(json.loads(body).get("id", "")) if body else ""
        while (index := self._pick()) is not None:
            try:
                status, answer, content_type = await self._post(index, body, headers)
            except aiohttp.ClientConnectorError:  # refused: nothing reached it, try the next
                self.down.add(index)
                continue
            except (aiohttp.ClientError, TimeoutError):  # dropped half-way: Teams retries
                return web.Response(status=502)
            self.answered_by[activity_id] = index
            self.forwarded[index] += 1
            return web.Response(status=status, body=answer, headers=_typed(content_type))
        return web.Response(status=503)  # every instance is down

    def _pick(self) -> int | None:
        live = self.live()
        if not live:
            return None
        for _ in range(len(self.backends)):
            index, self._next = self._next, (self._next + 1) % len(self.backends)
            if index in live:
                return index
        return None

    async def _post(
        self, index: int, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str]:
        assert self._http is not None, "start() the round-robin first"
        url = f"{self.backends[index]}/api/messages"
        async with self._http.post(url, data=body, headers=headers) as response:
            return response.status, await response.read(), response.headers.get("Content-Type", "")


def _typed(content_type: str) -> dict[str, str] | None:
    return {"Content-Type": content_type} if content_type else None

"""The scale-out test's own tools, on their own: the round-robin fails over from an
instance that is gone and sends a chosen activity where it is told, and a request's
sender is named by the process that holds its connection."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from tests.scale.posts import CountingConnector
from tests.support.loop import settle
from tests.support.round_robin import RoundRobin


class Backend:
    """A stand-in instance that answers every post with its own name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/messages", self._answer)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def _answer(self, request: web.Request) -> web.Response:
        return web.json_response({"from": self.name})


@pytest.fixture
async def backends() -> AsyncIterator[list[Backend]]:
    started = [Backend(name) for name in ("one", "two", "three")]
    for backend in started:
        await backend.start()
    yield started
    for backend in started:
        await backend.stop()
    await settle()


@pytest.fixture
async def proxy(backends: list[Backend]) -> AsyncIterator[RoundRobin]:
    round_robin = RoundRobin([b.url for b in backends])
    await round_robin.start()
    yield round_robin
    await round_robin.stop()


async def post(http: aiohttp.ClientSession, url: str, activity_id: str) -> tuple[int, str]:
    async with http.post(f"{url}/api/messages", json={"id": activity_id}) as response:
        body = await response.json() if response.status == 200 else {}
        return response.status, str(body.get("from", ""))


async def test_the_round_robin_takes_each_instance_in_turn_and_skips_one_that_is_gone(
    backends: list[Backend], proxy: RoundRobin
) -> None:
    async with aiohttp.ClientSession() as http:
        first = [await post(http, proxy.url, f"a{n}") for n in range(3)]
        await backends[1].stop()
        then = [await post(http, proxy.url, f"b{n}") for n in range(4)]

    assert first == [(200, "one"), (200, "two"), (200, "three")]
    assert then == [(200, "one"), (200, "three"), (200, "one"), (200, "three")]
    assert proxy.down == {1}
    assert proxy.answered_by["b1"] == 2


async def test_the_round_robin_sends_an_activity_to_the_instance_it_is_told(
    proxy: RoundRobin,
) -> None:
    status, body = await proxy.send_to(2, {"id": "again"})

    assert (status, body) == (200, {"from": "three"})
    assert proxy.answered_by["again"] == 2


async def test_a_post_is_named_by_the_process_that_sent_it() -> None:
    connector = CountingConnector()
    await connector.start()
    connector.instances = {os.getpid(): 7}
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{connector.url}v3/conversations/a:chat/activities"
            async with http.post(url, json={"type": "message", "summary": "news"}) as response:
                assert response.status == 200
    finally:
        await connector.stop()

    assert [(p.conversation_id, p.summary, p.sender) for p in connector.posts] == [
        ("a:chat", "news", 7)
    ]

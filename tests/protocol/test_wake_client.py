"""The web role's wake: a turn never waits for it, a burst of turns is one or two wakes,
and what it carries is ids only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from bot.roles.wake_client import WakeClient
from bot.roles.wake_message import WAKE_PATH
from tests.support.loop import settle

KEY = "a-test-wake-key-that-is-long-enough-0123456789"
WAIT = 30.0


class FakeWorker:
    """Takes wakes on loopback and holds each until `release` is set."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []
        self.keys: list[str] = []
        self.release = asyncio.Event()
        self.arrived = asyncio.Condition()

    async def take(self, request: web.Request) -> web.Response:
        self.keys.append(request.headers.get("Authorization", ""))
        async with self.arrived:
            self.bodies.append(json.loads(await request.read()))
            self.arrived.notify_all()
        await self.release.wait()
        return web.json_response({"status": "woken"}, status=202)

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(WAIT), self.arrived:
            await self.arrived.wait_for(lambda: len(self.bodies) >= count)


@asynccontextmanager
async def running(worker: FakeWorker) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post(WAKE_PATH, worker.take)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        worker.release.set()
        await runner.cleanup()
        await settle()


async def test_a_burst_of_turns_is_one_wake_in_flight_and_one_after_it() -> None:
    worker = FakeWorker()
    async with running(worker) as url:
        client = WakeClient(url, KEY)
        await client.open()
        try:
            client.wake()
            await worker.wait_for(1)  # the first wake is held by the worker
            for n in range(50):  # each returns at once, though a wake is in flight
                client.refresh_cards_later(f"referral-{n % 5}", ("conversation", f"m{n}"))
                client.answered("conversation", f"m{n % 3}")
            assert len(worker.bodies) == 1
            worker.release.set()
            await worker.wait_for(2)
            await _until_idle(client)
        finally:
            await client.close()

    assert len(worker.bodies) == 2, "the burst was merged into one more wake"
    assert worker.bodies[0] == {"refresh": [], "answered": []}
    merged = worker.bodies[1]["refresh"]
    assert sorted(r["referral"] for r in merged) == [f"referral-{n}" for n in range(5)]
    assert {"referral": "referral-4", "conversation": "conversation", "message": "m49"} in merged
    assert all(set(r) == {"referral", "conversation", "message"} for r in merged)
    assert worker.bodies[1]["answered"] == [
        {"conversation": "conversation", "message": f"m{n}"} for n in range(3)
    ]
    assert worker.keys == [f"Bearer {KEY}"] * 2


async def test_without_a_worker_url_nothing_is_sent_and_nothing_fails() -> None:
    client = WakeClient("", KEY)
    await client.open()
    client.wake()
    client.refresh_cards_later("referral", ("conversation", "message"))
    await client.close()


async def _until_idle(client: WakeClient) -> None:
    sending = client._sending
    if sending is not None:
        async with asyncio.timeout(WAIT):
            await sending

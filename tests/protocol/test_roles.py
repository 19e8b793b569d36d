"""Two processes on one store (`SMA_ROLE`): the web app answers Teams and wakes the worker;
the worker delivers. Both are the real app (`create_app`) on loopback, on one SQLite file,
with the Bot Connector stand-in; the people write to the web app only."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.roles.wake_message import LARGEST_BODY, LONGEST_ID, MOST_REFRESHES, WAKE_PATH
from config.settings import Role, Settings
from referrals.clock import FakeClock
from tests.protocol.conftest import RunningBot, make_settings, people_at, serving
from tests.protocol.journeys import NEW_CARD, complete_intake, everyone_says_hi, shows
from tests.protocol.test_store_outage import Outage
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

WAKE_KEY = "a-test-wake-key-that-is-long-enough-0123456789"


def _roles(tmp_path: Path, connector: ConnectorStandIn) -> tuple[Settings, Settings]:
    """The worker's and the web app's settings, on one SQLite file (the web app's worker
    URL is filled in once the worker has a port)."""
    shared = make_settings(str(tmp_path), connector.url)
    worker = dataclasses.replace(shared, role=Role.WORKER, wake_key=WAKE_KEY)
    web = dataclasses.replace(shared, role=Role.WEB, wake_key=WAKE_KEY)
    return worker, web


def _closed_port_url() -> str:
    """A loopback address nothing listens on: a worker that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@asynccontextmanager
async def _web(settings: Settings, worker_url: str, clock: FakeClock) -> AsyncIterator[RunningBot]:
    async with serving(dataclasses.replace(settings, worker_url=worker_url), clock) as web:
        yield web


def _forbid_proactive_posts(web: RunningBot, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Whatever the web app's messenger is asked to post or update proactively."""
    asked: list[str] = []

    async def refused(*args: Any, **kwargs: Any) -> Any:
        asked.append("proactive post")
        raise AssertionError("the web role posted proactively")

    for method in ("send", "update"):
        monkeypatch.setattr(web.runtime.messenger, method, refused)
    return asked


@pytest.fixture
def wakes_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's polling is made too slow to matter, so only a wake delivers in time."""
    monkeypatch.setattr("bot.outbox.scheduler.TICK_SECONDS", 3600.0)


async def test_a_referral_sent_through_the_web_app_is_delivered_by_the_woken_worker(
    tmp_path: Path,
    connector: ConnectorStandIn,
    monkeypatch: pytest.MonkeyPatch,
    wakes_only: None,
) -> None:
    worker_settings, web_settings = _roles(tmp_path, connector)
    clock = FakeClock()
    async with (
        serving(worker_settings, clock) as worker,
        _web(web_settings, worker.url, clock) as web,
        aiohttp.ClientSession() as http,
    ):
        asked = _forbid_proactive_posts(web, monkeypatch)
        refreshed = _record_refreshes(worker, monkeypatch)
        people = people_at(web.url, connector, http)

        await everyone_says_hi(people)
        await complete_intake(people.referrer)
        await connector.wait_until(lambda: shows(people.smlo, NEW_CARD))
        await connector.wait_until(lambda: shows(people.deputy, NEW_CARD))

        # A click that changes the other SMLO's card: the worker brings it up to date.
        await people.smlo.click("Outside our remit")
        card = await people.smlo.click("Tell them", signpost="service:rape-crisis")
        assert "Sent on to: Rape Crisis." in card_texts(card)
        await connector.wait_until(lambda: shows(people.deputy, "Sent on to: Rape Crisis."))
        await connector.wait_until(lambda: shows(people.referrer, "Rape Crisis"))

    assert asked == [], "the web app posted nothing proactively"
    assert refreshed, "the card refresh reached the worker with the wake"


def _record_refreshes(worker: RunningBot, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real: Callable[[str, tuple[str, str]], None] = worker.runtime.outbox.refresh_cards_later

    def recording(referral_id: str, clicked: tuple[str, str]) -> None:
        seen.append(referral_id)
        real(referral_id, clicked)

    monkeypatch.setattr(worker.runtime.outbox, "refresh_cards_later", recording)
    return seen


async def test_the_web_app_answers_while_the_worker_is_down_and_the_worker_catches_up(
    tmp_path: Path,
    connector: ConnectorStandIn,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker_settings, web_settings = _roles(tmp_path, connector)
    clock = FakeClock()
    async with (
        _web(web_settings, _closed_port_url(), clock) as web,
        aiohttp.ClientSession() as http,
    ):
        asked = _forbid_proactive_posts(web, monkeypatch)
        people = people_at(web.url, connector, http)
        await everyone_says_hi(people)
        card = await complete_intake(people.referrer)

        assert "SMA-2026-0001" in " ".join(card_texts(card)), "the turn was answered"
        assert not shows(people.smlo, NEW_CARD)
        wake_logs = [r for r in caplog.records if r.name == "bot.roles.wake_client"]
        assert wake_logs, "a failed wake is logged"
        assert [r.levelname for r in wake_logs if r.levelno >= logging.WARNING] == ["WARNING"]
        assert all("error=" in r.getMessage() for r in wake_logs)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

        async with serving(worker_settings, clock):  # found by polling: nobody woke it
            await connector.wait_until(lambda: shows(people.smlo, NEW_CARD))
            await connector.wait_until(lambda: shows(people.deputy, NEW_CARD))
    assert asked == []


async def test_the_worker_takes_no_turns(tmp_path: Path, connector: ConnectorStandIn) -> None:
    worker_settings, _ = _roles(tmp_path, connector)
    async with (
        serving(worker_settings, FakeClock()) as worker,
        aiohttp.ClientSession() as http,
    ):
        people = people_at(worker.url, connector, http)
        status, _ = await people.referrer.post(people.referrer.activity("message", text="hi"))
        async with http.get(f"{worker.url}/readyz") as ready:
            assert ready.status == 200

    assert status == 404
    assert connector.sent == []


async def test_the_web_app_has_no_wake_endpoint(
    tmp_path: Path, connector: ConnectorStandIn
) -> None:
    _, web_settings = _roles(tmp_path, connector)
    async with (
        _web(web_settings, _closed_port_url(), FakeClock()) as web,
        aiohttp.ClientSession() as http,
        http.post(f"{web.url}{WAKE_PATH}", headers=_key(WAKE_KEY), json={}) as response,
    ):
        assert response.status == 404


def _key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    "headers",
    [{}, _key("not-the-key"), _key(WAKE_KEY[:-1]), {"Authorization": WAKE_KEY}],
    ids=["missing", "wrong", "almost", "not-bearer"],
)
async def test_the_wake_endpoint_refuses_a_wrong_or_missing_key(
    tmp_path: Path,
    connector: ConnectorStandIn,
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str],
) -> None:
    worker_settings, _ = _roles(tmp_path, connector)
    async with (
        serving(worker_settings, FakeClock()) as worker,
        aiohttp.ClientSession() as http,
    ):
        woken: list[str] = []
        monkeypatch.setattr(worker.runtime.outbox, "wake", lambda: woken.append("woken"))
        refresh = {"refresh": [{"referral": "r1", "conversation": "c1", "message": "m1"}]}
        async with http.post(f"{worker.url}{WAKE_PATH}", headers=headers, json=refresh) as refused:
            assert refused.status == 401
        assert woken == []
        async with http.post(f"{worker.url}{WAKE_PATH}", headers=_key(WAKE_KEY), json={}) as ok:
            assert ok.status == 202
        assert woken == ["woken"]


async def test_the_wake_endpoint_reads_only_a_small_wake(
    tmp_path: Path, connector: ConnectorStandIn
) -> None:
    worker_settings, _ = _roles(tmp_path, connector)
    async with (
        serving(worker_settings, FakeClock()) as worker,
        aiohttp.ClientSession() as http,
    ):
        url = f"{worker.url}{WAKE_PATH}"
        huge = b"{" + b" " * LARGEST_BODY + b"}"
        async with http.post(url, headers=_key(WAKE_KEY), data=huge) as too_large:
            assert too_large.status == 413
        text = {"refresh": [{"referral": "r1", "conversation": "c1", "text": "words"}]}
        async with http.post(url, headers=_key(WAKE_KEY), json=text) as unreadable:
            assert unreadable.status == 400
        async with http.post(url, headers=_key(WAKE_KEY), data=b"not json") as garbled:
            assert garbled.status == 400
        answered = {"answered": [{"conversation": "c1", "message": "m1"}], "refresh": []}
        async with http.post(url, headers=_key(WAKE_KEY), json=answered) as taken:
            assert taken.status == 202
        longest = "x" * LONGEST_ID
        full = {
            "refresh": [{"referral": longest, "conversation": longest, "message": longest}]
            * MOST_REFRESHES,
            "answered": [{"conversation": longest, "message": longest}] * MOST_REFRESHES,
        }
        async with http.post(url, headers=_key(WAKE_KEY), json=full) as fullest:
            assert fullest.status == 202, "the largest wake there can be is read whole"
        async with http.post(url, headers=_key(WAKE_KEY), data=_chunks(huge)) as streamed:
            assert streamed.status == 413, "a body without a length is bounded too"


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 4096):
        yield body[start : start + 4096]


async def test_readyz_is_503_while_the_store_is_down_and_200_again_after(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{bot.url}/readyz") as before:
            assert before.status == 200
        outage = Outage(monkeypatch, bot.runtime.stores.roster, "get_advocate")
        async with http.get(f"{bot.url}/readyz") as during:
            assert during.status == 503
            assert await during.json() == {
                "status": "unavailable",
                "reason": "the store cannot be reached",
            }
        async with http.get(f"{bot.url}/healthz") as alive:
            assert alive.status == 200, "liveness is not readiness"
        outage.end()
        async with http.get(f"{bot.url}/readyz") as after:
            assert after.status == 200
    assert outage.calls >= 2


async def test_readyz_is_503_when_the_store_hangs(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hanging(*args: Any, **kwargs: Any) -> Any:
        await asyncio.Event().wait()  # a stalled gateway: never answers

    monkeypatch.setattr(bot.runtime.stores.roster, "get_advocate", hanging)
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/readyz") as during:
        assert during.status == 503
        assert (await during.json())["reason"] == "the store did not answer in time"

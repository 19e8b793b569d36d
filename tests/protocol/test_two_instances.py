"""Two instances of the app on one store (App Service scale-out): a Teams retry that
reaches the other instance gets the first answer and runs nothing again, and the jobs
meant to run once (here the reminder loop) run on one instance only."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from referrals.audit import AuditAction, Outcome
from referrals.clock import FakeClock
from tests.protocol.conftest import RunningBot, make_settings, on_cosmos, people_at, serving
from tests.protocol.test_duplicates import redelivery
from tests.storage.cosmos_server import CosmosTestServer
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser

BOUND_S = 30.0  # generous: every wait is on the thing itself


@asynccontextmanager
async def two_instances(
    tmp_path: Path, connector: ConnectorStandIn, cosmos: CosmosTestServer | None = None
) -> AsyncIterator[tuple[RunningBot, RunningBot]]:
    """Two apps on one SQLite file, or on one Cosmos DB database if `cosmos` is given."""
    settings, clock = make_settings(str(tmp_path), connector.url), FakeClock()
    if cosmos is not None:
        settings = on_cosmos(settings, cosmos, f"two-{uuid.uuid4().hex}")
    async with serving(settings, clock) as one, serving(settings, clock) as other:
        yield one, other


async def a_submit_ready(referrer: TeamsUser) -> dict[str, Any]:
    await referrer.say("hi")
    await referrer.click("Start a referral")
    for _ in range(6):
        await referrer.click("Skip this step")
    return redelivery(referrer, "Send my referral", consent="true")


async def submitted_once(one: RunningBot, referrer: TeamsUser, path: Path) -> None:
    """One referral, one allowed submit in the audit, and each notice queued once."""
    sent = await one.runtime.stores.referrals.list_for_referrer(referrer.aad_object_id)
    assert len(sent) == 1
    entries = await one.runtime.services.steps.audit.for_referral(sent[0].id)
    submits = [e.outcome for e in entries if e.action is AuditAction.SUBMIT]
    assert submits == [Outcome.ALLOWED], "the turn ran once"
    with sqlite3.connect(path) as connection:
        queued = connection.execute(
            "SELECT kind, recipient_key FROM outbox WHERE referral_id = ?", (sent[0].id,)
        ).fetchall()
    connection.close()
    assert queued, "the submit queued its notices"
    assert max(Counter(queued).values()) == 1, "each notice once"


async def test_a_retry_reaching_the_other_instance_gets_the_same_answer_and_runs_nothing(
    tmp_path: Path, connector: ConnectorStandIn
) -> None:
    async with two_instances(tmp_path, connector) as (one, other), aiohttp.ClientSession() as http:
        referrer = people_at(one.url, connector, http).referrer
        submit = await a_submit_ready(referrer)

        first = await referrer.post(submit)
        retried = await dataclasses.replace(referrer, bot_url=other.url).post(submit)

        assert first[0] == 200
        assert retried == first, "the very same card, from the other instance"
        await submitted_once(one, referrer, tmp_path / "sma.sqlite3")


async def test_a_retry_reaching_the_other_instance_while_the_first_runs_waits_for_its_answer(
    tmp_path: Path, connector: ConnectorStandIn
) -> None:
    async with two_instances(tmp_path, connector) as (one, other), aiohttp.ClientSession() as http:
        referrer = people_at(one.url, connector, http).referrer
        submit = await a_submit_ready(referrer)
        elsewhere = dataclasses.replace(referrer, bot_url=other.url)

        async with asyncio.timeout(BOUND_S):
            first, retried = await asyncio.gather(referrer.post(submit), elsewhere.post(submit))

        assert first[0] == 200
        assert retried == first
        await submitted_once(one, referrer, tmp_path / "sma.sqlite3")


async def test_the_reminder_loop_runs_on_one_instance_only(
    tmp_path: Path, connector: ConnectorStandIn
) -> None:
    async with two_instances(tmp_path, connector) as (one, other):
        loops = (one.runtime.reminders, other.runtime.reminders)
        passes = [asyncio.create_task(loop.next_pass()) for loop in loops]
        # Each waiter first notes which pass it waits for; only then the wake. (Woken first,
        # a pass could start before its waiter looked, and it would wait for the next one.)
        await asyncio.sleep(0)
        for loop in loops:
            loop.wake()
        done, waiting = await asyncio.wait(
            passes, timeout=BOUND_S, return_when=asyncio.FIRST_COMPLETED
        )
        for task in waiting:
            task.cancel()

        assert len(done) == 1, "a pass ran on one of them"
        assert sorted(loop.passes > 0 for loop in loops) == [False, True]


@pytest.mark.parametrize("store", ["sqlite", "cosmos"])
async def test_a_message_retried_on_the_other_instance_is_answered_once(
    tmp_path: Path, connector: ConnectorStandIn, store: str, request: pytest.FixtureRequest
) -> None:
    cosmos = request.getfixturevalue("cosmos_server") if store == "cosmos" else None
    async with (
        two_instances(tmp_path, connector, cosmos) as (one, other),
        aiohttp.ClientSession() as http,
    ):
        referrer = people_at(one.url, connector, http).referrer
        hello = referrer.activity("message", text="refer")

        assert (await referrer.post(hello))[0] == 201
        assert (await dataclasses.replace(referrer, bot_url=other.url).post(hello))[0] == 201

        welcomes = [t for t in referrer.texts() if t == "Welcome to the SMA service"]
        assert len(welcomes) == 1, "the turn ran once: one reply"

"""Every store coordinates instances alike: a named lease is held by one owner at a time,
renewed by its holder and taken over once it has run out; a replay answer is claimed by
one instance, kept for the others until it expires, and its mark goes when the turn
fails or lapses when its instance dies. Answers are sealed and keyed by a hash at rest.

Each test runs over two "instances" of one store: the same memory store twice, two
connections to one SQLite file, two clients of one Cosmos DB database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.ingress.replay import AnswerStore
from referrals.ports import LeaseStore
from storage.cosmos import CosmosStores
from storage.memory_coordination import MemoryAnswerStore, MemoryLeaseStore
from storage.sqlite import SqliteStores
from tests.storage.at_rest import cosmos_items, sqlite_bytes
from tests.storage.conftest import CIPHER
from tests.storage.cosmos_server import CosmosTestServer

AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
LEASE = timedelta(seconds=90)
WINDOW = timedelta(minutes=10)
KEY = json.dumps(["msteams", "a:canary-conversation-77f1", "act-1"])
CANARY_BODY = b'{"card": "CANARY-answer-body-5b2e"}'


@dataclass
class Instance:
    leases: LeaseStore
    answers: AnswerStore


@pytest.fixture(params=["memory", "sqlite-file", "cosmos"])
async def two(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[list[Instance]]:
    """Two instances on one store."""
    if request.param == "memory":
        shared = Instance(MemoryLeaseStore(), MemoryAnswerStore())
        yield [shared, shared]
        return
    if request.param == "cosmos":
        server: CosmosTestServer = request.getfixturevalue("cosmos_server")
        settings = server.settings()
        async with (
            await CosmosStores.open(settings, CIPHER) as one,
            await CosmosStores.open(settings, CIPHER) as other,
        ):
            yield [Instance(s.leases, s.answers) for s in (one, other)]
        return
    path = tmp_path / "referrals.db"
    async with (
        await SqliteStores.open(path, CIPHER) as one,
        await SqliteStores.open(path, CIPHER) as other,
    ):
        yield [Instance(s.leases, s.answers) for s in (one, other)]


# -- leases --------------------------------------------------------------------------


async def test_a_lease_is_held_by_one_owner_until_it_runs_out(two: list[Instance]) -> None:
    a, b = two

    assert await a.leases.acquire("retention", "a", AT + LEASE, AT)
    assert not await b.leases.acquire("retention", "b", AT + LEASE, AT + LEASE / 2)
    assert await b.leases.acquire("directory", "b", AT + LEASE, AT), "each name is its own"
    assert await b.leases.acquire("retention", "b", AT + 2 * LEASE, AT + LEASE)  # ran out
    assert not await a.leases.acquire("retention", "a", AT + 2 * LEASE, AT + LEASE)


async def test_the_holder_renews_its_lease_and_keeps_it(two: list[Instance]) -> None:
    a, b = two
    await a.leases.acquire("reminders", "a", AT + LEASE, AT)

    assert await a.leases.acquire("reminders", "a", AT + 2 * LEASE, AT + LEASE / 3)

    assert not await b.leases.acquire("reminders", "b", AT + 2 * LEASE, AT + LEASE)


async def test_only_one_of_two_owners_racing_for_a_free_lease_gets_it(
    two: list[Instance],
) -> None:
    a, b = two

    won = await asyncio.gather(
        a.leases.acquire("retention", "a", AT + LEASE, AT),
        b.leases.acquire("retention", "b", AT + LEASE, AT),
    )

    assert sorted(won) == [False, True]


async def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(
    two: list[Instance],
) -> None:
    a, b = two
    await a.leases.acquire("retention", "a", AT + LEASE, AT)

    await b.leases.release("retention", "b")  # not theirs: nothing happens
    assert not await b.leases.acquire("retention", "b", AT + LEASE, AT)
    await a.leases.release("retention", "a")

    assert await b.leases.acquire("retention", "b", AT + LEASE, AT)


# -- replay answers ------------------------------------------------------------------


async def test_the_first_claims_and_the_others_get_the_answer_it_keeps(
    two: list[Instance],
) -> None:
    a, b = two

    assert await a.answers.claim(KEY, "a", AT + LEASE, AT)
    assert not await b.answers.claim(KEY, "b", AT + LEASE, AT)
    assert await b.answers.answer(KEY, AT) is None  # still running
    await a.answers.keep(KEY, 200, CANARY_BODY, AT + WINDOW, AT)

    assert await b.answers.answer(KEY, AT) == (200, CANARY_BODY)
    assert not await b.answers.claim(KEY, "b", AT + LEASE, AT)
    assert not await a.answers.claim(KEY, "a", AT + LEASE, AT), "answered: never run again"


async def test_an_answer_without_a_body_and_an_empty_one_are_kept_apart(
    two: list[Instance],
) -> None:
    a, b = two
    other = json.dumps(["msteams", "a:chat", "act-2"])
    await a.answers.keep(KEY, 201, None, AT + WINDOW, AT)
    await a.answers.keep(other, 200, b"", AT + WINDOW, AT)

    assert await b.answers.answer(KEY, AT) == (201, None)
    assert await b.answers.answer(other, AT) == (200, b"")


async def test_a_failed_turn_releases_its_mark_and_a_repeat_claims_it(
    two: list[Instance],
) -> None:
    a, b = two
    await a.answers.claim(KEY, "a", AT + LEASE, AT)

    await b.answers.release(KEY, "b")  # not its mark: nothing happens
    assert not await b.answers.claim(KEY, "b", AT + LEASE, AT)
    await a.answers.release(KEY, "a")

    assert await b.answers.claim(KEY, "b", AT + LEASE, AT)


async def test_a_mark_whose_instance_died_lapses_with_its_lease(two: list[Instance]) -> None:
    a, b = two
    await a.answers.claim(KEY, "a", AT + LEASE, AT)

    assert not await b.answers.claim(KEY, "b", AT + LEASE, AT + LEASE / 2)
    assert await b.answers.claim(KEY, "b", AT + 2 * LEASE, AT + LEASE)


async def test_only_one_of_two_instances_racing_claims_an_activity(two: list[Instance]) -> None:
    a, b = two

    won = await asyncio.gather(
        a.answers.claim(KEY, "a", AT + LEASE, AT), b.answers.claim(KEY, "b", AT + LEASE, AT)
    )

    assert sorted(won) == [False, True]


async def test_an_answer_expires_after_its_window_and_the_activity_runs_again(
    two: list[Instance],
) -> None:
    a, b = two
    await a.answers.claim(KEY, "a", AT + LEASE, AT)
    await a.answers.keep(KEY, 200, CANARY_BODY, AT + WINDOW, AT)
    later = AT + WINDOW

    assert await b.answers.answer(KEY, later - timedelta(seconds=1)) == (200, CANARY_BODY)
    assert await b.answers.answer(KEY, later) is None
    assert await b.answers.claim(KEY, "b", later + LEASE, later)


# -- at rest -------------------------------------------------------------------------


async def test_sqlite_keeps_answers_sealed_under_a_hash_and_deletes_expired_ones(
    tmp_path: Path,
) -> None:
    path = tmp_path / "referrals.db"
    async with await SqliteStores.open(path, CIPHER) as sqlite:
        await sqlite.answers.claim(KEY, "a", AT + LEASE, AT)
        await sqlite.answers.keep(KEY, 200, CANARY_BODY, AT + WINDOW, AT)
        assert await sqlite.answers.answer(KEY, AT) == (200, CANARY_BODY)
        raw = sqlite_bytes(path)
        later = AT + WINDOW
        await sqlite.answers.claim(json.dumps(["msteams", "x", "y"]), "a", later + LEASE, later)
        rows = await sqlite.database.fetch_all("SELECT key FROM replay_answers")

    assert b"CANARY-answer-body" not in raw
    assert b"canary-conversation" not in raw
    assert len(rows) == 1, "the expired answer was deleted by the next claim"


async def test_cosmos_keeps_answers_sealed_under_a_hash_with_a_ttl(
    cosmos: CosmosStores,
) -> None:
    await cosmos.answers.claim(KEY, "a", AT + LEASE, AT)
    await cosmos.answers.keep(KEY, 200, CANARY_BODY, AT + WINDOW, AT)
    await cosmos.leases.acquire("retention", "a", AT + LEASE, AT)
    assert await cosmos.answers.answer(KEY, AT) == (200, CANARY_BODY)

    items = (await cosmos_items(cosmos.settings))["leases"]

    raw = json.dumps(items)
    assert "CANARY-answer-body" not in raw
    assert "canary-conversation" not in raw
    (answer,) = [i for i in items if i["id"].startswith("answer:")]
    assert answer["ttl"] == WINDOW.total_seconds(), "Cosmos DB deletes it when it expires"
    (lease,) = [i for i in items if i["id"].startswith("lease:")]
    assert "ttl" not in lease, "a lease is never deleted under its holder"
    container = cosmos.database.leases
    assert (await container.read())["defaultTtl"] == -1, "TTL is on for the container"

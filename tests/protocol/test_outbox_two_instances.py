"""Two app instances on one store (App Service scale-out, a slot swap) deliver one outbox:
each notification is posted once, on SQLite (one file) and on the Cosmos DB-protocol
server; and a notification an instance was killed sending is taken over by the other once
its lease runs out, and updated in place, so the chat shows one card."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
import pytest
from botbuilder.schema import Activity

from bot.outbox.scheduler import LEASE
from bot.references import reference_of
from config.settings import Settings
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.notifications import DeliveryStatus, NotificationKind
from referrals.people import Actor
from referrals.ports import Stores
from referrals.services import Services
from storage.crypto import FieldCipher
from storage.keys import development_key_ring
from storage.memory import MemoryAuditLog
from storage.sqlite import SqliteStores
from tests.protocol.conftest import (
    DEPUTY_ID,
    SMLO_ID,
    People,
    RunningBot,
    make_settings,
    on_cosmos,
    people_at,
    serving,
)
from tests.storage.cosmos_server import CosmosTestServer
from tests.support.connector import ConnectorStandIn

REFERRALS = 6  # each one card to the SMLO and one to the deputy
SMLOS = frozenset({SMLO_ID, DEPUTY_ID})


@pytest.fixture
async def people(connector: ConnectorStandIn) -> AsyncIterator[People]:
    """The people, each with a chat; nobody needs to talk to the bot here."""
    async with aiohttp.ClientSession() as http:
        yield people_at("", connector, http)


async def reachable(stores: Stores, people: People) -> None:
    """Where the SMLOs' chats are, as a message from each would have left it."""
    for person in (people.smlo, people.deputy):
        reference = reference_of(Activity().deserialize(person.activity("message")))
        await stores.conversations.put_reference(person.aad_object_id, reference)


async def a_backlog(services: Services, count: int = REFERRALS) -> None:
    """`count` referrals sent, their cards to the SMLOs queued and not yet delivered."""
    for i in range(count):
        referrer = Actor(f"referrer-{i}")
        draft = await services.intake.start_draft(referrer)
        answers = IntakeAnswers(route=Route.EXPERIENCED, consent=True)
        await services.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
        await services.intake.submit(referrer, draft.id)


def posts(connector: ConnectorStandIn) -> list[str]:
    return [
        path for method, path in connector.requests if method == "POST" and "/activities" in path
    ]


@pytest.fixture(params=["sqlite", "cosmos"])
def shared_store(
    request: pytest.FixtureRequest, tmp_path: Path, connector: ConnectorStandIn
) -> Settings:
    """The settings both instances start with: one SQLite file, or one Cosmos database."""
    settings = make_settings(str(tmp_path), connector.url)
    if request.param == "sqlite":
        return settings
    server: CosmosTestServer = request.getfixturevalue("cosmos_server")
    return on_cosmos(settings, server, f"bot-{uuid.uuid4().hex}")


async def test_two_instances_delivering_one_backlog_at_once_post_each_card_once(
    shared_store: Settings, connector: ConnectorStandIn, people: People
) -> None:
    clock = FakeClock()
    async with AsyncExitStack() as running:
        one: RunningBot = await running.enter_async_context(serving(shared_store, clock))
        two: RunningBot = await running.enter_async_context(serving(shared_store, clock))
        await reachable(one.runtime.stores, people)
        await a_backlog(one.runtime.services)
        queued = await two.runtime.stores.outbox.pending(limit=100)
        assert len(queued) == 2 * REFERRALS

        await asyncio.gather(
            one.runtime.outbox.deliver_pending(), two.runtime.outbox.deliver_pending()
        )
        await one.runtime.outbox.deliver_pending()  # whatever a lost claim left to a later pass

        assert await two.runtime.stores.outbox.pending(limit=100) == []
        assert len(posts(connector)) == 2 * REFERRALS, "each notification posted once"
        assert len(people.smlo.chat.cards()) == REFERRALS
        assert len(people.deputy.chat.cards()) == REFERRALS


async def test_a_card_an_instance_was_killed_sending_is_taken_over_and_updated_in_place(
    tmp_path: Path, connector: ConnectorStandIn, people: People
) -> None:
    settings = make_settings(str(tmp_path), connector.url)
    clock = FakeClock()
    # The killed instance: it claimed the SMLO's card, posted it, recorded the post, and
    # died (SIGKILL) before marking it sent, its lease still running.
    async with await SqliteStores.open(
        settings.sqlite_path, FieldCipher(development_key_ring())
    ) as killed:
        await reachable(killed.stores, people)
        await a_backlog(Services.build(killed.stores, clock, SMLOS, MemoryAuditLog()), count=1)
        (card,) = [n for n in await killed.stores.outbox.pending() if n.recipient_id == SMLO_ID]
        now = clock.now()
        assert await killed.stores.outbox.claim(card.id, "killed", now + LEASE, now) is not None
        people.smlo.chat.messages["m-killed"] = {"type": "message", "text": "New referral"}
        await killed.stores.outbox.record_posted(card.id, people.smlo.conversation_id, "m-killed")

    async with serving(settings, clock) as survivor:
        outbox = survivor.runtime.stores.outbox
        await survivor.runtime.outbox.deliver_pending()
        assert [m for m, p in connector.requests if people.smlo.conversation_id in p] == []
        assert len(people.deputy.chat.cards()) == 1, "the rest is not held up"

        clock.advance(LEASE)
        await survivor.runtime.outbox.deliver_pending()

        assert list(people.smlo.chat.messages) == ["m-killed"], "one message in the chat"
        assert len(people.smlo.chat.cards()) == 1, "now the card, freshly rendered"
        assert [m for m, p in connector.requests if people.smlo.conversation_id in p] == ["PUT"]
        sent = await outbox.find_sent(card.referral_id, SMLO_ID, NotificationKind.NEW_REFERRAL)
        assert sent is not None
        assert (sent.status, sent.activity_id) == (DeliveryStatus.SENT, "m-killed")

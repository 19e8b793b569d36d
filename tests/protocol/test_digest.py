"""The SMLO's weekly digest over real HTTP: the reminder loop's first pass queues it (the
clock stands at Monday 09:00), each SMLO is sent the counts as they are then and nothing
else, and its button opens the inbox."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from referrals.clock import FakeClock
from referrals.notifications import NotificationKind as Kind
from tests.protocol.conftest import People, RunningBot, make_settings, serving
from tests.protocol.journeys import WAIT, everyone_says_hi, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

SUMMARY = "Your weekly summary"


@pytest.fixture
async def bot(tmp_path: object, connector: ConnectorStandIn) -> AsyncIterator[RunningBot]:
    """The bot with the weekly digest on (SMA_DIGEST_DAY=monday)."""
    settings = dataclasses.replace(make_settings(str(tmp_path), connector.url), digest_day=0)
    async with serving(settings, FakeClock()) as running:
        yield running


async def test_each_smlo_gets_the_weekly_digest_with_counts_only_and_opens_the_inbox(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    services = bot.runtime.services
    monday = bot.clock.now()  # Monday 2 March 2026, 09:00
    bot.runtime.outbox.wake()

    for smlo in (people.smlo, people.deputy):
        await connector.wait_until(lambda smlo=smlo: shows(smlo, SUMMARY), within=WAIT)
        (digest,) = smlo.messages_showing(SUMMARY)
        texts = card_texts(digest["attachments"][0]["content"])
        assert "Nothing is waiting for you or the advocates this week." in texts
        assert texts[-2:] == ["Inbox", "Roster"]
        assert digest.get("summary") == SUMMARY
    assert not shows(people.advocate_a, SUMMARY)
    assert await services.digests.send_digests(monday) == [], "once a week"
    pending = await bot.runtime.stores.outbox.pending(limit=100)
    assert not [n for n in pending if n.kind is Kind.WEEKLY_DIGEST], "all delivered"

    inbox = await people.smlo.submit("Inbox")
    assert card_texts(inbox), "the inbox card"

"""The outbox against a misbehaving Bot Connector: throttling, outages, refusals, stalls
and a crash between posting a message and marking it sent. Each ends with the person's
chat showing the message exactly once (or, when Teams refuses it for good, it parked).

The app's clock is a FakeClock, so backoff is driven by moving it on and running a
delivery pass by hand (`deliver_pending` waits for any pass already running).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from referrals.notifications import DeliveryStatus, Notification, NotificationKind
from tests.protocol.conftest import SMLO_ID, People, RunningBot
from tests.protocol.journeys import NEW_CARD, complete_intake, everyone_says_hi
from tests.support.connector import ConnectorStandIn, cards_of
from tests.support.teams import TeamsUser, card_texts


def copies(user: TeamsUser, words: str) -> int:
    """How many messages in the person's chat show `words` on a card."""
    return sum(
        1
        for message in user.chat.messages.values()
        if any(words in t for card in cards_of(message) for t in card_texts(card))
    )


async def a_pass_later(bot: RunningBot, seconds: float) -> None:
    bot.clock.advance(timedelta(seconds=seconds))
    await bot.runtime.outbox.deliver_pending()


async def smlo_notification(bot: RunningBot) -> Notification:
    outbox = bot.runtime.stores.outbox
    waiting = [*await outbox.pending(limit=500), *await outbox.parked(limit=500)]
    (found,) = [n for n in waiting if n.recipient_id == SMLO_ID]
    return found


async def submit_while_the_smlo_chat_fails(
    bot: RunningBot, people: People, connector: ConnectorStandIn, **fault: Any
) -> None:
    await everyone_says_hi(people)
    connector.fail_next(conversation=people.smlo.conversation_id, **fault)
    await complete_intake(people.referrer)
    await bot.runtime.outbox.deliver_pending()  # at least one attempt has now been made


async def test_throttled_by_teams_the_smlo_still_gets_exactly_one_card_after_retry_after(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    await submit_while_the_smlo_chat_fails(
        bot, people, connector, times=1, status=429, retry_after="5"
    )
    assert connector.faults_served == 1
    waiting = await smlo_notification(bot)
    assert (waiting.attempts, waiting.last_error) == (1, "429")

    await a_pass_later(bot, 4)  # Retry-After is the least we wait, whatever the jitter
    assert copies(people.smlo, NEW_CARD) == 0

    await a_pass_later(bot, 1)
    assert copies(people.smlo, NEW_CARD) == 1
    assert copies(people.deputy, NEW_CARD) == 1  # the other SMLO was never held up


async def test_a_connector_outage_for_a_while_delivers_the_card_once_it_recovers(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    await submit_while_the_smlo_chat_fails(bot, people, connector, times=3, status=503)
    for _ in range(3):
        await a_pass_later(bot, 3600)

    assert connector.faults_served == 3
    assert copies(people.smlo, NEW_CARD) == 1
    assert await bot.runtime.stores.outbox.pending() == []


async def test_a_stalled_connector_times_out_and_the_card_arrives_once_later(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    bot.runtime.messenger.send_timeout = 0.3
    await everyone_says_hi(people)
    connector.stall_next(1, seconds=1.0, conversation=people.smlo.conversation_id)
    await complete_intake(people.referrer)
    await bot.runtime.outbox.deliver_pending()

    assert (await smlo_notification(bot)).last_error == "timeout"
    await connector.wait_until(lambda: connector.faults_served == 1)
    await a_pass_later(bot, 3600)
    assert copies(people.smlo, NEW_CARD) == 1


async def test_a_refusal_parks_the_notification_at_once_and_keeps_it_out_of_the_queue(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    await submit_while_the_smlo_chat_fails(bot, people, connector, times=1, status=403)

    parked = await smlo_notification(bot)
    assert (parked.status, parked.last_error, parked.attempts) == (DeliveryStatus.PARKED, "403", 1)
    await a_pass_later(bot, 24 * 3600)
    assert copies(people.smlo, NEW_CARD) == 0
    assert connector.faults_served == 1  # not tried again on its own


async def test_a_crash_between_posting_and_marking_sent_leaves_one_card_in_the_chat(
    bot: RunningBot, people: People, connector: ConnectorStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    outbox = bot.runtime.stores.outbox
    mark_sent, crashed = outbox.mark_sent, set[str]()

    async def dies_the_first_time(notification_id: str, *args: Any) -> None:
        if notification_id not in crashed:
            crashed.add(notification_id)
            raise RuntimeError("the process died here")
        await mark_sent(notification_id, *args)

    monkeypatch.setattr(outbox, "mark_sent", dies_the_first_time)
    await everyone_says_hi(people)
    await complete_intake(people.referrer)
    await bot.runtime.outbox.deliver_pending()
    assert copies(people.smlo, NEW_CARD) == 1
    assert (await smlo_notification(bot)).activity_id  # posted, remembered, not marked sent

    await a_pass_later(bot, 3600)

    assert copies(people.smlo, NEW_CARD) == 1
    assert copies(people.deputy, NEW_CARD) == 1
    updates = [p for m, p in connector.requests if m == "PUT" and people.smlo.conversation_id in p]
    assert len(updates) >= 1  # the second pass updated the card in place
    assert await outbox.pending() == []


async def test_many_notifications_to_one_smlo_go_at_most_five_a_second(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    await everyone_says_hi(people)
    await complete_intake(people.referrer)
    await bot.runtime.outbox.deliver_pending()
    stores = bot.runtime.stores
    referral = await stores.referrals.find_by_reference("SMA-2026-0001")
    assert referral is not None
    referral.new_notifications = [
        Notification.new(referral.id, SMLO_ID, NotificationKind.NEW_REFERRAL, bot.clock.now())
        for _ in range(12)
    ]
    await stores.referrals.save(referral)
    before = len(connector.posted_at)

    await bot.runtime.outbox.deliver_pending()

    smlo_chat = people.smlo.conversation_id
    times = [t for cid, t in connector.posted_at[before:] if cid == smlo_chat]
    assert len(times) == 12
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 5


async def test_a_stalled_chat_does_not_hold_up_other_peoples_messages(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    # The first referral's card to the SMLO is throttled, so it is the oldest message due
    # when the second referral arrives: the SMLO's chat comes first in the queue.
    await submit_while_the_smlo_chat_fails(
        bot, people, connector, times=1, status=429, retry_after="5"
    )
    bot.clock.advance(timedelta(seconds=5))
    connector.stall_next(1, seconds=3.0, conversation=people.smlo.conversation_id)
    await complete_intake(people.referrer)
    delivering = asyncio.create_task(bot.runtime.outbox.deliver_pending())

    await connector.wait_until(lambda: copies(people.deputy, "Referral SMA-2026-0002") == 1)
    assert connector.faults_served == 1  # the stall in the SMLO's chat was still holding
    await delivering
    await a_pass_later(bot, 3600)
    for reference in ("Referral SMA-2026-0001", "Referral SMA-2026-0002"):
        assert copies(people.smlo, reference) == 1
        assert copies(people.deputy, reference) == 1

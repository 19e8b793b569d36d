"""A message Teams would not take: the SMLO sees it, content-free, and sends it again."""

from __future__ import annotations

from referrals.notifications import DeliveryStatus
from tests.protocol.conftest import DEPUTY_ID, People, RunningBot
from tests.protocol.journeys import ACCOUNT, NEW_CARD, complete_intake, everyone_says_hi, shows
from tests.protocol.test_delivery_faults import copies
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts


async def test_the_smlo_sees_a_parked_message_and_try_again_delivers_it_once(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    await everyone_says_hi(people)
    connector.fail_next(conversation=people.deputy.conversation_id, times=1, status=403)
    await complete_intake(people.referrer)
    await bot.runtime.outbox.deliver_pending()
    parked = await bot.runtime.stores.outbox.parked()
    assert [(n.recipient_id, n.status) for n in parked] == [(DEPUTY_ID, DeliveryStatus.PARKED)]

    await people.smlo.say("undelivered")

    assert shows(people.smlo, "Not delivered: 1")
    assert shows(people.smlo, "SMA-2026-0001: the new referral card for a service lead.")
    assert not shows(people.smlo, ACCOUNT)
    answer = await people.smlo.click("Try again")
    assert "We are trying again now." in card_texts(answer)
    assert "Nothing is stuck" in card_texts(answer), "it is queued again, no longer parked"
    await bot.runtime.outbox.deliver_pending()
    assert copies(people.deputy, NEW_CARD) == 1
    assert await bot.runtime.stores.outbox.parked() == []


async def test_only_an_smlo_can_see_or_resend_undelivered_messages(
    bot: RunningBot, people: People, connector: ConnectorStandIn
) -> None:
    await everyone_says_hi(people)
    connector.fail_next(conversation=people.deputy.conversation_id, times=1, status=403)
    await complete_intake(people.referrer)
    await bot.runtime.outbox.deliver_pending()
    (parked,) = await bot.runtime.stores.outbox.parked()

    await people.referrer.say("undelivered")
    forged = {"verb": "smlo.retry_delivery", "data": {"notification_id": parked.id}}
    answer = await people.advocate_a.press("m-forged", forged, {})

    assert shows(people.referrer, "This is not available to you")
    assert "This is not available to you" in card_texts(answer)
    assert [n.id for n in await bot.runtime.stores.outbox.parked()] == [parked.id]

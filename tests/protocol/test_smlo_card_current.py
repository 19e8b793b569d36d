"""The SMLO's card of a referral shows where it stands now, wherever it is in their chat:
the message it arrived as, and any message where they opened it since (the inbox, a typed
`referral SMA-…`). Each change is one new message, with the card updated in place."""

from __future__ import annotations

import asyncio

from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import NEW_CARD, OFFER, referral_reaches_the_smlo, shows
from tests.support.connector import ConnectorStandIn, cards_of
from tests.support.teams import TeamsUser, card_texts

WAITING = "Waiting to hear back"
TAKEN = "Alex Morgan has taken this case."


def referral_cards(user: TeamsUser) -> list[str]:
    """The text of every message in the chat that shows the referral's card."""
    found = []
    for message in user.chat.messages.values():
        words = " ".join(t for card in cards_of(message) for t in card_texts(card))
        if words.startswith(NEW_CARD):
            found.append(words)
    return found


def new_messages_since(user: TeamsUser, before: int) -> list[dict[str, object]]:
    return list(user.chat.messages.values())[before:]


async def settled(bot: RunningBot) -> None:
    await bot.runtime.outbox.deliver_pending()
    await asyncio.sleep(0.1)
    await bot.runtime.outbox.deliver_pending()


async def test_a_card_opened_from_the_inbox_follows_the_referral_after_the_advocate_accepts(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, advocate = people.smlo, people.advocate_a
    await smlo.say("inbox")
    await smlo.click("Open")
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await smlo.say(f"referral {NEW_CARD.split()[-1]}")
    await connector.wait_until(lambda: shows(advocate, OFFER))
    await settled(bot)
    assert len(referral_cards(smlo)) == 3, "arrived, opened from the inbox, looked up"
    assert all(WAITING in words for words in referral_cards(smlo)), referral_cards(smlo)
    before = len(smlo.chat.messages)

    await advocate.click("Yes, I can")
    await connector.wait_until(lambda: shows(smlo, "Alex Morgan has taken SMA-2026-0001."))
    await settled(bot)

    cards = referral_cards(smlo)
    assert len(cards) == 3
    assert all(TAKEN in words for words in cards), cards
    assert not shows(smlo, WAITING)
    assert len(new_messages_since(smlo, before)) == 1, "one new message: the note"


async def test_one_decline_is_one_message_to_the_smlo_and_names_the_kind_of_reason(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, deputy, advocate = people.smlo, people.deputy, people.advocate_a
    await smlo.say("inbox")
    await smlo.click("Open")
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await connector.wait_until(lambda: shows(advocate, OFFER))
    await settled(bot)
    before = {person.name: len(person.chat.messages) for person in (smlo, deputy)}

    await advocate.click("I can't take this")
    await advocate.click("Send my answer", reason="conflict")
    await connector.wait_until(lambda: shows(smlo, "Alex Morgan could not take SMA-2026-0001."))
    await connector.wait_until(lambda: shows(deputy, "Alex Morgan could not take SMA-2026-0001."))
    await settled(bot)

    reason = "The reason they gave: they may know the people involved."
    for person in (smlo, deputy):
        new = new_messages_since(person, before[person.name])
        assert len(new) == 1, f"{person.name} got {len(new)} messages for one decline"
        note = " ".join(t for card in cards_of(new[0]) for t in card_texts(card))
        assert reason in note
        assert new[0].get("summary") == "SMA-2026-0001 needs another advocate"
        assert all(reason in words for words in referral_cards(person)), referral_cards(person)
        assert not shows(person, WAITING)


async def test_each_notification_previews_its_own_kind_of_news(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, advocate = people.smlo, people.advocate_a
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await connector.wait_until(lambda: shows(advocate, OFFER))
    await advocate.click("Yes, I can")
    await connector.wait_until(lambda: shows(people.referrer, "An advocate will support you"))

    def previews(user: TeamsUser) -> list[object]:
        return [m.get("summary") for m in user.chat.messages.values() if m.get("summary")]

    assert previews(smlo)[0] == "New referral SMA-2026-0001"
    assert "You have been asked to support someone" in previews(advocate)
    assert "There is news about your referral" in previews(people.referrer)
    everything = [*previews(smlo), *previews(advocate), *previews(people.referrer)]
    assert not [p for p in everything if str(p).startswith("Update on")]
    assert not [p for p in everything if "Robin" in str(p) or "CANARY" in str(p)]


async def test_a_withdrawal_reaches_every_copy_of_the_smlos_card(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    smlo, referrer = people.smlo, people.referrer
    await smlo.say("inbox")
    await smlo.click("Open")
    await smlo.say(f"referral {NEW_CARD.split()[-1]}")
    await settled(bot)
    assert len(referral_cards(smlo)) == 3
    before = len(smlo.chat.messages)

    await referrer.say("my referrals")
    await referrer.click("Withdraw")
    await referrer.click("Yes, withdraw it")
    await connector.wait_until(lambda: shows(smlo, "SMA-2026-0001 was withdrawn"))
    await settled(bot)

    cards = referral_cards(smlo)
    assert len(cards) == 3
    assert all("Withdrawn" in words for words in cards), cards
    assert len(new_messages_since(smlo, before)) == 1

"""Messages through the bot over real HTTP: the referrer writes before an advocate is
found, every SMLO is told without a word of it, one reads it and replies, and the referrer
reads the reply and sees theirs was read. A second press of Send sends nothing more, and
an advocate who does not hold the case cannot open the thread. Like every view of what a
person said, the thread folds back after the set time (for the referrer too) and leaves
every chat when the case closes or the referral is withdrawn. Words a referrer types in the
chat are offered back to send, and sent only on their word."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from cards.details import when
from referrals.audit import ActorRole, AuditAction, Outcome
from referrals.messages import MESSAGE_READ
from referrals.people import Actor
from referrals.states import ReferralState
from referrals.views import ViewKind
from tests.protocol.conftest import REFERRER_ID, SMLO_ID, People, RunningBot
from tests.protocol.journeys import (
    WAIT,
    an_active_case,
    close_the_case,
    complete_intake,
    referral_reaches_the_smlo,
    shows,
)
from tests.support.connector import ConnectorStandIn, Json, cards_of
from tests.support.teams import TeamsUser, actions_of, card_texts, input_values

ASK = "CANARY-ASK can I speak to someone on Friday?"
REPLY = "CANARY-REPLY yes, I will call you at six."
NOTICE = "New message about SMA-2026-0001"


async def test_the_referrer_and_the_service_lead_exchange_messages_before_allocation(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer, smlo = people.referrer, people.smlo

    await referrer.say("my referrals")
    thread = await referrer.click("Messages")
    assert "Your message. Up to 2,000 characters." in str(thread)
    card_id, send = referrer.find_action("Send")
    sent = await referrer.submit("Send", text=ASK)
    assert ASK in card_texts(sent)
    assert any(t.startswith("You, ") and "Not read yet" in t for t in card_texts(sent))
    again = await referrer.press(card_id, send, {"text": ASK})  # a second press of Send
    assert card_texts(again).count(ASK) == 1, "sent once"

    for lead in (smlo, people.deputy):
        await connector.wait_until(lambda lead=lead: shows(lead, NOTICE), within=WAIT)
        assert ASK not in str(lead.messages_showing(NOTICE)), "the notice is content-free"
    assert not shows(people.advocate_a, NOTICE)
    assert len(smlo.messages_showing(NOTICE)) == 1, "told once"

    read = await smlo.click("Read")
    assert ASK in card_texts(read)
    assert any(t.startswith("The person who referred, ") for t in card_texts(read))
    replied = await smlo.submit("Send", text=REPLY)
    assert REPLY in card_texts(replied)

    await connector.wait_until(lambda: shows(referrer, NOTICE), within=WAIT)
    assert REPLY not in str(referrer.messages_showing(NOTICE))
    answer = await referrer.click("Read")
    texts = card_texts(answer)
    assert REPLY in texts
    assert any(t.startswith("The service lead, ") for t in texts)
    assert any(t.startswith("You, ") and ". Read at " in t for t in texts), "theirs was read"


async def test_the_sender_sees_when_their_message_was_read_and_the_reading_is_audited(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer, smlo = people.referrer, people.smlo
    await referrer.say("my referrals")
    await referrer.click("Messages")
    sent_at = when(bot.clock.now())
    await referrer.submit("Send", text=ASK)
    await connector.wait_until(lambda: shows(smlo, NOTICE), within=WAIT)
    unread = await referrer.click("Refresh")
    assert f"You, {sent_at}. Not read yet" in card_texts(unread), "opening it is no reading"

    bot.clock.advance(timedelta(minutes=4))
    read_at = when(bot.clock.now())
    await smlo.click("Read")
    seen = await referrer.click("Refresh")

    assert f"You, {sent_at}. Read at {read_at}" in card_texts(seen)
    referral = (await bot.runtime.stores.referrals.list_in_states({ReferralState.SUBMITTED}))[0]
    trail = [
        (e.action, e.outcome)
        for e in await bot.runtime.services.steps.audit.for_referral(referral.id)
        if e.actor_id == SMLO_ID
    ]
    assert (AuditAction.MARK_MESSAGES_READ, Outcome.ALLOWED) in trail
    assert (AuditAction.READ_MESSAGES, Outcome.ALLOWED) in trail
    marked = [e for e in referral.history if e.name == MESSAGE_READ]
    assert len(marked) == 1, "read once, by the first on the SMLOs' side"
    assert ASK not in str(referral.history), "the history never holds the words"


async def test_an_advocate_who_does_not_hold_the_case_cannot_open_its_thread(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await people.referrer.say("my referrals")
    _, button = people.referrer.find_action("Messages")
    await people.referrer.click("Messages")
    await people.referrer.submit("Send", text=ASK)

    for forged in ({}, {"text": "CANARY-FORGED hello"}):
        press = dict(button, verb="messages.send" if forged else button["verb"])
        press["data"] = {**button["data"], "verb": press["verb"]}
        refused = await people.advocate_b.press("msg-forged", press, forged)
        texts = card_texts(refused)
        assert "This is not available to you" in texts
        assert ASK not in str(refused)
    referral_id = button["data"]["referral_id"]
    _, messages = await bot.runtime.services.messages.thread(Actor(REFERRER_ID), referral_id)
    assert [m.text for m in messages] == [ASK], "nothing sent by them"


async def test_a_message_too_long_comes_back_and_one_to_a_withdrawn_referral_says_why(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer
    await referrer.say("my referrals")
    await referrer.click("Messages")
    long = "CANARY-LONG " + "x" * 2000

    again = await referrer.submit("Send", text=long)

    texts = card_texts(again)
    assert any("The limit is 2,000 characters" in t for t in texts), "a note under the box"
    assert long in str(again), "their words are kept"
    assert not shows(people.smlo, NOTICE), "nothing sent"

    card_id, send = referrer.find_action("Send")
    await referrer.say("my referrals")
    await referrer.click("Withdraw")
    await referrer.click("Yes, withdraw it")
    closed = await referrer.press(card_id, send, {"text": ASK})
    assert "If you need us again, type refer" in " ".join(card_texts(closed))


async def messages_exchanged_on_an_active_case(people: People, connector: ConnectorStandIn) -> None:
    """Alex holds the case; the referrer writes from `my referrals`, Alex reads it from the
    notice and replies, and the referrer reads the reply: both chats show both messages."""
    await an_active_case(people, connector)
    referrer, advocate = people.referrer, people.advocate_a
    await referrer.say("my referrals")
    await referrer.click("Messages")
    await referrer.submit("Send", text=ASK)
    await connector.wait_until(lambda: shows(advocate, NOTICE), within=WAIT)
    await advocate.click("Read")
    await advocate.submit("Send", text=REPLY)
    await connector.wait_until(lambda: shows(referrer, NOTICE), within=WAIT)
    await referrer.click("Read")
    for person in (referrer, advocate):
        assert shows(person, ASK), f"{person.name} reads the question"
        assert shows(person, REPLY), f"{person.name} reads the answer"
    assert not shows(people.smlo, ASK), "after allocation the advocate, not the SMLOs, is told"


def shows_a_message(user: TeamsUser) -> bool:
    return shows(user, ASK) or shows(user, REPLY)


async def test_the_thread_folds_back_for_the_referrer_and_the_advocate_and_opens_in_one_tap(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await messages_exchanged_on_an_active_case(people, connector)
    referrer, advocate = people.referrer, people.advocate_a

    bot.clock.advance(timedelta(minutes=10))
    bot.runtime.outbox.wake()

    await connector.wait_until(
        lambda: not shows_a_message(referrer) and not shows_a_message(advocate), within=WAIT
    )
    assert shows(referrer, "Your messages about SMA-2026-0001")
    assert shows(advocate, "Messages about SMA-2026-0001")
    reopened = await referrer.click("Open")
    assert ASK in card_texts(reopened)
    assert REPLY in card_texts(reopened)
    referral = (await bot.runtime.stores.referrals.list_in_states({ReferralState.ACTIVE}))[0]
    trail = await bot.runtime.services.steps.audit.for_referral(referral.id)
    # The trail names the referrer by their role alone (it is never erased).
    by_referrer = [e for e in trail if e.actor_role is ActorRole.REFERRER]
    looks = [e for e in by_referrer if e.action is AuditAction.READ_MESSAGES]
    assert len(looks) >= 3, "each look is audited, the one after folding too"
    assert all(e.outcome is Outcome.ALLOWED for e in looks)
    await views_all_settled_but(bot, 1)  # the reopened thread, tracked again


async def test_hiding_the_thread_folds_it_at_once_and_nothing_is_left_to_sweep(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer
    await referrer.say("my referrals")
    await referrer.click("Messages")
    await referrer.submit("Send", text=ASK)

    folded = await referrer.click("Hide messages")

    assert "Your messages about SMA-2026-0001" in card_texts(folded)
    assert not shows_a_message(referrer)
    assert await bot.runtime.stores.views.list_views() == []


async def test_closing_the_case_clears_the_messages_from_every_chat_that_showed_them(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await messages_exchanged_on_an_active_case(people, connector)
    referrer, advocate, smlo = people.referrer, people.advocate_a, people.smlo
    await smlo.say("referral SMA-2026-0001")
    await smlo.click("Open details")
    await smlo.click("Messages")
    assert shows(smlo, ASK), "the SMLO can read the thread"
    await advocate.say("my cases")
    await advocate.click("Open")
    await advocate.click("Case record")

    await close_the_case(advocate)

    await connector.wait_until(
        lambda: not any(map(shows_a_message, (referrer, advocate, smlo))), within=WAIT
    )
    closed = "SMA-2026-0001 is closed. We have removed its messages from this chat."
    assert shows(referrer, closed)
    assert shows(advocate, closed)
    await views_all_settled_but(bot, 0)


async def test_withdrawing_clears_the_messages_from_the_referrer_and_the_advocate(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await messages_exchanged_on_an_active_case(people, connector)
    referrer, advocate = people.referrer, people.advocate_a

    await referrer.say("my referrals")
    await referrer.click("Withdraw")
    await referrer.click("Yes, withdraw it")

    await connector.wait_until(
        lambda: not shows_a_message(referrer) and not shows_a_message(advocate), within=WAIT
    )
    withdrawn = "SMA-2026-0001 was withdrawn. We have removed its messages from this chat."
    assert shows(referrer, withdrawn)
    assert shows(advocate, withdrawn)
    await views_all_settled_but(bot, 0)


async def views_all_settled_but(bot: RunningBot, left: int) -> None:
    """Wait until the sweep has dealt with every view due (`left` are still open)."""

    async def settled() -> bool:
        return len(await bot.runtime.stores.views.list_views()) == left

    # The store has no event to wait on: look again and again, within a generous bound.
    async with asyncio.timeout(WAIT):
        while not await settled():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


# -- words typed in the chat -------------------------------------------------------------

TYPED = "CANARY-TYPED Can I speak to my advocate please?"


def newest_card(user: TeamsUser) -> Json:
    [card] = cards_of(list(user.chat.messages.values())[-1])
    return card


async def messages_about(bot: RunningBot, reference: str) -> list[str]:
    referral = await bot.runtime.stores.referrals.find_by_reference(reference)
    assert referral is not None
    _, thread = await bot.runtime.services.messages.thread(Actor(REFERRER_ID), referral.id)
    return [m.text for m in thread]


async def test_words_a_referrer_types_are_offered_back_and_sent_only_when_they_say_so(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer

    await referrer.say(TYPED)

    offer = newest_card(referrer)
    assert "Send this to the service about SMA-2026-0001?" in card_texts(offer)
    assert input_values(offer) == {"text": TYPED}, "their words, in the box to send or change"
    assert [a["title"] for a in actions_of(offer)] == ["Send", "Not now"]
    assert await messages_about(bot, "SMA-2026-0001") == [], "nothing is sent unasked"
    sent = await referrer.submit("Send")
    assert TYPED in card_texts(sent)
    await connector.wait_until(lambda: shows(people.smlo, NOTICE), within=WAIT)
    assert not shows(people.smlo, TYPED), "the notice is content-free"
    assert await messages_about(bot, "SMA-2026-0001") == [TYPED]


async def test_not_now_sends_nothing_and_takes_the_words_off_the_card(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer
    await referrer.say(TYPED)

    answer = await referrer.click("Not now")

    assert "Nothing was sent." in " ".join(card_texts(answer))
    assert not shows(referrer, TYPED), "the card no longer shows their words"
    assert await messages_about(bot, "SMA-2026-0001") == []
    assert not shows(people.smlo, NOTICE)


async def test_words_offered_back_fold_away_and_leave_the_chat_when_the_referral_is_withdrawn(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer
    await referrer.say(TYPED)
    [view] = await bot.runtime.stores.views.list_views()
    assert view.kind is ViewKind.THREAD, "the offer shows their words: tracked like the thread"

    bot.clock.advance(timedelta(minutes=10))
    bot.runtime.outbox.wake()
    await connector.wait_until(lambda: not shows(referrer, TYPED), within=WAIT)
    assert shows(referrer, "Your messages about SMA-2026-0001")

    await referrer.say(TYPED)
    await referrer.say("my referrals")
    await referrer.click("Withdraw")
    await referrer.click("Yes, withdraw it")
    await connector.wait_until(lambda: not shows(referrer, TYPED), within=WAIT)
    assert shows(referrer, "SMA-2026-0001 was withdrawn. We have removed its messages")
    assert not shows(people.smlo, NOTICE), "nothing was ever sent"
    await views_all_settled_but(bot, 0)


async def test_with_several_open_referrals_the_referrer_chooses_which_it_is_about(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    await complete_intake(people.referrer)
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0002"))
    referrer = people.referrer

    await referrer.say(TYPED)

    offer = newest_card(referrer)
    assert "Send this to the service?" in card_texts(offer)
    assert [a["title"] for a in actions_of(offer)] == [
        "Send about SMA-2026-0001",
        "Send about SMA-2026-0002",
        "Not now",
    ]
    await referrer.submit("Send about SMA-2026-0002")
    assert await messages_about(bot, "SMA-2026-0002") == [TYPED]
    assert await messages_about(bot, "SMA-2026-0001") == []


async def test_words_typed_with_no_open_referral_get_the_help_as_before(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer
    await referrer.say("my referrals")
    await referrer.click("Withdraw")
    await referrer.click("Yes, withdraw it")

    await referrer.say(TYPED)

    words = card_texts(newest_card(referrer))
    assert "Sorry, we did not understand that" in words
    assert not any(TYPED in w for w in words), "what they typed is never echoed"


async def test_a_long_thread_shows_the_newest_and_pages_back_to_the_earliest(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    referrer = people.referrer
    referral = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert referral is not None
    for n in range(12):
        await bot.runtime.services.messages.send(Actor(REFERRER_ID), referral.id, f"Note {n:02d}")
    await referrer.say("my referrals")

    newest = card_texts(await referrer.click("Messages"))

    assert "Note 11" in newest
    assert "Note 02" in newest
    assert "Note 01" not in newest
    assert "Earlier messages not shown here: 2." in newest
    earlier = card_texts(await referrer.click("Earlier messages"))
    assert "Note 00" in earlier
    assert "Note 01" in earlier
    assert "Note 02" not in earlier

"""Messages through the bot over real HTTP: the referrer writes before an advocate is
found, every SMLO is told without a word of it, one reads it and replies, and the referrer
reads the reply and sees theirs was read. A second press of Send sends nothing more, and
an advocate who does not hold the case cannot open the thread."""

from __future__ import annotations

from referrals.people import Actor
from tests.protocol.conftest import REFERRER_ID, People, RunningBot
from tests.protocol.journeys import WAIT, referral_reaches_the_smlo, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

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
    assert any(t.startswith("You, ") and ". Read " in t for t in texts), "theirs was read"


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
    assert "To start again, type refer." in " ".join(card_texts(closed))

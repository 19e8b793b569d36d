"""No personal data in logs or notifications: the whole path with canaries everywhere."""

from __future__ import annotations

import json
import logging

import pytest

from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import (
    RECORD_WORDS,
    WAIT,
    an_active_case,
    close_the_case,
    complete_intake,
    everyone_says_hi,
    keep_the_whole_record,
    send_an_on_behalf_referral_full_of,
    shows,
)
from tests.support.connector import ConnectorStandIn, cards_of
from tests.support.teams import card_texts

CANARY = "CANARYXQ"  # one token, so it is found however a log line splits words


async def test_the_whole_path_logs_no_answer_name_or_contact_detail(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, botbuilder and aiohttp included
    people.referrer.name = f"Robin {CANARY}name"
    await everyone_says_hi(people)
    referrer = people.referrer
    await send_an_on_behalf_referral_full_of(
        referrer, CANARY, email=f"{CANARY}@example.org", phone="07700 900123"
    )
    smlo, advocate = people.smlo, people.advocate_a
    await connector.wait_until(lambda: shows(smlo, "Referral SMA-2026-0001"))
    await smlo.click("Open details")
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await connector.wait_until(lambda: shows(advocate, "Can you support someone?"))
    case = await advocate.click("Yes, I can")
    await connector.wait_until(lambda: shows(referrer, "An advocate is in place"))
    await referrer.say(f"{CANARY} typed in the chat")  # free text outside any card
    await referrer.submit("Send")  # offered back as a message: sent, and replied to
    await connector.wait_until(lambda: shows(advocate, "New message about SMA-2026-0001"))
    await advocate.click("Read")
    await advocate.submit("Send", text=f"{CANARY} replied in a message")
    await connector.wait_until(lambda: shows(referrer, "New message about SMA-2026-0001"))

    assert any(CANARY in text for text in card_texts(case)), "the canaries were really sent"
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert len(caplog.records) > 20, "logging was captured"
    assert CANARY not in logged
    assert "07700 900123" not in logged


async def test_notifications_carry_no_disclosure_in_their_text_or_preview(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    await complete_intake(people.referrer, account=f"{CANARY} said it")
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0001"))

    for chat in (people.smlo.chat, people.deputy.chat):
        for message in chat.messages.values():
            preview = f"{message.get('text', '')} {message.get('summary', '')}"
            assert CANARY not in preview
            for card in cards_of(message):
                assert CANARY not in str(card)


async def test_the_case_record_logs_and_sends_no_word_of_what_it_holds(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await an_active_case(people, connector)
    advocate = people.advocate_a
    await keep_the_whole_record(advocate)
    newest = await advocate.click("Open")  # an entry's details, left open in the chat
    await advocate.say("my cases")
    await advocate.click("Open")
    await advocate.click("Case record")
    await close_the_case(advocate)  # from another message: the sweep clears the first
    told = (
        (people.referrer, "Your advocate has closed your case"),
        (people.smlo, "SMA-2026-0001 has been closed."),
        (people.deputy, "SMA-2026-0001 has been closed."),
        (advocate, "SMA-2026-0001 is closed. We have removed its details"),
    )
    for person, words_shown in told:
        await connector.wait_until(lambda p=person, w=words_shown: shows(p, w), within=WAIT)
    words = list(RECORD_WORDS.values())

    # Typed, stored, and shown back to the advocate on tap: the scans below look for
    # words that really went through the bot.
    assert RECORD_WORDS["right_update"] in card_texts(newest)
    case = await bot.runtime.stores.referrals.find_by_reference("SMA-2026-0001")
    assert case is not None
    stored = await bot.runtime.stores.records.entries(case)
    assert all(word in repr(stored) for word in words)
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert [w for w in words if w in logged] == []
    # Everything sent to anyone's chat (notes to the SMLOs and the referrer, card updates,
    # details folded or cleared), every version of every message: the advocate's record
    # cards are answers to their own clicks and never go this way.
    sent = json.dumps([*connector.sent, *connector.created], ensure_ascii=False)
    assert len(connector.sent) > 10
    assert [w for w in words if w in sent] == []

"""Edges people will hit: simultaneous clicks, group chats, looking a referral up by reference."""

from __future__ import annotations

import asyncio

import pytest

from cards.parsers import UNREADABLE_CHARACTERS
from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import ACCOUNT, referral_reaches_the_smlo, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts


async def test_two_presses_of_send_at_once_make_one_referral_and_both_show_the_receipt(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    await referrer.say("hi")
    await referrer.click("Start a referral")
    for _ in range(6):
        await referrer.click("Skip this step")
    message_id, send = referrer.find_action("Send my referral")

    first, second = await asyncio.gather(
        referrer.press(message_id, send, {"consent": "true"}),
        referrer.press(message_id, send, {"consent": "true"}),
    )

    for answer in (first, second):
        assert "Your referral has been sent" in card_texts(answer)
        assert "SMA-2026-0001" in " ".join(card_texts(answer))
    sent = await bot.runtime.stores.referrals.list_for_referrer(referrer.aad_object_id)
    assert [r.reference for r in sent] == ["SMA-2026-0001"]


async def test_two_presses_of_next_at_once_save_once_and_never_say_it_failed(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    await referrer.say("hi")
    await referrer.click("Start a referral")
    message_id, next_button = referrer.find_action("Next")
    answers = {"route": "witnessed", "employment": "staff"}

    first, second = await asyncio.gather(
        referrer.press(message_id, next_button, answers),
        referrer.press(message_id, next_button, answers),
    )

    said = [" ".join(card_texts(answer)) for answer in (first, second)]
    assert any("Step 2 of 7" in words for words in said), said
    for words in said:  # the other: the same step, out of date, or told they crossed
        assert any(w in words for w in ("Step 2 of 7", "out of date", "Two presses")), words
    assert not shows(referrer, "could not save")
    draft = await bot.runtime.stores.referrals.find_draft(referrer.aad_object_id)
    assert draft is not None
    assert (draft.answers.route, draft.step) == ("witnessed", "wishes")


async def test_the_bot_says_it_only_works_in_a_private_chat_and_does_nothing_in_a_group(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    referrer = people.referrer
    group = referrer.activity("message", text="refer")
    group["conversation"] = {**group["conversation"], "conversationType": "groupChat"}

    status, _ = await referrer.post(group)

    assert status == 201
    assert shows(referrer, "only works in a private chat")
    assert not shows(referrer, "Welcome")
    assert await bot.runtime.stores.referrals.find_draft(referrer.aad_object_id) is None


async def test_looking_up_a_referral_by_reference_shows_the_summary_not_the_details(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    before = len(people.smlo.chat.messages)

    await people.smlo.say("referral sma-2026-0001")

    assert len(people.smlo.chat.messages) == before + 1
    newest = list(people.smlo.chat.messages.values())[-1]
    assert "Referral SMA-2026-0001" in str(newest)
    assert ACCOUNT not in str(newest), "a new message stays in Teams history: no content"
    await people.referrer.say("referral SMA-2026-0001")
    assert shows(people.referrer, "This is not available to you")


async def test_a_lone_surrogate_sent_over_http_is_refused_kindly_and_never_breaks_a_save(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    caplog: pytest.LogCaptureFixture,
) -> None:
    referrer = people.referrer
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="experienced", employment="officer")
    await referrer.click("Next", wishes="talk_to_advocate")

    again = await referrer.click("Next", account="It was \ud800 him", when="past_month")

    assert UNREADABLE_CHARACTERS in card_texts(again)
    assert await referrer.say("what \udfff now") == 201  # their own words, mid-intake
    assert await referrer.say("add advocate Pat \ud800") == 201
    moved_on = await referrer.click("Next", account="It was him", when="past_month")
    assert "Who it is about" in " ".join(card_texts(moved_on))
    draft = await bot.runtime.stores.referrals.find_draft(referrer.aad_object_id)
    assert draft is not None
    assert draft.answers.account == "It was him"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]

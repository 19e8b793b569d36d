"""The advocates' monthly wellbeing check-in over real HTTP: an advocate answers, asks to
talk, and every SMLO is told, content-free, to arrange a one-to-one; an answer the card
cannot keep comes back with what they chose and a note; nobody else may answer or read,
and nothing of an answer reaches a notice or another chat."""

from __future__ import annotations

from referrals.audit import CHECKINS, AuditAction, Outcome
from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import WAIT, everyone_says_hi, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import card_texts

HOURS = "17"  # what the advocate gave this month: theirs and the SMLO's to know
ONE_TO_ONE = "An advocate would like a one-to-one"


async def test_an_advocate_asks_to_talk_and_every_smlo_is_told_without_who_or_why(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    advocate = people.advocate_a

    assert await advocate.say("check-in") == 201
    card = advocate.messages_showing("How are you doing?")
    assert card, "the check-in card"
    done = await advocate.submit("Send", feeling="talk", capacity="2", hours=HOURS)

    assert "Thank you for checking in" in card_texts(done)
    assert any("one-to-one" in text for text in card_texts(done))
    for smlo in (people.smlo, people.deputy):
        await connector.wait_until(lambda smlo=smlo: shows(smlo, ONE_TO_ONE), within=WAIT)
        (notice,) = smlo.messages_showing(ONE_TO_ONE)
        shown = str(notice)
        assert "Alex" not in shown, "who asked stays on the roster"
        assert HOURS not in card_texts(notice["attachments"][0]["content"])
    assert not shows(people.referrer, ONE_TO_ONE)
    assert not shows(people.advocate_b, ONE_TO_ONE)
    trail = await bot.runtime.services.steps.audit.for_referral(CHECKINS)
    assert (AuditAction.ANSWER_CHECKIN, Outcome.ALLOWED) in [(e.action, e.outcome) for e in trail]

    # Who asked is on the roster, which only the SMLOs see.
    await people.smlo.say("roster")
    roster = card_texts(
        people.smlo.messages_showing("Our advocates")[-1]["attachments"][0]["content"]
    )
    assert any("would like to talk" in line and f"{HOURS} hours" in line for line in roster)

    # The same answer again (a second press) tells nobody twice.
    await advocate.say("check-in")
    await advocate.submit("Send", feeling="talk", capacity="2", hours=HOURS)
    assert len(people.smlo.messages_showing(ONE_TO_ONE)) == 1


async def test_an_answer_the_card_cannot_keep_comes_back_with_what_was_chosen(
    bot: RunningBot, people: People
) -> None:
    await everyone_says_hi(people)
    advocate = people.advocate_a
    await advocate.say("check-in")

    again = await advocate.submit("Send", feeling="stretched", capacity="2", hours="lots")

    texts = card_texts(again)
    assert "How are you doing?" in " ".join(texts), "the card again, not an error"
    assert any("whole number of hours" in t for t in texts)
    assert await bot.runtime.services.steps.stores.checkins.latest() == {}, "nothing kept"
    done = await advocate.submit("Send", hours="6")
    assert "Thank you for checking in" in card_texts(done), "what they chose was kept on it"


async def test_only_an_advocate_on_the_list_may_answer_a_check_in(
    bot: RunningBot, people: People
) -> None:
    await everyone_says_hi(people)

    for someone in (people.referrer, people.smlo):
        await someone.say("check-in")
        assert not someone.messages_showing("How are you doing?")

    trail = await bot.runtime.services.steps.audit.for_referral(CHECKINS)
    answers = [e.outcome for e in trail if e.action is AuditAction.ANSWER_CHECKIN]
    assert answers == [Outcome.REFUSED, Outcome.REFUSED]

"""Someone without Teams rings the service: the SMLO types `new referral` and takes it for
them; the deputy triages it, the same SMLO allocates it, the advocate accepts, and the news
the person would have been sent arrives as a to-do for the advocate, "by phone". No chat is
ever opened or posted to for the person; the SMLO withdraws it for them when they ask."""

from __future__ import annotations

import json
import logging

import pytest

from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import everyone_says_hi, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts, message_texts

PERSON = "CANARY-PERSON Jo Bloggs"
PERSON_PHONE = "07700 900789"
SAFE_TIMES = "CANARY-TIMES after 6pm"
PRIVATE = (PERSON, PERSON_PHONE, SAFE_TIMES)
NEW_CARD = "Referral SMA-2026-0001"
TO_DO = "Please let the person know: SMA-2026-0001"
CANARY = "CANARYXQ"  # one token, so it is found however a log line splits words


async def take_a_call(smlo: TeamsUser) -> dict[str, object]:
    await smlo.say("new referral")
    await smlo.click("Next", employment="former")  # always on their behalf: not asked
    await smlo.click("Next", behalf_role="other", behalf_name=PERSON, behalf_consent="yes")
    await smlo.click("Next", wishes="talk_to_advocate")
    await smlo.click("Skip this step")
    await smlo.click("Skip this step")  # whom it is about
    await smlo.click(
        "Next",
        contact_methods="personal_phone",
        personal_phone=PERSON_PHONE,
        safe_times=SAFE_TIMES,
        leave_message="no",
    )
    return await smlo.click("Send my referral", consent="true")


async def test_a_referral_taken_by_phone_goes_through_and_nothing_is_posted_for_the_person(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    smlo, deputy, advocate = people.smlo, people.deputy, people.advocate_a
    chats_before = len(connector.created)

    receipt = " ".join(card_texts(await take_a_call(smlo)))
    assert "Your referral has been sent" in receipt
    assert "you may triage it and find an advocate yourself" in receipt
    assert "The advocate will reach the person by phone." in receipt
    assert not [words for words in PRIVATE if shows(smlo, words)], "answers cleared"
    for lead in (smlo, deputy):  # the one who took the call is sent its card too
        await connector.wait_until(lambda lead=lead: shows(lead, NEW_CARD))

    await deputy.click("Triage")
    saved = await deputy.submit("Save", in_remit="yes", urgency="routine")
    assert "Triage saved." in card_texts(saved)

    details = " ".join(card_texts(await smlo.click("Open details")))
    for fact in (
        "Taken by Sky Liaison",
        "Reached outside Teams by phone",
        "This person is not in Teams.",
        f"Person referred {PERSON}",
        PERSON_PHONE,
    ):
        assert fact in details, fact
    await smlo.click("Hide details")
    await smlo.click("Find an advocate")
    offered = " ".join(card_texts(await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)))
    assert "That has already been done" not in offered
    assert "not available to you" not in offered, "taking a call is not referring oneself"

    await connector.wait_until(lambda: shows(advocate, "Can you support someone?"))
    case = " ".join(card_texts(await advocate.click("Yes, I can")))
    assert "Reached outside Teams by phone" in case
    assert "Messages through the bot cannot reach them." in case
    await connector.wait_until(lambda: shows(advocate, TO_DO))
    assert shows(advocate, "Please let them know that an advocate has taken on SMA-2026-0001")
    assert shows(advocate, "by phone.")
    assert not [words for words in PRIVATE if any(words in t for t in _to_do(advocate))]
    from_to_do = " ".join(card_texts(await advocate.click("Open the case")))
    assert PERSON_PHONE in from_to_do, "the to-do's button opens the case, for them alone"

    await connector.wait_until(lambda: shows(smlo, "has taken SMA-2026-0001"))
    assert not shows(smlo, "An advocate is in place"), "no referrer's news to the SMLO"
    assert not shows(smlo, TO_DO), "the advocate who holds it passes it on"
    assert len(connector.created) == chats_before, "no chat was opened for anyone"
    assert not people.referrer.texts()
    assert not shows(people.stranger, "SMA-2026-0001")


async def test_the_smlo_withdraws_it_for_the_person_who_asked_by_phone(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    smlo, deputy = people.smlo, people.deputy
    await take_a_call(smlo)
    await connector.wait_until(lambda: shows(deputy, NEW_CARD))

    await deputy.click("Open details")
    await deputy.click("Withdraw for them")
    kept = " ".join(card_texts(await deputy.click("No, keep it")))
    assert "Withdraw for them" in kept, "pressed by mistake: back to the details"
    form = " ".join(card_texts(await deputy.click("Withdraw for them")))
    assert "How did they ask?" in form
    again = " ".join(card_texts(await deputy.click("Withdraw it")))
    assert "Please choose how they asked." in again, "how they asked is needed"
    done = " ".join(card_texts(await deputy.click("Withdraw it", how="by_phone")))
    assert "SMA-2026-0001 is withdrawn" in done

    await connector.wait_until(lambda: shows(smlo, "SMA-2026-0001 was withdrawn"))
    await deputy.say("audit SMA-2026-0001")
    await connector.wait_until(lambda: shows(deputy, "withdrew it for the person, who asked"))
    before = len(smlo.chat.messages)
    await smlo.say("my referrals")
    await connector.wait_until(lambda: len(smlo.chat.messages) > before)
    newest = list(smlo.chat.messages.values())[-1]
    assert "SMA-2026-0001" not in " ".join(message_texts(newest)), "not the SMLO's own"


def _to_do(advocate: TeamsUser) -> list[str]:
    return [text for m in advocate.messages_showing(TO_DO) for text in message_texts(m)]


async def test_the_path_for_someone_without_teams_logs_and_notifies_nothing_they_said(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await everyone_says_hi(people)
    smlo, advocate = people.smlo, people.advocate_a
    await smlo.say("new referral")
    await smlo.click("Next", employment="former", leaving="yes")
    await smlo.click("Next", behalf_role="other", behalf_name=f"Jo {CANARY}", behalf_consent="yes")
    await smlo.click("Next", wishes="talk_to_advocate")
    await smlo.click("Next", account=f"{CANARY} at the station", when="ongoing")
    await smlo.click("Next", subject_name=f"Sam {CANARY}", subject_wish="act_now")
    await smlo.click(
        "Next",
        contact_methods="personal_email",
        personal_email=f"{CANARY}@example.org",
        safe_times=f"{CANARY} evenings",
    )
    await smlo.click("Send my referral", consent="true")
    await connector.wait_until(lambda: shows(smlo, NEW_CARD))
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await connector.wait_until(lambda: shows(advocate, "Can you support someone?"))
    case = await advocate.click("Yes, I can")
    await connector.wait_until(lambda: shows(advocate, TO_DO))

    assert any(CANARY in text for text in card_texts(case)), "the canaries were really sent"
    assert shows(advocate, "by email.")
    to_do = [m for m in advocate.messages_showing(TO_DO)]
    assert to_do
    assert not [m for m in to_do if CANARY in json.dumps(m)], "the to-do is content-free"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert len(caplog.records) > 20, "logging was captured"
    assert CANARY not in logged

"""The SMLO's escalation decisions and the referral's pathway over real HTTP.

Each consent case is recorded from the opened referral's card: the person is told through
the bot, content-free, unless the SMLO recorded why telling them would increase the risk;
they withdraw a consent they gave from `my referrals` and the SMLOs are told; the details,
the history and the trail name categories only. What the SMLO wrote (the rationale, the
note, the approver, why the person is not told) is sealed: a canary in each is stored, and
never in a chat, a message sent to anyone, a history line or a log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from referrals.audit import AuditAction, Outcome
from referrals.case_record import EntryKind
from referrals.escalation import Consent, Destination
from referrals.pathway import PATHWAY_STEP
from referrals.referral import Referral
from tests.protocol.conftest import People, RunningBot
from tests.protocol.journeys import WAIT, an_active_case, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts

Json = dict[str, Any]
REFERENCE = "SMA-2026-0001"
# One token each, so a log line or a card found split across words still shows it.
SEALED = {
    "consented": "CANARYESC1consented",
    "note": "CANARYESC2note",
    "declined": "CANARYESC3declined",
    "without": "CANARYESC4without",
    "approver": "CANARYESC5approver",
    "kept": "CANARYESC6kept",
    "not_told": "CANARYESC7nottold",
}
NEWS = f"About your referral {REFERENCE}"
PASSED_TO_PSD = "The service lead has shared information with Professional Standards (PSD)."
NOTHING_PASSED = "The service lead has recorded that nothing was passed on, as you asked."
WITHOUT_CONSENT = "This was done without your consent because of a risk to others."
DECISIONS = [
    "Professional Standards (PSD): with their consent (who the person is, what happened, in "
    "outline); consent since withdrawn",
    "The counter-corruption unit: they said no: nothing was passed",
    "Safeguarding: without consent, because of a risk to others (the risk we saw)",
    "A crime report: with their consent (the risk we saw); the person not told",
]


async def the_referral(bot: RunningBot) -> Referral:
    found = await bot.runtime.stores.referrals.find_by_reference(REFERENCE)
    assert found is not None
    return found


async def decide(smlo: TeamsUser, **typed: str) -> Json:
    """From the referral's card: its details, the form, and Save with what is typed (the
    date as the form fills it in: today)."""
    await smlo.click("Open details")
    form = await smlo.click("Escalation decision")
    assert f"Escalation decision: {REFERENCE}" in card_texts(form)
    saved = await smlo.submit("Save the decision", **typed)
    assert "Escalation decision saved. It is on the case record and its history." in card_texts(
        saved
    ), card_texts(saved)
    return saved


async def told(referrer: TeamsUser, connector: ConnectorStandIn, count: int, news: str) -> None:
    """The referrer's chat shows `count` notes about their referral, the newest saying `news`
    and nothing of why; the preview Teams shows says only that there is news."""
    await connector.wait_until(lambda: len(referrer.messages_showing(NEWS)) == count, within=WAIT)
    newest = referrer.messages_showing(NEWS)[-1]
    assert newest["summary"] == "There is news about your referral"
    assert news in " ".join(card_texts(newest["attachments"][0]["content"]))


async def outbox_drained(bot: RunningBot) -> None:
    """Every notification queued so far has been delivered (or given up on)."""
    async with asyncio.timeout(WAIT):
        while await bot.runtime.stores.outbox.pending():
            bot.runtime.outbox.wake()
            await asyncio.sleep(0.05)


async def test_each_consent_case_is_told_content_free_and_a_consent_withdrawn(
    bot: RunningBot,
    connector: ConnectorStandIn,
    people: People,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, botbuilder and aiohttp included
    smlo, referrer, advocate = people.smlo, people.referrer, people.advocate_a
    await an_active_case(people, connector)
    await connector.wait_until(lambda: shows(referrer, "An advocate will support you"))

    # They agreed: passed to PSD, and they are told which kind of team, nothing more.
    await decide(
        smlo,
        destination="psd",
        consent="consented",
        categories="identity,account",
        rationale=SEALED["consented"],
        note=SEALED["note"],
    )
    await told(referrer, connector, 1, PASSED_TO_PSD)
    # They said no: nothing was passed, and they are told so.
    await decide(smlo, destination="ccu", consent="declined", rationale=SEALED["declined"])
    await told(referrer, connector, 2, NOTHING_PASSED)
    # Without consent, for a risk to others, approved: they are told that too.
    await decide(
        smlo,
        destination="safeguarding",
        consent="without_consent",
        categories="risk",
        rationale=SEALED["without"],
        approved_by=SEALED["approver"],
    )
    await told(referrer, connector, 3, WITHOUT_CONSENT)
    # Telling them would increase the risk, and the SMLO says why: they are not told.
    await decide(
        smlo,
        destination="crime_report",
        consent="consented",
        categories="risk",
        rationale=SEALED["kept"],
        increases_risk="true",
        not_told_reason=SEALED["not_told"],
    )
    await outbox_drained(bot)
    assert len(referrer.messages_showing(NEWS)) == 3, "nothing about the decision kept back"

    # The person withdraws the consent they gave, from `my referrals`: only the decision
    # they were told of is offered (the one kept from them is never mentioned).
    await referrer.say("my referrals")
    mine = " ".join(card_texts(referrer.messages_showing("Your referrals")[-1]))
    assert mine.count("Withdraw consent") == 1
    assert "crime report" not in mine
    confirm = await referrer.click("Withdraw consent")
    assert f"Withdraw your consent: {REFERENCE}?" in card_texts(confirm)
    done = await referrer.click("Yes, withdraw my consent")
    assert f"Your consent is withdrawn: {REFERENCE}" in card_texts(done)
    for lead in (smlo, people.deputy):
        await connector.wait_until(
            lambda lead=lead: shows(lead, "withdrew a consent to escalation"), within=WAIT
        )
        (note,) = lead.messages_showing("withdrew a consent to escalation")
        assert note["summary"] == f"{REFERENCE}: a consent was withdrawn"

    # Forged: the consent kept from them, by its id; an advocate recording a decision.
    stored = await the_referral(bot)
    kept_id = stored.escalations[-1].id
    forged = {"verb": "referrer.withdraw_consent", "data": {"referral_id": stored.id}}
    answer = await referrer.press("m-forged", forged, {"escalation_id": kept_id})
    assert "We could not find that entry" in card_texts(answer)
    escalate = {"verb": "smlo.escalate", "data": {"referral_id": stored.id}}
    answer = await advocate.press("m-forged", escalate, {"destination": "hr"})
    assert "This is not available to you" in card_texts(answer)

    # The SMLO's details and the trail: categories and kinds of action, never why.
    details = await smlo.click("Open details")
    for line in DECISIONS:
        assert line in card_texts(details), card_texts(details)
    trail = " ".join(card_texts(await smlo.click("Who has seen it")))
    assert trail.count("A service lead recorded an escalation decision") == 4
    assert "The person who referred withdrew a consent to escalation" in trail
    assert "Alex Morgan tried, and was stopped: recorded an escalation decision" in trail
    # The advocate's own case record holds none of it.
    await advocate.say("my cases")
    await advocate.click("Open")
    record = " ".join(card_texts(await advocate.click("Case record")))
    assert "Escalation" not in record

    stored = await the_referral(bot)
    assert [
        (d.destination, d.consent, d.told, d.consent_withdrawn) for d in stored.escalations
    ] == [
        (Destination.PSD, Consent.CONSENTED, True, True),
        (Destination.CCU, Consent.DECLINED, True, False),
        (Destination.SAFEGUARDING, Consent.WITHOUT_CONSENT, True, False),
        (Destination.CRIME_REPORT, Consent.CONSENTED, False, False),
    ]
    entries = await bot.runtime.stores.records.entries(stored)
    assert [e.kind for e in entries] == [EntryKind.ESCALATION] * 4 + [EntryKind.CONSENT_WITHDRAWN]
    canaries = list(SEALED.values())
    assert all(c in repr(entries) for c in canaries), "the canaries really went through"
    audited = await bot.runtime.services.steps.audit.for_referral(stored.id)
    assert [(e.action, e.outcome) for e in audited if e.action is AuditAction.ESCALATE] == [
        (AuditAction.ESCALATE, Outcome.ALLOWED)
    ] * 4 + [(AuditAction.ESCALATE, Outcome.REFUSED)]
    assert (AuditAction.WITHDRAW_CONSENT, Outcome.ALLOWED) in {
        (e.action, e.outcome) for e in audited
    }
    history = repr(stored.history)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    sent = json.dumps([*connector.sent, *connector.created], ensure_ascii=False)
    shown = " ".join(text for person in people.everyone() for text in person.texts())
    for where, text in (("history", history), ("logs", logged), ("sent", sent), ("chats", shown)):
        assert [c for c in canaries if c in text] == [], f"sealed text in the {where}"


async def test_the_pathway_is_recorded_step_by_step_in_categories(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    smlo = people.smlo
    await an_active_case(people, connector)
    await outbox_drained(bot)
    referrer_had = len(people.referrer.chat.messages)

    await smlo.click("Open details")
    await smlo.click("What it became")
    message_id, save = smlo.find_action("Save the step")
    started = {"kind": "misconduct", "status": "started", "consent": "consented"}
    saved = await smlo.submit("Save the step", **started)
    assert "Step saved. It is on the referral's pathway and its history." in card_texts(saved)
    # The same form's Save pressed again (a double click): one step, not two.
    await smlo.press(message_id, save, {**started, "on": "2026-03-02"})
    await smlo.click("Open details")
    await smlo.click("What it became")
    ended = {"status": "outcome", "outcome": "upheld"}
    await smlo.submit("Save the step", kind="misconduct", consent="consented", **ended)
    await smlo.click("Open details")
    await smlo.click("What it became")
    problem = await smlo.submit(
        "Save the step", kind="criminal", status="outcome", consent="without_consent"
    )
    assert "Please choose how it ended." in card_texts(problem), "an ended step needs its outcome"
    # Forged by the advocate who holds the case: refused, and nothing recorded.
    stored = await the_referral(bot)
    forged = {"verb": "smlo.pathway", "data": {"referral_id": stored.id}}
    answer = await people.advocate_a.press("m-forged", forged, {**started, "on": "2026-03-01"})
    assert "This is not available to you" in card_texts(answer)

    await smlo.click("Back")
    details = card_texts(await smlo.click("Open details"))
    assert "Looked into as misconduct: started, 2 March 2026 (with their consent)" in details
    assert "Looked into as misconduct: ended, upheld, 2 March 2026 (with their consent)" in details
    trail = " ".join(card_texts(await smlo.click("Who has seen it")))
    assert "A service lead recorded a step of what it became" in trail
    assert "Alex Morgan tried, and was stopped: recorded a step of what it became" in trail
    stored = await the_referral(bot)
    steps = [e.detail for e in stored.history if e.name == PATHWAY_STEP]
    assert steps == [
        "misconduct:started::consented:2026-03-02",
        "misconduct:outcome:upheld:consented:2026-03-02",
    ]
    await outbox_drained(bot)
    assert len(people.referrer.chat.messages) == referrer_had, "the person is not messaged"

"""Journeys shared by the protocol tests: what people do, step by step, in their chats."""

from __future__ import annotations

from typing import Any

from tests.protocol.conftest import ADVOCATE_A_ID, People
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts

ACCOUNT = "CANARY-ACCOUNT said something at the Christmas do"
# How long to wait for background work (outbox deliveries, the detail-view sweep, which
# runs when woken and every few seconds): generous, for a busy machine.
WAIT = 30.0
PHONE = "01632 960123"


def shows(user: TeamsUser, words: str) -> bool:
    return any(words in text for text in user.texts())


async def complete_intake(
    referrer: TeamsUser, account: str = ACCOUNT, **subject: str
) -> dict[str, Any]:
    """`subject`: the answers of the step on whom it is about (`subject_name` …); none by
    default."""
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="experienced", employment="officer")
    await referrer.click("Next", wishes="talk_to_advocate,information")
    await referrer.click(
        "Next", account=account, when="past_month", colleague="yes", avoid="Custody"
    )
    await referrer.click("Next", **subject)
    await referrer.click(
        "Next",
        contact_methods="teams,work_phone",
        work_phone=PHONE,
        safe_times="weekday evenings",
        leave_message="no",
    )
    await referrer.click("Next", gender="woman", age_band="25_34")
    return await referrer.click("Send my referral", consent="true")


async def send_an_on_behalf_referral_full_of(
    referrer: TeamsUser, canary: str, *, email: str, phone: str
) -> None:
    """An on-behalf referral with `canary` in every free-text answer and the named person,
    the subject and the contact details, for the scans that must find it nowhere."""
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="on_behalf", employment="staff")
    await referrer.click(
        "Next", behalf_role="hr", behalf_name=f"Jo {canary}person", behalf_consent="yes"
    )
    await referrer.click("Next", wishes="formal_report")
    await referrer.click(
        "Next",
        account=f"{canary}account at the station",
        when="ongoing",
        colleague="yes",
        avoid=f"{canary}avoid team",
    )
    await referrer.click(
        "Next",
        subject_name=f"{canary}subject name",
        subject_number="PC 0042",
        subject_email=email,
        subject_wish="act_now",
    )
    await referrer.click(
        "Next",
        contact_methods="personal_email,personal_phone",
        personal_email=email,
        personal_phone=phone,
        safe_times=f"{canary}safe evenings",
        leave_message="no",
    )
    await referrer.click("Send my referral", consent="true")


async def everyone_says_hi(people: People) -> None:
    for person in (
        people.smlo,
        people.deputy,
        people.advocate_a,
        people.advocate_b,
        people.stranger,
    ):
        assert await person.say("hi") == 201


NEW_CARD = "Referral SMA-2026-0001"
OFFER = "Can you support someone?"


async def referral_reaches_the_smlo(people: People, connector: ConnectorStandIn) -> None:
    """Everyone has opened the bot; the referrer sends a referral; the SMLO's card arrives."""
    await everyone_says_hi(people)
    await complete_intake(people.referrer)
    await connector.wait_until(lambda: shows(people.smlo, NEW_CARD))


async def smlo_offers_it(
    smlo: TeamsUser, advocate: TeamsUser, advocate_id: str, connector: ConnectorStandIn
) -> None:
    """The SMLO asks this advocate; the offer arrives in the advocate's chat."""
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=advocate_id)
    await connector.wait_until(lambda: shows(advocate, OFFER))


async def an_active_case(people: People, connector: ConnectorStandIn) -> dict[str, Any]:
    """The referral reaches the SMLO, who asks Alex; Alex takes it: their case card."""
    await referral_reaches_the_smlo(people, connector)
    await smlo_offers_it(people.smlo, people.advocate_a, ADVOCATE_A_ID, connector)
    return await people.advocate_a.click("Yes, I can")


# What the advocate types into the case record, a canary in every free-text field: it may
# show on the advocate's own record cards and nowhere else (no log, no note, no store in
# clear). One token each, so it is found however a line splits words.
RECORD_WORDS = {
    "tried": "CANARYREC1tried",
    "reached": "CANARYREC2reached",
    "arrangements": "CANARYREC3arrangements",
    "wants": "CANARYREC4wants",
    "other_concern": "CANARYREC5concern",
    "own_view": "CANARYREC6ownview",
    "actions": "CANARYREC7actions",
    "update": "CANARYREC8update",
    "reason": "CANARYREC9reason",
    "right_update": "CANARYREC10rightupdate",
    "closing": "CANARYREC11closing",
}
# The timeline once `keep_the_whole_record` is done, newest first: all on the fake clock's day.
DAY = "02 Mar 2026"
TIMELINE = [
    f"{DAY} · Went with them to give a statement",
    f"{DAY} · Correction of an entry: update of {DAY}",
    f"{DAY} · Passed on an update on the investigation (corrected)",
    f"{DAY} · Referral on to Victim Support: accepted",
    f"{DAY} · Referred on to Victim Support",
    f"{DAY} · Risk assessment: High",
    f"{DAY} · Support agreement",
    f"{DAY} · Contact: Phone (first contact)",
    f"{DAY} · Contact: Tried, but did not reach them",
]


async def saved(advocate: TeamsUser, **typed: str) -> dict[str, Any]:
    """Fill in the form on show and press Save: the timeline comes back saying so."""
    timeline = await advocate.submit("Save", **typed)
    assert "Saved:" in " ".join(card_texts(timeline)), card_texts(timeline)
    return timeline


async def keep_the_whole_record(advocate: TeamsUser) -> dict[str, Any]:
    """From the case card: a contact that did not reach them and one that did, a support
    agreement, a high risk, a referral on to a listed service and its outcome, an update,
    and that update corrected. Returns the timeline."""
    await advocate.click("Log a contact")
    await saved(advocate, how="attempt", note=RECORD_WORDS["tried"])
    await advocate.click("Log a contact")
    await saved(advocate, how="phone", note=RECORD_WORDS["reached"])
    await advocate.click("Support agreement")
    await saved(advocate, arrangements=RECORD_WORDS["arrangements"], wants=RECORD_WORDS["wants"])
    await advocate.click("Risk assessment")
    risk = await saved(
        advocate,
        harm_to_self="true",
        other_concern=RECORD_WORDS["other_concern"],
        own_view=RECORD_WORDS["own_view"],
        level="high",
        actions=RECORD_WORDS["actions"],
    )
    assert "The service lead has been told that the risk is high" in " ".join(card_texts(risk))
    services = card_texts(await advocate.click("Refer on"))
    assert "Victim Support (outside the force)" in services, "a service the directory lists"
    await saved(advocate, service_id="victim-support", consented="yes")
    await advocate.click("Open")  # the newest entry: the referral on
    await advocate.click("Record the outcome")
    await saved(advocate, outcome="accepted")
    await advocate.click("Record an update")
    await saved(advocate, update_kind="investigation_update", note=RECORD_WORDS["update"])
    await advocate.click("Open")  # the update just recorded
    await advocate.click("Correct this")
    return await saved(
        advocate,
        reason=RECORD_WORDS["reason"],
        wrong="details",
        update_kind="statement_attended",
        note=RECORD_WORDS["right_update"],
    )


async def close_the_case(advocate: TeamsUser) -> dict[str, Any]:
    """From the timeline: close with an outcome and a note for the service lead."""
    await advocate.click("Close the case")
    return await advocate.submit(
        "Close the case",
        outcome="support_completed",
        person_told="yes",
        note=RECORD_WORDS["closing"],
    )

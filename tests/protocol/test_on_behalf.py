"""An HR referrer refers a colleague: the SMLO and then the advocate see who sent it, in
what role, whether the person knows and agrees, who the person is and how to reach them;
the referrer's own chat keeps none of it once sent."""

from __future__ import annotations

from tests.protocol.conftest import ADVOCATE_A_ID, People, RunningBot
from tests.protocol.journeys import everyone_says_hi, shows
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts

PERSON = "CANARY-PERSON Jo Bloggs"
PERSON_EMAIL = "jo.canary@example.org"
PERSON_PHONE = "07700 900456"
SAFE_TIMES = "CANARY-TIMES before 9"
PRIVATE = (PERSON, PERSON_EMAIL, PERSON_PHONE, SAFE_TIMES)


async def refer_a_colleague(referrer: TeamsUser) -> dict[str, object]:
    await referrer.say("hi")
    await referrer.click("Start a referral")
    await referrer.click("Next", route="on_behalf", employment="staff")
    await referrer.click("Next", behalf_role="hr", behalf_name=PERSON, behalf_consent="yes")
    await referrer.click("Next", wishes="talk_to_advocate")
    await referrer.click("Skip this step")
    await referrer.click("Skip this step")
    await referrer.click(
        "Next",
        contact_methods="work_phone,personal_email",
        personal_email=PERSON_EMAIL,
        work_phone=PERSON_PHONE,
        safe_times=SAFE_TIMES,
        leave_message="no",
    )
    return await referrer.click("Send my referral", consent="true")


async def test_an_hr_referral_reaches_the_smlo_and_advocate_with_who_and_how_and_leaves_no_trace(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await everyone_says_hi(people)
    referrer, smlo, advocate = people.referrer, people.smlo, people.advocate_a

    receipt = " ".join(card_texts(await refer_a_colleague(referrer)))

    assert "ask an advocate to contact the person, in the way you gave" in receipt
    assert not [words for words in PRIVATE if shows(referrer, words)]
    await connector.wait_until(lambda: shows(smlo, "Referral SMA-2026-0001"))
    assert not [words for words in PRIVATE if shows(smlo, words)], "the card face is bare"

    details = " ".join(card_texts(await smlo.click("Open details")))
    for fact in (
        f"Referred by {referrer.name}",
        "Referrer's role HR",
        "Person knows and agrees Yes",
        f"Person referred {PERSON}",
        "Contact by Their work phone, Their email",
        PERSON_EMAIL,
        PERSON_PHONE,
        SAFE_TIMES,
        "A colleague sent this as part of their job.",
    ):
        assert fact in details, fact
    await smlo.click("Hide details")
    await smlo.click("Find an advocate")
    await smlo.click("Ask them", advocate_id=ADVOCATE_A_ID)
    await connector.wait_until(lambda: shows(advocate, "Can you support someone?"))
    assert not [words for words in PRIVATE if shows(advocate, words)], "nothing before yes"

    case = " ".join(card_texts(await advocate.click("Yes, I can")))
    for fact in ("Referrer's role HR", "Person knows and agrees Yes", PERSON, PERSON_EMAIL):
        assert fact in case, fact
    assert "says the person knows and agrees" in case
    await connector.wait_until(lambda: shows(referrer, "An advocate is in place"))
    assert not shows(referrer, "An advocate will support you"), "worded for the sender"
    assert not [words for words in PRIVATE if shows(referrer, words)]

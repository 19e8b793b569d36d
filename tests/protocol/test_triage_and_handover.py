"""The SMLO's oversight over real HTTP: triage on receipt (every SMLO's card says it, and an
urgent referral stands first in the inbox); a case whose advocate left the list waits in
the inbox, is given to another advocate who takes on its record while the first loses it;
the person asks for a different advocate; and the SMLO closes a case, saying why."""

from __future__ import annotations

from datetime import timedelta

from tests.protocol.conftest import ADVOCATE_B_ID, People, RunningBot
from tests.protocol.journeys import (
    ACCOUNT,
    OFFER,
    WAIT,
    an_active_case,
    complete_intake,
    referral_reaches_the_smlo,
    saved,
    shows,
)
from tests.support.connector import ConnectorStandIn
from tests.support.teams import TeamsUser, card_texts

TRIAGED = "Urgent; a safeguarding concern"
NOTE = "CANARYHANDOVERnote"  # the first advocate's note: the next one reads it, nobody else
WHY_CLOSED = "CANARYCLOSEDwhy"  # the SMLO's reason for closing, for the record alone


async def inbox_of(smlo: TeamsUser) -> list[str]:
    """`inbox` typed: the lines of the inbox card it answers with."""
    await smlo.say("inbox")
    return card_texts(smlo.messages_showing("Inbox:")[-1]["attachments"][0]["content"])


async def test_triage_shows_on_every_smlo_card_and_puts_an_urgent_referral_first(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    await referral_reaches_the_smlo(people, connector)
    bot.clock.advance(timedelta(minutes=5))  # the clock stands still unless moved
    await complete_intake(people.stranger)  # a second referral, by someone else
    await connector.wait_until(lambda: shows(people.smlo, "Referral SMA-2026-0002"))
    await connector.wait_until(lambda: shows(people.deputy, "Referral SMA-2026-0002"))
    inbox = await inbox_of(people.smlo)
    assert [t[:13] for t in inbox if t.startswith("SMA-")] == ["SMA-2026-0001", "SMA-2026-0002"]

    form = await people.smlo.click("Triage")  # on the newest card: SMA-2026-0002's
    assert "Triage SMA-2026-0002" in card_texts(form), card_texts(form)
    done = await people.smlo.submit("Save", in_remit="yes", urgency="urgent", risks="safeguarding")

    assert "Triage saved." in card_texts(done)
    assert any(TRIAGED in text for text in card_texts(done)), card_texts(done)
    await connector.wait_until(lambda: shows(people.deputy, TRIAGED), within=WAIT)
    inbox = await inbox_of(people.smlo)
    firsts = [t for t in inbox if t.startswith("SMA-")]
    assert firsts[0].startswith(f"SMA-2026-0002: {TRIAGED}"), firsts
    assert not any(shows(p, ACCOUNT) for p in (people.smlo, people.deputy))


async def test_a_stranded_case_goes_to_another_advocate_with_its_record_and_is_closed(
    bot: RunningBot, connector: ConnectorStandIn, people: People
) -> None:
    smlo, referrer, first, nxt = people.smlo, people.referrer, people.advocate_a, people.advocate_b
    await an_active_case(people, connector)
    await first.click("Case record")
    await first.click("Log a contact")
    await saved(first, how="phone", note=NOTE)
    _, record = first.find_action("Open")  # the note, on the timeline

    # The person asks for someone else: the SMLOs are told, the advocate is not.
    await referrer.say("my referrals")
    await referrer.click("Ask for a different advocate")
    asked = await referrer.click("Yes, ask for someone else")
    assert "We have told the service lead" in " ".join(card_texts(asked))
    for lead in (smlo, people.deputy):
        await connector.wait_until(
            lambda lead=lead: shows(lead, "asked for a different advocate"), within=WAIT
        )
    assert not shows(first, "different advocate")

    # Alex leaves the list: the case stands in the inbox as needing someone new.
    await smlo.say("remove advocate Alex Morgan")
    await connector.wait_until(lambda: shows(first, "is not open to you now"), within=WAIT)
    inbox = " ".join(await inbox_of(smlo))
    assert "SMA-2026-0001: Needs a new advocate" in inbox

    await smlo.click("Open")  # from the inbox: its details
    form = await smlo.click("Give to another advocate")
    assert "Alex Morgan" not in " ".join(card_texts(form)), "not the one who had it"
    await smlo.click(
        "Ask them", reason="advocate_left", advocate_id=ADVOCATE_B_ID, override="conflict_checked"
    )
    await connector.wait_until(lambda: shows(nxt, OFFER), within=WAIT)
    assert not shows(nxt, NOTE), "nothing before they say yes"
    await nxt.click("Yes, I can")
    await nxt.click("Case record")
    entry = await nxt.click("Open")
    assert NOTE in card_texts(entry), "the handover: the record is theirs now"
    await connector.wait_until(
        lambda: shows(referrer, "A new advocate will support you"), within=WAIT
    )
    gone = await first.press("m-old", record, {})  # the first advocate's old button
    assert NOTE not in str(gone)

    # The SMLO closes it: only with a note saying why; Sam is told, the person is told.
    await smlo.say("referral SMA-2026-0001")
    await smlo.click("Open details")
    await smlo.click("Close")
    again = await smlo.submit("Close the case", outcome="other", person_told="no")
    assert "Please say why you are closing it" in " ".join(card_texts(again))
    closed = await smlo.submit("Close the case", note=WHY_CLOSED)

    assert "You closed SMA-2026-0001" in " ".join(card_texts(closed))
    await connector.wait_until(lambda: shows(nxt, "SMA-2026-0001 is closed"), within=WAIT)
    await connector.wait_until(
        lambda: shows(referrer, "The service lead has closed your case"), within=WAIT
    )
    assert not any(shows(p, WHY_CLOSED) for p in people.everyone())
    assert not any(WHY_CLOSED in str(body) for _, body in connector.sent)

"""The SMLO's escalation decisions, through the real bot: recorded from the referral's
details, sealed in the record with a history line in categories only, the person told
content-free; the person withdraws the consent from "my referrals" and the SMLOs are
told; a form with problems comes back with them."""

from __future__ import annotations

from referrals.case_record import EntryKind
from referrals.escalation import Consent, Destination, Escalation
from referrals.notifications import NotificationKind
from referrals.referral import Referral
from tests.dialogs.flows import sent_by
from tests.dialogs.harness import SMLO_IDS, BotWorld, Conversation, problem_under

SMLO_ID = next(iter(SMLO_IDS))
REFERRER_ID = "00000000-0000-4000-8000-0000000e1001"
WHY = "They asked us to tell PSD-CANARY"


async def decide(world: BotWorld, referral: Referral, **typed: str) -> Conversation:
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say(f"referral {referral.reference}")
    await smlo.click("Open details")
    await smlo.click("Escalation decision")
    await smlo.click("Save the decision", **typed)
    return smlo


async def test_a_decision_is_sealed_told_and_its_consent_withdrawn(world: BotWorld) -> None:
    referral = await sent_by(world, REFERRER_ID)
    day = world.clock.now().date().isoformat()
    smlo = await decide(
        world,
        referral,
        destination="psd",
        consent="consented",
        categories="identity,account",
        decided_on=day,
        rationale=WHY,
    )

    assert "Escalation decision saved" in smlo.card_text()
    stored = await world.stores.referrals.get(referral.id)
    (decision,) = stored.escalations
    assert (decision.destination, decision.consent) == (Destination.PSD, Consent.CONSENTED)
    assert all("CANARY" not in e.detail for e in stored.history)
    (entry,) = await world.stores.records.entries(stored)
    assert isinstance(entry.content, Escalation)
    assert entry.content.rationale == WHY
    told = [n for n in await world.stores.outbox.pending() if n.recipient_id == REFERRER_ID]
    assert NotificationKind.ESCALATED in {n.kind for n in told}

    person = Conversation(world, REFERRER_ID, "Rosa")
    await person.say("my referrals")
    await person.click("Withdraw consent")
    card = await person.click("Yes, withdraw my consent")

    assert "Your consent is withdrawn" in person.card_text(card)
    stored = await world.stores.referrals.get(referral.id)
    assert stored.escalations[0].consent_withdrawn
    kinds = {(n.recipient_id, n.kind) for n in await world.stores.outbox.pending()}
    assert (SMLO_ID, NotificationKind.CONSENT_WITHDRAWN) in kinds
    entries = await world.stores.records.entries(stored)
    assert [e.kind for e in entries] == [EntryKind.ESCALATION, EntryKind.CONSENT_WITHDRAWN]


async def test_without_consent_needs_who_approved_it(world: BotWorld) -> None:
    referral = await sent_by(world, REFERRER_ID)
    day = world.clock.now().date().isoformat()
    smlo = await decide(
        world,
        referral,
        destination="safeguarding",
        consent="without_consent",
        categories="risk",
        decided_on=day,
        rationale=WHY,
    )

    assert problem_under(smlo.card, "approved_by") is not None
    assert WHY in str(smlo.card)  # shown back, not retyped
    assert not (await world.stores.referrals.get(referral.id)).escalations


async def test_declined_passes_nothing_and_the_form_says_so(world: BotWorld) -> None:
    referral = await sent_by(world, REFERRER_ID)
    day = world.clock.now().date().isoformat()
    smlo = await decide(
        world,
        referral,
        destination="ccu",
        consent="declined",
        categories="identity",
        decided_on=day,
        rationale=WHY,
    )

    assert problem_under(smlo.card, "categories") is not None
    assert not (await world.stores.referrals.get(referral.id)).escalations

"""The SMLO's triage on receipt, through the real bot: urgent or at-risk referrals are
marked on the card (categories only) and stand first in the inbox; one that is not for
this service goes straight on to where the person should go."""

from __future__ import annotations

from referrals.triage import Risk, Urgency
from tests.dialogs.flows import sent_by
from tests.dialogs.harness import SMLO_IDS, BotWorld, Conversation, problem_under

SMLO_ID = next(iter(SMLO_IDS))
REFERRER_IDS = {n: f"00000000-0000-4000-8000-0000000c100{n}" for n in (1, 2)}


async def test_an_urgent_referral_is_marked_and_stands_first_in_the_inbox(
    world: BotWorld,
) -> None:
    older, newer = await sent_by(world, REFERRER_IDS[1]), await sent_by(world, REFERRER_IDS[2])
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say(f"referral {newer.reference}")
    await smlo.click("Triage")

    card = await smlo.click("Save", in_remit="yes", urgency="urgent", risks="safeguarding")

    assert "Triage: Urgent; a safeguarding concern" in smlo.card_text(card)
    assert "what happened" not in smlo.card_text(card)
    triage = (await world.stores.referrals.get(newer.id)).triage
    assert triage is not None
    assert (triage.urgency, triage.risks) == (Urgency.URGENT, frozenset({Risk.SAFEGUARDING}))
    await smlo.say("inbox")
    lines = smlo.card_text().splitlines()
    first = next(i for i, line in enumerate(lines) if newer.reference in line)
    second = next(i for i, line in enumerate(lines) if older.reference in line)
    assert first < second, "urgent first, though it came later"


async def test_triage_needs_an_answer_to_each_question(world: BotWorld) -> None:
    referral = await sent_by(world, REFERRER_IDS[1])
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say(f"referral {referral.reference}")
    await smlo.click("Triage")

    again = await smlo.click("Save")

    assert problem_under(again, "in_remit") is not None
    assert problem_under(again, "urgency") is not None
    assert (await world.stores.referrals.get(referral.id)).triage is None


async def test_not_for_this_service_goes_on_to_where_they_should_go(world: BotWorld) -> None:
    referral = await sent_by(world, REFERRER_IDS[1])
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say(f"referral {referral.reference}")
    await smlo.click("Triage")

    card = await smlo.click("Save", in_remit="no", urgency="routine")

    assert "is outside our remit" in smlo.card_text(card)

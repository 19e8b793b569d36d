"""A referral's pathway, through the real bot: a step recorded from the referral's details
shows there in categories; an outcome without an ended step comes back with the problem."""

from __future__ import annotations

from referrals.pathway import Outcome, StepKind, StepStatus
from referrals.referral import Referral
from tests.dialogs.flows import sent_by
from tests.dialogs.harness import SMLO_IDS, BotWorld, Conversation, problem_under

SMLO_ID = next(iter(SMLO_IDS))
REFERRER_ID = "00000000-0000-4000-8000-0000000e2001"


async def record(world: BotWorld, referral: Referral, **typed: str) -> Conversation:
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say(f"referral {referral.reference}")
    await smlo.click("Open details")
    await smlo.click("What it became")
    await smlo.click("Save the step", **typed)
    return smlo


async def test_a_step_is_saved_and_shown_on_the_details(world: BotWorld) -> None:
    referral = await sent_by(world, REFERRER_ID)
    day = world.clock.now().date().isoformat()
    smlo = await record(
        world,
        referral,
        kind="misconduct",
        status="outcome",
        outcome="upheld",
        consent="consented",
        on=day,
    )

    assert "Step saved" in smlo.card_text()
    (step,) = (await world.stores.referrals.get(referral.id)).pathway
    assert (step.kind, step.status, step.outcome) == (
        StepKind.MISCONDUCT,
        StepStatus.OUTCOME,
        Outcome.UPHELD,
    )
    await smlo.click("Open details")
    assert "Looked into as misconduct: ended, upheld" in smlo.card_text()


async def test_an_ended_step_needs_its_outcome(world: BotWorld) -> None:
    referral = await sent_by(world, REFERRER_ID)
    day = world.clock.now().date().isoformat()
    smlo = await record(
        world, referral, kind="criminal", status="outcome", consent="without_consent", on=day
    )

    assert problem_under(smlo.card, "outcome") is not None
    assert not (await world.stores.referrals.get(referral.id)).pathway

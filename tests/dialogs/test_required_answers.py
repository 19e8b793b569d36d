"""Required means required, whatever the card sends: every intake button forged at every
step of an on-behalf draft whose consent question has no answer. Going on past that step,
or sending, takes the person to it with a kind note under the question; going back and
finishing later still work; nothing is ever sent without the answer."""

from __future__ import annotations

from typing import Any

import pytest

from cards.wording import REQUIRED_NOTES
from referrals.intake import BehalfRole, Employment, IntakeAnswers, IntakeStep, Route
from referrals.referral import Referral
from referrals.states import ReferralState
from tests.dialogs.flows import draft_of, heading
from tests.dialogs.harness import BotWorld, Conversation, card_text, problem_under

Step = IntakeStep
NOTE = REQUIRED_NOTES["behalf_consent"]
STALE = "That card was out of date, so here is where you were."
# The on-behalf route, worded for the sender, has no monitoring step.
TITLES = {
    Step.ABOUT_YOU: "Step 1 of 7: About you",
    Step.ON_BEHALF: "Step 2 of 7: Who you are referring",
    Step.WISHES: "Step 3 of 7: What they would like",
    Step.WHAT_HAPPENED: "Step 4 of 7: What happened",
    Step.SUBJECT: "Step 5 of 7: Who it is about",
    Step.CONTACT: "Step 6 of 7: How to reach them",
    Step.REVIEW: "Step 7 of 7: Check and send",
}
ORDER = list(TITLES)
NO_CONSENT_ANSWER = IntakeAnswers(
    route=Route.ON_BEHALF, employment=Employment.STAFF, behalf_role=BehalfRole.HR, consent=True
)
# What a forged card sends: this step's answers, the consent question left empty.
FORGED_INPUTS = {
    "route": "on_behalf",
    "employment": "staff",
    "behalf_role": "hr",
    "consent": "true",
}


async def draft_waiting_at(world: BotWorld, person: Conversation, step: IntakeStep) -> Referral:
    """A draft kept before the rule (or sent by a forged click) at `step`, shown again."""
    await person.say("hi")
    await person.click("Start a referral")
    draft = await draft_of(world, person)
    draft.answers, draft.step = NO_CONSENT_ANSWER, step
    await world.stores.referrals.save(draft)
    await person.say("continue")
    assert heading(person.card) == TITLES[step]
    return await draft_of(world, person)


def forged(verb: str, referral_id: str, step: IntakeStep) -> dict[str, Any]:
    data = {"verb": verb, "referral_id": referral_id, "step": step.value, **FORGED_INPUTS}
    return {"action": {"type": "Action.Execute", "verb": verb, "data": data}}


def expected(verb: str, step: IntakeStep) -> tuple[str, bool]:
    """(what the person is shown, whether the note is under the consent question)."""
    at = ORDER.index(step)
    if verb == "intake.later":
        return "Saved for later", False
    if verb == "intake.back":
        return TITLES[ORDER[max(at - 1, 0)]], False
    if verb == "intake.submit":
        return (TITLES[Step.ON_BEHALF], True) if step is Step.REVIEW else (TITLES[step], False)
    if step is Step.REVIEW:  # answer or skip from the review card: not one of its buttons
        return TITLES[step], False
    if step is Step.ABOUT_YOU:
        return TITLES[Step.ON_BEHALF], False  # on to the question, not past it
    return TITLES[Step.ON_BEHALF], True


VERBS = ["intake.answer", "intake.skip", "intake.back", "intake.later", "intake.submit"]


@pytest.mark.parametrize("step", ORDER, ids=str)
@pytest.mark.parametrize("verb", VERBS)
async def test_a_forged_button_never_gets_past_the_unanswered_consent_question(
    world: BotWorld, referrer: Conversation, verb: str, step: IntakeStep
) -> None:
    draft = await draft_waiting_at(world, referrer, step)

    await referrer.invoke(forged(verb, draft.id, step))

    shown, noted = expected(verb, step)
    card = referrer.card
    assert heading(card) == shown or shown in card_text(card), card_text(card)
    assert (problem_under(card, "behalf_consent") == NOTE) is noted, card_text(card)
    after = await draft_of(world, referrer)
    assert after.state is ReferralState.DRAFT, "never sent without the answer"
    assert after.answers.behalf_consent is None
    if noted and verb != "intake.submit":
        assert after.step is step, "a refused move saves nothing"


async def test_sent_back_to_the_question_the_person_answers_it_and_can_send(
    world: BotWorld, referrer: Conversation
) -> None:
    draft = await draft_waiting_at(world, referrer, Step.REVIEW)

    await referrer.click("Send my referral", consent="true")
    assert heading(referrer.card) == TITLES[Step.ON_BEHALF]
    assert problem_under(referrer.card, "behalf_consent") == NOTE
    assert "Please check the answers marked below." in card_text(referrer.card)

    await referrer.click("Next", behalf_consent="yes")
    for _ in range(4):
        await referrer.click("Next")
    assert heading(referrer.card) == TITLES[Step.REVIEW]
    receipt = await referrer.click("Send my referral", consent="true")

    assert heading(receipt) == "Your referral has been sent"
    sent = await world.stores.referrals.get(draft.id)
    assert (sent.state, sent.answers.behalf_consent) == (ReferralState.SUBMITTED, "yes")


async def test_the_role_card_asks_for_the_consent_answer_and_offers_no_skip(
    world: BotWorld, referrer: Conversation
) -> None:
    await referrer.say("hi")
    await referrer.click("Start a referral")
    card = await referrer.click("Next", route="on_behalf", employment="staff")

    words = card_text(card)
    assert "You can skip any question" not in words
    assert "You can skip the other questions." in words
    assert "agree? We need an answer to this one." in words
    assert "Skip this step" not in [a["title"] for a in card["actions"]]

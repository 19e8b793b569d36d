"""Card payloads the bot must not trust: each is refused in plain words, on the step the
person was on, and nothing they had told us is lost or changed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.activities import CARD_TYPE
from bot.handler import UNREADABLE_NOTICE as UNREADABLE
from cards.parsers import UNKNOWN_CHOICE, UNREADABLE_CHARACTERS
from referrals.intake import TEXT_LIMITS, IntakeStep, Route
from referrals.referral import Referral
from tests.dialogs.flows import (
    ABOUT_YOU,
    ACCOUNT,
    WHAT_HAPPENED,
    WISHES,
    draft_of,
    heading,
    start,
)
from tests.dialogs.harness import (
    BotWorld,
    Conversation,
    card_text,
    input_values,
    problem_under,
)

CHECK_BELOW = "Please check the answers marked below."
STALE = "That card was out of date, so here is where you were."
NOT_OURS = "This is not available to you"


def answer_value(referral_id: str, step: str, **inputs: Any) -> dict[str, Any]:
    data = {"verb": "intake.answer", "referral_id": referral_id, "step": step, **inputs}
    return {
        "action": {"type": "Action.Execute", "verb": "intake.answer", "data": data},
        "trigger": "manual",
    }


async def test_an_unknown_choice_is_marked_on_the_same_step_and_the_other_answers_stay(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)

    card = await referrer.click("Next", route="martian", employment="staff")

    assert heading(card) == "Step 1 of 7: About you"
    assert CHECK_BELOW in card_text(card)
    assert problem_under(card, "route") == UNKNOWN_CHOICE
    assert problem_under(card, "employment") is None
    assert input_values(card)["employment"] == "staff"
    draft = await draft_of(world, referrer)
    assert (draft.answers.route, draft.step) == (None, None)


async def test_an_account_over_the_limit_is_refused_with_its_size_and_stays_on_the_card(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)
    too_long = "x" * (TEXT_LIMITS["account"] + 1)

    card = await referrer.click("Next", **{**WHAT_HAPPENED, "account": too_long})

    assert heading(card) == "Step 3 of 7: What happened"
    assert problem_under(card, "account") == (
        "This is 2,001 characters. The limit is 2,000. Please make it shorter. "
        "You can tell your advocate more later."
    )
    assert input_values(card)["account"] == too_long
    assert input_values(card)["when"] == "past_month"
    draft = await draft_of(world, referrer)
    assert (draft.answers.account, draft.step) == ("", IntakeStep.WHAT_HAPPENED)


async def test_a_bad_email_and_a_bad_phone_are_each_marked_and_kept_on_the_card(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    for _ in range(4):
        await referrer.click("Skip this step")

    card = await referrer.click(
        "Next", personal_email="robin at home", personal_phone="ring me", safe_times="mornings"
    )

    assert heading(card) == "Step 5 of 7: How to reach you"
    assert problem_under(card, "personal_email") == "This does not look like an email address."
    assert problem_under(card, "personal_phone") == "Please use only numbers, spaces and + ( ) -."
    assert problem_under(card, "safe_times") is None
    values = input_values(card)
    assert (values["personal_email"], values["personal_phone"], values["safe_times"]) == (
        "robin at home",
        "ring me",
        "mornings",
    )
    assert (await draft_of(world, referrer)).answers.safe_times == ""


@pytest.mark.parametrize(
    "value",
    [
        {"trigger": "manual"},
        {"action": {"type": "Action.Execute", "verb": "intake.answer"}, "trigger": "manual"},
        "not even an object",
    ],
    ids=["no action", "no data", "not an object"],
)
async def test_a_payload_without_an_action_or_data_shows_the_step_again_and_changes_nothing(
    world: BotWorld, referrer: Conversation, value: Any
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    before = await draft_of(world, referrer)

    response = await referrer.invoke(value)

    assert response.status == 200
    assert heading(response.body.value) == "Step 2 of 7: What you would like"
    assert UNREADABLE in card_text(response.body.value)
    after = await draft_of(world, referrer)
    assert (after.answers, after.step, after.version) == (before.answers, before.step, 2)


async def test_an_answer_that_is_not_text_shows_the_step_again_and_changes_nothing(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    draft = await draft_of(world, referrer)

    response = await referrer.invoke(answer_value(draft.id, "about_you", route=5))

    assert heading(response.body.value) == "Step 1 of 7: About you"
    assert UNREADABLE in card_text(response.body.value)
    assert (await draft_of(world, referrer)).answers == draft.answers
    card = await referrer.click("Next", **ABOUT_YOU)
    assert heading(card) == "Step 2 of 7: What you would like"


async def test_a_click_on_an_out_of_date_step_card_shows_where_they_are_and_saves_nothing(
    world: BotWorld, referrer: Conversation
) -> None:
    step_one = await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)

    card = await referrer.click_on(step_one, "Next", route="witnessed", employment="former")

    assert heading(card) == "Step 3 of 7: What happened"
    assert STALE in card_text(card)
    draft = await draft_of(world, referrer)
    assert (draft.answers.route, draft.step) == (Route.EXPERIENCED, IntakeStep.WHAT_HAPPENED)


async def test_a_forged_referral_id_is_not_read_and_changes_nothing(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    before = await draft_of(world, referrer)

    card = await referrer.invoke(answer_value("../../" + "a" * 26, "about_you", **ABOUT_YOU))

    assert heading(card.body.value) == "Step 1 of 7: About you"
    assert UNREADABLE in card_text(card.body.value)
    assert (await draft_of(world, referrer)).version == before.version


async def test_a_click_naming_someone_elses_draft_is_refused_without_showing_it(
    world: BotWorld, referrer: Conversation, other: Conversation
) -> None:
    theirs = await _a_draft_with_an_account(world, referrer)
    await other.say("hi")

    response = await other.invoke(answer_value(theirs.id, "contact", personal_phone="999"))

    assert ACCOUNT not in other.chat_text()
    after = await world.stores.referrals.get(theirs.id)
    assert (after.answers, after.version) == (theirs.answers, theirs.version)
    # A refusal, said as one: not "we could not save that, try again in a minute".
    assert "try again in a minute" not in other.chat_text()
    assert response.body.type == CARD_TYPE, f"an error, not a card: {response.body.value}"
    assert heading(response.body.value) == NOT_OURS
    assert ACCOUNT not in card_text(response.body.value)


async def test_nobody_can_delete_another_persons_draft(
    world: BotWorld, referrer: Conversation, other: Conversation
) -> None:
    theirs = await _a_draft_with_an_account(world, referrer)
    await other.say("hi")
    delete = {
        "action": {
            "type": "Action.Execute",
            "verb": "intake.delete_draft",
            "data": {"verb": "intake.delete_draft", "referral_id": theirs.id},
        }
    }

    response = await other.invoke(delete)

    assert heading(response.body.value) == NOT_OURS
    assert ACCOUNT not in card_text(response.body.value)
    after = await world.stores.referrals.get(theirs.id)
    assert (after.answers, after.version) == (theirs.answers, theirs.version)


async def _a_draft_with_an_account(world: BotWorld, person: Conversation) -> Referral:
    await start(person)
    await person.click("Next", **ABOUT_YOU)
    await person.click("Next", **WISHES)
    await person.click("Next", **WHAT_HAPPENED)
    return await draft_of(world, person)


async def test_someone_mid_intake_who_sends_another_persons_draft_id_only_sees_their_own_step(
    world: BotWorld, referrer: Conversation, other: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    theirs = await draft_of(world, referrer)
    await start(other)

    response = await other.invoke(answer_value(theirs.id, "about_you", route="concern"))

    card = response.body.value
    assert heading(card) == "Step 1 of 7: About you"
    assert STALE in card_text(card)
    assert input_values(card)["route"] == ""
    assert (await world.stores.referrals.get(theirs.id)).version == theirs.version
    assert (await draft_of(world, other)).answers.route is None


async def test_an_answer_with_a_lone_surrogate_is_refused_kindly_and_nothing_is_lost(
    world: BotWorld, referrer: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)

    card = await referrer.click("Next", **{**WHAT_HAPPENED, "account": "It was \ud800 him"})

    assert heading(card) == "Step 3 of 7: What happened"
    assert problem_under(card, "account") == UNREADABLE_CHARACTERS
    assert input_values(card)["account"] == "It was \ufffd him", "shown back, mended"
    assert input_values(card)["when"] == "past_month"
    draft = await draft_of(world, referrer)
    assert draft.answers.account == ""
    assert not [r for r in caplog.records if r.levelname == "ERROR"]

    card = await referrer.click("Next", **{**WHAT_HAPPENED, "account": "It was him"})

    assert heading(card) == "Step 4 of 7: Who it is about"
    assert (await draft_of(world, referrer)).answers.account == "It was him"

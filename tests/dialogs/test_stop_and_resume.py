"""Stopping at any point: keep the draft or delete it, and carry on later where they were."""

from __future__ import annotations

import pytest

from referrals import errors
from referrals.intake import IntakeStep
from referrals.states import ReferralState
from tests.dialogs.flows import (
    ABOUT_YOU,
    ACCOUNT,
    PRIVATE_WORDS,
    WHAT_HAPPENED,
    WISHES,
    answer_to_review,
    buttons,
    draft_of,
    heading,
    start,
)
from tests.dialogs.harness import BotWorld, Conversation, card_text, input_values

NO_DRAFT = "You have no referral in progress. Type refer to start one."


async def answer_two_steps(person: Conversation) -> None:
    await start(person)
    await person.click("Next", **ABOUT_YOU)
    await person.click("Next", **WISHES)


async def test_stop_then_keep_saves_the_draft_and_continue_returns_to_the_same_step(
    world: BotWorld, referrer: Conversation
) -> None:
    await answer_two_steps(referrer)

    await referrer.say("stop")
    asked = referrer.card
    kept = await referrer.click("Keep it for later")

    assert heading(asked) == "You have stopped"
    assert buttons(asked) == ["Keep it for later", "Delete it"]
    assert heading(kept) == "Saved for later"
    assert "we delete it after 30 days" in card_text(kept)
    await referrer.say("what now")
    assert "Carry on where I left off" in buttons(referrer.card), "the intake has stopped"
    draft = await draft_of(world, referrer)
    assert draft.step is IntakeStep.WHAT_HAPPENED

    await referrer.say("continue")

    assert heading(referrer.card) == "Step 3 of 7: What happened"
    wishes = await referrer.click("Back")
    assert heading(wishes) == "Step 2 of 7: What you would like"
    assert input_values(wishes)["wishes"] == WISHES["wishes"]
    about_you = await referrer.click("Back")
    assert (input_values(about_you)["route"], input_values(about_you)["employment"]) == (
        ABOUT_YOU["route"],
        ABOUT_YOU["employment"],
    )


async def test_finish_later_keeps_what_is_on_the_card_and_continue_shows_it_prefilled(
    world: BotWorld, referrer: Conversation
) -> None:
    await answer_two_steps(referrer)

    referrer.type_in(**WHAT_HAPPENED)
    kept = await referrer.click("Finish later")

    assert heading(kept) == "Saved for later"
    assert (await draft_of(world, referrer)).answers.account == ACCOUNT
    await referrer.say("resume")
    assert heading(referrer.card) == "Step 3 of 7: What happened"
    assert input_values(referrer.card)["account"] == ACCOUNT
    assert input_values(referrer.card)["when"] == WHAT_HAPPENED["when"]
    step_four = await referrer.click("Next")
    assert heading(step_four) == "Step 4 of 7: Who it is about"


async def test_finish_later_on_a_card_filled_in_from_before_keeps_those_answers(
    world: BotWorld, referrer: Conversation
) -> None:
    await answer_two_steps(referrer)
    await referrer.click("Next", **WHAT_HAPPENED)
    filled_in = await referrer.click("Back")
    assert input_values(filled_in)["account"] == ACCOUNT

    await referrer.click("Finish later")  # nothing changed on the card

    assert (await draft_of(world, referrer)).answers.account == ACCOUNT
    await referrer.say("continue")
    assert input_values(referrer.card)["account"] == ACCOUNT


async def test_stop_then_delete_removes_the_draft_and_continue_finds_nothing(
    world: BotWorld, referrer: Conversation
) -> None:
    await answer_two_steps(referrer)
    draft = await draft_of(world, referrer)

    await referrer.say("stop")
    deleted = await referrer.click("Delete it")

    assert heading(deleted) == "Deleted"
    with pytest.raises(errors.ReferralNotFound):
        await world.stores.referrals.get(draft.id)
    assert await world.stores.referrals.find_draft(referrer.user_id) is None
    await referrer.say("continue")
    assert referrer.messages[-1].text == NO_DRAFT
    await referrer.say("help")
    assert "Start a referral" in buttons(referrer.card)


async def test_stop_with_no_draft_just_stops(referrer: Conversation) -> None:
    await referrer.say("stop")

    assert referrer.messages[-1].text == "Stopped. Type help whenever you need us."


async def test_a_step_card_clicked_after_the_draft_was_deleted_does_not_ask_to_try_again(
    world: BotWorld, referrer: Conversation
) -> None:
    await answer_two_steps(referrer)
    step_three = referrer.card
    await referrer.say("stop")
    await referrer.click("Delete it")

    # The step card is still in the chat above the stop card; they fill it in and press Next.
    response = await referrer.press(step_three, "Next", **WHAT_HAPPENED)

    assert await world.stores.referrals.find_draft(referrer.user_id) is None
    # It can never be saved: "try again in a minute" would send them round in circles.
    assert "try again in a minute" not in referrer.chat_text()
    assert response.body.type == "application/vnd.microsoft.card.adaptive"


async def test_after_sending_no_card_in_the_chat_still_shows_the_answers_even_after_a_stop(
    world: BotWorld, referrer: Conversation
) -> None:
    await answer_to_review(referrer)
    first_review = referrer.shown
    await referrer.say("stop")
    await referrer.click("Keep it for later")
    await referrer.say("continue")
    assert referrer.shown is not first_review, "the review is shown again in a new message"

    receipt = await referrer.click("Send my referral", consent="true")

    assert heading(receipt) == "Your referral has been sent"
    stored = await world.stores.referrals.find_by_reference("SMA-2026-0001")
    assert stored is not None
    assert stored.state is ReferralState.SUBMITTED
    # DESIGN §4: every bot message that showed disclosure content becomes content-free.
    still_shown = [w for w in PRIVATE_WORDS if w in referrer.chat_text()]
    assert still_shown == []

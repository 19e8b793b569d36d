"""Moving about the intake: Back, stray text, and help in the middle."""

from __future__ import annotations

from referrals.intake import IntakeStep
from tests.dialogs.flows import (
    ABOUT_YOU,
    ACCOUNT,
    EMAIL,
    PHONE,
    SAFE_TIMES,
    WHAT_HAPPENED,
    WISHES,
    buttons,
    draft_of,
    heading,
    start,
)
from tests.dialogs.harness import BotWorld, Conversation, card_text, input_values
from tests.support.teams import actions_of

USE_THE_CARD = "Please answer on the card above, or type stop to stop."


async def test_back_keeps_what_was_typed_on_the_card(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)
    referrer.type_in(**WHAT_HAPPENED)

    wishes = await referrer.click("Back")

    assert heading(wishes) == "Step 2 of 7: What you would like"
    assert input_values(wishes)["wishes"] == WISHES["wishes"]
    again = await referrer.click("Next")
    assert heading(again) == "Step 3 of 7: What happened"
    assert input_values(again)["account"] == ACCOUNT
    assert input_values(again)["avoid"] == WHAT_HAPPENED["avoid"]
    assert (await draft_of(world, referrer)).answers.account == ACCOUNT


async def test_back_never_clears_answers_given_before(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)
    await referrer.click("Next", **WHAT_HAPPENED)
    step_three = await referrer.click("Back")
    assert input_values(step_three)["account"] == ACCOUNT, "shown again, filled in"

    await referrer.click("Back")  # from the filled-in card, without changing anything
    again = await referrer.click("Next")

    assert heading(again) == "Step 3 of 7: What happened"
    assert (await draft_of(world, referrer)).answers.account == ACCOUNT
    assert input_values(again)["account"] == ACCOUNT


async def test_back_from_the_review_shows_the_last_step_with_its_answers(
    referrer: Conversation,
) -> None:
    await start(referrer)
    for _ in range(5):
        await referrer.click("Skip this step")
    await referrer.click("Next", gender="man", age_band="35_44")

    card = await referrer.click("Back", consent="true")

    assert heading(card) == "Step 6 of 7: A few last questions"
    assert (input_values(card)["gender"], input_values(card)["age_band"]) == ("man", "35_44")


async def test_back_from_the_first_step_is_harmless(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    first = await referrer.click("Back")
    assert "Back" not in buttons(first)
    before = (await draft_of(world, referrer)).answers
    data = {**first["actions"][0]["data"], "verb": "intake.back"}  # an old or forged card

    response = await referrer.invoke(
        {"action": {"type": "Action.Execute", "verb": "intake.back", "data": data}}
    )

    card = response.body.value
    assert heading(card) == "Step 1 of 7: About you"
    assert (await draft_of(world, referrer)).answers == before
    assert input_values(card)["route"] == ABOUT_YOU["route"]


async def test_back_from_a_card_with_one_mistyped_answer_keeps_the_others(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    for _ in range(4):
        await referrer.click("Skip this step")
    referrer.type_in(personal_phone=PHONE, safe_times=SAFE_TIMES, personal_email="robin@")

    await referrer.click("Back")
    card = await referrer.click("Skip this step")

    assert heading(card) == "Step 5 of 7: How to reach you"
    kept = input_values(card)
    # One slip must not throw away the rest of what they typed.
    assert (kept["personal_phone"], kept["safe_times"]) == (PHONE, SAFE_TIMES)
    assert EMAIL not in card_text(card)


async def test_typing_in_the_middle_of_the_intake_points_back_to_the_card(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    step_two = referrer.shown

    await referrer.say("I am not sure what to put here")

    assert referrer.messages[-1].text == USE_THE_CARD
    assert referrer.shown is step_two
    assert heading(referrer.card) == "Step 2 of 7: What you would like"
    assert (await draft_of(world, referrer)).step is IntakeStep.WISHES
    assert heading(await referrer.click("Next", **WISHES)) == "Step 3 of 7: What happened"


async def test_help_in_the_middle_offers_to_carry_on_where_they_left_off(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)

    await referrer.say("help")

    help_card = referrer.card
    assert heading(help_card) == "What you can do here"
    every_button = [a["title"] for a in actions_of(help_card)]
    assert "Carry on where I left off" in every_button
    assert "Start a referral" not in every_button
    back_in = await referrer.click("Carry on where I left off")
    assert heading(back_in) == "Step 2 of 7: What you would like"
    assert len(await world.stores.referrals.list_in_states(set())) == 0
    assert (await draft_of(world, referrer)).answers.route is not None

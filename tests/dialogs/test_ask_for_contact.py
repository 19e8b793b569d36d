"""The short way in, and the quick way out: "Ask an advocate to contact me" from the
welcome card in three taps, and "Stop and clear" on every intake card."""

from __future__ import annotations

from cards.intake import CONSENT_NEEDED, CONSENT_TEXT
from referrals.intake import ContactMethod, Wish
from referrals.states import ReferralState
from tests.dialogs.flows import ABOUT_YOU, ACCOUNT, WHAT_HAPPENED, WISHES, buttons, heading, start
from tests.dialogs.harness import BotWorld, Conversation, card_text, problem_under

ASK = "Ask an advocate to contact me"


async def test_three_taps_from_the_welcome_card_send_a_referral_with_the_same_receipt(
    world: BotWorld, referrer: Conversation
) -> None:
    await referrer.say("hi")
    taps = 0

    asked = await referrer.click(ASK)
    taps += 1
    assert CONSENT_TEXT in card_text(asked)
    assert "only the service lead and the advocate who supports you" in card_text(asked)
    referrer.type_in(consent="true")
    taps += 1
    receipt = await referrer.click("Send")
    taps += 1

    assert taps <= 3
    assert heading(receipt) == "Your referral has been sent"
    assert "SMA-2026-0001" in card_text(receipt)
    assert "Your advocate will get in touch by a Teams chat." in card_text(receipt)
    assert "in the way you chose" not in card_text(receipt)
    (sent,) = await world.stores.referrals.list_for_referrer(referrer.user_id)
    assert sent.state is ReferralState.SUBMITTED
    assert sent.answers.wishes == (Wish.TALK_TO_ADVOCATE,)
    assert sent.answers.contact_methods == (ContactMethod.TEAMS,)


async def test_send_pressed_twice_sends_one_referral_and_shows_its_receipt_again(
    world: BotWorld, referrer: Conversation
) -> None:
    await referrer.say("hi")
    asked = await referrer.click(ASK)
    referrer.type_in(consent="true")
    pressed_first = {**asked}  # the same card, pressed again before it was replaced

    await referrer.click("Send")
    again = await referrer.click_on(pressed_first, "Send")

    assert heading(again) == "Your referral has been sent"
    assert "SMA-2026-0001" in card_text(again)
    assert len(await world.stores.referrals.list_for_referrer(referrer.user_id)) == 1


async def test_send_without_the_tick_asks_for_it_kindly_and_sends_nothing(
    world: BotWorld, referrer: Conversation
) -> None:
    await referrer.say("hi")
    await referrer.click(ASK)

    again = await referrer.click("Send")

    assert heading(again) == "Ask an advocate to contact you"
    assert problem_under(again, "consent") == CONSENT_NEEDED
    assert await world.stores.referrals.find_draft(referrer.user_id) is None
    assert await world.stores.referrals.list_for_referrer(referrer.user_id) == []


async def test_someone_with_a_draft_can_carry_on_or_send_it_the_short_way(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)
    await referrer.click("Next", **WHAT_HAPPENED)
    await referrer.say("hi")

    asked = await referrer.click(ASK)

    assert "You have a referral you have not sent yet" in card_text(asked)
    assert buttons(asked) == ["Send", "Carry on where I left off", "Not now"]
    receipt = await referrer.click("Send", consent="true")
    assert heading(receipt) == "Your referral has been sent"
    (sent,) = await world.stores.referrals.list_for_referrer(referrer.user_id)
    assert (sent.answers.route, sent.answers.account) == ("experienced", ACCOUNT)
    assert ACCOUNT not in referrer.chat_text(), "the cards that showed answers are cleared"
    await referrer.say("continue")
    assert "You have no referral in progress" in referrer.chat_text()


async def test_the_short_way_keeps_to_the_required_answers_of_a_draft(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Finish later", route="on_behalf", employment="staff")
    draft = await world.stores.referrals.find_draft(referrer.user_id)
    assert draft is not None
    await referrer.say("hi")
    await referrer.click(ASK)

    shown = await referrer.click("Send", consent="true")

    assert heading(shown) == "Step 2 of 7: Who you are referring"
    assert problem_under(shown, "behalf_consent") is not None
    assert (await world.stores.referrals.get(draft.id)).state is ReferralState.DRAFT


async def test_stop_and_clear_on_a_card_does_what_typing_stop_does(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT_YOU)
    await referrer.click("Next", **WISHES)
    await referrer.click("Next", **WHAT_HAPPENED)

    stopped = await referrer.click("Stop and clear")

    assert heading(stopped) == "You have stopped"
    assert buttons(stopped) == ["Keep it for later", "Delete it"]
    assert ACCOUNT not in referrer.chat_text()
    deleted = await referrer.click("Delete it")
    assert heading(deleted) == "Deleted"
    assert await world.stores.referrals.find_draft(referrer.user_id) is None


async def test_every_intake_card_has_stop_and_clear(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    seen = [referrer.card]
    for _ in range(6):
        seen.append(await referrer.click("Skip this step"))

    assert heading(seen[-1]) == "Step 7 of 7: Check and send"
    assert all("Stop and clear" in buttons(card) for card in seen)


async def test_a_full_referral_with_no_contact_way_says_how_the_advocate_will_reach_them(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    for _ in range(6):
        await referrer.click("Skip this step")

    receipt = await referrer.click("Send my referral", consent="true")

    words = card_text(receipt)
    assert "in the way you chose" not in words
    assert "You did not choose a way for us to contact you" in words

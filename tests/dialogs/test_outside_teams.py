"""An SMLO takes a referral for someone without Teams (`new referral`): the same intake on
the on-behalf route, never sent without a phone or e-mail to reach them; and anyone who
says they are leaving the force is asked, kindly, for a personal way to stay in touch."""

from __future__ import annotations

from referrals.intake import ContactMethod, Route
from tests.dialogs.flows import draft_of, heading, start
from tests.dialogs.harness import (
    SMLO_IDS,
    BotWorld,
    Conversation,
    card_text,
    input_values,
    problem_under,
)

SMLO_ID = next(iter(SMLO_IDS))
PERSON = "CANARY-PERSON Jo Bloggs"
PHONE = "07700 900456"
ABOUT = {"employment": "former"}
WHO = {"behalf_role": "other", "behalf_name": PERSON, "behalf_consent": "yes"}
WISHES = {"wishes": "talk_to_advocate"}
WHAT = {"when": "past_week"}
NOT_IN_TEAMS = "They are not in Teams: please give a phone or email to reach them."


async def test_an_smlo_takes_a_referral_by_phone_for_someone_who_has_left(
    world: BotWorld,
) -> None:
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say("new referral")
    about = smlo.card
    assert heading(about) == "Step 1 of 7: About you"
    assert "someone who is not in Teams" in card_text(about)
    assert "route" not in input_values(about), "always on their behalf, so not asked"
    assert "anonymous" not in card_text(about), "the service lead is known to the service"

    who = await smlo.click("Next", **ABOUT)
    assert heading(who) == "Step 2 of 7: Who you are referring", "always on their behalf"
    await smlo.click("Next", **WHO)
    await smlo.click("Next", **WISHES)
    await smlo.click("Next", **WHAT)
    about_whom = smlo.card
    assert "we never tell you" not in card_text(about_whom), "service leads are told of a match"
    assert "If the person wants to say" in card_text(about_whom)
    reach = await smlo.click("Next")  # whom it is about: left unsaid
    assert NOT_IN_TEAMS in card_text(reach), "a phone or email is the only way to them"
    assert "stop working" not in card_text(reach), "no Teams to lose"
    assert input_values(reach)["contact_methods"] == "personal_phone,personal_email"
    assert "A Teams chat or call" not in str(reach), "a chat cannot reach them"

    review = await smlo.click("Next", contact_methods="teams")  # as an older card could send
    assert "The person agrees that the SMA service may keep this" in card_text(review)
    back_to_reach = await smlo.click("Send my referral", consent="true")
    assert heading(back_to_reach) == "Step 6 of 7: How to reach them"
    assert "not in Teams" in (problem_under(back_to_reach, "contact_methods") or "")
    draft = await draft_of(world, smlo)
    assert draft.outside_teams
    assert draft.answers.route is Route.ON_BEHALF

    await smlo.click("Next", contact_methods="personal_phone", personal_phone=PHONE)
    receipt = await smlo.click("Send my referral", consent="true")
    assert heading(receipt) == "Your referral has been sent"
    sent = await world.stores.referrals.find_by_reference("SMA-2026-0001")
    assert sent is not None
    assert sent.outside_teams
    assert sent.referrer_id == SMLO_ID
    assert sent.answers.contact_methods == (ContactMethod.PERSONAL_PHONE,)
    assert PERSON not in smlo.chat_text(), "the answers are cleared from the chat"


async def test_anyone_else_typing_new_referral_is_welcomed_to_refer(
    world: BotWorld, referrer: Conversation
) -> None:
    await referrer.say("new referral")

    assert "Start a referral" in card_text(referrer.card)
    assert await world.stores.referrals.find_draft(referrer.user_id) is None


async def test_an_smlo_with_a_referral_in_progress_carries_on_with_it(world: BotWorld) -> None:
    smlo = Conversation(world, SMLO_ID, "Sky Patel")
    await smlo.say("new referral")
    first = await draft_of(world, smlo)

    await smlo.say("new referral")

    assert "You have a referral in progress." in card_text(smlo.card)
    assert (await draft_of(world, smlo)).id == first.id


async def test_a_referrer_leaving_the_force_is_asked_for_a_personal_way_to_stay_in_touch(
    referrer: Conversation,
) -> None:
    await start(referrer)
    await referrer.click("Next", route="experienced", employment="officer", leaving="yes")
    await referrer.click("Next", wishes="talk_to_advocate")
    await referrer.click("Next", when="past_week")
    reach = await referrer.click("Next")  # whom it is about: left unsaid

    assert "If you are happy to, give us your own phone or email" in card_text(reach)
    assert "You do not have to." in card_text(reach)
    assert input_values(reach)["contact_methods"] == "personal_phone,personal_email"
    await referrer.click("Next", contact_methods="teams")
    review = await referrer.click("Skip this step")
    assert "Leaving the force: Yes" in card_text(review)

"""The on-behalf route end to end: an investigator, intelligence lead or HR referrer is asked
about the person they refer ("they"), gives who the person is and how to reach them, and
reads a review and a receipt written for them as the sender."""

from __future__ import annotations

import json

from referrals.intake import (
    BehalfRole,
    ContactMethod,
    Employment,
    IntakeAnswers,
    IntakeStep,
    Route,
    When,
    Wish,
    YesNoUnsure,
)
from referrals.people import Actor
from tests.dialogs.flows import buttons, draft_of, heading, start
from tests.dialogs.harness import (
    BotWorld,
    Card,
    Conversation,
    card_text,
    input_values,
    problem_under,
)

PERSON = "CANARY-PERSON Jo Bloggs"
PERSON_PHONE = "07700 900456"
PERSON_EMAIL = "jo.canary@example.org"
PERSON_TIMES = "CANARY-TIMES Mondays before 9"
ACCOUNT = "CANARY-ACCOUNT comments on night shift"
PRIVATE = (PERSON, PERSON_PHONE, PERSON_EMAIL, PERSON_TIMES, ACCOUNT)

ABOUT = {"route": "on_behalf", "employment": "officer"}
WHO = {"behalf_role": "hr", "behalf_name": PERSON, "behalf_consent": "yes"}
WISHES = {"wishes": "talk_to_advocate,information"}
WHAT = {"account": ACCOUNT, "when": "past_week", "colleague": "yes"}
REACH = {
    "contact_methods": "work_phone,personal_email",
    "work_phone": PERSON_PHONE,
    "personal_email": PERSON_EMAIL,
    "safe_times": PERSON_TIMES,
    "leave_message": "no",
}
# Words written for a victim, which the sender must never be asked.
FOR_THE_VICTIM = (
    "What would you like",
    "Find out what my options are",
    "How can your advocate get in touch?",
    "My own phone",
    "Your own phone",
    "When is it safe to contact you?",
    "Your advocate can talk it through with you",
    "you would not want as your advocate",
    "Your gender",
    "in the way you chose",
)


def victim_words(card: Card) -> list[str]:
    """Victim's words anywhere on the card: text, labels, choices, placeholders."""
    text = json.dumps(card, ensure_ascii=False)
    return [words for words in FOR_THE_VICTIM if words in text]


async def test_an_hr_referrer_is_asked_about_the_person_and_reads_a_receipt_written_for_them(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    who = await referrer.click("Next", **ABOUT)
    assert heading(who) == "Step 2 of 7: Who you are referring"
    assert "What is the person's name?" in card_text(who)
    assert not victim_words(who)

    wishes = await referrer.click("Next", **WHO)
    assert heading(wishes) == "Step 3 of 7: What they would like"
    assert "What would they like from us? Tick all that fit." in card_text(wishes)
    assert "Find out what their options are" in json.dumps(wishes)
    assert not victim_words(wishes)

    what = await referrer.click("Next", **WISHES)
    assert heading(what) == "Step 4 of 7: What happened"
    assert "The advocate can hear it from them." in card_text(what)
    assert not victim_words(what)

    subject = await referrer.click("Next", **WHAT)
    assert heading(subject) == "Step 5 of 7: Who it is about"
    reach = await referrer.click("Next")
    assert heading(reach) == "Step 6 of 7: How to reach them"
    for words in ("How can an advocate reach them?", "Their work phone", "Their email"):
        assert words in card_text(reach)
    assert "Please give their details, not yours." in card_text(reach)
    assert not victim_words(reach)

    review = await referrer.click("Next", **REACH)
    review_text = card_text(review)
    assert heading(review) == "Step 7 of 7: Check and send", "no monitoring step on behalf"
    for shown in (
        "Your role in this: HR",
        f"Their name: {PERSON}",
        "They know and agree: Yes",
        "They would like: Talk to an advocate, Find out what their options are",
        "Contact them by: Their work phone, Their email",
        f"Their work phone: {PERSON_PHONE}",
        f"Their email: {PERSON_EMAIL}",
        f"Safe times: {PERSON_TIMES}",
        "We will contact the person in the way you gave.",
        "the advocate who supports the person",
    ):
        assert shown in review_text
    assert not victim_words(review)

    receipt = await referrer.click("Send my referral", consent="true")

    receipt_text = card_text(receipt)
    assert heading(receipt) == "Your referral has been sent"
    assert "ask an advocate to contact the person, in the way you gave" in receipt_text
    assert "The service lead may contact you in Teams if they need to know more." in receipt_text
    assert "If the person is in danger now, call 999." in receipt_text
    assert not victim_words(receipt)
    assert not [words for words in PRIVATE if words in referrer.chat_text()]
    stored = await world.stores.referrals.find_by_reference("SMA-2026-0001")
    assert stored is not None
    assert stored.answers == IntakeAnswers(
        route=Route.ON_BEHALF,
        employment=Employment.OFFICER,
        behalf_role=BehalfRole.HR,
        behalf_consent=YesNoUnsure.YES,
        behalf_name=PERSON,
        wishes=(Wish.TALK_TO_ADVOCATE, Wish.INFORMATION),
        account=ACCOUNT,
        when=When.PAST_WEEK,
        colleague=YesNoUnsure.YES,
        contact_methods=(ContactMethod.WORK_PHONE, ContactMethod.PERSONAL_EMAIL),
        work_phone=PERSON_PHONE,
        personal_email=PERSON_EMAIL,
        safe_times=PERSON_TIMES,
        leave_message=YesNoUnsure.NO,
        consent=True,
    )


async def test_a_persons_name_over_its_limit_is_shown_back_with_a_note_and_not_kept(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT)
    too_long = "N" * 101

    again = await referrer.click("Next", **(WHO | {"behalf_name": too_long}))

    assert heading(again) == "Step 2 of 7: Who you are referring"
    assert "The limit is 100" in (problem_under(again, "behalf_name") or "")
    assert input_values(again)["behalf_name"] == too_long
    assert (await draft_of(world, referrer)).answers.behalf_name == ""


async def test_the_on_behalf_step_cannot_be_skipped_even_by_a_made_up_click(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    who = await referrer.click("Next", **ABOUT)
    assert "Skip this step" not in buttons(who)
    data = {"referral_id": (await draft_of(world, referrer)).id, "step": "on_behalf"}
    forged = {"type": "Action.Execute", "verb": "skip", "data": {"verb": "skip", **data}}

    await referrer.invoke({"action": forged, "trigger": "manual"})

    assert heading(referrer.card) == "Step 2 of 7: Who you are referring"
    assert (await draft_of(world, referrer)).step is not IntakeStep.WISHES


async def test_sending_with_no_answer_on_whether_the_person_knows_goes_back_to_that_question(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    await referrer.click("Next", **ABOUT)
    await referrer.click("Next", **WHO)
    for _ in range(4):
        await referrer.click("Skip this step")
    draft = await draft_of(world, referrer)
    # However it came about (an old draft, a change elsewhere), the answer is missing now.
    await world.services.intake.record_answers(
        Actor(referrer.user_id, referrer.name),
        draft.id,
        draft.answers.with_changes(behalf_consent=None),
        IntakeStep.REVIEW,
    )

    shown = await referrer.click("Send my referral", consent="true")

    assert heading(shown) == "Step 2 of 7: Who you are referring"
    assert problem_under(shown, "behalf_consent") == (
        "Please answer this, so we know if we can contact them."
    )
    assert await world.stores.referrals.find_by_reference("SMA-2026-0001") is None

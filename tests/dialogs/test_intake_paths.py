"""The intake from welcome to receipt: every step answered, every step skipped, consent
missing, and a double click on the send button."""

from __future__ import annotations

from referrals.intake import (
    AgeBand,
    BehalfRole,
    ContactMethod,
    Employment,
    Gender,
    IntakeAnswers,
    Route,
    When,
    Wish,
    YesNoUnsure,
)
from referrals.states import ReferralState
from tests.dialogs.flows import (
    ABOUT_YOU,
    ACCOUNT,
    AVOID,
    CONTACT,
    EMAIL,
    MONITORING,
    PHONE,
    PRIVATE_WORDS,
    SAFE_TIMES,
    SUBJECT,
    WHAT_HAPPENED,
    WISHES,
    answer_to_review,
    buttons,
    draft_of,
    heading,
    start,
)
from tests.dialogs.harness import BotWorld, Conversation, card_text, input_values, problem_under

CONSENT_NEEDED = "Please tick this box so we can send your referral."


async def skip_to_review(person: Conversation) -> None:
    await start(person)
    for _ in range(6):
        await person.click("Skip this step")


async def test_a_referrer_who_answers_every_step_gets_a_reference_and_no_answers_stay_in_the_chat(
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    assert heading(referrer.card) == "Step 1 of 7: About you"
    seen = [heading(await referrer.click("Next", **ABOUT_YOU))]
    for answers in (WISHES, WHAT_HAPPENED, SUBJECT, CONTACT):
        seen.append(heading(await referrer.click("Next", **answers)))
    review = await referrer.click("Next", **MONITORING)

    assert seen == [
        "Step 2 of 7: What you would like",
        "Step 3 of 7: What happened",
        "Step 4 of 7: Who it is about",
        "Step 5 of 7: How to reach you",
        "Step 6 of 7: A few last questions",
    ]
    assert heading(review) == "Step 7 of 7: Check and send"
    review_text = card_text(review)
    for shown in (
        "Which fits best: It happened to me",
        "Role: Police officer",
        "You would like: Talk to an advocate, Find out what my options are",
        f"What happened: {ACCOUNT}",
        "When: In the last month",
        f"Not as your advocate: {AVOID}",
        "Contact by: A Teams chat or call, My own phone",
        f"Own phone: {PHONE}",
        f"Own email: {EMAIL}",
        f"Safe times: {SAFE_TIMES}",
        "Leave a message: No",
        "Gender: Woman",
        "Age: 25 to 34",
    ):
        assert shown in review_text
    assert "Your role in this" not in review_text
    review_message = referrer.shown

    receipt = await referrer.click("Send my referral", consent="true")

    assert heading(receipt) == "Your referral has been sent"
    assert "Reference: SMA-2026-0001" in card_text(receipt)
    assert not [w for w in PRIVATE_WORDS if w in card_text(receipt)]
    stored = await world.stores.referrals.find_by_reference("SMA-2026-0001")
    assert stored is not None
    assert stored.state is ReferralState.SUBMITTED
    assert stored.answers == IntakeAnswers(
        route=Route.EXPERIENCED,
        employment=Employment.OFFICER,
        wishes=(Wish.TALK_TO_ADVOCATE, Wish.INFORMATION),
        account=ACCOUNT,
        when=When.PAST_MONTH,
        colleague=YesNoUnsure.YES,
        avoid=AVOID,
        contact_methods=(ContactMethod.TEAMS, ContactMethod.PERSONAL_PHONE),
        personal_phone=PHONE,
        personal_email=EMAIL,
        safe_times=SAFE_TIMES,
        leave_message=YesNoUnsure.NO,
        gender=Gender.WOMAN,
        age_band=AgeBand.FROM_25_TO_34,
        consent=True,
    )
    # The review message is edited for every client, not only answered to the clicking one.
    [update] = world.adapter.updated_activities
    assert review_message is not None
    assert update.id == review_message.id
    assert heading(update.attachments[0].content) == "Your referral has been sent"
    assert not [w for w in PRIVATE_WORDS if w in referrer.chat_text()]


async def test_someone_referring_as_part_of_their_job_gets_the_role_step_and_must_say_if_the_person_knows(  # noqa: E501
    world: BotWorld, referrer: Conversation
) -> None:
    await start(referrer)
    role_step = await referrer.click("Next", route="on_behalf", employment="staff")

    assert heading(role_step) == "Step 2 of 7: Who you are referring"
    assert "Skip this step" not in buttons(role_step)
    unanswered = await referrer.click("Next", behalf_role="investigator")
    assert heading(unanswered) == "Step 2 of 7: Who you are referring"
    assert problem_under(unanswered, "behalf_consent") == (
        "Please answer this, so we know if we can contact them."
    )
    assert input_values(unanswered)["behalf_role"] == "investigator"
    assert (await draft_of(world, referrer)).answers.behalf_role is None

    wishes = await referrer.click("Next", behalf_consent="yes")
    assert heading(wishes) == "Step 3 of 7: What they would like"
    for _ in range(4):
        await referrer.click("Skip this step")
    review_text = referrer.card_text()
    assert heading(referrer.card) == "Step 7 of 7: Check and send"
    assert "Your role in this: Investigator" in review_text
    assert "They know and agree: Yes" in review_text

    receipt = await referrer.click("Send my referral", consent="true")

    assert "Reference: SMA-2026-0001" in card_text(receipt)
    stored = await world.stores.referrals.find_by_reference("SMA-2026-0001")
    assert stored is not None
    assert stored.answers == IntakeAnswers(
        route=Route.ON_BEHALF,
        employment=Employment.STAFF,
        behalf_role=BehalfRole.INVESTIGATOR,
        behalf_consent=YesNoUnsure.YES,
        consent=True,
    )


async def test_a_referrer_may_skip_every_step_and_still_send_with_consent(
    world: BotWorld, referrer: Conversation
) -> None:
    await skip_to_review(referrer)

    assert heading(referrer.card) == "Step 7 of 7: Check and send"
    assert "Which fits best: Not given" in referrer.card_text()
    receipt = await referrer.click("Send my referral", consent="true")

    assert heading(receipt) == "Your referral has been sent"
    stored = await world.stores.referrals.find_by_reference("SMA-2026-0001")
    assert stored is not None
    assert stored.state is ReferralState.SUBMITTED
    assert stored.answers == IntakeAnswers(consent=True)


async def test_sending_without_consent_shows_the_review_again_with_the_reason_by_the_tick_box(
    world: BotWorld, referrer: Conversation
) -> None:
    await skip_to_review(referrer)

    again = await referrer.click("Send my referral")  # the toggle's own value: "false"

    assert heading(again) == "Step 7 of 7: Check and send"
    assert problem_under(again, "consent") == CONSENT_NEEDED
    draft = await draft_of(world, referrer)
    assert draft.state is ReferralState.DRAFT
    assert draft.reference == ""
    assert world.adapter.updated_activities == []
    receipt = await referrer.click("Send my referral", consent="true")
    assert "Reference: SMA-2026-0001" in card_text(receipt), "no number was used up"


async def test_a_double_click_on_send_makes_one_referral_and_shows_the_same_receipt_again(
    world: BotWorld, referrer: Conversation, other: Conversation
) -> None:
    review = await answer_to_review(referrer)

    first = await referrer.click("Send my referral", consent="true")
    second = await referrer.click_on(review, "Send my referral", consent="true")

    assert heading(second) == "Your referral has been sent"
    assert "Reference: SMA-2026-0001" in card_text(first)
    assert "Reference: SMA-2026-0001" in card_text(second)
    sent = await world.stores.referrals.list_in_states({ReferralState.SUBMITTED})
    assert [r.reference for r in sent] == ["SMA-2026-0001"]
    assert await world.stores.referrals.find_draft(referrer.user_id) is None
    await skip_to_review(other)
    receipt = await other.click("Send my referral", consent="true")
    assert "Reference: SMA-2026-0002" in card_text(receipt), "the next number was not used"

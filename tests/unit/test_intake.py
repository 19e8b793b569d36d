"""The intake: which step comes next, the documented text limits, and consent."""

from __future__ import annotations

import pytest

from cards.wording import REQUIRED_NOTES
from referrals import errors
from referrals.audit import AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.intake import (
    REQUIRED_ANSWERS,
    STATISTICAL_FIELDS,
    TEXT_LIMITS,
    BehalfRole,
    ContactMethod,
    IntakeAnswers,
    IntakeStep,
    Route,
    Wish,
    YesNoUnsure,
    can_skip,
    first_unanswered_step,
    limit_problems,
    missing_answers,
    next_step,
    quick_request,
)
from referrals.people import Actor
from referrals.referral import Referral
from referrals.services import Services
from referrals.states import ReferralState
from storage.memory import MemoryAuditLog, memory_stores
from tests.unit.builders import ACTORS, CANARY, NOW, SMLO_IDS, Role, new_draft

Step = IntakeStep
STEPS_WITHOUT_BEHALF = [
    Step.ABOUT_YOU,
    Step.WISHES,
    Step.WHAT_HAPPENED,
    Step.SUBJECT,
    Step.CONTACT,
    Step.MONITORING,
    Step.REVIEW,
]


def steps_seen(answers: IntakeAnswers) -> list[IntakeStep]:
    seen: list[IntakeStep] = []
    current: IntakeStep | None = None
    while current is not Step.REVIEW:
        current = next_step(current, answers)
        seen.append(current)
        assert len(seen) <= len(IntakeStep), f"the intake never reaches review: {seen}"
    return seen


# -- next_step ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route", [None, Route.EXPERIENCED, Route.WITNESSED, Route.CONCERN], ids=str
)
def test_intake_skips_the_on_behalf_step_unless_the_route_is_on_behalf(
    route: Route | None,
) -> None:
    assert steps_seen(IntakeAnswers(route=route)) == STEPS_WITHOUT_BEHALF


def test_intake_asks_the_on_behalf_step_right_after_about_you_and_no_monitoring_on_behalf() -> None:
    # The sender's own gender and age say nothing about the person they refer.
    assert steps_seen(IntakeAnswers(route=Route.ON_BEHALF)) == [
        Step.ABOUT_YOU,
        Step.ON_BEHALF,
        Step.WISHES,
        Step.WHAT_HAPPENED,
        Step.SUBJECT,
        Step.CONTACT,
        Step.REVIEW,
    ]


def test_intake_stays_on_review_once_there() -> None:
    assert next_step(Step.REVIEW, IntakeAnswers()) is Step.REVIEW


def test_intake_moves_on_from_the_on_behalf_step_after_the_route_changes() -> None:
    assert next_step(Step.ON_BEHALF, IntakeAnswers(route=Route.EXPERIENCED)) is Step.WISHES


# -- limits ---------------------------------------------------------------------------


def answers_with(field: str, size: int) -> IntakeAnswers:
    return IntakeAnswers().with_changes(**{field: "x" * size})


@pytest.mark.parametrize(("field", "limit"), TEXT_LIMITS.items())
def test_text_exactly_at_its_limit_is_accepted(field: str, limit: int) -> None:
    assert limit_problems(answers_with(field, limit)) == {}


@pytest.mark.parametrize(("field", "limit"), TEXT_LIMITS.items())
def test_text_one_character_over_its_limit_is_a_problem_naming_the_field(
    field: str, limit: int
) -> None:
    problems = limit_problems(answers_with(field, limit + 1))

    assert list(problems) == [field]
    assert str(limit) in problems[field]


def test_every_over_limit_field_is_named_at_once() -> None:
    answers = IntakeAnswers().with_changes(
        **{field: "x" * (limit + 1) for field, limit in TEXT_LIMITS.items()}
    )

    assert set(limit_problems(answers)) == set(TEXT_LIMITS)


def test_empty_answers_have_no_problems() -> None:
    assert limit_problems(IntakeAnswers()) == {}


# -- record_answers -------------------------------------------------------------------


def over_limit_answers() -> IntakeAnswers:
    return IntakeAnswers(consent=True).with_changes(
        account=CANARY * 200, avoid=CANARY * 30, safe_times="ok"
    )


def test_over_limit_answers_are_refused_naming_the_fields_and_nothing_is_kept() -> None:
    referral = new_draft()
    kept = (referral.answers, referral.step, referral.updated_at)

    with pytest.raises(errors.AnswerInvalid) as refused:
        referral.record_answers(
            ACTORS[Role.REFERRER], over_limit_answers(), Step.CONTACT, NOW.replace(hour=12)
        )

    assert set(refused.value.problems) == {"account", "avoid"}
    assert "account" in str(refused.value)
    assert "avoid" in str(refused.value)
    assert CANARY not in str(refused.value), "the error must not repeat what was written"
    assert (referral.answers, referral.step, referral.updated_at) == kept


async def test_over_limit_answers_leave_the_stored_answers_unchanged() -> None:
    service = Services.build(memory_stores(), FakeClock(NOW), frozenset(SMLO_IDS), MemoryAuditLog())
    referrer = Actor("referrer-1")
    draft = await service.intake.start_draft(referrer)
    good = IntakeAnswers(route=Route.WITNESSED, account="what I saw")
    await service.intake.record_answers(referrer, draft.id, good, Step.WHAT_HAPPENED)

    with pytest.raises(errors.AnswerInvalid) as refused:
        await service.intake.record_answers(referrer, draft.id, over_limit_answers(), Step.CONTACT)

    assert set(refused.value.problems) == {"account", "avoid"}
    stored = await service.steps.view(referrer, draft.id)
    assert stored.answers == good
    assert stored.step is Step.WHAT_HAPPENED


def test_only_the_referrer_may_change_the_answers() -> None:
    referral = new_draft()
    kept = referral.answers

    with pytest.raises(errors.NotTheReferrer):
        referral.record_answers(ACTORS[Role.SMLO], IntakeAnswers(), Step.ABOUT_YOU, NOW)
    assert referral.answers == kept


def test_answers_cannot_change_after_submission() -> None:
    referral = new_draft()
    referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, NOW)

    with pytest.raises(errors.InvalidTransition):
        referral.record_answers(ACTORS[Role.REFERRER], IntakeAnswers(), Step.ABOUT_YOU, NOW)


# -- consent --------------------------------------------------------------------------


def test_submit_without_consent_raises_consent_required_and_stays_a_draft() -> None:
    referral = Referral.start_draft(ACTORS[Role.REFERRER], NOW)
    answers = IntakeAnswers(route=Route.CONCERN, account="something happened")
    referral.record_answers(ACTORS[Role.REFERRER], answers, Step.REVIEW, NOW)

    with pytest.raises(errors.ConsentRequired):
        referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, NOW)

    assert referral.state is ReferralState.DRAFT
    assert referral.reference == ""
    assert referral.new_notifications == []


ON_BEHALF = IntakeAnswers(
    route=Route.ON_BEHALF,
    behalf_role=BehalfRole.HR,
    behalf_name=CANARY,
    behalf_consent=YesNoUnsure.YES,
    personal_email="person@example.org",
    consent=True,
)


def test_an_on_behalf_referral_without_an_answer_on_whether_the_person_knows_is_refused() -> None:
    referral = Referral.start_draft(ACTORS[Role.REFERRER], NOW)
    answers = ON_BEHALF.with_changes(behalf_consent=None)
    referral.record_answers(ACTORS[Role.REFERRER], answers, Step.ON_BEHALF, NOW)

    with pytest.raises(errors.RequiredAnswerMissing):
        referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, NOW)

    assert referral.state is ReferralState.DRAFT
    assert referral.new_notifications == []


@pytest.mark.parametrize("known", list(YesNoUnsure), ids=str)
def test_an_on_behalf_referral_goes_with_any_answer_on_whether_the_person_knows(
    known: YesNoUnsure,
) -> None:
    referral = Referral.start_draft(ACTORS[Role.REFERRER], NOW)
    referral.record_answers(
        ACTORS[Role.REFERRER], ON_BEHALF.with_changes(behalf_consent=known), Step.REVIEW, NOW
    )

    referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, NOW)

    assert referral.state is ReferralState.SUBMITTED


def test_the_persons_name_is_limited_like_other_text_and_never_counted() -> None:
    assert TEXT_LIMITS["behalf_name"] == 100
    assert "behalf_name" not in STATISTICAL_FIELDS
    assert limit_problems(ON_BEHALF.with_changes(behalf_name="x" * 101)) == {
        "behalf_name": "101 characters; the limit is 100"
    }


def test_withdrawing_an_on_behalf_referral_erases_the_persons_name_and_contact() -> None:
    referrer = ACTORS[Role.REFERRER]
    referral = Referral.start_draft(referrer, NOW)
    referral.record_answers(referrer, ON_BEHALF, Step.REVIEW, NOW)
    referral.submit(referrer, "SMA-2026-0001", SMLO_IDS, NOW)

    referral.withdraw(referrer, SMLO_IDS, NOW)

    assert referral.answers.behalf_name == ""
    assert referral.answers.personal_email == ""
    assert referral.answers.route is Route.ON_BEHALF
    assert referral.answers.behalf_role is BehalfRole.HR
    assert referral.answers.behalf_consent is None, "not a statistic: erased with the rest"


def test_submit_with_consent_is_accepted() -> None:
    referral = Referral.start_draft(ACTORS[Role.REFERRER], NOW)
    answers = IntakeAnswers(route=Route.CONCERN, consent=True)
    referral.record_answers(ACTORS[Role.REFERRER], answers, Step.REVIEW, NOW)

    referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, NOW)

    assert referral.state is ReferralState.SUBMITTED


# -- required answers ---------------------------------------------------------------------

ON_BEHALF_NO_CONSENT = IntakeAnswers(route=Route.ON_BEHALF, behalf_role=BehalfRole.HR)


def on_behalf_draft_at(step: IntakeStep | None) -> Referral:
    """An on-behalf draft whose consent question is unanswered, resumable at `step`."""
    referral = Referral.start_draft(ACTORS[Role.REFERRER], NOW)
    referral.answers, referral.step = ON_BEHALF_NO_CONSENT, step  # as an older draft was kept
    return referral


def test_only_the_on_behalf_step_asks_a_required_question() -> None:
    assert {step for step in IntakeStep if not can_skip(step)} == {Step.ON_BEHALF}
    assert missing_answers(Step.ON_BEHALF, ON_BEHALF_NO_CONSENT) == ("behalf_consent",)
    given = ON_BEHALF_NO_CONSENT.with_changes(behalf_consent=YesNoUnsure.UNSURE)
    assert missing_answers(Step.ON_BEHALF, given) == ()


@pytest.mark.parametrize("target", [Step.WISHES, Step.CONTACT, Step.REVIEW], ids=str)
def test_an_on_behalf_draft_cannot_go_on_past_its_step_without_the_consent_answer(
    target: IntakeStep,
) -> None:
    referral = on_behalf_draft_at(Step.ON_BEHALF)

    with pytest.raises(errors.RequiredAnswerMissing) as refused:
        referral.record_answers(
            ACTORS[Role.REFERRER], ON_BEHALF_NO_CONSENT, target, NOW, leaving=Step.ON_BEHALF
        )

    assert (refused.value.step, refused.value.fields) == (Step.ON_BEHALF, ("behalf_consent",))
    assert referral.step is Step.ON_BEHALF, "nothing moved"


def test_the_step_the_card_was_for_counts_even_when_the_draft_was_saved_further_on() -> None:
    referral = on_behalf_draft_at(Step.REVIEW)

    with pytest.raises(errors.RequiredAnswerMissing):
        referral.record_answers(
            ACTORS[Role.REFERRER], ON_BEHALF_NO_CONSENT, Step.WISHES, NOW, leaving=Step.ON_BEHALF
        )


@pytest.mark.parametrize("target", [Step.ABOUT_YOU, Step.ON_BEHALF], ids=str)
def test_going_back_or_finishing_later_never_needs_the_required_answer(
    target: IntakeStep,
) -> None:
    referral = on_behalf_draft_at(Step.ON_BEHALF)

    referral.record_answers(
        ACTORS[Role.REFERRER], ON_BEHALF_NO_CONSENT, target, NOW, leaving=Step.ON_BEHALF
    )

    assert referral.step is target


def test_submit_is_refused_naming_the_step_whose_required_answer_is_missing() -> None:
    referral = on_behalf_draft_at(Step.REVIEW)
    referral.answers = referral.answers.with_changes(consent=True)

    with pytest.raises(errors.RequiredAnswerMissing) as refused:
        referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, NOW)

    assert refused.value.step is Step.ON_BEHALF
    assert (referral.state, referral.reference, referral.new_notifications) == (
        ReferralState.DRAFT,
        "",
        [],
    )


def test_a_required_question_of_a_step_the_person_does_not_see_is_not_asked() -> None:
    """Changed their mind: no longer on behalf, so the on-behalf step no longer applies."""
    answers = IntakeAnswers(route=Route.EXPERIENCED, consent=True)

    assert first_unanswered_step(answers) is None


def test_every_required_question_has_kind_words_to_show_under_it() -> None:
    required = {name for names in REQUIRED_ANSWERS.values() for name in names}

    assert required <= set(REQUIRED_NOTES)


# -- the short way: ask an advocate to contact me ---------------------------------------


def test_the_short_way_asks_to_talk_to_an_advocate_by_teams_and_keeps_what_was_told() -> None:
    assert quick_request(IntakeAnswers()) == IntakeAnswers(
        wishes=(Wish.TALK_TO_ADVOCATE,), contact_methods=(ContactMethod.TEAMS,)
    )
    told = IntakeAnswers(
        route=Route.WITNESSED,
        wishes=(Wish.INFORMATION,),
        contact_methods=(ContactMethod.WORK_PHONE,),
    )
    assert quick_request(told) == told.with_changes(
        wishes=(Wish.TALK_TO_ADVOCATE, Wish.INFORMATION)
    )


def services() -> Services:
    return Services.build(memory_stores(), FakeClock(NOW), frozenset(SMLO_IDS), MemoryAuditLog())


async def test_asking_for_contact_sends_a_new_referral_at_once_and_audits_it() -> None:
    service, referrer = services(), Actor("referrer-1")

    sent = await service.intake.ask_for_contact(referrer, consent=True)

    assert (sent.state, sent.reference) == (ReferralState.SUBMITTED, "SMA-2026-0001")
    assert sent.answers.wishes == (Wish.TALK_TO_ADVOCATE,)
    assert sent.answers.contact_methods == (ContactMethod.TEAMS,)
    assert sent.answers.route is None
    trail = await service.steps.audit.for_referral(sent.id)
    assert [(e.action, e.outcome) for e in trail] == [(AuditAction.SUBMIT, Outcome.ALLOWED)]


async def test_asking_for_contact_sends_the_draft_in_progress_with_its_answers() -> None:
    service, referrer = services(), Actor("referrer-1")
    draft = await service.intake.start_draft(referrer)
    told = IntakeAnswers(route=Route.WITNESSED, account="what I saw")
    await service.intake.record_answers(referrer, draft.id, told, Step.WHAT_HAPPENED)

    sent = await service.intake.ask_for_contact(referrer, consent=True)

    assert sent.id == draft.id
    assert (sent.answers.route, sent.answers.account) == (Route.WITNESSED, "what I saw")


async def test_asking_for_contact_without_the_tick_sends_nothing_and_starts_no_draft() -> None:
    service, referrer = services(), Actor("referrer-1")

    with pytest.raises(errors.ConsentRequired):
        await service.intake.ask_for_contact(referrer, consent=False)

    assert await service.intake.find_draft(referrer) is None


async def test_asking_for_contact_keeps_to_the_required_answers_of_the_draft() -> None:
    service, referrer = services(), Actor("referrer-1")
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, ON_BEHALF_NO_CONSENT, Step.ON_BEHALF)

    with pytest.raises(errors.RequiredAnswerMissing) as refused:
        await service.intake.ask_for_contact(referrer, consent=True)

    assert refused.value.step is Step.ON_BEHALF
    kept = await service.intake.find_draft(referrer)
    assert kept is not None
    assert kept.state is ReferralState.DRAFT
    trail = await service.steps.audit.for_referral(draft.id)
    assert (trail[-1].action, trail[-1].outcome) == (AuditAction.SUBMIT, Outcome.REFUSED)


def test_a_senders_own_monitoring_answers_are_not_counted_as_the_persons() -> None:
    referral = Referral.start_draft(ACTORS[Role.REFERRER], NOW)
    given_first = ON_BEHALF.with_changes(gender="woman", age_band="25_34")
    referral.record_answers(ACTORS[Role.REFERRER], given_first, Step.REVIEW, NOW)

    referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, NOW)

    assert (referral.answers.gender, referral.answers.age_band) == (None, None)
    assert referral.answers.behalf_name == ON_BEHALF.behalf_name

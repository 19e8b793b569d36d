"""Referrals an SMLO takes for someone without Teams (`referrals.outside`): the SMLO is the
maker, may still triage and allocate, and every piece of news for the person becomes a
to-do for the SMLO who made it or the advocate who holds it; nothing is queued for a
chat of the person's, nor can it be."""

from __future__ import annotations

from datetime import timedelta

import pytest

from referrals import errors
from referrals.case_record import CloseOutcome, Closure
from referrals.escalation import Consent, Destination, Escalation, InfoCategory
from referrals.intake import (
    STAY_IN_TOUCH,
    ContactMethod,
    Employment,
    IntakeAnswers,
    IntakeStep,
    Route,
    YesNoUnsure,
    may_lose_teams,
    stay_in_touch_methods,
)
from referrals.notifications import TELL_PERSON, NotificationKind
from referrals.outside import OutsideChannel, WithdrawnFor, channel_of
from referrals.people import Actor
from referrals.referral import Referral
from referrals.signposting import Signpost
from referrals.states import ReferralState
from tests.unit.builders import ACTORS, CANARY, NOW, OFFERED_ADVOCATE, SMLO_IDS, Role, new_draft

K = NotificationKind
SMLO, OTHER_SMLO = ACTORS[Role.SMLO], Actor("smlo-2", "Sal Second-Smlo", is_smlo=True)
ADVOCATE = ACTORS[Role.ADVOCATE]
BY_PHONE = IntakeAnswers(
    route=Route.ON_BEHALF,
    behalf_consent=YesNoUnsure.YES,
    behalf_name=CANARY,
    contact_methods=(ContactMethod.PERSONAL_PHONE,),
    personal_phone=CANARY,
    consent=True,
)


def outside_draft(answers: IntakeAnswers = BY_PHONE, maker: Actor = SMLO) -> Referral:
    draft = Referral.start_outside_draft(maker, NOW)
    draft.record_answers(maker, answers, IntakeStep.REVIEW, NOW)
    return draft


def sent(maker: Actor = SMLO) -> Referral:
    referral = outside_draft(maker=maker)
    referral.submit(maker, "SMA-2026-0001", SMLO_IDS, NOW)
    return referral


def accepted() -> Referral:
    referral = sent()
    referral.offer(SMLO, OFFERED_ADVOCATE, NOW)
    referral.accept(ADVOCATE, SMLO_IDS, NOW)
    return referral


def told(referral: Referral) -> list[tuple[NotificationKind, str]]:
    return [(n.kind, n.recipient_id) for n in referral.new_notifications]


def test_only_an_smlo_takes_a_referral_for_someone_without_teams() -> None:
    for role in (Role.REFERRER, Role.ADVOCATE, Role.STRANGER):
        with pytest.raises(errors.NotAnSmlo):
            Referral.start_outside_draft(ACTORS[role], NOW)
    draft = Referral.start_outside_draft(SMLO, NOW)
    assert draft.outside_teams
    assert draft.referrer_id == SMLO.user_id
    assert draft.answers.route is Route.ON_BEHALF


def test_it_stays_on_the_on_behalf_route_whatever_a_card_sends() -> None:
    draft = outside_draft(BY_PHONE.with_changes(route=Route.EXPERIENCED))
    assert draft.answers.route is Route.ON_BEHALF


def test_it_is_not_sent_without_a_way_to_reach_the_person_outside_teams() -> None:
    for methods in ((), (ContactMethod.TEAMS,)):
        draft = outside_draft(BY_PHONE.with_changes(contact_methods=methods))
        with pytest.raises(errors.RequiredAnswerMissing) as refused:
            draft.submit(SMLO, "SMA-2026-0001", SMLO_IDS, NOW)
        assert refused.value.step is IntakeStep.CONTACT
        assert refused.value.fields == ("contact_methods",)
        assert draft.state is ReferralState.DRAFT


def test_the_channel_is_the_first_way_outside_teams_chosen() -> None:
    email_first = (ContactMethod.TEAMS, ContactMethod.PERSONAL_EMAIL, ContactMethod.WORK_PHONE)
    assert channel_of(BY_PHONE.with_changes(contact_methods=email_first)) is OutsideChannel.EMAIL
    assert sent().outside_channel is OutsideChannel.PHONE
    assert new_draft().outside_channel is None  # a referral in Teams has none


def test_every_smlo_gets_its_card_the_one_who_took_it_too() -> None:
    assert told(sent()) == [(K.NEW_REFERRAL, "smlo-1"), (K.NEW_REFERRAL, "smlo-2")]


def test_the_smlo_who_took_it_may_triage_allocate_and_read_its_record() -> None:
    referral = accepted()
    referral.ensure_can_read_record(SMLO)
    referral.ensure_can_escalate(SMLO)
    assert referral.state is ReferralState.ACTIVE


def test_an_smlos_own_referral_in_teams_is_still_left_to_another_smlo() -> None:
    own = new_draft(referrer=SMLO)
    own.submit(SMLO, "SMA-2026-0002", SMLO_IDS, NOW)
    assert told(own) == [(K.NEW_REFERRAL, "smlo-2")]
    with pytest.raises(errors.CannotTriageOwnReferral):
        own.offer(SMLO, OFFERED_ADVOCATE, NOW)


def test_acceptance_is_a_to_do_for_the_advocate_never_news_for_a_chat() -> None:
    referral = sent()
    referral.offer(SMLO, OFFERED_ADVOCATE, NOW)
    referral.new_notifications.clear()
    referral.accept(ADVOCATE, SMLO_IDS, NOW)
    assert (K.TELL_PERSON_ALLOCATED, ADVOCATE.user_id) in told(referral)
    assert K.ADVOCATE_ALLOCATED not in [kind for kind, _ in told(referral)]


def test_out_of_remit_is_a_to_do_for_the_smlo_who_took_it() -> None:
    referral = sent(maker=OTHER_SMLO)
    referral.new_notifications.clear()
    referral.mark_out_of_remit(SMLO, Signpost.WELLBEING, NOW)
    assert told(referral) == [(K.TELL_PERSON_SIGNPOSTED, OTHER_SMLO.user_id)]


def test_a_close_and_an_escalation_are_to_dos_for_the_advocate_who_holds_it() -> None:
    referral = accepted()
    referral.new_notifications.clear()
    decision = Escalation(
        Destination.PSD,
        Consent.CONSENTED,
        NOW.date(),
        rationale=CANARY,
        categories=(InfoCategory.IDENTITY,),
    )
    referral.record_escalation(SMLO, decision, NOW)
    assert told(referral) == [(K.TELL_PERSON_ESCALATED, ADVOCATE.user_id)]
    referral.new_notifications.clear()
    closure = Closure(CloseOutcome.SUPPORT_COMPLETED, True, CANARY)
    referral.close(ADVOCATE, NOW + timedelta(hours=1), closure, SMLO_IDS)
    assert (K.TELL_PERSON_CLOSED, ADVOCATE.user_id) in told(referral)
    assert (K.CASE_CLOSED, SMLO.user_id) in told(referral), "told as an SMLO too"


def test_news_for_a_referrer_in_teams_still_goes_to_them() -> None:
    referral = new_draft()
    referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0003", SMLO_IDS, NOW)
    referral.offer(SMLO, OFFERED_ADVOCATE, NOW)
    referral.accept(ADVOCATE, SMLO_IDS, NOW)
    assert (K.ADVOCATE_ALLOCATED, "referrer-1") in told(referral)
    assert not set(TELL_PERSON.values()) & {kind for kind, _ in told(referral)}


def test_messages_cannot_reach_the_person_and_the_answer_says_why() -> None:
    referral = accepted()
    for actor in (ADVOCATE, SMLO):
        with pytest.raises(errors.ReachedOutsideTeams):
            referral.send_message(actor, "Hello", SMLO_IDS, NOW)
    assert not referral.new_entries


def test_what_the_person_would_do_in_teams_is_refused_to_the_smlo_as_maker() -> None:
    referral = accepted()
    with pytest.raises(errors.ReachedOutsideTeams):
        referral.withdraw(SMLO, SMLO_IDS, NOW)
    with pytest.raises(errors.ReachedOutsideTeams):
        referral.ask_for_new_advocate(SMLO, SMLO_IDS, NOW)
    assert referral.state is ReferralState.ACTIVE


def test_any_smlo_withdraws_it_for_the_person_saying_how_they_asked() -> None:
    referral = accepted()
    referral.new_notifications.clear()
    referral.withdraw_for_person(OTHER_SMLO, WithdrawnFor.BY_PHONE, SMLO_IDS, NOW)
    assert referral.state is ReferralState.WITHDRAWN
    assert referral.is_erased
    assert referral.history[-2].detail == "for_person:by_phone"
    assert set(told(referral)) == {(K.WITHDRAWN, "smlo-1"), (K.WITHDRAWN, ADVOCATE.user_id)}
    assert CANARY not in repr(referral.answers)
    with pytest.raises(errors.AlreadyWithdrawn):
        referral.withdraw_for_person(SMLO, WithdrawnFor.BY_PHONE, SMLO_IDS, NOW)


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.REFERRER, Role.STRANGER])
def test_only_an_smlo_withdraws_for_the_person(role: Role) -> None:
    referral = accepted()
    with pytest.raises(errors.NotAnSmlo):
        referral.withdraw_for_person(ACTORS[role], WithdrawnFor.BY_EMAIL, SMLO_IDS, NOW)
    assert referral.state is ReferralState.ACTIVE


def test_a_referral_in_teams_is_withdrawn_by_its_referrer_not_for_them() -> None:
    referral = new_draft()
    referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0004", SMLO_IDS, NOW)
    with pytest.raises(errors.NotTheReferrer):
        referral.withdraw_for_person(SMLO, WithdrawnFor.BY_PHONE, SMLO_IDS, NOW)


def test_someone_leaving_or_gone_is_offered_personal_ways_to_stay_in_touch() -> None:
    staying = IntakeAnswers(employment=Employment.OFFICER)
    assert not may_lose_teams(staying)
    assert stay_in_touch_methods(staying) == ()
    for answers in (
        IntakeAnswers(employment=Employment.FORMER),
        staying.with_changes(leaving=YesNoUnsure.YES),
    ):
        assert may_lose_teams(answers)
        assert stay_in_touch_methods(answers) == STAY_IN_TOUCH
    chose = IntakeAnswers(employment=Employment.FORMER, contact_methods=(ContactMethod.TEAMS,))
    assert stay_in_touch_methods(chose) == (ContactMethod.TEAMS,)  # their choice stands


def test_leaving_is_never_counted() -> None:
    answers = IntakeAnswers(leaving=YesNoUnsure.YES, employment=Employment.STAFF)
    assert answers.statistical_only().leaving is None

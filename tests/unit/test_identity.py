"""Anonymous to the service: the name is never kept, staff are shown "Anonymous", the
on-behalf route cannot choose it, conflicts stay private, and the person can tell the
service who they are later."""

from __future__ import annotations

import dataclasses

import pytest

from referrals import errors
from referrals.allocation import ConflictReason, allocation_options, conflicts, exclusions
from referrals.availability import Exclusion, OverrideReason
from referrals.identity import (
    ANONYMOUS,
    NOT_ON_BEHALF,
    anonymity_problems,
    referrer_shown_as,
)
from referrals.intake import BehalfRole, Identity, IntakeStep, Route, YesNoUnsure
from referrals.notifications import NotificationKind
from referrals.people import Advocate
from referrals.referral import IDENTITY_SHARED, Referral
from referrals.states import ReferralState
from referrals.statistics import contribution_of
from tests.unit.builders import (
    ACTIVE,
    ACTORS,
    NOW,
    OFFERED_ADVOCATE,
    SMLO_IDS,
    SUBMITTED,
    Path,
    Role,
    answers_with_canary,
    attempt,
)

REFERRER = ACTORS[Role.REFERRER]
SMLO = ACTORS[Role.SMLO]
REFERRER_NAME = REFERRER.display_name
# The anonymous referrer is an advocate too.
REFERRER_AS_ADVOCATE = Advocate(REFERRER.user_id, REFERRER_NAME)


def anonymous_walk(path: Path) -> Referral:
    """A referral whose referrer chose anonymity, brought to the end of `path`."""
    draft = Referral.start_draft(REFERRER, NOW)
    answers = answers_with_canary().with_changes(identity=Identity.ANONYMOUS)
    draft.record_answers(REFERRER, answers, IntakeStep.REVIEW, NOW)
    for transition, role in path.steps:
        attempt(draft, transition, ACTORS[role])
    return draft


def test_an_anonymous_referral_keeps_no_name_and_staff_see_anonymous() -> None:
    referral = anonymous_walk(SUBMITTED)
    assert referral.referrer_name == ""
    assert referrer_shown_as(referral) == ANONYMOUS
    assert referral.referrer_id == REFERRER.user_id  # sealed, for the bot alone


def test_a_named_referral_shows_the_referrers_name() -> None:
    draft = Referral.start_draft(REFERRER, NOW)
    draft.record_answers(REFERRER, answers_with_canary(), IntakeStep.REVIEW, NOW)
    assert referrer_shown_as(draft) == REFERRER_NAME


def test_choosing_named_again_in_the_draft_keeps_the_teams_name_again() -> None:
    draft = Referral.start_draft(REFERRER, NOW)
    anonymous = answers_with_canary().with_changes(identity=Identity.ANONYMOUS)
    draft.record_answers(REFERRER, anonymous, IntakeStep.REVIEW, NOW)
    assert draft.referrer_name == ""
    named = anonymous.with_changes(identity=Identity.NAMED)
    draft.record_answers(REFERRER, named, IntakeStep.REVIEW, NOW)
    assert draft.referrer_name == REFERRER_NAME


def test_the_on_behalf_route_cannot_be_anonymous_and_says_why() -> None:
    answers = answers_with_canary().with_changes(
        route=Route.ON_BEHALF,
        behalf_role=BehalfRole.HR,
        behalf_consent=YesNoUnsure.YES,
        identity=Identity.ANONYMOUS,
    )
    assert anonymity_problems(answers) == {"identity": NOT_ON_BEHALF}
    assert "part of their job" in NOT_ON_BEHALF
    draft = Referral.start_draft(REFERRER, NOW)
    with pytest.raises(errors.AnswerInvalid):
        draft.record_answers(REFERRER, answers, IntakeStep.REVIEW, NOW)
    assert anonymity_problems(answers.with_changes(identity=Identity.NAMED)) == {}


def test_telling_the_service_later_names_them_and_tells_the_smlos_and_advocate() -> None:
    referral = anonymous_walk(ACTIVE)
    referral.new_notifications.clear()
    referral.share_identity(REFERRER, SMLO_IDS, NOW)
    assert referrer_shown_as(referral) == REFERRER_NAME
    assert referral.history[-1].name == IDENTITY_SHARED
    assert referral.history[-1].detail == ""
    told = {(n.recipient_id, n.kind) for n in referral.new_notifications}
    kind = NotificationKind.IDENTITY_SHARED
    assert told == {("smlo-1", kind), ("smlo-2", kind), (OFFERED_ADVOCATE.user_id, kind)}


def test_only_the_referrer_can_tell_and_only_once() -> None:
    referral = anonymous_walk(SUBMITTED)
    with pytest.raises(errors.NotTheReferrer):
        referral.share_identity(SMLO, SMLO_IDS, NOW)
    referral.share_identity(REFERRER, SMLO_IDS, NOW)
    with pytest.raises(errors.IdentityAlreadyShared):
        referral.share_identity(REFERRER, SMLO_IDS, NOW)


def test_a_withdrawn_referral_cannot_be_told_who_referred() -> None:
    referral = anonymous_walk(SUBMITTED)
    referral.withdraw(REFERRER, SMLO_IDS, NOW)
    with pytest.raises(errors.NotTheReferrer):  # erased: nobody is tied to it any more
        referral.share_identity(REFERRER, SMLO_IDS, NOW)
    assert referral.state is ReferralState.WITHDRAWN


# -- conflicts kept private -------------------------------------------------------------

COLLEAGUE = Advocate("advocate-9", "Cal Colleague", team="Team South")
DEPARTMENT = (ConflictReason.SAME_DEPARTMENT,)


def test_directory_conflicts_of_an_anonymous_referral_show_only_as_private() -> None:
    referral = anonymous_walk(SUBMITTED)
    assert conflicts(referral, COLLEAGUE, DEPARTMENT) == (ConflictReason.PRIVATE,)
    assert conflicts(referral, COLLEAGUE) == ()
    on = NOW.date()
    assert exclusions(referral, COLLEAGUE, 0, 5, on, DEPARTMENT) == (Exclusion.PRIVATE_CONFLICT,)


def test_an_anonymous_referrer_on_the_roster_is_listed_as_a_private_conflict() -> None:
    """Leaving them off the list, as for a named referral, would say who referred it."""
    referral = anonymous_walk(SUBMITTED)
    options = allocation_options(
        referral,
        [REFERRER_AS_ADVOCATE, COLLEAGUE],
        {},
        on=NOW.date(),
        flagged={COLLEAGUE.user_id: (ConflictReason.LINE_MANAGEMENT,)},
    )
    shown = {o.advocate.user_id: (o.conflict_reasons, o.excluded_for) for o in options}
    private = ((ConflictReason.PRIVATE,), (Exclusion.PRIVATE_CONFLICT,))
    assert shown == {REFERRER.user_id: private, COLLEAGUE.user_id: private}


def test_a_named_referrer_on_the_roster_is_left_off_the_list() -> None:
    draft = Referral.start_draft(REFERRER, NOW)
    draft.record_answers(REFERRER, answers_with_canary(), IntakeStep.REVIEW, NOW)
    draft.submit(REFERRER, "SMA-2026-0001", SMLO_IDS, NOW)
    options = allocation_options(draft, [REFERRER_AS_ADVOCATE, COLLEAGUE], {}, on=NOW.date())
    assert [o.advocate.user_id for o in options] == [COLLEAGUE.user_id]


def test_a_private_conflict_cannot_be_overridden() -> None:
    referral = anonymous_walk(SUBMITTED)
    why = (Exclusion.PRIVATE_CONFLICT,)
    with pytest.raises(errors.AdvocateNotAvailable):
        referral.offer(SMLO, COLLEAGUE, NOW, why, OverrideReason.CONFLICT_CHECKED)
    assert referral.state is ReferralState.SUBMITTED
    other = dataclasses.replace(COLLEAGUE, user_id="advocate-8")
    referral.offer(SMLO, other, NOW)
    assert referral.offered_to == "advocate-8"


def test_an_anonymous_referral_counts_in_the_figures_exactly_as_a_named_one() -> None:
    """What the person chose to answer is counted; being anonymous is not a figure."""
    named = Referral.start_draft(REFERRER, NOW)
    named.record_answers(REFERRER, answers_with_canary(), IntakeStep.REVIEW, NOW)
    named.submit(REFERRER, "SMA-2026-0001", SMLO_IDS, NOW)
    anonymous = anonymous_walk(SUBMITTED)

    assert contribution_of(anonymous) == contribution_of(named) != {}

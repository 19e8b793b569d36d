"""Who may move a referral through its lifecycle, from where, and what each move leaves
behind (history and notifications).

The big table test checks every transition x every reachable state x every role against a
small model of the rules written out here; the model reads STATE_TABLE for where a
transition may start and where it lands, and spells out the permission rules itself.
"""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest

from referrals import errors, states
from referrals.notifications import Notification, NotificationKind
from referrals.people import Actor, Advocate
from referrals.referral import DeclineReason, Referral
from referrals.referral_base import ERASED_REFERRER, CaseEvent
from referrals.states import STATE_TABLE, ReferralState, Transition
from tests.unit.builders import (
    ACTIVE,
    ACTORS,
    CANARY,
    DISPLAY_NAMES,
    LATER,
    NEXT_ADVOCATE,
    NOW,
    OFFERED,
    OFFERED_ADVOCATE,
    PATHS,
    SMLO_IDS,
    SUBMITTED,
    UNIQUE_SMLO_IDS,
    Path,
    Role,
    attempt,
    new_draft,
    walk,
)

Outcome = ReferralState | type[errors.ReferralError]

OUTSIDERS = (Role.OTHER_REFERRER, Role.OTHER_ADVOCATE, Role.STRANGER)
ADVOCATE_ROLES = (Role.ADVOCATE, Role.INACTIVE_ADVOCATE)  # one person, before and after

EVENT_NAMES: dict[Transition, tuple[str, ...]] = {
    Transition.SUBMIT: ("ReferralSubmitted",),
    Transition.OFFER: ("AllocationOffered",),
    Transition.MARK_OUT_OF_REMIT: ("ReferralSignposted",),
    Transition.ACCEPT: ("AllocationAccepted",),
    Transition.DECLINE: ("AllocationDeclined",),
    Transition.RETURN_OFFER: ("OfferReturned",),
    Transition.REASSIGN: ("CaseReassigned", "AllocationOffered"),
    Transition.CLOSE: ("ReferralClosed",),
    Transition.LAPSE_OFFER: ("OfferLapsed", "ReminderSent"),
    Transition.WITHDRAW: ("ReferralWithdrawn", "PersonalDataErased"),
}


def expected_outcome(transition: Transition, path: Path, role: Role) -> Outcome:
    """The rules: first who may act (so a refusal never depends on the state), then where
    the transition may start."""
    state = path.state
    if transition is Transition.WITHDRAW and state is ReferralState.WITHDRAWN:
        # Its referrer id is erased, so nobody can be told apart from the referrer; everyone
        # who holds its id was told it is withdrawn: an old button is answered plainly.
        return errors.AlreadyWithdrawn
    if transition in (Transition.SUBMIT, Transition.WITHDRAW):
        # A withdrawn referral no longer knows who made it: its referrer id is erased.
        if role is not Role.REFERRER or state is ReferralState.WITHDRAWN:
            return errors.NotTheReferrer
    elif transition in (
        Transition.OFFER,
        Transition.MARK_OUT_OF_REMIT,
        Transition.RETURN_OFFER,
        Transition.REASSIGN,
    ):
        if role is not Role.SMLO:
            return errors.NotAnSmlo
    elif transition in (Transition.ACCEPT, Transition.DECLINE):
        if not (role in ADVOCATE_ROLES and path.advocate_holds_offer):
            return errors.NotTheOfferedAdvocate
        if role is Role.INACTIVE_ADVOCATE:
            return errors.NotAnActiveAdvocate  # taken off the list: no answer, no case
        if state is not ReferralState.OFFERED:
            return errors.OfferAlreadyAnswered
    elif transition is Transition.LAPSE_OFFER:
        return errors.NotPermitted  # only the timers lapse an offer; no person can
    elif transition is Transition.CLOSE:
        if state is ReferralState.SIGNPOSTED:
            permitted = role is Role.SMLO
        else:
            permitted = role in ADVOCATE_ROLES and path.advocate_allocated
        if not permitted and role is Role.SMLO:
            return errors.CloseReasonRequired  # a held case: only with a note saying why
        if not permitted:
            return errors.NotTheAllocatedAdvocate
        if role is Role.INACTIVE_ADVOCATE:
            return errors.NotAnActiveAdvocate
    sources, target = STATE_TABLE[transition]
    if state in sources:
        return target
    if transition is Transition.OFFER and state in (ReferralState.OFFERED, ReferralState.ACTIVE):
        return errors.ReferralAlreadyAllocated
    return errors.InvalidTransition


def _as_erased(event: CaseEvent, referrer: Actor) -> CaseEvent:
    return (
        dataclasses.replace(event, actor_id=ERASED_REFERRER)
        if (event.actor_id == referrer.user_id)
        else event
    )


def expected_notifications(
    transition: Transition, referral: Referral, before: Referral
) -> list[tuple[NotificationKind, str]]:
    kind = NotificationKind
    to_smlos = {
        Transition.SUBMIT: kind.NEW_REFERRAL,
        Transition.ACCEPT: kind.ACCEPTED,
        Transition.DECLINE: kind.DECLINED,
        Transition.RETURN_OFFER: kind.DECLINED,  # the SMLOs hear of it as of a decline
        Transition.LAPSE_OFFER: kind.OFFER_LAPSED,
        Transition.WITHDRAW: kind.WITHDRAWN,
    }
    sent = [(to_smlos[transition], smlo) for smlo in UNIQUE_SMLO_IDS if transition in to_smlos]
    if transition is Transition.OFFER:
        sent.append((kind.OFFERED, OFFERED_ADVOCATE.user_id))
    if transition is Transition.LAPSE_OFFER:
        sent.append((kind.OFFER_LAPSED, before.offered_to))
    if transition is Transition.REASSIGN:
        sent += [(kind.REASSIGNED, before.advocate_id), (kind.OFFERED, NEXT_ADVOCATE.user_id)]
    if transition is Transition.ACCEPT:
        sent.append((kind.ADVOCATE_ALLOCATED, referral.referrer_id))
    if transition is Transition.MARK_OUT_OF_REMIT:
        sent.append((kind.SIGNPOSTED, referral.referrer_id))
    holder = before.advocate_id or before.offered_to
    if transition is Transition.CLOSE and before.advocate_id:  # a case, not a signposting
        sent.append((kind.CASE_CLOSED, referral.referrer_id))
    if transition is Transition.WITHDRAW and holder:
        sent.append((kind.WITHDRAWN, holder))
    return sorted(sent)


def assert_holds_no_content(*values: CaseEvent | Notification) -> None:
    for value in values:
        for field in dataclasses.fields(value):
            text = str(getattr(value, field.name))
            assert CANARY not in text, f"{type(value).__name__}.{field.name} holds an answer"
            for name in DISPLAY_NAMES:
                assert name not in text, f"{type(value).__name__}.{field.name} holds a name"


def path_id(path: Path) -> str:
    return path.name


# -- the paths themselves ------------------------------------------------------------


def test_every_state_is_reached_by_some_path() -> None:
    assert {path.state for path in PATHS} == set(ReferralState)


@pytest.mark.parametrize("path", PATHS, ids=path_id)
def test_walking_a_path_lands_in_its_state(path: Path) -> None:
    assert walk(path).state is path.state


def test_state_table_matches_the_diagram_next_to_it() -> None:
    doc = states.__doc__ or ""
    drawn = {
        (ReferralState(start), ReferralState(end), Transition(label.replace(" ", "_")))
        for start, end, label in re.findall(r"^\s*(\w+) --> (\w+): ([a-z ]+?) \(", doc, re.M)
    }
    tabled = {
        (start, end, transition)
        for transition, (starts, end) in STATE_TABLE.items()
        for start in starts
    }
    assert drawn == tabled


# -- the table -----------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("transition", list(Transition), ids=str)
@pytest.mark.parametrize("path", PATHS, ids=path_id)
def test_each_transition_succeeds_only_for_the_right_person_from_the_right_state(
    path: Path, transition: Transition, role: Role
) -> None:
    referral = walk(path)
    before = copy.deepcopy(referral)
    actor = ACTORS[role]
    expected = expected_outcome(transition, path, role)

    if isinstance(expected, ReferralState):
        attempt(referral, transition, actor, LATER)

        assert referral.state is expected
        assert referral.updated_at == LATER
        erased = transition is Transition.WITHDRAW
        kept = [_as_erased(e, actor) for e in before.history] if erased else before.history
        assert referral.history[: len(before.history)] == kept
        added = referral.history[len(before.history) :]
        names = EVENT_NAMES[transition]
        if transition is Transition.OFFER and before.state is ReferralState.SUBMITTED:
            names = ("ReferralTriaged", *names)
        assert tuple(event.name for event in added) == names
        acting_as = ERASED_REFERRER if erased else actor.user_id
        assert all(event.actor_id == acting_as and event.at == LATER for event in added)
        assert_holds_no_content(*added)

        queued = referral.new_notifications[len(before.new_notifications) :]
        assert sorted((n.kind, n.recipient_id) for n in queued) == expected_notifications(
            transition, referral, before
        )
        assert all(n.referral_id == referral.id and n.created_at == LATER for n in queued)
    else:
        with pytest.raises(errors.ReferralError) as refused:
            attempt(referral, transition, actor, LATER)

        assert type(refused.value) is expected
        assert referral == before, "a refused transition must change nothing"
        message = str(refused.value)
        assert CANARY not in message
        assert not any(name in message for name in DISPLAY_NAMES)


# -- refusals come before state checks -------------------------------------------------


@pytest.mark.parametrize("transition", list(Transition), ids=str)
@pytest.mark.parametrize("path", PATHS, ids=path_id)
def test_stranger_is_refused_even_where_the_transition_is_impossible(
    path: Path, transition: Transition
) -> None:
    referral = walk(path)
    refused: type[errors.ReferralError] = errors.NotPermitted
    if transition is Transition.WITHDRAW and path.state is ReferralState.WITHDRAWN:
        refused = errors.AlreadyWithdrawn  # the one exception: see expected_outcome

    with pytest.raises(refused):
        attempt(referral, transition, ACTORS[Role.STRANGER])


@pytest.mark.parametrize("role", OUTSIDERS, ids=str)
@pytest.mark.parametrize("transition", list(Transition), ids=str)
def test_an_outsider_gets_the_same_refusal_whatever_state_the_referral_is_in(
    transition: Transition, role: Role
) -> None:
    refusals: dict[str, type[BaseException]] = {}
    for path in PATHS:
        if transition is Transition.WITHDRAW and path.state is ReferralState.WITHDRAWN:
            continue  # the one exception: see expected_outcome
        referral = walk(path)
        with pytest.raises(errors.NotPermitted) as refused:
            attempt(referral, transition, ACTORS[role])
        refusals[path.name] = type(refused.value)

    assert len(set(refusals.values())) == 1, refusals


def test_a_person_without_an_id_is_never_taken_for_the_allocated_advocate() -> None:
    # Before allocation nobody holds the case (advocate_id is empty); an actor whose id is
    # missing must still be refused as a person, not told the referral's state.
    referral = walk(SUBMITTED)
    nobody = Actor(user_id="")

    with pytest.raises(errors.NotPermitted):
        referral.close(nobody, LATER)


# -- the rules by name ----------------------------------------------------------------


def test_advocate_cannot_accept_an_offer_made_to_someone_else() -> None:
    referral = walk(OFFERED)

    with pytest.raises(errors.NotTheOfferedAdvocate):
        referral.accept(ACTORS[Role.OTHER_ADVOCATE], SMLO_IDS, LATER)
    assert referral.state is ReferralState.OFFERED


def test_a_late_decline_is_reported_as_a_decline() -> None:
    referral = walk(ACTIVE)

    with pytest.raises(errors.OfferAlreadyAnswered) as refused:
        referral.decline(ACTORS[Role.ADVOCATE], DeclineReason.OTHER, SMLO_IDS, LATER)

    assert refused.value.transition == Transition.DECLINE
    assert refused.value.state == ReferralState.ACTIVE


def test_submit_without_consent_is_refused_and_changes_nothing() -> None:
    referral = new_draft(consent=False)
    before = copy.deepcopy(referral)

    with pytest.raises(errors.ConsentRequired):
        referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", SMLO_IDS, LATER)

    assert referral == before


@pytest.mark.parametrize(
    "advocate",
    [
        Advocate("advocate-1", "Ada Advocate-Name", active=False),
        Advocate(ACTORS[Role.REFERRER].user_id, "Rosa Referrer-Name"),
    ],
    ids=["inactive", "the_referrer"],
)
def test_smlo_cannot_offer_to_an_inactive_advocate_or_to_the_referrer(advocate: Advocate) -> None:
    referral = walk(SUBMITTED)

    with pytest.raises(errors.AdvocateNotAvailable):
        referral.offer(ACTORS[Role.SMLO], advocate, LATER)
    assert referral.state is ReferralState.SUBMITTED


def test_offer_and_accept_record_who_holds_the_case() -> None:
    referral = walk(OFFERED)
    assert referral.offered_to == OFFERED_ADVOCATE.user_id
    assert referral.advocate_id == ""

    referral.accept(ACTORS[Role.ADVOCATE], SMLO_IDS, LATER)

    assert referral.advocate_id == OFFERED_ADVOCATE.user_id


def test_decline_remembers_who_declined_and_frees_the_offer() -> None:
    referral = walk(OFFERED)

    referral.decline(ACTORS[Role.ADVOCATE], DeclineReason.CONFLICT, SMLO_IDS, LATER)

    assert referral.declined_by == (OFFERED_ADVOCATE.user_id,)
    assert referral.offered_to == ""
    with pytest.raises(errors.NotTheOfferedAdvocate):
        referral.accept(ACTORS[Role.ADVOCATE], SMLO_IDS, LATER)


def test_submit_notifies_each_smlo_once_even_when_listed_twice() -> None:
    referral = new_draft()

    referral.submit(ACTORS[Role.REFERRER], "SMA-2026-0001", ["smlo-1", "smlo-1", "smlo-2"], NOW)

    recipients = [n.recipient_id for n in referral.new_notifications]
    assert sorted(recipients) == ["smlo-1", "smlo-2"]
    assert referral.reference == "SMA-2026-0001"
    assert referral.submitted_at == NOW


# -- no content in the history --------------------------------------------------------


@pytest.mark.parametrize("path", PATHS, ids=path_id)
def test_history_and_notifications_never_hold_what_the_referrer_wrote(path: Path) -> None:
    referral = walk(path)
    if path.state is ReferralState.WITHDRAWN:
        assert referral.answers.account == "", "withdrawal erases what the referrer wrote"
    else:
        assert referral.answers.account == CANARY, "the canary must be in the answers"

    assert referral.history[0].name == "DraftStarted"
    assert_holds_no_content(*referral.history, *referral.new_notifications)


# -- who may read ---------------------------------------------------------------------


def may_view(path: Path, role: Role) -> bool:
    if role is Role.SMLO:
        return True
    if role is Role.REFERRER:
        return path.state is not ReferralState.WITHDRAWN  # erased: no longer theirs
    return (
        role is Role.ADVOCATE
        and path.advocate_allocated
        and path.state in (ReferralState.ACTIVE, ReferralState.CLOSED)
    )


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize(
    "path", [p for p in PATHS if p.state is not ReferralState.DRAFT], ids=path_id
)
def test_only_the_referrer_an_smlo_or_the_allocated_advocate_may_view(
    path: Path, role: Role
) -> None:
    referral = walk(path)

    if may_view(path, role):
        referral.ensure_can_view(ACTORS[role])
    else:
        with pytest.raises(errors.NotPermitted):
            referral.ensure_can_view(ACTORS[role])


@pytest.mark.parametrize(
    "path", [p for p in PATHS if p.state is ReferralState.WITHDRAWN], ids=path_id
)
def test_withdrawal_erases_identity_and_free_text_and_keeps_the_statistics(path: Path) -> None:
    before = walk(dataclasses.replace(path, steps=path.steps[:-1]))
    referral = walk(path)

    assert referral.referrer_id == ""
    assert referral.referrer_name == ""
    assert referral.answers == before.answers.statistical_only()
    assert referral.answers.route == before.answers.route
    for field in dataclasses.fields(referral.answers):
        assert CANARY not in str(getattr(referral.answers, field.name))
    assert before.referrer_id not in {event.actor_id for event in referral.history}
    assert referral.is_erased

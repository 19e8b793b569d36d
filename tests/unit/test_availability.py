"""Advocates' availability and capacity: the rules, and the use cases over the fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from referrals import errors
from referrals.audit import AuditAction, Outcome, roster_subject
from referrals.availability import (
    AVAILABLE,
    Availability,
    AvailabilityState,
    Exclusion,
    OverrideReason,
    chosen,
    current,
    is_away,
    room,
    today,
)
from referrals.clock import FakeClock
from referrals.people import Actor, Advocate
from referrals.referral import EXCLUSION_OVERRIDDEN, DeclineReason, ReassignReason
from referrals.services import Services
from referrals.states import ReferralState
from tests.unit.test_services import offered, submitted

S = AvailabilityState
MONDAY = date(2026, 3, 2)
AWAY = Availability(S.AWAY, until=date(2026, 3, 9))


# -- the rules ----------------------------------------------------------------------------


def test_away_ends_by_itself_on_the_day_they_are_back() -> None:
    ada = Advocate("a", "Ada", availability=AWAY)

    assert is_away(ada, date(2026, 3, 8))
    assert not is_away(ada, date(2026, 3, 9))
    assert current(AWAY, date(2026, 3, 9)) == AVAILABLE
    assert not is_away(Advocate("b", "Ben"), MONDAY)


def test_the_day_is_the_forces_day_not_utc() -> None:
    # 23:30 UTC on 8 June is 00:30 on 9 June in London (summer time).
    assert today(datetime(2026, 6, 8, 23, 30, tzinfo=UTC)) == date(2026, 6, 9)


@pytest.mark.parametrize(
    ("availability", "caseload", "limit", "expected"),
    [
        (AVAILABLE, 0, 3, 3),
        (AVAILABLE, 3, 3, 0),
        (AVAILABLE, 5, 3, 0),  # over a limit lowered since: no room, never negative
        (Availability(S.LIMITED, new_cases=1, caseload_then=1), 1, 3, 1),
        (Availability(S.LIMITED, new_cases=1, caseload_then=1), 2, 3, 0),  # took the one
        (Availability(S.LIMITED, new_cases=5, caseload_then=0), 0, 3, 3),  # the limit holds
        (AWAY, 0, 3, 0),
    ],
)
def test_room_is_within_the_limit_and_what_limited_allows(
    availability: Availability, caseload: int, limit: int, expected: int
) -> None:
    assert room(availability, caseload, limit, MONDAY) == expected


def test_an_advocate_chooses_within_range() -> None:
    limited = chosen(S.LIMITED, caseload=2, on=MONDAY, new_cases=1)
    assert limited == Availability(S.LIMITED, new_cases=1, caseload_then=2)
    away = chosen(S.AWAY, caseload=0, on=MONDAY, until=MONDAY + timedelta(days=1))
    assert away.until == MONDAY + timedelta(days=1)


@pytest.mark.parametrize(
    ("state", "new_cases", "until"),
    [
        (S.LIMITED, 0, None),
        (S.LIMITED, 21, None),
        (S.AWAY, 0, None),
        (S.AWAY, 0, MONDAY),
        (S.AWAY, 0, MONDAY + timedelta(days=367)),
    ],
)
def test_a_choice_out_of_range_is_refused(
    state: AvailabilityState, new_cases: int, until: date | None
) -> None:
    with pytest.raises(errors.AvailabilityInvalid):
        chosen(state, caseload=0, on=MONDAY, new_cases=new_cases, until=until)


# -- the use cases --------------------------------------------------------------------------


async def test_an_advocate_sets_their_own_availability_audited_without_the_date(
    service: Services, advocate: Actor
) -> None:
    back = MONDAY + timedelta(days=7)
    mine = await service.capacities.set_availability(advocate, S.AWAY, until=back)

    assert mine.availability == Availability(S.AWAY, until=back)
    stored = await service.steps.stores.roster.get_advocate(advocate.user_id)
    assert stored is not None
    assert stored.availability.until == back
    [entry] = await service.steps.audit.for_referral(roster_subject(advocate.user_id))
    assert (entry.action, entry.outcome) == (AuditAction.SET_AVAILABILITY, Outcome.ALLOWED)


async def test_only_an_active_advocate_sets_availability_and_a_refusal_is_audited(
    service: Services, referrer: Actor, smlo: Actor
) -> None:
    for person in (referrer, smlo):
        with pytest.raises(errors.NotPermitted):
            await service.capacities.set_availability(person, S.AVAILABLE)
        with pytest.raises(errors.NotPermitted):
            await service.capacities.mine(person)
    trail = await service.steps.audit.for_referral(roster_subject(referrer.user_id))
    assert [e.outcome for e in trail] == [Outcome.REFUSED]


async def test_only_an_smlo_sets_a_caseload_limit(
    service: Services, smlo: Actor, advocate: Actor
) -> None:
    with pytest.raises(errors.NotAnSmlo):
        await service.capacities.set_caseload_limit(advocate, "advocate-2", 9)
    with pytest.raises(errors.AvailabilityInvalid):
        await service.capacities.set_caseload_limit(smlo, "advocate-2", 21)

    ben = await service.capacities.set_caseload_limit(smlo, "advocate-2", 1)

    assert (ben.limit, ben.advocate.caseload_limit) == (1, 1)


async def test_an_away_advocate_is_not_offered_unless_the_smlo_gives_a_reason(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor
) -> None:
    await service.capacities.set_availability(advocate, S.AWAY, until=MONDAY + timedelta(days=3))
    referral = await submitted(service, referrer)

    _, options = await service.triage.allocation_options(smlo, referral.id)
    assert [(o.advocate.user_id, o.excluded_for) for o in options] == [
        ("advocate-2", ()),
        ("advocate-1", (Exclusion.AWAY,)),
    ]
    with pytest.raises(errors.AdvocateExcluded):
        await service.triage.offer(smlo, referral.id, advocate.user_id)
    assert (await service.steps.view(smlo, referral.id)).state is ReferralState.SUBMITTED

    reason = OverrideReason.AGREED_WITH_ADVOCATE
    done = await service.triage.offer(smlo, referral.id, advocate.user_id, reason)

    assert done.state is ReferralState.OFFERED
    assert [e.detail for e in done.history if e.name == EXCLUSION_OVERRIDDEN] == [
        "agreed_with_advocate:away"
    ]
    trail = [(e.action, e.outcome) for e in await service.steps.audit.for_referral(done.id)]
    assert (AuditAction.OFFER, Outcome.REFUSED) in trail
    assert trail[-2:] == [
        (AuditAction.OFFER, Outcome.ALLOWED),
        (AuditAction.OVERRIDE_EXCLUSION, Outcome.ALLOWED),
    ]


async def test_away_ends_by_itself_and_they_are_offered_again(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor, clock: FakeClock
) -> None:
    await service.capacities.set_availability(advocate, S.AWAY, until=MONDAY + timedelta(days=1))
    clock.advance(timedelta(days=1))
    referral = await submitted(service, referrer)

    done = await service.triage.offer(smlo, referral.id, advocate.user_id)

    assert done.offered_to == advocate.user_id
    assert not [e for e in done.history if e.name == EXCLUSION_OVERRIDDEN]


async def test_a_full_advocate_and_one_who_declined_for_a_conflict_are_not_offered(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor, other_advocate: Actor
) -> None:
    await service.capacities.set_caseload_limit(smlo, "advocate-2", 1)
    held = await offered(service, Actor("referrer-9"), smlo, "advocate-2")
    await service.casework.accept(other_advocate, held.id)
    referral = await offered(service, referrer, smlo, advocate.user_id)
    await service.casework.decline(advocate, referral.id, DeclineReason.CONFLICT)

    _, options = await service.triage.allocation_options(smlo, referral.id)

    assert {o.advocate.user_id: o.excluded_for for o in options} == {
        "advocate-1": (Exclusion.DECLINED_FOR_CONFLICT,),
        "advocate-2": (Exclusion.FULL,),
    }
    assert {o.advocate.user_id: o.limit for o in options} == {"advocate-1": 3, "advocate-2": 1}


async def test_a_case_is_given_to_an_away_advocate_only_with_a_reason(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor, other_advocate: Actor
) -> None:
    case = await offered(service, referrer, smlo, advocate.user_id)
    await service.casework.accept(advocate, case.id)
    await service.capacities.set_availability(
        other_advocate, S.AWAY, until=MONDAY + timedelta(days=5)
    )
    why = ReassignReason.CONFLICT_FOUND

    with pytest.raises(errors.AdvocateExcluded):
        await service.triage.reassign(smlo, case.id, other_advocate.user_id, why)
    assert (await service.steps.view(smlo, case.id)).advocate_id == advocate.user_id

    done = await service.triage.reassign(
        smlo, case.id, other_advocate.user_id, why, OverrideReason.NO_ONE_ELSE
    )

    assert done.offered_to == other_advocate.user_id
    assert [e.detail for e in done.history if e.name == EXCLUSION_OVERRIDDEN] == [
        "no_one_else:away"
    ]
    trail = await service.steps.audit.for_referral(case.id)
    assert trail[-1].action is AuditAction.OVERRIDE_EXCLUSION

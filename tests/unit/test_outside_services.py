"""The SMLO's use cases for people without Teams (`referrals.services.outside`), over the
in-memory stores: the SMLO acts as staff on the audit trail, the referral is never in
their `my referrals`, messages are refused and audited, and the staff directory's likely
conflicts are not looked up from the SMLO's own place."""

from __future__ import annotations

import pytest

from referrals import errors
from referrals.audit import ActorRole, AuditAction, Outcome
from referrals.clock import FakeClock
from referrals.intake import ContactMethod, IntakeAnswers, IntakeStep, Route, YesNoUnsure
from referrals.outside import WithdrawnFor
from referrals.people import Actor
from referrals.referral import Referral
from referrals.roster import GroupChange, Person, WorkPlace
from referrals.services import Services
from referrals.states import ReferralState
from storage.memory import MemoryAuditLog
from tests.unit.test_services import ROSTER, SMLOS, build_stores

SMLO = Actor("smlo-1", "Sam Smlo", is_smlo=True)
BY_PHONE = IntakeAnswers(
    route=Route.ON_BEHALF,
    behalf_consent=YesNoUnsure.YES,
    contact_methods=(ContactMethod.PERSONAL_PHONE,),
    personal_phone="07700 900222",
    consent=True,
)


class LookedUp:
    """A staff directory that remembers whose place in the force was asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def find_people(self, text: str) -> list[Person]:
        return []

    async def add_to_advocates(self, user_id: str) -> GroupChange:
        raise AssertionError("not used")

    async def remove_from_advocates(self, user_id: str) -> GroupChange:
        raise AssertionError("not used")

    async def work_place(self, user_id: str) -> WorkPlace | None:
        self.asked.append(user_id)
        return WorkPlace("Somewhere")


@pytest.fixture
async def world() -> tuple[Services, MemoryAuditLog, LookedUp]:
    stores, audit, directory = build_stores(), MemoryAuditLog(), LookedUp()
    for advocate in ROSTER:
        await stores.roster.put_advocate(advocate)
    return Services.build(stores, FakeClock(), SMLOS, audit, directory), audit, directory


async def taken(service: Services) -> Referral:
    draft, started = await service.outside.start_draft(SMLO)
    assert started
    await service.intake.record_answers(SMLO, draft.id, BY_PHONE, IntakeStep.REVIEW)
    return await service.intake.submit(SMLO, draft.id)


async def test_the_smlo_acts_on_it_as_staff_on_the_audit_trail(
    world: tuple[Services, MemoryAuditLog, LookedUp],
) -> None:
    service, audit, _ = world
    referral = await taken(service)

    trail = await audit.for_referral(referral.id)

    assert {(e.actor_role, e.actor_id) for e in trail} == {(ActorRole.SMLO, SMLO.user_id)}
    assert AuditAction.SUBMIT in {e.action for e in trail}


async def test_it_is_never_in_the_smlos_my_referrals(
    world: tuple[Services, MemoryAuditLog, LookedUp],
) -> None:
    service, _, _ = world
    await taken(service)

    assert await service.intake.my_referrals(SMLO) == []


async def test_a_message_to_someone_without_teams_is_refused_and_audited(
    world: tuple[Services, MemoryAuditLog, LookedUp],
) -> None:
    service, audit, _ = world
    referral = await taken(service)

    with pytest.raises(errors.ReachedOutsideTeams):
        await service.messages.send(SMLO, referral.id, "Hello")

    refused = [e for e in await audit.for_referral(referral.id) if e.outcome is Outcome.REFUSED]
    assert [e.action for e in refused] == [AuditAction.SEND_MESSAGE]


async def test_the_smlos_own_place_in_the_force_is_not_looked_up_for_conflicts(
    world: tuple[Services, MemoryAuditLog, LookedUp],
) -> None:
    service, _, directory = world
    referral = await taken(service)

    await service.triage.allocation_options(SMLO, referral.id)

    assert SMLO.user_id not in directory.asked


async def test_withdrawn_for_the_person_it_is_erased_and_audited_as_such(
    world: tuple[Services, MemoryAuditLog, LookedUp],
) -> None:
    service, audit, _ = world
    referral = await taken(service)
    other = Actor("smlo-2", "Sal Second", is_smlo=True)

    withdrawn = await service.outside.withdraw_for_person(
        other, referral.id, WithdrawnFor.IN_PERSON
    )

    assert withdrawn.state is ReferralState.WITHDRAWN
    assert withdrawn.answers.personal_phone == ""
    last = (await audit.for_referral(referral.id))[-1]
    assert (last.action, last.actor_id, last.outcome) == (
        AuditAction.WITHDRAW_FOR_PERSON,
        other.user_id,
        Outcome.ALLOWED,
    )

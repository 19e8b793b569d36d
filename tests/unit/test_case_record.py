"""The advocate's case record, through its use cases over the in-memory stores: each
entry kind, each rule and refusal (named error, nothing changed, audited), who may read
or add, closing with an outcome, and what a purge leaves."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from referrals import errors
from referrals.audit import AuditAction, Outcome
from referrals.case_record import (
    TEXT_LIMITS,
    CloseOutcome,
    Closure,
    ContactHow,
    ContactLogged,
    Correction,
    EntryKind,
    OnwardOutcome,
    OnwardReferral,
    OnwardReferralOutcome,
    RiskAssessment,
    RiskLevel,
    SupportAgreement,
    UpdateKind,
    UpdateRecorded,
)
from referrals.clock import FakeClock
from referrals.notifications import NotificationKind
from referrals.people import Actor
from referrals.ports import Stores
from referrals.referral import Referral
from referrals.services import Services
from referrals.states import ReferralState
from tests.unit.test_services import SMLOS, offered, pending

K = NotificationKind
A = AuditAction


@pytest.fixture
async def case(service: Services, referrer: Actor, smlo: Actor, advocate: Actor) -> Referral:
    referral = await offered(service, referrer, smlo)
    return await service.casework.accept(advocate, referral.id)


async def audited(service: Services, referral_id: str) -> list[tuple[AuditAction, Outcome]]:
    return [(e.action, e.outcome) for e in await service.steps.audit.for_referral(referral_id)]


def today(clock: FakeClock) -> date:
    return clock.now().date()


async def test_each_kind_of_entry_is_kept_in_order_and_named_in_the_history_without_content(
    service: Services, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    record = service.case_record
    contact = await record.add(
        advocate, case.id, ContactLogged(clock.now(), ContactHow.PHONE, "n1")
    )
    agreement = await record.add(
        advocate, case.id, SupportAgreement(today(clock), "texts after 6", "someone to talk to")
    )
    risk = await record.add(advocate, case.id, RiskAssessment(today(clock), RiskLevel.LOW))
    onward = await record.add(
        advocate, case.id, OnwardReferral("rape-crisis", True, today(clock), internal=False)
    )
    outcome = await record.add(
        advocate, case.id, OnwardReferralOutcome(onward.id, OnwardOutcome.ACCEPTED, today(clock))
    )
    update = await record.add(
        advocate, case.id, UpdateRecorded(UpdateKind.STATEMENT_ATTENDED, today(clock), "went ok")
    )

    stored, entries = await record.read(advocate, case.id)

    assert entries == [contact, agreement, risk, onward, outcome, update]
    assert [e.kind for e in entries] == [
        EntryKind.CONTACT,
        EntryKind.SUPPORT_AGREEMENT,
        EntryKind.RISK_ASSESSMENT,
        EntryKind.ONWARD_REFERRAL,
        EntryKind.ONWARD_OUTCOME,
        EntryKind.UPDATE,
    ]
    history = " ".join(f"{e.name} {e.detail}" for e in stored.history)
    for text in ("n1", "texts after 6", "someone to talk to", "rape-crisis", "went ok"):
        assert text not in history
    assert f"onward_referral:{onward.id}:external" in history
    assert (A.ADD_CONTACT, Outcome.ALLOWED) in await audited(service, case.id)
    assert (A.VIEW_RECORD, Outcome.ALLOWED) in await audited(service, case.id)


async def test_the_first_successful_contact_is_marked_and_an_attempt_is_not(
    service: Services, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    add = service.case_record.add
    attempt = await add(advocate, case.id, ContactLogged(clock.now(), ContactHow.ATTEMPT))
    first = await add(advocate, case.id, ContactLogged(clock.now(), ContactHow.TEAMS))
    second = await add(advocate, case.id, ContactLogged(clock.now(), ContactHow.IN_PERSON))

    assert [e.content.first_success for e in (attempt, first, second)] == [False, True, False]  # type: ignore[union-attr]


async def test_a_new_support_agreement_supersedes_the_last_and_both_are_kept(
    service: Services, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    add = service.case_record.add
    old = await add(advocate, case.id, SupportAgreement(today(clock), "calls"))
    new = await add(advocate, case.id, SupportAgreement(today(clock), "texts"))

    assert new.content.supersedes == old.id  # type: ignore[union-attr]
    assert len((await service.case_record.read(advocate, case.id))[1]) == 2


@pytest.mark.parametrize(
    ("level", "days"), [(RiskLevel.HIGH, 7), (RiskLevel.MEDIUM, 14), (RiskLevel.LOW, 28)]
)
def test_a_risk_review_falls_due_by_level_unless_a_date_is_given(
    level: RiskLevel, days: int
) -> None:
    on = date(2026, 3, 2)
    assert RiskAssessment(on, level).review_due() == on + timedelta(days=days)
    assert RiskAssessment(on, level, review_on=date(2026, 3, 3)).review_due() == date(2026, 3, 3)


async def test_a_high_risk_tells_every_smlo_content_free(
    service: Services, stores: Stores, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    await service.case_record.add(
        advocate, case.id, RiskAssessment(today(clock), RiskLevel.HIGH, actions="secret plan")
    )

    assert [(K.RISK_HIGH, s) for s in sorted(SMLOS)] == [
        p for p in await pending(stores) if p[0] is K.RISK_HIGH
    ]


async def test_a_correction_retracts_once_and_records_the_right_entry_with_it(
    service: Services, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    record = service.case_record
    wrong = await record.add(advocate, case.id, UpdateRecorded(UpdateKind.OTHER, today(clock)))
    right = UpdateRecorded(UpdateKind.HEARING_ATTENDED, today(clock))

    correction, replacement = await record.correct(
        advocate, case.id, Correction(wrong.id, "wrong kind"), right
    )
    with pytest.raises(errors.EntryAlreadyRetracted):
        await record.correct(advocate, case.id, Correction(wrong.id, "again"))
    with pytest.raises(errors.EntryNotFound):
        await record.correct(advocate, case.id, Correction(correction.id, "a correction"))

    entries = (await record.read(advocate, case.id))[1]
    assert entries == [wrong, correction, replacement]
    assert replacement.content == right
    refused = [a for a in await audited(service, case.id) if a[1] is Outcome.REFUSED]
    assert refused == [(A.CORRECT_ENTRY, Outcome.REFUSED)] * 2


async def test_an_outcome_needs_an_onward_referral_of_this_case(
    service: Services, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    with pytest.raises(errors.EntryNotFound):
        await service.case_record.add(
            advocate, case.id, OnwardReferralOutcome("nope", OnwardOutcome.WAITING, today(clock))
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda now: ContactLogged(now + timedelta(minutes=1), ContactHow.PHONE),
        lambda now: ContactLogged(now, ContactHow.PHONE, "x" * (TEXT_LIMITS["note"] + 1)),
        lambda now: ContactLogged(now, ContactHow.PHONE, "bad \ud800 text"),
        lambda now: SupportAgreement(now.date() + timedelta(days=1)),
        lambda now: RiskAssessment(now.date(), RiskLevel.LOW, actions="a" * 1001),
        lambda now: OnwardReferral("", True, now.date(), internal=True),
        lambda now: UpdateRecorded(UpdateKind.OTHER, now.date() + timedelta(days=1)),
        lambda now: Correction("x", " "),
    ],
    ids=[
        "future",
        "long",
        "unstorable",
        "agreed-later",
        "long-actions",
        "no-service",
        "future-update",
        "no-reason",
    ],
)
async def test_an_invalid_entry_is_refused_by_name_changes_nothing_and_is_audited(
    service: Services, case: Referral, advocate: Actor, clock: FakeClock, make: object
) -> None:
    before = await service.steps.stores.referrals.get(case.id)
    with pytest.raises(errors.EntryInvalid):
        await service.case_record.add(advocate, case.id, make(clock.now()))  # type: ignore[operator]

    after = await service.steps.stores.referrals.get(case.id)
    assert after.history == before.history
    assert after.version == before.version
    assert (await service.case_record.read(advocate, case.id))[1] == []
    assert (await audited(service, case.id))[-2][1] is Outcome.REFUSED


async def test_a_closure_is_not_an_entry_one_can_add(
    service: Services, case: Referral, advocate: Actor
) -> None:
    with pytest.raises(errors.EntryInvalid):
        await service.case_record.add(
            advocate, case.id, Closure(CloseOutcome.OTHER, person_told=True)
        )


# -- who may read and add -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["advocate-2", "referrer-1", "stranger-1", "smlo-1"])
async def test_only_the_advocate_who_holds_the_case_may_add_to_it(
    service: Services, case: Referral, clock: FakeClock, who: str
) -> None:
    actor = await service.identify(who)
    with pytest.raises(errors.NotTheAllocatedAdvocate):
        await service.case_record.add(actor, case.id, ContactLogged(clock.now(), ContactHow.PHONE))
    assert (await audited(service, case.id))[-1] == (A.ADD_CONTACT, Outcome.REFUSED)


@pytest.mark.parametrize("who", ["advocate-2", "referrer-1", "stranger-1"])
async def test_nobody_but_the_advocate_and_an_smlo_may_read_the_record(
    service: Services,
    case: Referral,
    smlo: Actor,
    advocate: Actor,
    who: str,
) -> None:
    actor = await service.identify(who)
    with pytest.raises(errors.NotPermitted):
        await service.case_record.read(actor, case.id)
    assert (await audited(service, case.id))[-1] == (A.VIEW_RECORD, Outcome.REFUSED)
    await service.case_record.read(smlo, case.id)
    await service.case_record.read(advocate, case.id)


async def test_an_advocate_taken_off_the_list_can_neither_read_nor_add(
    service: Services, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    gone = replace(advocate, is_advocate=False)
    with pytest.raises(errors.NotAnActiveAdvocate):
        await service.case_record.read(gone, case.id)
    with pytest.raises(errors.NotAnActiveAdvocate):
        await service.case_record.add(gone, case.id, ContactLogged(clock.now(), ContactHow.PHONE))


async def test_nothing_is_added_to_a_case_not_yet_accepted(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor, clock: FakeClock
) -> None:
    referral = await offered(service, referrer, smlo)
    with pytest.raises(errors.NotTheAllocatedAdvocate):
        await service.case_record.add(
            advocate, referral.id, ContactLogged(clock.now(), ContactHow.PHONE)
        )


# -- closing ---------------------------------------------------------------------------------


async def test_closing_records_the_outcome_tells_the_referrer_and_the_smlos_and_ends_adding(
    service: Services, stores: Stores, case: Referral, advocate: Actor, clock: FakeClock
) -> None:
    closure = Closure(CloseOutcome.SUPPORT_COMPLETED, person_told=True, note="all done")
    closed = await service.case_record.close(advocate, case.id, closure)

    assert closed.state is ReferralState.CLOSED
    assert closed.history[-1].name == "ReferralClosed"
    assert closed.history[-1].detail == CloseOutcome.SUPPORT_COMPLETED
    closing = [p for p in await pending(stores) if p[0] is K.CASE_CLOSED]
    assert closing == sorted([(K.CASE_CLOSED, "referrer-1"), *((K.CASE_CLOSED, s) for s in SMLOS)])
    entries = (await service.case_record.read(advocate, case.id))[1]
    assert [e.content for e in entries] == [closure]
    with pytest.raises(errors.InvalidTransition):
        await service.case_record.add(
            advocate, case.id, ContactLogged(clock.now(), ContactHow.PHONE)
        )
    assert (await audited(service, case.id))[-1] == (A.ADD_CONTACT, Outcome.REFUSED)


async def test_an_smlo_closes_a_held_case_only_with_a_note_saying_why(
    service: Services, case: Referral, smlo: Actor, other_advocate: Actor
) -> None:
    with pytest.raises(errors.CloseReasonRequired):
        await service.case_record.close(smlo, case.id, Closure(CloseOutcome.OTHER, False))
    with pytest.raises(errors.NotTheAllocatedAdvocate):
        await service.case_record.close(
            other_advocate, case.id, Closure(CloseOutcome.OTHER, False, "x")
        )
    closed = await service.case_record.close(
        smlo, case.id, Closure(CloseOutcome.MOVED_SERVICE, False, "advocate left")
    )
    assert closed.state is ReferralState.CLOSED


async def test_a_purge_erases_the_record_and_keeps_its_counts_in_the_history(
    service: Services,
    stores: Stores,
    case: Referral,
    advocate: Actor,
    smlo: Actor,
    clock: FakeClock,
) -> None:
    await service.case_record.add(
        advocate, case.id, ContactLogged(clock.now(), ContactHow.PHONE, "n")
    )
    await service.case_record.close(advocate, case.id, Closure(CloseOutcome.OTHER, True, "bye"))
    closed = await stores.referrals.get(case.id)
    closed.purge(clock.now())
    await stores.referrals.save(closed)

    purged = await stores.referrals.get(case.id)
    assert await stores.records.entries(purged) == []
    assert (await service.case_record.read(smlo, case.id))[1] == []
    kinds = [e.detail.split(":")[0] for e in purged.history if e.name == "CaseEntryAdded"]
    assert kinds == ["contact", "closure"]

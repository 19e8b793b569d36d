"""The use cases, end to end over the in-memory stores and a fake clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from referrals import errors
from referrals.clock import FakeClock
from referrals.intake import IntakeAnswers, IntakeStep, Route
from referrals.notifications import NotificationKind
from referrals.people import Actor, Advocate
from referrals.ports import Stores
from referrals.referral import DeclineReason, Referral
from referrals.services import Services
from referrals.signposting import Signpost
from referrals.states import ReferralState
from referrals.support import SupportDirectory
from storage.memory import (
    MemoryAuditLog,
    MemoryCaseRecordStore,
    MemoryCheckinStore,
    MemoryConversationStore,
    MemoryOutboxStore,
    MemoryReferralStore,
    MemoryRosterStore,
    MemoryShownViewStore,
)
from storage.memory_subjects import MemorySubjectIndexStore
from storage.memory_timers import MemoryTimerStore

SMLOS = frozenset({"smlo-1", "smlo-2"})
ROSTER = (
    Advocate("advocate-1", "Ada Advocate", team="North"),
    Advocate("advocate-2", "Ben Advocate", team="South"),
    Advocate("advocate-gone", "Gil Gone", active=False),
)
CONSENTED = IntakeAnswers(route=Route.EXPERIENCED, account="what happened", consent=True)
Kind = NotificationKind


class InterleavingReferralStore(MemoryReferralStore):
    """Hands control to other tasks after every read, so concurrent use cases really
    overlap (both read before either writes), and counts the conflicts that follow."""

    def __init__(self, outbox: MemoryOutboxStore) -> None:
        super().__init__(outbox)
        self.conflicts = 0

    async def get(self, referral_id: str) -> Referral:
        referral = await super().get(referral_id)
        await asyncio.sleep(0)
        return referral

    async def save(self, referral: Referral) -> None:
        try:
            await super().save(referral)
        except errors.ConcurrentUpdate:
            self.conflicts += 1
            raise


def build_stores(referrals: type[MemoryReferralStore] = MemoryReferralStore) -> Stores:
    outbox = MemoryOutboxStore()
    store = referrals(outbox)
    return Stores(
        store,
        MemoryRosterStore(),
        outbox,
        MemoryConversationStore(),
        MemoryShownViewStore(),
        MemoryCaseRecordStore(store),
        MemoryCheckinStore(outbox),
        MemoryTimerStore(),
        MemorySubjectIndexStore(),
    )


async def make_service(
    stores: Stores, clock: FakeClock, support: SupportDirectory | None = None
) -> Services:
    for advocate in ROSTER:
        await stores.roster.put_advocate(advocate)
    return Services.build(stores, clock, SMLOS, MemoryAuditLog(), support=support)


async def submitted(service: Services, referrer: Actor) -> Referral:
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, CONSENTED, IntakeStep.REVIEW)
    return await service.intake.submit(referrer, draft.id)


async def offered(
    service: Services, referrer: Actor, smlo: Actor, advocate_id: str = "advocate-1"
) -> Referral:
    referral = await submitted(service, referrer)
    return await service.triage.offer(smlo, referral.id, advocate_id)


async def pending(stores: Stores) -> list[tuple[Kind, str]]:
    return sorted((n.kind, n.recipient_id) for n in await stores.outbox.pending(limit=1000))


# -- the whole way through --------------------------------------------------------------


async def test_a_referral_goes_from_draft_to_an_accepted_allocation(
    service: Services,
    stores: Stores,
    referrer: Actor,
    smlo: Actor,
    advocate: Actor,
) -> None:
    draft = await service.intake.start_draft(referrer)
    assert draft.state is ReferralState.DRAFT
    await service.intake.record_answers(referrer, draft.id, CONSENTED, IntakeStep.REVIEW)

    first = await service.intake.submit(referrer, draft.id)
    second = await submitted(service, Actor("referrer-2"))
    assert (first.reference, second.reference) == ("SMA-2026-0001", "SMA-2026-0002")
    assert first.state is ReferralState.SUBMITTED

    await service.triage.offer(smlo, first.id, "advocate-1")
    accepted = await service.casework.accept(advocate, first.id)

    stored = await service.steps.view(smlo, first.id)
    assert stored == accepted
    assert stored.state is ReferralState.ACTIVE
    assert stored.advocate_id == "advocate-1"
    assert await service.triage.view_by_reference(smlo, " sma-2026-0001 ") == stored
    with pytest.raises(errors.NotAnSmlo):
        await service.triage.view_by_reference(advocate, "SMA-2026-0001")  # nor can anyone probe
    mine = [n for n in await stores.outbox.pending(limit=1000) if n.referral_id == first.id]
    assert sorted((n.kind, n.recipient_id) for n in mine) == [
        (Kind.ACCEPTED, "smlo-1"),
        (Kind.ACCEPTED, "smlo-2"),
        (Kind.ADVOCATE_ALLOCATED, "referrer-1"),
        (Kind.NEW_REFERRAL, "smlo-1"),
        (Kind.NEW_REFERRAL, "smlo-2"),
        (Kind.OFFERED, "advocate-1"),
    ]


async def test_reference_numbers_start_again_each_year(
    service: Services, clock: FakeClock, referrer: Actor
) -> None:
    assert (await submitted(service, referrer)).reference == "SMA-2026-0001"
    clock.advance(timedelta(days=365))

    assert (await submitted(service, referrer)).reference == "SMA-2027-0001"


async def test_a_refused_submit_does_not_use_up_a_reference_number(
    service: Services, referrer: Actor
) -> None:
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(
        referrer, draft.id, CONSENTED.with_changes(consent=False), IntakeStep.REVIEW
    )
    with pytest.raises(errors.ConsentRequired):
        await service.intake.submit(referrer, draft.id)

    await service.intake.record_answers(referrer, draft.id, CONSENTED, IntakeStep.REVIEW)
    referral = await service.intake.submit(referrer, draft.id)

    assert referral.reference == "SMA-2026-0001"


# -- the SMLO's inbox and the advocate's cases -------------------------------------------


async def test_inbox_lists_only_referrals_waiting_for_the_smlo_oldest_submitted_first(
    service: Services, clock: FakeClock, smlo: Actor, advocate: Actor
) -> None:
    people = [Actor(f"referrer-{n}") for n in range(6)]
    drafts = [await service.intake.start_draft(person) for person in people]
    for person, draft in zip(people, drafts, strict=True):
        await service.intake.record_answers(person, draft.id, CONSENTED, IntakeStep.REVIEW)

    # Submitted in a different order from the one the drafts were started in.
    for index in (3, 1, 4, 2, 5):
        clock.advance(timedelta(minutes=5))
        await service.intake.submit(people[index], drafts[index].id)
    await service.triage.offer(smlo, drafts[4].id, "advocate-1")  # offered: off the inbox
    await service.triage.offer(smlo, drafts[2].id, "advocate-1")
    await service.casework.decline(advocate, drafts[2].id, DeclineReason.NO_CAPACITY)  # back on it
    await service.triage.mark_out_of_remit(smlo, drafts[5].id, Signpost.HR)  # signposted: off it

    inbox = await service.triage.inbox(smlo)

    assert [r.id for r in inbox] == [drafts[3].id, drafts[1].id, drafts[2].id]
    assert [r.state for r in inbox] == [
        ReferralState.SUBMITTED,
        ReferralState.SUBMITTED,
        ReferralState.AWAITING_ALLOCATION,
    ]


async def test_inbox_refuses_anyone_but_an_smlo(
    service: Services, referrer: Actor, advocate: Actor, stranger: Actor
) -> None:
    for person in (referrer, advocate, stranger):
        with pytest.raises(errors.NotAnSmlo):
            await service.triage.inbox(person)


async def test_my_cases_lists_what_is_offered_to_or_held_by_that_advocate_only(
    service: Services,
    clock: FakeClock,
    smlo: Actor,
    advocate: Actor,
    other_advocate: Actor,
) -> None:
    held = await offered(service, Actor("referrer-1"), smlo)
    await service.casework.accept(advocate, held.id)
    clock.advance(timedelta(minutes=5))
    offer = await offered(service, Actor("referrer-2"), smlo)
    elsewhere = await offered(service, Actor("referrer-3"), smlo, "advocate-2")
    await submitted(service, Actor("referrer-4"))

    assert [r.id for r in await service.casework.my_cases(advocate)] == [held.id, offer.id]
    assert [r.id for r in await service.casework.my_cases(other_advocate)] == [elsewhere.id]

    await service.casework.decline(advocate, offer.id, DeclineReason.OTHER)
    assert [r.id for r in await service.casework.my_cases(advocate)] == [held.id]


# -- who may read -----------------------------------------------------------------------


async def test_offered_advocate_cannot_view_before_accepting_but_can_after(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor
) -> None:
    referral = await offered(service, referrer, smlo)
    with pytest.raises(errors.NotPermitted):
        await service.steps.view(advocate, referral.id)
    with pytest.raises(errors.NotPermitted):
        await service.triage.view_by_reference(advocate, referral.reference)

    await service.casework.accept(advocate, referral.id)

    assert (await service.steps.view(advocate, referral.id)).id == referral.id


async def test_another_advocate_can_never_view(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor, other_advocate: Actor
) -> None:
    referral = await offered(service, referrer, smlo)
    with pytest.raises(errors.NotPermitted):
        await service.steps.view(other_advocate, referral.id)

    await service.casework.accept(advocate, referral.id)

    with pytest.raises(errors.NotPermitted):
        await service.steps.view(other_advocate, referral.id)
    with pytest.raises(errors.NotPermitted):
        await service.triage.view_by_reference(other_advocate, referral.reference)


async def test_referrer_and_smlo_can_view_and_a_stranger_cannot(
    service: Services, referrer: Actor, smlo: Actor, stranger: Actor
) -> None:
    referral = await submitted(service, referrer)

    assert (await service.steps.view(referrer, referral.id)).answers == CONSENTED
    assert (await service.steps.view(smlo, referral.id)).answers == CONSENTED
    with pytest.raises(errors.NotPermitted):
        await service.steps.view(stranger, referral.id)
    with pytest.raises(errors.NotPermitted):
        await service.triage.view_by_reference(stranger, referral.reference)


async def test_viewing_an_unknown_reference_says_not_found(service: Services, smlo: Actor) -> None:
    with pytest.raises(errors.ReferralNotFound):
        await service.triage.view_by_reference(smlo, "SMA-2026-0999")


# -- acting on someone else's referral (IDOR) --------------------------------------------


async def test_another_referrer_cannot_touch_someone_elses_draft(
    service: Services, referrer: Actor
) -> None:
    intruder = await service.identify("referrer-2")
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, CONSENTED, IntakeStep.REVIEW)

    with pytest.raises(errors.NotTheReferrer):
        await service.intake.record_answers(
            intruder, draft.id, IntakeAnswers(), IntakeStep.ABOUT_YOU
        )
    with pytest.raises(errors.NotPermitted):
        await service.intake.submit(intruder, draft.id)
    with pytest.raises(errors.NotTheReferrer):
        await service.intake.delete_draft(intruder, draft.id)

    stored = await service.steps.view(referrer, draft.id)
    assert stored.state is ReferralState.DRAFT
    assert stored.answers == CONSENTED


async def test_an_advocate_cannot_answer_an_offer_made_to_someone_else(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor, other_advocate: Actor
) -> None:
    mine = await offered(service, referrer, smlo, "advocate-1")
    theirs = await offered(service, Actor("referrer-2"), smlo, "advocate-2")

    with pytest.raises(errors.NotTheOfferedAdvocate):
        await service.casework.accept(advocate, theirs.id)
    with pytest.raises(errors.NotTheOfferedAdvocate):
        await service.casework.decline(other_advocate, mine.id, DeclineReason.OTHER)

    assert (await service.steps.view(smlo, mine.id)).state is ReferralState.OFFERED
    assert (await service.steps.view(smlo, theirs.id)).state is ReferralState.OFFERED


async def test_only_an_smlo_may_allocate_or_signpost(
    service: Services, referrer: Actor, advocate: Actor
) -> None:
    referral = await submitted(service, referrer)

    for person in (referrer, advocate):
        with pytest.raises(errors.NotAnSmlo):
            await service.triage.offer(person, referral.id, "advocate-1")
        with pytest.raises(errors.NotAnSmlo):
            await service.triage.mark_out_of_remit(person, referral.id, Signpost.HR)
        with pytest.raises(errors.NotAnSmlo):
            await service.triage.allocation_options(person, referral.id)

    assert (await service.steps.view(referrer, referral.id)).state is ReferralState.SUBMITTED


async def test_a_non_smlo_cannot_find_out_who_is_on_the_roster_by_offering(
    service: Services, referrer: Actor
) -> None:
    referral = await submitted(service, referrer)

    for advocate_id in ("advocate-1", "advocate-gone", "nobody"):
        with pytest.raises(errors.NotAnSmlo):
            await service.triage.offer(referrer, referral.id, advocate_id)


async def test_the_smlo_cannot_read_a_draft_the_referrer_has_not_sent(
    service: Services, referrer: Actor, smlo: Actor
) -> None:
    draft = await service.intake.start_draft(referrer)
    await service.intake.record_answers(referrer, draft.id, CONSENTED, IntakeStep.REVIEW)

    with pytest.raises(errors.NotPermitted):
        await service.steps.view(smlo, draft.id)
    await service.intake.submit(referrer, draft.id)
    assert (await service.steps.view(smlo, draft.id)).answers.account == "what happened"


# -- allocation -----------------------------------------------------------------------


async def test_allocation_options_list_active_advocates_least_busy_first(
    service: Services, referrer: Actor, smlo: Actor, advocate: Actor
) -> None:
    held = await offered(service, Actor("referrer-9"), smlo)
    await service.casework.accept(advocate, held.id)
    referral = await submitted(service, referrer)

    _, options = await service.triage.allocation_options(smlo, referral.id)

    assert [(o.advocate.user_id, o.caseload) for o in options] == [
        ("advocate-2", 0),
        ("advocate-1", 1),
    ]


@pytest.mark.parametrize("advocate_id", ["advocate-gone", "nobody"])
async def test_offer_to_an_advocate_not_on_the_active_roster_is_refused(
    service: Services, referrer: Actor, smlo: Actor, advocate_id: str
) -> None:
    referral = await submitted(service, referrer)

    with pytest.raises(errors.AdvocateNotAvailable):
        await service.triage.offer(smlo, referral.id, advocate_id)


async def test_double_accept_is_refused_and_notifies_only_once(
    service: Services, stores: Stores, referrer: Actor, smlo: Actor, advocate: Actor
) -> None:
    referral = await offered(service, referrer, smlo)
    await service.casework.accept(advocate, referral.id)

    with pytest.raises(errors.OfferAlreadyAnswered):
        await service.casework.accept(advocate, referral.id)

    sent = await pending(stores)
    assert [s for s in sent if s[0] in (Kind.ACCEPTED, Kind.ADVOCATE_ALLOCATED)] == [
        (Kind.ACCEPTED, "smlo-1"),
        (Kind.ACCEPTED, "smlo-2"),
        (Kind.ADVOCATE_ALLOCATED, "referrer-1"),
    ]


@pytest.mark.parametrize("interleave", [False, True], ids=["in_turn", "interleaved"])
async def test_two_concurrent_offers_allocate_exactly_once(
    clock: FakeClock, interleave: bool
) -> None:
    stores = build_stores(InterleavingReferralStore if interleave else MemoryReferralStore)
    service = await make_service(stores, clock)
    smlo_1, smlo_2 = Actor("smlo-1", is_smlo=True), Actor("smlo-2", is_smlo=True)
    referral = await submitted(service, Actor("referrer-1"))

    results = await asyncio.gather(
        service.triage.offer(smlo_1, referral.id, "advocate-1"),
        service.triage.offer(smlo_2, referral.id, "advocate-2"),
        return_exceptions=True,
    )

    won = [r for r in results if isinstance(r, Referral)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert [type(e) for e in lost] == [errors.ReferralAlreadyAllocated]
    stored = await service.steps.view(smlo_1, referral.id)
    assert stored.state is ReferralState.OFFERED
    assert stored.offered_to == won[0].offered_to
    assert [s for s in await pending(stores) if s[0] is Kind.OFFERED] == [
        (Kind.OFFERED, won[0].offered_to)
    ]
    if isinstance(stores.referrals, InterleavingReferralStore):
        assert stores.referrals.conflicts == 1, "both offers must have read before either saved"


async def test_two_concurrent_accepts_by_the_same_advocate_notify_only_once(
    clock: FakeClock,
) -> None:
    stores = build_stores(InterleavingReferralStore)
    service = await make_service(stores, clock)
    advocate = await service.identify("advocate-1")
    referral = await offered(service, Actor("referrer-1"), Actor("smlo-1", is_smlo=True))

    results = await asyncio.gather(
        service.casework.accept(advocate, referral.id),
        service.casework.accept(advocate, referral.id),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["OfferAlreadyAnswered", "Referral"]
    assert [s for s in await pending(stores) if s[0] is Kind.ACCEPTED] == [
        (Kind.ACCEPTED, "smlo-1"),
        (Kind.ACCEPTED, "smlo-2"),
    ]


async def test_decline_returns_the_referral_to_awaiting_allocation_and_the_inbox(
    service: Services, stores: Stores, referrer: Actor, smlo: Actor, advocate: Actor
) -> None:
    referral = await offered(service, referrer, smlo)
    assert referral.id not in [r.id for r in await service.triage.inbox(smlo)]

    declined = await service.casework.decline(advocate, referral.id, DeclineReason.CONFLICT)

    assert declined.state is ReferralState.AWAITING_ALLOCATION
    assert [r.id for r in await service.triage.inbox(smlo)] == [referral.id]
    assert [s for s in await pending(stores) if s[0] is Kind.DECLINED] == [
        (Kind.DECLINED, "smlo-1"),
        (Kind.DECLINED, "smlo-2"),
    ]
    _, options = await service.triage.allocation_options(smlo, referral.id)
    flagged = {o.advocate.user_id: o.conflict_reasons for o in options}
    assert flagged["advocate-1"] == ("declined_before",)


async def test_signposting_tells_the_referrer(
    service: Services, stores: Stores, referrer: Actor, smlo: Actor
) -> None:
    referral = await submitted(service, referrer)

    signposted = await service.triage.mark_out_of_remit(smlo, referral.id, Signpost.STAFF_NETWORK)

    assert signposted.state is ReferralState.SIGNPOSTED
    assert signposted.signpost is Signpost.STAFF_NETWORK
    assert (Kind.SIGNPOSTED, "referrer-1") in await pending(stores)


# -- drafts ---------------------------------------------------------------------------


async def test_start_draft_returns_the_existing_draft_instead_of_a_second_one(
    service: Services, referrer: Actor
) -> None:
    first = await service.intake.start_draft(referrer)
    again = await service.intake.start_draft(referrer)

    assert again.id == first.id
    assert (await service.intake.find_draft(referrer)) == first

    await service.intake.record_answers(referrer, first.id, CONSENTED, IntakeStep.REVIEW)
    await service.intake.submit(referrer, first.id)
    assert (await service.intake.start_draft(referrer)).id != first.id


async def test_delete_draft_by_someone_else_is_refused_and_by_the_referrer_works(
    service: Services, referrer: Actor, smlo: Actor
) -> None:
    draft = await service.intake.start_draft(referrer)

    with pytest.raises(errors.NotTheReferrer):
        await service.intake.delete_draft(smlo, draft.id)
    assert await service.intake.find_draft(referrer) == draft

    await service.intake.delete_draft(referrer, draft.id)
    assert await service.intake.find_draft(referrer) is None
    with pytest.raises(errors.ReferralNotFound):
        await service.steps.view(referrer, draft.id)


# -- roles ----------------------------------------------------------------------------


async def test_identify_gives_the_smlo_role_only_to_configured_ids(
    service: Services,
) -> None:
    assert (await service.identify("smlo-2")).is_smlo
    assert not (await service.identify("someone", display_name="smlo-1")).is_smlo
    assert not (await service.identify("SMLO-1")).is_smlo
    assert not (await service.identify("advocate-1")).is_smlo


async def test_identify_gives_the_advocate_role_only_to_active_roster_members(
    service: Services,
) -> None:
    assert (await service.identify("advocate-1")).is_advocate
    assert not (await service.identify("advocate-gone")).is_advocate
    assert not (await service.identify("smlo-1")).is_advocate
    assert not (await service.identify("referrer-1", display_name="advocate-1")).is_advocate


async def test_identify_gives_no_role_to_a_person_without_an_id(
    stores: Stores, clock: FakeClock
) -> None:
    await stores.roster.put_advocate(Advocate("", "Blank Id"))
    service = Services.build(stores, clock, frozenset({"", "smlo-1"}), MemoryAuditLog())

    nobody = await service.identify("")

    assert not nobody.is_smlo
    assert not nobody.is_advocate


async def test_an_smlo_who_makes_a_referral_leaves_it_to_the_other_smlo(
    service: Services, stores: Stores, smlo: Actor
) -> None:
    draft = await service.intake.start_draft(smlo)
    await service.intake.record_answers(smlo, draft.id, CONSENTED, IntakeStep.REVIEW)
    referral = await service.intake.submit(smlo, draft.id)

    with pytest.raises(errors.CannotTriageOwnReferral):
        await service.triage.offer(smlo, referral.id, "advocate-1")
    with pytest.raises(errors.CannotTriageOwnReferral):
        await service.triage.mark_out_of_remit(smlo, referral.id, Signpost.HR)
    deputy = await service.identify("smlo-2")
    assert (
        await service.triage.offer(deputy, referral.id, "advocate-1")
    ).state is ReferralState.OFFERED
    sent_to = {(n.kind, n.recipient_id) for n in await stores.outbox.pending(limit=100)}
    assert (Kind.NEW_REFERRAL, "smlo-2") in sent_to
    assert (Kind.NEW_REFERRAL, "smlo-1") not in sent_to


# -- an advocate taken off the list ---------------------------------------------------------


async def test_a_removed_advocate_cannot_accept_an_old_offer_nor_open_their_cases(
    service: Services, stores: Stores, referrer: Actor, smlo: Actor, advocate: Actor
) -> None:
    held = await offered(service, referrer, smlo)
    await service.casework.accept(advocate, held.id)
    waiting = await offered(service, referrer, smlo)

    change = await service.administration.remove_advocate(smlo, "ada advocate")
    removed = await service.identify("advocate-1")

    returned = await stores.referrals.get(waiting.id)
    assert (returned.state, returned.offered_to) == (ReferralState.AWAITING_ALLOCATION, "")
    assert returned.history[-1].name == "OfferReturned"
    mine = [n for n in await stores.outbox.pending(limit=1000) if n.referral_id == waiting.id]
    assert sorted((n.kind, n.recipient_id) for n in mine if n.kind is Kind.DECLINED) == [
        (Kind.DECLINED, "smlo-1"),
        (Kind.DECLINED, "smlo-2"),
    ]
    assert change.open_cases == 1
    for refused in (
        service.casework.accept(removed, waiting.id),
        service.casework.view_offer(removed, waiting.id),
        service.casework.view_case(removed, held.id),
        service.steps.view(removed, held.id),
    ):
        with pytest.raises(errors.NotPermitted):
            await refused
    assert await service.casework.my_cases(removed) == []
    assert (await stores.referrals.get(held.id)).state is ReferralState.ACTIVE, "kept, locked"


async def test_an_offer_to_someone_deactivated_behind_the_services_back_cannot_be_accepted(
    service: Services, stores: Stores, referrer: Actor, smlo: Actor
) -> None:
    referral = await offered(service, referrer, smlo)
    await stores.roster.put_advocate(Advocate("advocate-1", "Ada Advocate", active=False))
    removed = await service.identify("advocate-1")

    with pytest.raises(errors.NotAnActiveAdvocate):
        await service.casework.accept(removed, referral.id)
    assert await service.administration.return_stranded_offers(smlo) == 1
    assert (await stores.referrals.get(referral.id)).state is ReferralState.AWAITING_ALLOCATION

"""The use cases on whom referrals name, over the in-memory stores and a directory fake:
the e-mail resolved to an object id, a referral about an SMLO kept from them (its card,
its alert, its details, the inbox), a referral about an advocate never offered to them,
matching only across distinct referrers, and the rows forgotten with the personal data."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import pytest

from cards import subjects as subject_cards
from referrals import errors
from referrals.audit import AuditAction, Outcome
from referrals.availability import Exclusion, OverrideReason
from referrals.case_record import CloseOutcome, Closure
from referrals.clock import FakeClock
from referrals.intake import ContactMethod, IntakeAnswers, IntakeStep, Route, YesNoUnsure
from referrals.notifications import NotificationKind as Kind
from referrals.outside import WithdrawnFor
from referrals.people import Actor, Advocate
from referrals.referral import Referral
from referrals.roster import GroupChange, Person, WorkPlace
from referrals.services import Services
from referrals.services.retention import RetentionPolicy
from referrals.signposting import Signpost
from referrals.states import ReferralState
from referrals.subjects import BlindIndex, SubjectMark, SubjectWish
from storage.memory import MemoryAuditLog, memory_stores
from tests.support.teams import card_texts as texts_of

BLIND = BlindIndex(hashlib.sha256(b"service test blind key").digest())
SMLO = Actor("smlo-1", is_smlo=True)
NAMED_SMLO = Actor("smlo-2", is_smlo=True)
SMLOS = frozenset({SMLO.user_id, NAMED_SMLO.user_id})
ALICE, BOB = Actor("referrer-a"), Actor("referrer-b")
NAMED_ADVOCATE = Advocate("advocate-9", "Nat Named")
OTHER_ADVOCATE = Advocate("advocate-1", "Ada Other")
EMAILS = {"nat.named@police.example": "advocate-9", "sam.smlo@police.example": "smlo-2"}


class Directory:
    """The staff directory as the subject checks use it: one person per work e-mail."""

    def __init__(self, down: bool = False) -> None:
        self.down = down

    async def find_people(self, text: str) -> list[Person]:
        if self.down:
            raise errors.DirectoryUnavailable("down")
        found = EMAILS.get(text.lower())
        return [Person(found, "Someone")] if found else []

    async def add_to_advocates(self, user_id: str) -> GroupChange:
        return GroupChange.NO_GROUP

    async def remove_from_advocates(self, user_id: str) -> GroupChange:
        return GroupChange.NO_GROUP

    async def work_place(self, user_id: str) -> WorkPlace | None:
        return None


@pytest.fixture
async def world() -> tuple[Services, MemoryAuditLog]:
    stores, audit = memory_stores(), MemoryAuditLog()
    for advocate in (NAMED_ADVOCATE, OTHER_ADVOCATE):
        await stores.roster.put_advocate(advocate)
    clock = FakeClock()
    return Services.build(stores, clock, SMLOS, audit, Directory(), blind_index=BLIND), audit


async def send(
    services: Services,
    referrer: Actor,
    *,
    name: str = "",
    email: str = "",
    number: str = "",
    wish: SubjectWish | None = SubjectWish.ACT_NOW,
) -> Referral:
    draft = await services.intake.start_draft(referrer)
    answers = IntakeAnswers(
        route=Route.WITNESSED,
        subject_name=name,
        subject_email=email,
        subject_number=number,
        subject_wish=wish,
        consent=True,
    )
    await services.intake.record_answers(referrer, draft.id, answers, IntakeStep.REVIEW)
    return await services.intake.submit(referrer, draft.id)


async def take_a_call(services: Services, *, name: str = "", email: str = "") -> Referral:
    """A referral the SMLO took for a caller without Teams, naming someone (act now)."""
    draft, _ = await services.outside.start_draft(SMLO)
    answers = IntakeAnswers(
        route=Route.ON_BEHALF,
        behalf_consent=YesNoUnsure.YES,
        contact_methods=(ContactMethod.PERSONAL_PHONE,),
        personal_phone="07700 900111",
        subject_name=name,
        subject_email=email,
        subject_wish=SubjectWish.ACT_NOW,
        consent=True,
    )
    await services.intake.record_answers(SMLO, draft.id, answers, IntakeStep.REVIEW)
    return await services.intake.submit(SMLO, draft.id)


async def told(services: Services, kind: Kind) -> list[tuple[str, str]]:
    pending = await services.steps.stores.outbox.pending(limit=1000)
    return sorted((n.referral_id, n.recipient_id) for n in pending if n.kind is kind)


async def test_an_email_that_resolves_in_the_directory_is_kept_as_the_subjects_id(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    services, _ = world
    sent = await send(services, ALICE, email=" Nat.Named@Police.Example ")

    assert sent.answers.subject_user_id == NAMED_ADVOCATE.user_id
    marks = await services.steps.stores.subjects.sharing(sent.id)
    assert len(marks) == 2, "the e-mail and the directory id"


async def test_an_unanswering_directory_still_sends_the_referral_and_indexes_the_email() -> None:
    stores = memory_stores()
    services = Services.build(
        stores, FakeClock(), SMLOS, MemoryAuditLog(), Directory(down=True), blind_index=BLIND
    )

    sent = await send(services, ALICE, email="nat.named@police.example")

    assert sent.answers.subject_user_id == ""
    assert len(await stores.subjects.sharing(sent.id)) == 1


async def test_a_referral_about_an_smlo_goes_only_to_the_other_smlos_who_alone_can_open_it(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    services, audit = world
    first = await send(services, ALICE, email="sam.smlo@police.example", wish=None)
    second = await send(services, BOB, name="Sam Smlo", email="SAM.SMLO@police.example")

    assert await told(services, Kind.NEW_REFERRAL) == sorted(
        [(first.id, "smlo-1"), (second.id, "smlo-1")]
    )
    assert await told(services, Kind.SUBJECT_MATCH) == [(second.id, "smlo-1")]
    assert [r.id for r in await services.triage.inbox(NAMED_SMLO)] == []
    assert {r.id for r in await services.triage.inbox(SMLO)} == {first.id, second.id}
    for refused in (
        services.triage.view(NAMED_SMLO, first.id),
        services.subjects.open_match(NAMED_SMLO, second.id),
        services.triage.offer(NAMED_SMLO, first.id, OTHER_ADVOCATE.user_id),
    ):
        with pytest.raises(errors.NotPermitted):
            await refused
    refusals = [
        (e.action, e.actor_id)
        for e in await audit.for_referral(first.id) + await audit.for_referral(second.id)
        if e.outcome is Outcome.REFUSED
    ]
    assert (AuditAction.VIEW_DETAILS, NAMED_SMLO.user_id) in refusals
    assert (AuditAction.OPEN_SUBJECT_MATCH, NAMED_SMLO.user_id) in refusals

    referral, others = await services.subjects.open_match(SMLO, second.id)
    assert (referral.id, [o.id for o in others]) == (second.id, [first.id])


async def test_a_referral_about_an_advocate_lists_them_as_not_for_it_and_never_offers_it(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    services, _ = world
    sent = await send(services, ALICE, email="nat.named@police.example")

    _, options = await services.triage.allocation_options(SMLO, sent.id)
    (named,) = [o for o in options if o.advocate == NAMED_ADVOCATE]
    assert named.excluded_for == (Exclusion.NOT_FOR_THIS_REFERRAL,)
    assert not named.may_ask_anyway
    with pytest.raises(errors.AdvocateNotAvailable):
        await services.triage.offer(SMLO, sent.id, NAMED_ADVOCATE.user_id)
    with pytest.raises(errors.AdvocateNotAvailable):
        await services.triage.offer(
            SMLO, sent.id, NAMED_ADVOCATE.user_id, OverrideReason.NO_ONE_ELSE
        )


async def test_the_same_referrer_twice_is_no_match_a_second_referrer_is(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    services, _ = world
    await send(services, ALICE, name="Jo Smith", wish=SubjectWish.ONLY_IF_ANOTHER)
    await send(services, ALICE, name="jo SMITH")
    assert await told(services, Kind.SUBJECT_MATCH) == []

    third = await send(services, BOB, name="Smith, Jo")

    assert await told(services, Kind.SUBJECT_MATCH) == [(third.id, s) for s in sorted(SMLOS)]
    stored = await services.steps.stores.referrals.get(third.id)
    assert stored.subject_matches == ("SMA-2026-0003", "SMA-2026-0001", "SMA-2026-0002")
    first = await services.steps.stores.referrals.find_by_reference("SMA-2026-0001")
    assert first is not None
    assert first.subject_shown, "released by the match"
    assert await told(services, Kind.NEW_REFERRAL)  # and nothing to any referrer:
    pending = await services.steps.stores.outbox.pending(limit=1000)
    assert not [n for n in pending if n.recipient_id in (ALICE.user_id, BOB.user_id)]


async def test_retention_forgets_the_rows_of_a_purged_referral(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    services, _ = world
    sent = await send(services, ALICE, name="Jo Smith")
    await services.intake.withdraw(ALICE, sent.id)
    assert await services.steps.stores.subjects.sharing(sent.id) == []

    other = await send(services, BOB, name="Jo Smith")
    await services.triage.mark_out_of_remit(SMLO, other.id, Signpost.STAFF_NETWORK)
    closure = Closure(CloseOutcome.MOVED_SERVICE, True, "signposted")
    await services.case_record.close(SMLO, other.id, closure)
    assert len(await services.steps.stores.subjects.sharing(other.id)) == 1, "kept till purged"
    clock = services.steps.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=400))
    await services.retention.purge_expired(RetentionPolicy(ended_days=365, draft_days=30))

    assert await services.steps.stores.subjects.sharing(other.id) == []


async def test_a_referral_about_the_only_smlo_is_logged_by_id_for_the_service_to_act_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stores = memory_stores()
    only = frozenset({NAMED_SMLO.user_id})
    services = Services.build(
        stores, FakeClock(), only, MemoryAuditLog(), Directory(), blind_index=BLIND
    )

    sent = await send(services, ALICE, email="sam.smlo@police.example")

    assert await told(services, Kind.NEW_REFERRAL) == []
    (record,) = [r for r in caplog.records if "only SMLO" in r.getMessage()]
    assert record.levelname == "ERROR"
    assert sent.id in record.getMessage()
    assert "sam.smlo" not in record.getMessage()


async def test_an_smlo_is_not_shown_an_undelivered_notice_of_a_referral_about_them(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    services, _ = world
    sent = await send(services, ALICE, email="sam.smlo@police.example")
    outbox = services.steps.stores.outbox
    (card,) = [n for n in await outbox.pending(limit=100) if n.referral_id == sent.id]
    await outbox.park(card.id, "403", services.steps.clock.now())

    assert await services.administration.undelivered(NAMED_SMLO) == []
    assert [r.id for _, r in await services.administration.undelivered(SMLO)] == [sent.id]


async def test_two_callers_an_smlo_took_referrals_for_are_two_referrers(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """The SMLO typed both referrals for people without Teams, but the concerns are two
    callers': naming the same person, they match (the SMLO is not the referrer twice)."""
    services, _ = world
    for _ in range(2):
        second = await take_a_call(services, name="Jo Smith")

    assert await told(services, Kind.SUBJECT_MATCH) == [(second.id, s) for s in sorted(SMLOS)]


async def test_a_store_failing_at_the_match_still_sends_and_the_next_referral_matches_all(
    world: tuple[Services, MemoryAuditLog], caplog: pytest.LogCaptureFixture
) -> None:
    """The referral is sent (the person gets their receipt, not an error); the alert is
    late, not lost: the next referral naming the same person brings the whole group."""
    services, _ = world
    await send(services, ALICE, name="Jo Smith")
    subjects = services.steps.stores.subjects
    sharing = subjects.sharing

    async def down(referral_id: str) -> list[SubjectMark]:
        raise ConnectionError("the store is down")

    subjects.sharing = down  # type: ignore[method-assign]
    second = await send(services, BOB, name="Jo Smith")
    subjects.sharing = sharing  # type: ignore[method-assign]

    assert second.reference == "SMA-2026-0002"
    assert await told(services, Kind.SUBJECT_MATCH) == []
    assert "Jo Smith" not in caplog.text
    third = await send(services, Actor("referrer-c"), name="jo smith")
    stored = await services.steps.stores.referrals.get(third.id)
    assert set(stored.subject_matches) == {"SMA-2026-0001", "SMA-2026-0002", "SMA-2026-0003"}


async def test_the_smlo_a_referral_is_about_may_not_read_its_audit_trail(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """The trail says who read it and when: the SMLO it is about is refused, audited."""
    services, audit = world
    sent = await send(services, ALICE, email="sam.smlo@police.example")

    with pytest.raises(errors.NotPermitted):
        await services.administration.audit_trail(NAMED_SMLO, sent.id)

    (entry,) = [e for e in await audit.for_referral(sent.id) if e.action is AuditAction.VIEW_AUDIT]
    assert (entry.actor_id, entry.outcome) == (NAMED_SMLO.user_id, Outcome.REFUSED)
    assert await services.administration.audit_trail(SMLO, sent.id)


async def test_the_smlo_a_referral_taken_outside_teams_is_about_may_not_withdraw_it(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """Another SMLO took a caller's referral naming them: they can neither open the card
    asking how the person asked nor withdraw it (and so erase it)."""
    services, audit = world
    sent = await take_a_call(services, email="sam.smlo@police.example")
    assert sent.answers.subject_user_id == NAMED_SMLO.user_id

    for refused in (
        services.outside.withdraw_face(NAMED_SMLO, sent.id),
        services.outside.withdraw_for_person(NAMED_SMLO, sent.id, WithdrawnFor.BY_PHONE),
    ):
        with pytest.raises(errors.NotPermitted):
            await refused

    assert (await services.steps.stores.referrals.get(sent.id)).state is not ReferralState.WITHDRAWN
    refusals = [
        e
        for e in await audit.for_referral(sent.id)
        if e.action is AuditAction.WITHDRAW_FOR_PERSON and e.outcome is Outcome.REFUSED
    ]
    assert len(refusals) == 2


async def test_an_smlo_who_made_one_of_the_matching_referrals_is_not_told_nor_can_open_it(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """In Teams an SMLO who refers is a referrer, and referrers are never told of another
    referral: the alert goes to the other SMLOs, and the match is refused them, audited."""
    services, audit = world
    await send(services, SMLO, name="Jo Smith")
    second = await send(services, ALICE, name="Jo Smith")

    assert await told(services, Kind.SUBJECT_MATCH) == [(second.id, NAMED_SMLO.user_id)]
    with pytest.raises(errors.NotPermitted):
        await services.subjects.open_match(SMLO, second.id)
    (refused,) = [
        e for e in await audit.for_referral(second.id) if e.action is AuditAction.OPEN_SUBJECT_MATCH
    ]
    assert (refused.actor_id, refused.outcome) == (SMLO.user_id, Outcome.REFUSED)
    _, others = await services.subjects.open_match(NAMED_SMLO, second.id)
    assert len(others) == 1


async def test_withdrawing_for_someone_without_teams_forgets_whom_it_named(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """As the person's own withdrawal does: the index rows go with the personal data, so
    a later referral naming the same person matches nothing of it."""
    services, _ = world
    sent = await take_a_call(services, name="Jo Smith")
    assert await services.steps.stores.subjects.sharing(sent.id)

    await services.outside.withdraw_for_person(NAMED_SMLO, sent.id, WithdrawnFor.BY_EMAIL)

    assert await services.steps.stores.subjects.sharing(sent.id) == []


async def test_the_auditor_a_referral_is_about_may_not_read_its_audit_trail(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """Who read a referral about them, and when, is no more theirs than its details."""
    services, audit = world
    auditor = Actor("auditor-7", is_auditor=True)
    sent = await send(services, ALICE, name="Aud Itor")
    about = await services.steps.stores.referrals.get(sent.id)
    about.answers = about.answers.with_changes(subject_user_id=auditor.user_id)
    await services.steps.stores.referrals.save(about)

    with pytest.raises(errors.NotPermitted):
        await services.oversight.audit_trail(auditor, sent.reference)

    (entry,) = [e for e in await audit.for_referral(sent.id) if e.action is AuditAction.VIEW_AUDIT]
    assert (entry.actor_id, entry.outcome) == (auditor.user_id, Outcome.REFUSED)
    other = Actor("auditor-8", is_auditor=True)
    assert (await services.oversight.audit_trail(other, sent.reference))[0].id == sent.id


async def test_withdrawal_erases_which_referrals_it_was_matched_with(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """The match said whom it named, in effect (the same person as another referral):
    withdrawn, its history keeps that a match was found, never with which references."""
    services, _ = world
    first = await send(services, ALICE, name="Jo Smith")
    second = await send(services, BOB, name="Jo Smith")
    assert (await services.steps.stores.referrals.get(second.id)).subject_matches

    withdrawn = await services.intake.withdraw(BOB, second.id)

    assert withdrawn.subject_matches == ()
    assert first.reference not in " ".join(e.detail for e in withdrawn.history)
    shown = " ".join(texts_of(subject_cards.match_alert_card(withdrawn)))
    assert first.reference not in shown
    assert "0 referrals" not in shown


async def test_an_offer_about_the_smlo_who_takes_its_advocate_off_the_list_goes_back_as_the_system(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """Taking someone off the list returns their waiting offers; one about the SMLO doing
    it is not acted on in their name (nothing on it may be theirs), but still goes back."""
    services, audit = world
    sent = await send(services, ALICE, email="sam.smlo@police.example")
    await services.triage.offer(SMLO, sent.id, OTHER_ADVOCATE.user_id)
    stores = services.steps.stores
    await stores.roster.put_advocate(replace(OTHER_ADVOCATE, active=False))

    assert await services.administration.return_stranded_offers(NAMED_SMLO) == 1

    trail = await audit.for_referral(sent.id)
    returned = [e for e in trail if e.action is AuditAction.RETURN_OFFER]
    assert [(e.actor_id, e.outcome) for e in returned] == [("system", Outcome.ALLOWED)]
    assert (await stores.referrals.get(sent.id)).state is ReferralState.AWAITING_ALLOCATION


async def test_an_smlo_who_takes_a_call_about_themselves_keeps_nothing_of_it(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """Taking a call is acting as staff, not referring: once sent, a referral about the
    SMLO who took it is theirs no more than any other referral about them."""
    services, _ = world
    draft, _ = await services.outside.start_draft(NAMED_SMLO)
    answers = IntakeAnswers(
        route=Route.ON_BEHALF,
        behalf_consent=YesNoUnsure.YES,
        contact_methods=(ContactMethod.PERSONAL_PHONE,),
        personal_phone="07700 900111",
        subject_email="sam.smlo@police.example",
        subject_wish=SubjectWish.ACT_NOW,
        consent=True,
    )
    await services.intake.record_answers(NAMED_SMLO, draft.id, answers, IntakeStep.REVIEW)
    sent = await services.intake.submit(NAMED_SMLO, draft.id)

    assert await told(services, Kind.NEW_REFERRAL) == [(sent.id, SMLO.user_id)]
    for refused in (
        services.triage.view(NAMED_SMLO, sent.id),
        services.steps.view(NAMED_SMLO, sent.id),
        services.messages.thread(NAMED_SMLO, sent.id),
    ):
        with pytest.raises(errors.NotPermitted):
            await refused


async def test_a_to_do_for_a_person_a_referral_about_its_taker_is_for_goes_to_another_smlo(
    world: tuple[Services, MemoryAuditLog],
) -> None:
    """Sent elsewhere before anyone holds it, the to-do to let the person know would go to
    the SMLO who took it; about them, it goes to the SMLO who decided instead."""
    services, _ = world
    draft, _ = await services.outside.start_draft(NAMED_SMLO)
    answers = IntakeAnswers(
        route=Route.ON_BEHALF,
        behalf_consent=YesNoUnsure.YES,
        contact_methods=(ContactMethod.PERSONAL_PHONE,),
        personal_phone="07700 900111",
        subject_email="sam.smlo@police.example",
        subject_wish=SubjectWish.ACT_NOW,
        consent=True,
    )
    await services.intake.record_answers(NAMED_SMLO, draft.id, answers, IntakeStep.REVIEW)
    sent = await services.intake.submit(NAMED_SMLO, draft.id)

    await services.triage.mark_out_of_remit(SMLO, sent.id, Signpost.STAFF_NETWORK)

    assert await told(services, Kind.TELL_PERSON_SIGNPOSTED) == [(sent.id, SMLO.user_id)]
